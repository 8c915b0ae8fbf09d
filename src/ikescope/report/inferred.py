"""Words for what ikescope inferred rather than read: the software at each end
(``diagnose.peers``).

Shared by the text, Markdown and ``sas`` renderers so the three say the same. A guess
always reads as one: its confidence and what it rests on go with it.
"""

from __future__ import annotations

from typing import Any


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
