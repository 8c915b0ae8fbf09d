"""Words for what ikescope inferred rather than read: the setting that fixes a failed SA
(``diagnose.infer``) and the software at each end (``diagnose.peers``).

Shared by the text, Markdown and ``sas`` renderers so the three say the same. A guess
always reads as one: its confidence and what it rests on go with it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def fix_line(cfg: dict[str, Any] | None, code: Callable[[str], str] = str) -> str | None:
    """One line: the side to change and its settings in both products' syntax, or what is
    missing to write them. ``code`` marks up one setting (Markdown wraps it in backticks)."""
    if not cfg:
        return None
    if not cfg["strongswan"] and not cfg["libreswan"]:
        return f"fix: not inferred: {cfg['missing']}"
    parts = []
    if cfg["strongswan"]:
        parts.append("strongSwan " + "; ".join(code(s) for s in cfg["strongswan"]))
    if cfg["libreswan"]:
        parts.append("libreswan " + " ".join(code(s) for s in cfg["libreswan"]))
    where = "on both sides" if cfg["side"] == "both" else f"on the {cfg['side']}"
    line = f"fix (inferred, {cfg['confidence']}) {where}: " + " | ".join(parts)
    return line + (f"; not known: {cfg['missing']}" if cfg["missing"] else "")


def peer_text(p: dict[str, Any]) -> str:
    """"Cisco VPN 3000 Concentrator 4.0.7 (vendor ID)", "strongSwan (guess, possible: notify order)"."""
    name = p["product"]
    if p["version"] and p["version"] not in name:
        name += f", {p['version']}"
    return f"{name} ({'guess, ' + p['confidence'] + ': ' if p['guess'] else ''}{p['basis']})"


def peers_line(peers: dict[str, Any] | None) -> str | None:
    """"software: initiator ...; responder ...", the sides known only; None when neither is."""
    if not peers or not any(peers.values()):
        return None
    return "software: " + "; ".join(f"{side} {peer_text(p)}" for side, p in peers.items() if p)
