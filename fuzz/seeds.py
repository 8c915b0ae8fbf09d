"""Seed inputs: the shipped captures, the public corpus and the inputs that once crashed ikescope.

- capture seeds (pipeline target): each capture file as it is, and a classic
  pcap copy of every pcapng or large file, since the mutator works on frames
  of classic pcap. A large file's copy keeps its first frames up to
  ``MAX_CAPTURE_SEED``: a fuzzer tries many small inputs rather than few big ones.
- key seeds (keys target): the key tables beside the captures, the key lines of the
  lab's pluto logs and tcpdump secrets lines for each cipher name, and a table
  naming every algorithm pair the parser knows.
- message seeds (decoder target): every distinct IKE message in those
  captures, plus, for each IKEv2 message the captures' key tables open, the
  same message with its SK/SKF content stored in the clear (NULL encryption,
  no ICV), which the decoder target opens with a NULL key. Mutations then
  reach the decrypted-content paths instead of failing the ICV.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from ikescope import api
from ikescope.capture.pcapfile import open_capture
from ikescope.crypto.decrypt import open_sk
from ikescope.crypto.keys import ENCRYPTIONS, INTEGRITIES, TCPDUMP_LINE, KeyStore
from ikescope.errors import CaptureError
from ikescope.wire.message import EncryptedPayload

from . import pcapio
from .targets import REPO, SHARED_CORPUS, key_store

SHARED_REPRO = REPO.parent / "shared" / "repro"
MAX_CAPTURE_SEED = 64 * 1024
_CAPTURE_MAGICS = (b"\x1f\x8b", b"\x0a\x0d\x0d\x0a", b"\xd4\xc3\xb2\xa1", b"\xa1\xb2\xc3\xd4", b"\x4d\x3c\xb2\xa1",
                   b"\xa1\xb2\x3c\x4d")


def default_roots() -> list[Path]:
    """Where seeds come from: the repository's captures, and ../shared's when it is there."""
    return [p for p in (REPO / "pcaps", SHARED_CORPUS, SHARED_REPRO, REPO / "tests" / "regressions") if p.is_dir()]


def capture_files(roots: Iterable[Path]) -> list[Path]:
    """Every file under ``roots`` that starts like a capture (whatever its name says)."""
    found = []
    for root in roots:
        for p in sorted(root.rglob("*") if root.is_dir() else [root]):
            if p.is_file():
                with open(p, "rb") as f:
                    head = f.read(4)
                if head.startswith(_CAPTURE_MAGICS):
                    found.append(p)
    return found


def _classic_copy(path: Path) -> bytes | None:
    """The file's first frames as a classic pcap, when they share one link type."""
    try:
        reader = open_capture(path)
    except CaptureError:
        return None
    cap: pcapio.Pcap | None = None
    size = pcapio.FILE_HEADER_LEN
    with reader:
        for frame in reader:
            if cap is None:
                cap = pcapio.new(frame.linktype)
            elif frame.linktype != cap.linktype:
                return None
            size += pcapio.RECORD_HEADER_LEN + len(frame.data)
            if size > MAX_CAPTURE_SEED and cap.records:
                break
            ts = max(0.0, frame.ts)
            sec = min(int(ts), 0xFFFFFFFF)
            cap.records.append(pcapio.Record(sec, int((ts - int(ts)) * 1e6), frame.data, frame.wirelen))
    return cap.to_bytes() if cap is not None and cap.records else None


def capture_seeds(paths: Iterable[Path]) -> list[bytes]:
    out: list[bytes] = []
    for p in paths:
        data = p.read_bytes()
        if len(data) <= MAX_CAPTURE_SEED:
            out.append(data)
        if pcapio.parse(data) is None or len(data) > MAX_CAPTURE_SEED:
            copy = _classic_copy(p)
            if copy is not None:
                out.append(copy)
    return _unique(out)


def message_seeds(paths: Iterable[Path], keys: KeyStore | None = None) -> list[bytes]:
    store = keys if keys is not None else key_store()
    out: list[bytes] = []
    for p in paths:
        try:
            pairs = list(api.decode_frames(open_capture(p), join=False))
        except CaptureError:
            continue
        for dg, dec in pairs:
            out.append(dg.payload)
            clear = _in_the_clear(dg.payload, dec.message, store)
            if clear is not None:
                out.append(clear)
    return _unique(out)


def _in_the_clear(wire: bytes, message: object, keys: KeyStore) -> bytes | None:
    """The IKEv2 message with its SK/SKF content replaced by the plaintext (NULL encryption, no ICV)."""
    payloads = getattr(message, "payloads", ())
    sk = next((p for p in payloads if isinstance(p, EncryptedPayload)), None)
    if sk is None:
        return None
    h = message.header  # type: ignore[attr-defined]
    v2keys = keys.ikev2(h.ispi, h.rspi)
    if v2keys is None or sk.offset + sk.length > len(wire):
        return None
    fixed = 8 if sk.type == 53 else 4  # SKF carries fragment number and total before the IV
    try:
        plain = open_sk(v2keys, h.initiator, wire[:h.length], sk.offset + fixed, sk.offset + sk.length)
    except Exception:  # noqa: BLE001 - a message these keys do not open is simply no seed
        return None
    body = wire[sk.offset + 4:sk.offset + fixed] + plain + b"\x00"  # Pad Length 0
    payload = wire[sk.offset:sk.offset + 2] + (4 + len(body)).to_bytes(2, "big") + body
    message_bytes = wire[:sk.offset] + payload
    return message_bytes[:24] + len(message_bytes).to_bytes(4, "big") + message_bytes[28:]


def key_seeds(roots: Iterable[Path]) -> list[bytes]:
    """The key tables beside the captures, and a few lines naming each algorithm the parser knows."""
    tables = [p.read_bytes() for root in roots for p in sorted(root.rglob("*decryption_table"))]
    spi = "0011223344556677,8899aabbccddeeff"
    lines = [f"{spi},{'ab' * (e.key_length + e.salt)},{'cd' * (e.key_length + e.salt)},\"{e.name}\","
             f"{'ef' * 20},{'01' * 20},\"{i.name}\"" for e in ENCRYPTIONS.values() for i in INTEGRITIES.values()]
    v1 = [f"0011223344556677,{'ab' * n}" for n in (8, 16, 24, 32)]
    # tcpdump's -E secrets lines: pluto's, from the lab logs that hold them, and one SA per cipher name
    logged = [line for root in roots for p in sorted(root.rglob("*.log"))
              for line in p.read_text(errors="replace").splitlines() if TCPDUMP_LINE.search(line)]
    tcpdump = ["\n".join(f"ikev2 {r} 0x{i:016x} 0x8899aabbccddeeff {mac}:0x{'ef' * n} {cipher}:0x{'ab' * size}"
                         for i, (mac, n) in enumerate((("sha1", 20), ("md5", 16), ("sha256", 32), ("", 64)))
                         for r in "IR").encode()
               for cipher, size in (("aes128", 16), ("aes192-cbc", 24), ("aes256-cbc-hmac96", 32), ("3des", 24),
                                    ("aes", 32), ("null", 0))]
    return _unique(tables + ["\n".join(lines).encode(), "\n".join(v1).encode(), "\n".join(logged).encode(),
                             *tcpdump])


def _unique(items: list[bytes]) -> list[bytes]:
    return list(dict.fromkeys(items))
