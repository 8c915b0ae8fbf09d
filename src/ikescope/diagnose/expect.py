"""The local side's configured proposals, written as strongSwan writes them.

``--expect-ike aes256-sha256-modp2048`` lets an engineer diff a capture
against the configuration in front of them. The syntax follows strongSwan's
proposal strings (algorithm keywords joined by "-", proposals by ","); a
trailing "!" (strict) is accepted and ignored. Only what is needed to compare
is understood: unknown keywords are an error naming the keyword.
"""

from __future__ import annotations

from ..errors import IkescopeError
from .suite import Suite

ExpectedProposal = Suite

_ENC = {"3des": "3des-cbc", "des": "des-cbc", "null": "null", "aes": "aes-cbc-128", "chacha20poly1305": "chacha20-poly1305"}
_INTEG = {"md5": "md5", "sha1": "sha1", "sha": "sha1", "sha256": "sha2-256", "sha384": "sha2-384",
          "sha512": "sha2-512", "aesxcbc": "aes-xcbc", "sha2_256": "sha2-256", "sha2_384": "sha2-384",
          "sha2_512": "sha2-512"}
_PRF = {"prf" + k: v for k, v in _INTEG.items()}
_DH = {"modp768": "modp768", "modp1024": "modp1024", "modp1536": "modp1536", "modp2048": "modp2048",
       "modp3072": "modp3072", "modp4096": "modp4096", "modp6144": "modp6144", "modp8192": "modp8192",
       "ecp256": "ecp256", "ecp384": "ecp384", "ecp521": "ecp521", "ecp192": "ecp192", "ecp224": "ecp224",
       "curve25519": "curve25519", "x25519": "curve25519", "curve448": "curve448", "x448": "curve448",
       "modp1024s160": "modp1024s160", "modp2048s224": "modp2048s224", "modp2048s256": "modp2048s256"}
_ESN = {"esn": "esn", "noesn": "no-esn"}


class ProposalSyntaxError(IkescopeError):
    """An --expect-ike/--expect-esp value could not be read."""


def _aes(word: str) -> str | None:
    """aes128, aes256gcm16, aes128ctr, aes192ccm12 -> the suite spelling."""
    if not word.startswith("aes"):
        return None
    rest = word[3:]
    bits = "".join(ch for ch in rest[:3] if ch.isdigit())
    if bits not in ("128", "192", "256"):
        return None
    mode = rest[len(bits):]
    if mode in ("", "cbc"):
        return f"aes-cbc-{bits}"
    if mode == "ctr":
        return f"aes-ctr-{bits}"
    for kind in ("gcm", "ccm"):
        if mode.startswith(kind) and mode[3:] in ("8", "12", "16", "64", "96", "128"):
            icv = {"64": "8", "96": "12", "128": "16"}.get(mode[3:], mode[3:])
            return f"aes-{kind}-{icv}-{bits}"
    return None


def parse(text: str, kind: str) -> tuple[ExpectedProposal, ...]:
    """Parse ``kind`` ("ike" or "esp") proposals; raises ProposalSyntaxError."""
    out = []
    for n, prop in enumerate(p for p in text.strip().rstrip("!").split(",") if p.strip()):
        vals: dict[str, set[str]] = {}
        for word in prop.strip().lower().split("-"):
            aes = _aes(word)
            if aes is not None:
                vals.setdefault("encryption", set()).add(aes)
            elif word in _ENC:
                vals.setdefault("encryption", set()).add(_ENC[word])
            elif word in _INTEG:
                vals.setdefault("integrity", set()).add(_INTEG[word])
            elif word in _PRF:
                vals.setdefault("prf", set()).add(_PRF[word])
            elif word in _DH:
                vals.setdefault("dh", set()).add(_DH[word])
            elif word in _ESN and kind == "esp":
                vals.setdefault("esn", set()).add(_ESN[word])
            else:
                raise ProposalSyntaxError(f"unknown algorithm keyword {word!r} in {kind} proposal {prop!r}")
        if kind == "ike" and "prf" not in vals and "integrity" in vals:
            vals["prf"] = set(vals["integrity"])  # strongSwan derives the PRF from the integrity algorithm
        if kind == "esp" and "dh" not in vals:
            vals["dh"] = {"no PFS"}
        out.append(Suite(n + 1, {k: frozenset(v) for k, v in vals.items()}))
    if not out:
        raise ProposalSyntaxError(f"empty {kind} proposal")
    return tuple(out)
