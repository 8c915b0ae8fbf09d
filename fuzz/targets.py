"""The fuzz targets: one input in, nothing out; a failure is an exception.

Three targets, each a function of ``bytes``:

- ``decoder``: one IKE message. ``decode_message``, then the content a key
  would open: IKEv2 SK/SKF through the ``Decryptor`` with a NULL key for the
  message's own SPIs (so the fuzzer's bytes are the plaintext, padding and
  all), IKEv1 encrypted bodies through ``decode_chain``; and for some inputs
  the ``decode`` command's view of both.
- ``pipeline``: a capture file. Everything ``ikescope analyze`` does, without
  and with keys and expected proposals, rendered in every format (text,
  markdown, html, json, jsonl; plain and with ``--redact --ladder``), plus the views
  of ``decode`` and ``sas``.
- ``keys``: a key table as ``--keys`` reads it; each IKEv2 line it yields
  is tried on an encrypted lab message, so every algorithm and key length the
  parser accepts reaches the ciphers; and no key may show in an entry's repr.

What counts as a failure, beyond an exception escaping:

- an internal error that the program turned into data so one bad packet would
  not stop an analysis (``ike.decoder_error``, ``crypto.internal_error``,
  ``ikescope.rule_error``): in a report it reads like a finding about the
  capture, so for the fuzzer it is the bug it stands for;
- JSON output that does not parse or does not follow docs/report.schema.json.

``bounded`` limits the CPU time of one input (``Hang``), so a slow input is a
failure rather than a stalled campaign. CPU time, not wall time: campaigns run
at the lowest priority on shared machines, where wall time says nothing.
"""

from __future__ import annotations

import contextlib
import functools
import io
import json
import os
import signal
import tempfile
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import jsonschema

from ikescope import api
from ikescope.crypto.decrypt import Decryptor
from ikescope.capture.pcapfile import open_capture
from ikescope.crypto.keys import (ENCRYPTIONS, INTEGRITIES, KeyStore, V1Key, V2Keys, load_key_files, parse_table,
                                  parse_tcpdump)
from ikescope.diagnose import expect
from ikescope.diagnose.context import DiagnoseSettings
from ikescope.errors import CaptureError
from ikescope.model import Datagram, Problem
from ikescope.report import messages as msgview
from ikescope.report import ladder as laddermod
from ikescope.report import sas as sasview
from ikescope.report import stream
from ikescope.report.model import SaResult
from ikescope.report.redact import Redactor
from ikescope.wire.decode import decode_chain, decode_message
from ikescope.wire.message import EncryptedPayload

REPO = Path(__file__).resolve().parents[1]
SHARED_CORPUS = REPO.parent / "shared" / "corpus" / "public"

# Problem and finding codes by which ikescope reports its own defects instead of raising.
INTERNAL_CODES = ("ike.decoder_error", "crypto.internal_error", "ikescope.rule_error")


class InternalError(AssertionError):
    """The program hid a defect of its own as data, or wrote output that breaks its own format."""


class Hang(BaseException):
    """One input used more CPU time than allowed.

    A BaseException so the program's own ``except Exception`` guards (which turn
    a bug into a problem or a finding) cannot swallow it.
    """


@contextlib.contextmanager
def bounded(seconds: float) -> Iterator[None]:
    """Raise ``Hang`` inside the block once it has used ``seconds`` of CPU time (main thread only)."""

    def expired(_signum: int, _frame: Any) -> None:
        raise Hang(f"more than {seconds:g} s of CPU time on one input")

    previous = signal.signal(signal.SIGVTALRM, expired)
    signal.setitimer(signal.ITIMER_VIRTUAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_VIRTUAL, 0)
        signal.signal(signal.SIGVTALRM, previous)


def _check_problems(problems: tuple[Problem, ...] | list[Problem]) -> None:
    for p in problems:
        if p.code in INTERNAL_CODES:
            raise InternalError(f"{p.code}: {p.detail}")


def _check_text(what: str, text: str) -> None:
    for code in INTERNAL_CODES:
        if code in text:
            raise InternalError(f"{what} reports {code}: ...{_around(text, code)}...")


def _around(text: str, needle: str, width: int = 300) -> str:
    at = text.find(needle)
    return text[max(0, at - width):at + width]


# -- decoder -------------------------------------------------------------------

