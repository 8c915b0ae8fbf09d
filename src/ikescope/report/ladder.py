"""The ladder of an IKE SA: one step per message, drawn as text, Mermaid or SVG.

``model`` turns an ``SaRecord`` into plain data (it crosses process boundaries
and goes through redaction like every other report record); the drawings are
made from that data only, so the text ladder of ``--ladder``, the Mermaid
diagram of the Markdown report and the SVG of the HTML report always show the
same arrows with the same labels. The failing exchange (``SaRecord.
failed_exchange``) and the requests that were never answered are marked in the
data, so each drawing marks the same ones.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from ..crypto.certs import cert_info
from ..track.records import MessageRef, SaRecord
from ..wire import registry as reg
from ..wire.numbers import N_V2_INVALID_KE_PAYLOAD
from .messages import problem_dict, proposal_dict, selector_dict

LadderFn = Callable[[SaRecord], dict[str, Any]]

LADDER_WIDTH = 52
# Payloads left out of ladder labels: notifies (listed by type), vendor IDs, SK itself.
_LADDER_QUIET = {1: {11, 13}, 2: {41, 43, 46, 53}}
# Status notifies every negotiation carries; they would crowd out the ones that matter.
_LADDER_QUIET_NOTIFY = {16388, 16389, 16430, 16431, 16406, 16417, 16418, 20, 130}
# Short IKEv1 exchange names for the ladder, where the registry's full names do not fit.
_V1_SHORT = {2: "MM", 4: "AM", 5: "INFO", 6: "CFG", 32: "QM"}
_V1_INFORMATIONAL = 5  # one-way in IKEv1: no answer is expected
# A picture (Mermaid, SVG) draws at most this many messages: the first and the last halves, since a
# retransmission storm of thousands of arrows shows nothing more than its first few and its end.
MAX_PICTURE_STEPS = 120


def endpoint(addr: str, port: int) -> str:
    return f"[{addr}]:{port}" if ":" in addr else f"{addr}:{port}"


NOTATIONS = ("ikescope", "charon")


def model(sa: SaRecord, decodes: bool = False, notation: str = "ikescope") -> dict[str, Any]:
    """The SA's ladder as plain data; ``decodes`` adds each message's decode (for the HTML report).

    ``notation`` "charon" labels each message as strongSwan's charon logs it (``wire.charon``); a
    message charon logs in several lines (a fragment that completes its set, then the whole message)
    keeps them apart in ``lines``, so the text ladder starts each on a line of its own.
    """
    exchange_of = {i: ex for ex in sa.exchanges for i in ex.messages}
    steps = []
    for i, m in enumerate(sa.messages):
        ex = exchange_of.get(i)
        said = [_charon_units(line) for line in m.charon] if notation == "charon" and m.charon else None
        step: dict[str, Any] = {
            "frame": m.frame, "time": round(m.ts - sa.first_ts, 6), "from_initiator": m.from_initiator,
            "label": [u for units in said for u in units] if said else _label(sa, m), "copy_of": m.retransmit_of,
            "exchange": None if ex is None else ex.index,
            "failing": ex is not None and ex.index == sa.failed_exchange,
            "unanswered": (ex is not None and not ex.answered and not m.response
                           and not (sa.version == 1 and ex.exchange == _V1_INFORMATIONAL)),
        }
        if said and len(said) > 1:
            step["lines"] = said
        if decodes:
            step["decode"] = decode(sa, m)
        steps.append(step)
    failed = sa.exchanges[sa.failed_exchange] if sa.failed_exchange is not None else None
    return {"initiator": endpoint(sa.initiator.address, sa.initiator.port),
            "responder": endpoint(sa.responder.address, sa.responder.port),
            "outcome": sa.outcome, "outcome_detail": sa.outcome_detail,
            "failed_exchange": None if failed is None else reg.exchange_name(sa.version, failed.exchange),
            "dropped": sa.dropped_messages, "steps": steps}


def with_decodes(sa: SaRecord) -> dict[str, Any]:
    """``model`` with each message's decode: a module-level function, so worker processes can run it."""
    return model(sa, decodes=True)


def charon_model(sa: SaRecord) -> dict[str, Any]:
    """``model`` in charon's notation (module-level, for worker processes as ``with_decodes``)."""
    return model(sa, notation="charon")


def charon_with_decodes(sa: SaRecord) -> dict[str, Any]:
    return model(sa, decodes=True, notation="charon")


def ladder_fn(decodes: bool, notation: str) -> LadderFn:
    """The module-level function that draws an SA's ladder data with or without decodes, in ``notation``."""
    if notation == "charon":
        return charon_with_decodes if decodes else charon_model
    return with_decodes if decodes else model


