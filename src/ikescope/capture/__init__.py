"""Where frames come from: capture files (and, later, live interfaces)."""

from ikescope.capture.pcapfile import CaptureReader, open_capture

__all__ = ["CaptureReader", "open_capture"]