_NULL = ENCRYPTIONS["NULL"]
_NO_ICV = INTEGRITIES["NONE"]
_PEERS = ("192.0.2.1", "198.51.100.2")


# One input in VIEW_EVERY also goes through the ``decode`` view, picked by its CRC so that an input
# always does the same. The view costs ten times the decoding, and the pipeline target renders
# every message it decodes anyway; rendering them all here would cut the rate the decoder is fuzzed at.
VIEW_EVERY = 8


def decoder(data: bytes) -> None:
    """One IKE message through the decoder and the decryptor, and for some inputs the ``decode`` view."""
    decoded = decode_message(data)
    _check_problems(decoded.problems)
    m = decoded.message
    dg = Datagram(frames=(1,), ts=0.0, src=_PEERS[0], dst=_PEERS[1], sport=500, dport=500, transport="udp",
                  encap="plain", payload=data)
    views = [(dg, decoded)]
    if m is not None:
        for p in m.payloads:
            if not 0 <= p.offset <= p.offset + p.length <= len(data):
                raise InternalError(f"payload type {p.type} at {p.offset}+{p.length} lies outside the "
                                    f"{len(data)}-byte message")
        if m.encrypted_v1 is not None:
            # What a key would turn this body into is any bytes at all; take these as that plaintext.
            _, problems = decode_chain(m.encrypted_v1, 1, m.header.next_payload)
            _check_problems(problems)
        if m.header.major == 2 and any(isinstance(p, EncryptedPayload) for p in m.payloads):
            h = m.header
            keys = KeyStore.of([V2Keys(h.ispi, h.rspi, b"", b"", _NULL, b"", b"", _NO_ICV)])
            opened = Decryptor(keys).process(dg, decoded)
            _check_problems(opened.problems)
            views.append((dg, opened))
    if zlib.crc32(data) % VIEW_EVERY:
        return
    for d, dec in views:
        record = msgview.message_dict(d, dec)
        json.dumps(record)  # what decode --format json writes for it
        _check_text("decode", "\n".join(msgview.render_text([record])))


# -- pipeline ------------------------------------------------------------------

def _key_tables() -> list[Path]:
    """Key tables of the captures the seeds come from, so mutated copies of them still decrypt."""
    found = sorted((REPO / "pcaps").glob("*_decryption_table"))
    if SHARED_CORPUS.is_dir():
        found += sorted(SHARED_CORPUS.rglob("*decryption_table"))
    return found


@functools.cache
def key_store() -> KeyStore:
    return load_key_files(_key_tables())


@functools.cache
def _analyses() -> list[tuple[api.Settings, tuple[tuple[str, bool], ...]]]:
    """Each analysis of an input, and the outputs rendered from it: (format, dressed), where a
    dressed report is ``--redact --ladder`` (and ``--all`` for text, markdown and html).

    Without keys the diagnosis infers from sizes and silences; with keys and expected proposals
    it reads the decrypted content and draws the proposal diffs. Redaction does the same work
    whatever the format, so only some formats are rendered dressed.
    """
    diag = DiagnoseSettings(expect_ike=expect.parse("aes128-sha256-modp2048,aes256gcm16-prfsha384-ecp384", "ike"),
                            expect_esp=expect.parse("aes128gcm16-modp2048,aes256-sha1", "esp"), audit=False)
    plain = (("text", False), ("markdown", False), ("json", False), ("jsonl", False), ("text", True),
             ("markdown", True), ("html", True))
    return [(api.Settings(), plain),
            (api.Settings(diagnose=diag, keys=key_store()), (("text", False), ("json", False), ("markdown", True)))]


@functools.cache
def _scratch() -> str:
    """The one file per process that each input is written to, on tmpfs when there is one."""
    base = "/dev/shm" if os.path.isdir("/dev/shm") else None
    return os.path.join(tempfile.mkdtemp(prefix="ikescope-fuzz-", dir=base), "input.pcap")


def pipeline(data: bytes) -> None:
    """A capture file through ``analyze`` (every format), ``decode`` and ``sas``."""
    path = _scratch()
    with open(path, "wb") as f:
        f.write(data)
    for settings, renderings in _analyses():
        run = api.run([path], settings)
        try:
            events = [next(run)]  # the file is opened before the first event
        except CaptureError:
            return  # not a capture at all: the CLI's usage error, exit status 2
        events += run  # past the opening, a damaged file is data: nothing may raise
        for fmt, dressed in renderings:
            _render(fmt, dressed, events)
    _sas_view([e.sa for e in events if isinstance(e, SaResult)])
    _decode_view(path, settings.keys)