def decode(sa: SaRecord, m: MessageRef) -> dict[str, Any]:
    """What the tracker kept of one message, named: header, payloads, proposals, identities,
    selectors, notifies, problems. Key material was never kept, so none can show."""
    v = sa.version
    d: dict[str, Any] = {
        "frame": m.frame, "frames": list(m.frames), "time": m.ts, "src": m.src, "sport": m.sport,
        "dst": m.dst, "dport": m.dport, "encap": m.encap, "ispi": sa.ispi.hex(), "rspi": sa.rspi.hex(),
        "exchange": m.exchange, "exchange_name": reg.exchange_name(v, m.exchange), "message_id": m.message_id,
        "sender": "initiator" if m.from_initiator else "responder", "response": m.response, "length": m.length,
        "payloads": [reg.payload_name(v, t) for t in m.payloads],
        "inner_payloads": [reg.payload_name(v, t) for t in m.inner_payloads],
        "encrypted": m.encrypted, "decrypted": m.decrypted, "fragment": None if m.fragment is None else list(m.fragment),
        "copy_of": m.retransmit_of, "truncated": m.truncated,
        "notifies": [_notify(v, n, data) for n, data in zip(m.notifies, m.notify_data + (b"",) * len(m.notifies))],
        "proposals": [proposal_dict(v, p) for p in m.proposals or ()],
        "ke_group": None if m.ke_group is None else reg.dh_group_name(m.ke_group),
        "ids": [{"payload": reg.payload_name(v, pt), "type": reg.id_type_name(v, t), "identity": text}
                for pt, t, text in m.ids],
        "selectors": [{"payload": reg.payload_name(v, pt), "selectors": [selector_dict(s) for s in sel]}
                      for pt, sel in m.selectors],
        "certificates": [{"subject": c.subject, "issuer": c.issuer}
                         for c in (cert_info(4, der) for der in m.certs) if c is not None],
        "problems": [problem_dict(p) for p in m.problems],
    }
    return d


def _notify(version: int, n: int, data: bytes) -> dict[str, Any]:
    out: dict[str, Any] = {"type": n, "name": reg.notify_name(version, n)}
    if version == 2 and n == N_V2_INVALID_KE_PAYLOAD and len(data) == 2:
        out["group"] = reg.dh_group_name(int.from_bytes(data, "big"))
    return out


def _label(sa: SaRecord, m: MessageRef) -> list[str]:
    """The label of a message's arrow, as units that are never split across lines."""
    if sa.version == 1:
        name = _V1_SHORT.get(m.exchange, reg.exchange_name(1, m.exchange))
        head = f"{name} {m.message_id:08x}" if m.message_id else name
        keys = [reg.payload_name(1, t) for t in m.payloads if t not in _LADDER_QUIET[1]]
        keys += ["N(" + reg.notify_name(1, n) + ")" for n in m.notifies if n not in _LADDER_QUIET_NOTIFY]
        if m.encrypted:
            keys.append("{encrypted}")
        if len(m.frames) > 1:
            keys.append(f"[{len(m.frames)} frames]")
        return [head, *keys]
    name = reg.exchange_name(sa.version, m.exchange)
    kind = "resp" if m.response else "req"
    if len(m.frames) > 1:
        kind += f" [{len(m.frames)} frames]"
    keys = [reg.payload_name(sa.version, t) for t in m.payloads if t not in _LADDER_QUIET[2]]
    keys += ["N(" + reg.notify_name(sa.version, n) + ")" for n in m.notifies if n not in _LADDER_QUIET_NOTIFY]
    if m.inner_next is not None:
        keys.append("SK{" + reg.payload_name(sa.version, m.inner_next) + "..}")
    elif m.encrypted:
        keys.append("encrypted")
    return [f"{name} {kind} {m.message_id}", *keys]


def _charon_units(line: str) -> list[str]:
    """A charon line as units never split: "IKE_AUTH request 1 [" first, then each payload, "]" last
    with the one before it."""
    head, _, body = line.partition(" [")
    units: list[str] = []
    depth = 0
    for word in body.removesuffix("]").split():  # a payload's own list, "CPRQ(ADDR DNS)", stays one unit
        if depth:
            units[-1] += " " + word
        else:
            units.append(word)
        depth += word.count("(") - word.count(")")
    if not units:
        return [f"{head} [ ]"]
    return [f"{head} [", *units[:-1], f"{units[-1]} ]"]


# --- text ----------------------------------------------------------------------------------------

def render_ladder(sa: SaRecord, notation: str = "ikescope") -> list[str]:
    """The plain-text ladder of ``sa`` (``ikescope sas --ladder``)."""
    return text_lines(model(sa, notation=notation))


