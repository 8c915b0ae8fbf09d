"""Plain records that flow between the pipeline stages.

Every stage takes and returns these frozen values, so a stage can be tested by
handing it records built by hand, and the file and live paths share one chain:
Frame -> Datagram -> Decoded -> (tracker, diagnosis) -> Report.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import NamedTuple


class Severity(str, Enum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


class Frame(NamedTuple):
    """One captured link-layer frame.

    A NamedTuple rather than a frozen dataclass: one is built for every frame of
    a capture, and a tuple is built in a third of the time.

    index: 1-based frame number, counted as Wireshark counts.
    ts: capture time in seconds since the epoch (the only clock the core sees).
    linktype: the pcap LINKTYPE_* value of the interface that captured it.
    data: the captured bytes (possibly cut short by the snap length).
    wirelen: the length the frame had on the wire.
    """

    index: int
    ts: float
    linktype: int
    data: bytes
    wirelen: int


class Tick(NamedTuple):
    """The capture clock reached ``ts`` with no frame: a live capture on a quiet link sends
    these so SAs still close and silent peers are still reported."""

    ts: float


@dataclass(frozen=True, slots=True)
class Problem:
    """Something wrong with the input, kept as data instead of raised.

    code: stable snake_case identifier (``ike.truncated``, ``net.fragment_timeout``...).
    offset: byte offset inside the IKE message (or frame, for net problems), if known.
    length: the number of bytes concerned, if known.
    detail: one sentence for a person.
    """

    code: str
    detail: str
    offset: int | None = None
    length: int | None = None
    severity: Severity = Severity.ERROR


@dataclass(frozen=True, slots=True)
class Datagram:
    """One IKE message as carried by the network, with the transport stripped.

    frames: every frame that contributed (several for IP fragments or TCP segments);
    the last one completes the message and gives ``ts``.
    transport: "udp" or "tcp".
    encap: "plain" (UDP, no marker), "non-esp" (UDP 4500 with the RFC 3948 marker) or
    "tcp" (RFC 8229 framing).
    payload: the IKE message bytes, starting with the ISAKMP header.
    truncated: the capture cut this message short (snap length), so the payload is
    shorter than the message was on the wire.
    """

    frames: tuple[int, ...]
    ts: float
    src: str
    dst: str
    sport: int
    dport: int
    transport: str
    encap: str
    payload: bytes
    truncated: bool = False
    problems: tuple[Problem, ...] = field(default=())

    @property
    def frame(self) -> int:
        return self.frames[-1]


@dataclass(frozen=True, slots=True)
class NetEvent:
    """A frame that is not an IKE message but still tells something.

    kind: "esp" (ESP, plain or in UDP 4500 or TCP, sampled: see ``Demux``; ``spi`` is its SPI),
    "keepalive" (RFC 3948 NAT keepalive),
    "icmp_unreachable" (an ICMP destination-unreachable quoting an IKE datagram;
    src/dst/ports are the quoted datagram's, ``problem`` says which ICMP code),
    "problem" (a network-level fault; see ``problem``).
    limit: for a problem that a cap was reached (``limits.Limit``), its name and size.
    """

    kind: str
    frame: int
    ts: float
    src: str = ""
    dst: str = ""
    sport: int = 0
    dport: int = 0
    problem: Problem | None = None
    spi: int | None = None
    limit: tuple[str, int] | None = None