SCHEMA = json.loads((REPO / "docs" / "report.schema.json").read_text())


@functools.cache
def _schema(kind: str | None = None) -> Any:
    """The validator of the whole json document, or of one jsonl record of ``kind`` ("sa", "finding", ...)."""
    schema = SCHEMA if kind is None else {"$defs": SCHEMA["$defs"], **SCHEMA["$defs"][kind]}
    return jsonschema.validators.validator_for(SCHEMA)(schema)


def _render(fmt: str, dressed: bool, events: list) -> None:
    out = io.StringIO()
    options: dict[str, Any] = {"redactor": Redactor() if dressed else None, "ladder": dressed}
    if fmt in ("text", "markdown", "html"):
        options["everything"] = dressed
    report = stream.FORMATS[fmt](out.write, **options)
    for event in events:
        report.feed(event)
    report.close()
    text = out.getvalue()
    if fmt == "json":
        _schema().validate(json.loads(text))
    elif fmt == "jsonl":
        for line in text.splitlines():
            record = json.loads(line)
            _schema(record["kind"]).validate(record)
    _check_text(f"analyze --format {fmt}{' --redact --ladder' if dressed else ''}", text)


def _sas_view(sas: list) -> None:
    redactor = Redactor()
    for sa in sas:
        d, ladder = sasview.sa_dict(sa), laddermod.render_ladder(sa)
        red = redactor.doc(d)
        json.loads(json.dumps(red))
        _check_text("sas", "\n".join(sasview.render_text([d], {d["id"]: ladder})))
        _check_text("sas --redact", "\n".join(sasview.render_text([red], {red["id"]: [redactor.text(x) for x in ladder]})))


def _decode_view(path: str, keys: KeyStore | None) -> None:
    run = api.decode_file(path, keys, fragments=True)
    records = [msgview.message_dict(dg, dec) for dg, dec in run]
    _check_text("decode", "\n".join(msgview.render_text(records)))
    json.loads("".join(msgview.render_json([(path, records, run.info)])))
    redactor = Redactor()
    _check_text("decode --redact", "\n".join(msgview.render_text(redactor.doc(r) for r in records)))


# -- keys ----------------------------------------------------------------------

@functools.cache
def _sealed_message() -> bytes:
    """An IKE_AUTH request from the lab whose SK payload each IKEv2 key line of the input is tried on."""
    for dg, dec in api.decode_frames(open_capture(REPO / "pcaps" / "ikev2-psk-success.pcap")):
        if dec.message is not None and any(isinstance(p, EncryptedPayload) for p in dec.message.payloads):
            return dg.payload
    raise LookupError("the lab capture has no encrypted message")


def keys(data: bytes) -> None:
    """A key file (``--keys``) through the parsers, read as a table of either kind and as its lines
    say, and as tcpdump's secrets lines (a pluto log), and each IKEv2 SA it yields used to open a
    sealed message, whatever the algorithms and key lengths."""
    text = data.decode("utf-8", errors="replace")  # as load_key_files reads a file
    sealed = _sealed_message()
    for entries in [parse_table(text, kind, "fuzz")[0] for kind in (None, "ikev1", "ikev2")] + \
            [parse_tcpdump(text, "fuzz")[0]]:
        for e in entries:
            secrets = [e.key] if isinstance(e, V1Key) else [e.sk_ei, e.sk_er, e.sk_ai, e.sk_ar]
            if any(k and (k.hex() in repr(e) or repr(k) in repr(e)) for k in secrets):
                raise InternalError(f"key material of line {e.line} shows in its repr")
            if isinstance(e, V2Keys):
                message = e.spi_i + e.spi_r + sealed[16:]
                dg = Datagram(frames=(1,), ts=0.0, src=_PEERS[0], dst=_PEERS[1], sport=4500, dport=4500,
                              transport="udp", encap="non-esp", payload=message)
                _check_problems(Decryptor(KeyStore.of([e])).process(dg, decode_message(message)).problems)


TARGETS: dict[str, Callable[[bytes], None]] = {"decoder": decoder, "pipeline": pipeline, "keys": keys}
