"""Decoded IKE messages as plain frozen values.

Numbers stay numbers (open enums): a value the registry does not know is kept
as it was on the wire, and only the renderers give it a name, so nothing is
lost when a peer sends a private-use or future number.
Offsets are from the first byte of the ISAKMP header, so a problem and the
payload it concerns point at the same place a hex dump shows.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..model import Problem


@dataclass(frozen=True, slots=True)
class Header:
    """The 28-byte ISAKMP/IKE header (RFC 2408 3.1, RFC 7296 3.1)."""

    ispi: bytes
    rspi: bytes
    next_payload: int
    major: int
    minor: int
    exchange: int
    flags: int
    message_id: int
    length: int

    @property
    def encrypted_v1(self) -> bool:
        return self.major == 1 and bool(self.flags & 0x01)

    @property
    def initiator(self) -> bool:
        """IKEv2 Initiator flag (bit 3)."""
        return bool(self.flags & 0x08)

    @property
    def response(self) -> bool:
        """IKEv2 Response flag (bit 5)."""
        return bool(self.flags & 0x20)


@dataclass(frozen=True, slots=True)
class Attribute:
    """A data attribute (RFC 2408 3.3): TV when ``value`` is an int, TLV when bytes."""

    type: int
    value: int | bytes


@dataclass(frozen=True, slots=True)
class Transform:
    """IKEv1 transform (number, transform id) or IKEv2 transform (type, id)."""

    number: int
    type: int
    id: int
    attributes: tuple[Attribute, ...] = ()

    def attr(self, atype: int) -> int | bytes | None:
        for a in self.attributes:
            if a.type == atype:
                return a.value
        return None


@dataclass(frozen=True, slots=True)
class Proposal:
    number: int
    protocol: int
    spi: bytes
    transforms: tuple[Transform, ...]


@dataclass(frozen=True, slots=True)
class Payload:
    """Common part of every payload: its type number, place and critical bit."""

    type: int
    offset: int
    length: int
    critical: bool


@dataclass(frozen=True, slots=True)
class SaPayload(Payload):
    doi: int = 0
    situation: int = 0
    proposals: tuple[Proposal, ...] = ()


@dataclass(frozen=True, slots=True)
class KePayload(Payload):
    group: int | None = None  # IKEv2 only; IKEv1 takes the group from the SA
    data_length: int = 0


@dataclass(frozen=True, slots=True)
class IdPayload(Payload):
    id_type: int = 0
    protocol: int = 0
    port: int = 0
    data: bytes = b""


@dataclass(frozen=True, slots=True)
class CertPayload(Payload):
    encoding: int = 0
    data: bytes = b""


@dataclass(frozen=True, slots=True)
class CertReqPayload(Payload):
    encoding: int = 0
    data: bytes = b""


@dataclass(frozen=True, slots=True)
class AuthPayload(Payload):
    method: int = 0
    data_length: int = 0


@dataclass(frozen=True, slots=True)
class OpaquePayload(Payload):
    """Payloads whose content is a blob: Nonce, Hash, Signature, NAT-D, VID, IKEv1 SAK."""

    data: bytes = b""


@dataclass(frozen=True, slots=True)
class NotifyPayload(Payload):
    doi: int = 0  # IKEv1 only
    protocol: int = 0
    spi: bytes = b""
    notify_type: int = 0
    data: bytes = b""


@dataclass(frozen=True, slots=True)
class DeletePayload(Payload):
    doi: int = 0  # IKEv1 only
    protocol: int = 0
    spi_size: int = 0
    spis: tuple[bytes, ...] = ()


@dataclass(frozen=True, slots=True)
class TrafficSelector:
    ts_type: int
    protocol: int
    start_port: int
    end_port: int
    start: bytes
    end: bytes


@dataclass(frozen=True, slots=True)
class TsPayload(Payload):
    selectors: tuple[TrafficSelector, ...] = ()


@dataclass(frozen=True, slots=True)
class ConfigPayload(Payload):
    """IKEv2 CP (RFC 7296 3.15) or IKEv1 Attribute payload (draft-ietf-ipsec-isakmp-mode-cfg)."""

    cfg_type: int = 0
    identifier: int = 0  # IKEv1 only
    attributes: tuple[Attribute, ...] = ()


@dataclass(frozen=True, slots=True)
class EapPayload(Payload):
    code: int = 0
    identifier: int = 0
    eap_type: int | None = None


@dataclass(frozen=True, slots=True)
class NatOaPayload(Payload):
    id_type: int = 0
    address: bytes = b""


@dataclass(frozen=True, slots=True)
class EncryptedPayload(Payload):
    """IKEv2 SK (46) or SKF (53, RFC 7383); the encrypted data stays opaque here.

    inner_next: the Next Payload field, i.e. the type of the first inner payload.
    fragment_number/total_fragments: only for SKF.
    """

    inner_next: int = 0
    data: bytes = b""
    fragment_number: int | None = None
    total_fragments: int | None = None


@dataclass(frozen=True, slots=True)
class FragmentV1Payload(Payload):
    """IKEv1 fragment payload (type 132, Cisco/strongSwan/Windows de-facto format)."""

    fragment_id: int = 0
    number: int = 0
    last: bool = False
    data: bytes = b""


@dataclass(frozen=True, slots=True)
class UnknownPayload(Payload):
    """A payload of a type the decoder does not know, or one it could not parse."""

    data: bytes = b""


@dataclass(frozen=True, slots=True)
class IkeMessage:
    """A decoded message: its header, the payloads decoded before any fault, for
    IKEv1 with the E flag the encrypted remainder (``encrypted_v1``), and once
    keys have opened it, the decrypted payloads (``inner``)."""

    header: Header
    payloads: tuple[Payload, ...]
    encrypted_v1: bytes | None = None
    # Payloads recovered by decryption (the SK content, or an IKEv1 encrypted body);
    # None when the message was not decrypted. Their offsets count from the plaintext.
    inner: tuple[Payload, ...] | None = None

    @property
    def all_payloads(self) -> tuple[Payload, ...]:
        """The clear payloads followed by the decrypted ones, for readers that want both."""
        return self.payloads + (self.inner or ())

    @property
    def version(self) -> int:
        return self.header.major

    def find(self, cls: type, type_: int | None = None) -> list:
        return [p for p in self.payloads if isinstance(p, cls) and (type_ is None or p.type == type_)]


@dataclass(frozen=True, slots=True)
class Decoded:
    """What the decoder returns for any bytes: a message (possibly partial) or None
    when not even the header could be read, plus every problem met on the way."""

    message: IkeMessage | None
    problems: tuple[Problem, ...] = field(default=())
