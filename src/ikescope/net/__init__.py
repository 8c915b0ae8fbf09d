"""From link-layer frames to IKE messages: link, IP, fragments, UDP, TCP.

Pure code: no files, sockets, clocks, dpkt or scapy. Bytes are read by hand
because every captured frame passes through here.

Problem codes this layer puts in NetEvents (kind "problem"); offsets are not
set, since they would be offsets in no single frame, and the detail names
the frames instead:

    net.unknown_linktype        frames of a link type we cannot read (once per type)
    net.snaplen_short           too little of a UDP 4500 payload to tell IKE from ESP
    net.fragments_incomplete    IP fragments still missing at the end of the input
    net.fragment_timeout        IP fragments still missing after the timeout (capture time)
    net.fragments_evicted       IP fragments dropped to bound memory
    net.fragments_overlap       fragments overlapping with different content
    net.fragments_inconsistent  fragments disagreeing on the datagram's size or shape
    net.tcp_framing             RFC 8229 length framing lost in a TCP stream
    net.tcp_gap                 a TCP segment missing from the capture, stream abandoned
    net.tcp_stream_incomplete   bytes of a TCP stream that never formed a whole message
    ikescope.limit_reached      at the end: how many datagrams or streams the caps dropped
    capture.time_jumps          at the end: how often the frames' clock stepped back or leapt ahead

Fragment problems are errors when the first fragment shows IKE ports, and
warnings when the first fragment is missing (nobody can tell what it carried).
"""

from ikescope.net.demux import Demux, DemuxStats, datagrams

__all__ = ["Demux", "DemuxStats", "datagrams"]
