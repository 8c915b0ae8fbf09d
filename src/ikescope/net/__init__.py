"""From link-layer frames to IKE messages: link, IP, fragments, UDP, TCP.

Pure code: no files, sockets, clocks, dpkt or scapy. Bytes are read by hand
because every captured frame passes through here.
"""

from ikescope.net.demux import Demux, DemuxStats, datagrams

__all__ = ["Demux", "DemuxStats", "datagrams"]
