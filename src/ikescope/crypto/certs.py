"""What a readable CERT payload says about its certificate: subject, issuer, validity.

Certificates travel encrypted in IKEv2 (IKE_AUTH) and in IKEv1 main mode, so
they become readable only with keys. The validity period is what the
diagnosis compares with the capture time (a certificate expired or not yet
valid when the peer sent it); subject and issuer tell which CA a peer used.
A payload that does not parse as X.509 gives None: a bad certificate is the
peer's problem to report, not a reason to stop.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from cryptography import x509

from ..wire.numbers import CERT_X509_SIGNATURE

MAX_CERT_BYTES = 64 * 1024


@dataclass(frozen=True, slots=True)
class CertInfo:
    """The parts of a certificate the decode output shows; times are POSIX seconds (UTC) like ``Frame.ts``."""

    subject: str
    issuer: str
    not_before: float
    not_after: float


def cert_info(encoding: int, data: bytes) -> CertInfo | None:
    """The certificate in a CERT payload, or None when it is not a parseable DER X.509 certificate."""
    if encoding != CERT_X509_SIGNATURE or not data or len(data) > MAX_CERT_BYTES:
        return None
    try:
        cert = x509.load_der_x509_certificate(bytes(data))
        return CertInfo(subject=cert.subject.rfc4514_string(), issuer=cert.issuer.rfc4514_string(),
                        not_before=_ts(cert.not_valid_before_utc), not_after=_ts(cert.not_valid_after_utc))
    except Exception:  # noqa: BLE001 - any malformed certificate is simply unreadable (see module docstring)
        return None


def _ts(when: datetime) -> float:
    return when.timestamp()
