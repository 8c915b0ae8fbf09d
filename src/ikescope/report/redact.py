"""Replaces addresses, identities, SPIs and vendor-private bytes with placeholders.

Redaction works on the plain dicts every output is rendered from, after the
analysis, so the diagnosis is the same with and without it. A value always
gets the same placeholder within one report (``ip-1`` is the same host in the
SA table, the findings and the ladder), and free text (summaries, details)
is scanned for any address or already-replaced value, so nothing slips
through a sentence.
"""

from __future__ import annotations

import ipaddress
import re
from typing import Any

# Keys whose values are addresses, SPIs, identities or opaque bytes, by the kind of placeholder.
_IP_KEYS = {"src", "dst", "address"}
_SPI_KEYS = {"ispi", "rspi", "spi"}
_ID_KEYS = {"identity", "subject", "issuer"}  # certificate names identify peers too
_HEX_KEYS = {"data_hex", "value_hex"}
# A candidate address in free text: dotted quads, and colon groups that ipaddress then confirms.
# A dot may touch a quad when no digit is beyond it: strongSwan logs a pair as "a...b".
_CANDIDATES = (re.compile(r"(?<!\w)(?<!\d\.)\d{1,3}(?:\.\d{1,3}){3}(?!\w)(?!\.\d)"),
               re.compile(r"(?<![\w:.])(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f]{0,4}(?:\.\d{1,3}){0,3}(?![\w:])"))
_HEX_RUN = re.compile(r"\b[0-9a-f]{16,}\b")


class Redactor:
    """Holds the value -> placeholder tables for one report."""

    def __init__(self) -> None:
        self._tables: dict[str, dict[str, str]] = {"ip": {}, "spi": {}, "id": {}, "data": {}}
        # Values free text is searched for. Addresses and long hex runs (SPIs, opaque data) are
        # found by pattern instead, so the search stays as short as the list of identities
        # however many SAs a report has.
        self._known: dict[str, str] = {}
        self._known_longest_first: list[tuple[str, str]] | None = []

    def _place(self, kind: str, value: str) -> str:
        table = self._tables[kind]
        if value not in table:
            table[value] = f"{kind}-{len(table) + 1}"
            if kind != "ip" and not _HEX_RUN.fullmatch(value) and len(value) >= 4:
                self._known[value] = table[value]
                self._known_longest_first = None
        return table[value]

    def _hex(self, run: str) -> str:
        """A long hex run in free text: an SPI's placeholder when it is one, else opaque data."""
        spi = self._tables["spi"].get(run)
        return spi if spi is not None else self._place("data", run)

    def ip(self, value: str) -> str:
        try:
            norm = str(ipaddress.ip_address(value))
        except ValueError:
            return value
        return self._place("ip", norm)

    def text(self, s: str) -> str:
        """Any string: addresses and already-known values replaced, wherever they stand."""
        def sub_ip(m: re.Match[str]) -> str:
            return self.ip(m.group(0))

        out = s
        for pattern in _CANDIDATES:
            out = pattern.sub(sub_ip, out)
        if self._known_longest_first is None:
            self._known_longest_first = sorted(self._known.items(), key=lambda kv: -len(kv[0]))
        for value, holder in self._known_longest_first:
            if value in out:
                out = out.replace(value, holder)
        return _HEX_RUN.sub(lambda m: self._hex(m.group(0)), out)

    def _learn(self, obj: Any, key: str = "") -> None:
        """Give every identity in ``obj`` its placeholder, so that free text is redacted even where it
        comes first: a finding's summary quotes the certificate subject its details carry."""
        if isinstance(obj, dict):
            if key == "identities" or ("side" in obj and "value" in obj):
                self._place("id", str(obj.get("value", "")))
            for k, v in obj.items():
                self._learn(v, k)
        elif isinstance(obj, list):
            for v in obj:
                self._learn(v, key)
        elif isinstance(obj, str) and obj and key in _ID_KEYS:
            self._place("id", obj)

    def doc(self, obj: Any, key: str = "") -> Any:
        """A redacted copy of a JSON-like structure."""
        if isinstance(obj, dict):
            if not key:  # a whole document (nested ones come with their key): its identities first
                self._learn(obj)
            if key == "identities" or ("side" in obj and "value" in obj):
                obj = {**obj, "value": self._place("id", str(obj.get("value", "")))}
            if "vendor_ids" == key:
                return obj
            if isinstance(obj.get("vendor"), str):
                # A named vendor ID payload: its bytes are a published constant, like its name.
                return {k: v if k in ("vendor", "data_hex") else self.doc(v, k) for k, v in obj.items()}
            return {k: self.doc(v, k) for k, v in obj.items()}
        if isinstance(obj, list):
            if key == "spis":
                return [self._place("spi", s) if isinstance(s, str) else s for s in obj]
            if key == "vendor_ids":
                return [self._vendor(v) for v in obj]
            return [self.doc(v, key) for v in obj]
        if isinstance(obj, str):
            if key in _IP_KEYS:
                return self.ip(obj)
            if key in _SPI_KEYS and obj:
                return self._place("spi", obj)
            if key in _ID_KEYS:
                return self._place("id", obj)
            if key == "to":  # a REDIRECT target: an address or a gateway's name
                redacted = self.ip(obj)
                return redacted if redacted != obj else self._place("id", obj)
            if key in _HEX_KEYS and obj:
                return self._place("data", obj)
            if key == "path":
                return obj
            return self.text(obj)
        return obj

    def _vendor(self, v: Any) -> Any:
        """Named vendor IDs stay (they say which software runs); unnamed ones are opaque data."""
        if isinstance(v, dict) and isinstance(v.get("name"), str) and re.fullmatch(r"[0-9a-f]+", v["name"]):
            return {**v, "name": self._place("data", v["name"])}
        return v


def redact(doc: dict[str, Any]) -> tuple[dict[str, Any], Redactor]:
    """A redacted copy of ``doc`` and the redactor, to pass further text (ladders) through."""
    r = Redactor()
    return r.doc(doc), r