def text_lines(ladder: dict[str, Any]) -> list[str]:
    """A plain-text sequence diagram: one arrow per message, copies marked.

    A label too long for its arrow goes on below it, between the lifelines, whole
    names at a time: a notify's name cut in half could be any of several.
    """
    lines = [f"    {'initiator ' + ladder['initiator']:<{LADDER_WIDTH + 8}}responder {ladder['responder']}"]
    for s in ladder["steps"]:
        first, *rest = [row for units in s.get("lines") or [s["label"]]
                        for row in fit(units, LADDER_WIDTH - 4)]  # room for the arrow's ends
        arrow_body = f" {first} "
        pad = LADDER_WIDTH - len(arrow_body)
        if s["from_initiator"]:
            arrow = "-" * (pad // 2) + arrow_body + "-" * (pad - pad // 2 - 1) + ">"
        else:
            arrow = "<" + "-" * (pad // 2 - 1) + arrow_body + "-" * (pad - pad // 2)
        copy = f"  (copy of #{s['copy_of']})" if s["copy_of"] is not None else ""
        lines.append(f"    {s['frame']:>6} |{arrow}| {s['time']:8.3f}s{copy}")
        lines += [f"    {'':>6} |{'   ' + more:<{LADDER_WIDTH}}|" for more in rest]
    return lines


def fit(units: list[str], width: int) -> list[str]:
    """``units`` joined by spaces into lines of at most ``width`` characters, never splitting one
    (a single unit longer than a line, which no registry name is, is cut and marked)."""
    lines: list[str] = []
    for unit in units:
        if len(unit) > width - 3:
            unit = unit[: width - 4] + "~"
        if lines and len(lines[-1]) + 1 + len(unit) <= (width if len(lines) == 1 else width - 3):
            lines[-1] += " " + unit
        else:
            lines.append(unit)
    return lines or [""]


# --- pictures ------------------------------------------------------------------------------------

def picture_steps(ladder: dict[str, Any]) -> list[dict[str, Any]]:
    """The steps a picture draws: all of them, or the first and last ``MAX_PICTURE_STEPS // 2`` with
    a gap step (``{"gap": n, "frames": (first, last)}``) between; a gap also closes a ladder whose SA
    had more messages than the tracker keeps."""
    steps = ladder["steps"]
    if len(steps) > MAX_PICTURE_STEPS:
        half = MAX_PICTURE_STEPS // 2
        left_out = steps[half:-half]
        steps = [*steps[:half], {"gap": len(left_out), "frames": (left_out[0]["frame"], left_out[-1]["frame"])},
                 *steps[-half:]]
    if ladder["dropped"]:
        steps = [*steps, {"gap": ladder["dropped"], "frames": None}]
    return steps


def failure_note(ladder: dict[str, Any]) -> str:
    """What the mark on the failing exchange says."""
    what = f"{ladder['failed_exchange']} failed" if ladder["failed_exchange"] else ladder["outcome"]
    return what + (f": {ladder['outcome_detail']}" if ladder["outcome_detail"] else "")


def gap_text(step: dict[str, Any]) -> str:
    if step["frames"] is None:
        return f"{step['gap']} more messages, counted but not kept"
    return f"{step['gap']} messages not drawn (frames {step['frames'][0]} to {step['frames'][1]})"


def step_text(step: dict[str, Any]) -> str:
    """An arrow's label in a picture: frame, time since the SA's first message, and the ladder label."""
    copy = f" (copy of {step['copy_of']})" if step["copy_of"] is not None else ""
    lost = " (no answer)" if step["unanswered"] and step["copy_of"] is None else ""
    return f"frame {step['frame']} +{step['time']:.3f}s {' '.join(step['label'])}{copy}{lost}"


# What Mermaid's sequenceDiagram grammar reads as syntax inside a participant's name or a message:
# ';' and newlines end a statement, '#' starts an entity, ':' separates a message, '%%' starts a
# comment, '<', '>', '&' and quotes are HTML to its renderer, and arrows ('->>', '-->>', '-x') and
# braces mean something before the colon. Each becomes a numeric entity (``#59;``), which Mermaid
# turns back into the character when it draws the text.
_MERMAID_SPECIAL = re.compile(r"[^A-Za-z0-9 .,_(){}\[\]/+*=?!@~'-]|-(?=-)")


def mermaid_text(text: str) -> str:
    """``text`` made inert inside a Mermaid sequence diagram line."""
    text = " ".join(str(text).split())
    return _MERMAID_SPECIAL.sub(lambda m: f"#{ord(m.group(0))};", text)


def mermaid_lines(ladder: dict[str, Any]) -> list[str]:
    """A Mermaid ``sequenceDiagram``: one arrow per message (dotted for a copy, ending in a cross when
    its request was never answered), the failing exchange in a red box with a note saying why."""
    out = ["sequenceDiagram",
           f"    participant I as {mermaid_text('initiator ' + ladder['initiator'])}",
           f"    participant R as {mermaid_text('responder ' + ladder['responder'])}"]
    in_box = noted = False
    for s in picture_steps(ladder):
        failing = s.get("failing", False)
        if in_box and not failing:
            out.append("    end")
            in_box = False
        if "gap" in s:
            out.append(f"    Note over I,R: {mermaid_text(gap_text(s))}")
            continue
        if failing and not in_box:
            out.append("    rect rgba(220, 40, 40, 0.15)")
            if not noted:
                out.append(f"    Note over I,R: {mermaid_text(failure_note(ladder))}")
            in_box = noted = True
        src, dst = ("I", "R") if s["from_initiator"] else ("R", "I")
        arrow = ("--" if s["copy_of"] is not None else "-") + ("x" if s["unanswered"] else ">>")
        out.append(f"    {src}{arrow}{dst}: {mermaid_text(step_text(s))}")
    if in_box:
        out.append("    end")
    return out
