"""tcpdump on a lab link, stopped so that every packet it saw is in the file."""

from __future__ import annotations

import signal
import subprocess
import time
from pathlib import Path

from lab.netns import Host, LabError


class Tcpdump:
    """Packet-buffered (-U) pcap writer on one host's lab interface."""

    def __init__(self, host: Host, path: Path) -> None:
        self.host = host
        self.path = path
        self.stderr_path = path.with_suffix(".tcpdump.err")
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        """Start and wait for "listening on", so the first IKE packet is not missed."""
        self.path.unlink(missing_ok=True)
        err = open(self.stderr_path, "wb")
        self.proc = subprocess.Popen(
            ["ip", "netns", "exec", self.host.netns, "tcpdump", "-i", self.host.iface, "-n",
             "-U", "--immediate-mode", "-w", str(self.path)],
            stdout=subprocess.DEVNULL, stderr=err, stdin=subprocess.DEVNULL)
        err.close()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if "listening on" in self.stderr_path.read_text(errors="replace"):
                return
            if self.proc.poll() is not None:
                raise LabError(f"tcpdump exited: {self.stderr_path.read_text()}")
            time.sleep(0.05)
        raise LabError("tcpdump did not start listening")

    def stop(self) -> None:
        """SIGINT by PID makes tcpdump flush and close the file; then wait for it."""
        if self.proc is None or self.proc.poll() is not None:
            return
        time.sleep(0.3)  # let the last reply cross the veth before the capture ends
        self.proc.send_signal(signal.SIGINT)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=5)
