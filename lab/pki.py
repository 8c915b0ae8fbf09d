"""A throwaway CA and RSA certificates for the certificate scenarios, made with strongSwan's pki.

4096-bit keys are chosen on purpose: with the certificate and the signature in IKE_AUTH, the
message no longer fits a 1500-byte link, which is what the fragmentation scenarios are about.
Keys are cached in the work directory because generating them takes seconds.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from lab.netns import sh

BITS = "4096"


def _gen(path: Path) -> None:
    if not path.exists():
        key = sh("pki", "--gen", "--type", "rsa", "--size", BITS, "--outform", "pem").stdout
        path.write_text(key)


def make_pki(work: Path) -> Path:
    """CA plus certificates for alice.example.org and bob.example.org under `work`/pki."""
    d = work / "pki"
    d.mkdir(parents=True, exist_ok=True)
    _gen(d / "ca.key")
    ca = d / "ca.crt"
    if not ca.exists():
        ca.write_text(sh("pki", "--self", "--ca", "--lifetime", "3650", "--in", str(d / "ca.key"),
                         "--type", "rsa", "--dn", "C=XX, O=ikescope lab, CN=ikescope lab CA",
                         "--outform", "pem").stdout)
    for peer in ("alice", "bob"):
        key, crt = d / f"{peer}.key", d / f"{peer}.crt"
        _gen(key)
        if not crt.exists():
            pub = sh("pki", "--pub", "--in", str(key), "--type", "rsa", "--outform", "pem").stdout
            pubfile = d / f"{peer}.pub"
            pubfile.write_text(pub)
            crt.write_text(sh("pki", "--issue", "--cacert", str(ca), "--cakey", str(d / "ca.key"),
                              "--in", str(pubfile), "--type", "pub", "--lifetime", "3650",
                              "--dn", f"C=XX, O=ikescope lab, CN={peer}.example.org",
                              "--san", f"{peer}.example.org", "--outform", "pem").stdout)
    return d


def install(pki: Path, peer: str, swanctl_dir: Path, trust_ca: bool = True) -> None:
    """Put the CA, the peer's certificate and its private key where swanctl loads them."""
    if trust_ca:
        shutil.copy(pki / "ca.crt", swanctl_dir / "x509ca" / "ca.crt")
    shutil.copy(pki / f"{peer}.crt", swanctl_dir / "x509" / f"{peer}.crt")
    shutil.copy(pki / f"{peer}.key", swanctl_dir / "private" / f"{peer}.key")
