"""IKE SA summaries, for ``ikescope sas`` (their ladders: ``ladder``).

As in ``messages``, one plain dict per SA feeds both the JSON and the text, so
the two never say different things.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..track.nat import verdict as nat_verdict
from ..diagnose.peers import peers
from ..track.records import Exchange, SaRecord
from ..wire import registry as reg
from .inferred import peer_text
from .ladder import endpoint
from .messages import proposal_dict


def version_label(version: int, mode: str | None) -> str:
    """"IKEv2", "IKEv1 main", or the raw major version a broken peer sent."""
    if version == 1:
        return f"IKEv1 {mode or ''}".rstrip()
    return "IKEv2" if version == 2 else f"IKE major version {version}"


def exchange_dict(sa: SaRecord, ex: Exchange) -> dict[str, Any]:
    frames = [sa.messages[i].frame for i in ex.messages]
    d: dict[str, Any] = {
        "index": ex.index,
        "exchange": ex.exchange,
        "exchange_name": reg.exchange_name(sa.version, ex.exchange),
        "message_id": ex.message_id,
        "requester": "initiator" if ex.requester_is_initiator else "responder",
        "frames": frames,
        "answered": ex.answered,
        "retransmissions": ex.retransmissions,
        "response_retransmissions": ex.response_retransmissions,
        "rtt": None if ex.rtt is None else round(ex.rtt, 6),
    }
    if ex.attempt_of is not None:
        d["attempt_of"] = ex.attempt_of
        d["retry_reason"] = None if ex.retry_reason is None else reg.notify_name(sa.version, ex.retry_reason)
    return d


def _esp(sa: SaRecord) -> dict[str, Any]:
    flows = [{"from": "initiator" if side else "responder", "spi": f"{spi:08x}", "first_frame": f[0],
              "last_frame": f[2], "first_time": f[1], "last_time": f[3]}
             for (side, spi), f in sorted(sa.esp.items(), key=lambda kv: kv[1][0])]
    return {"both_ways": sa.esp_both_ways(sa.established_ts), "flows": flows}


def sa_dict(sa: SaRecord) -> dict[str, Any]:
    """Everything ``sas`` shows about one IKE SA, JSON-ready."""
    nat = nat_verdict(sa)
    return {
        "id": sa.id,
        "version": sa.version,
        "initiator": endpoint(sa.initiator.address, sa.initiator.port),
        "responder": endpoint(sa.responder.address, sa.responder.port),
        "initiator_known": sa.initiator_known,
        "ispi": sa.ispi.hex(),
        "rspi": sa.rspi.hex(),
        "mode": sa.mode,
        "transport": sa.transport,
        "nat_t": sa.nat_t,
        "nat": nat.text(sa.nat_t),
        "nat_behind": nat.roles,
        "esp": _esp(sa),
        "redirect": {"to": sa.redirect_to, "followed_as": sa.redirected_as, "of": sa.redirect_of},
        "outcome": sa.outcome,
        "outcome_detail": sa.outcome_detail,
        "first_frame": sa.messages[0].frame if sa.messages else None,
        "last_frame": sa.messages[-1].frame if sa.messages else None,
        "start": sa.first_ts,
        "duration": round(sa.duration, 6),
        "time_to_establish": None if sa.established_ts is None else round(sa.established_ts - sa.first_ts, 6),
        "messages": len(sa.messages) + sa.dropped_messages,
        "retransmissions": sum(e.retransmissions for e in sa.exchanges),
        "exchanges": [exchange_dict(sa, e) for e in sa.exchanges],
        "offered": [proposal_dict(sa.version, p) for p in sa.offered],
        "offered_frame": sa.offered_frame,
        "chosen": None if sa.chosen is None else proposal_dict(sa.version, sa.chosen),
        "chosen_frame": sa.chosen_frame,
        "ke_groups_initiator": [reg.dh_group_name(g) for g in sa.ke_groups_initiator],
        "ke_group_responder": None if sa.ke_group_responder is None else reg.dh_group_name(sa.ke_group_responder),
        "identities": [{"side": "initiator" if i else "responder", "payload": reg.payload_name(sa.version, pt),
                        "type": reg.id_type_name(sa.version, t), "value": v} for i, pt, t, v in sa.identities],
        "child_proposals": [{"frame": f, "side": "initiator" if i else "responder",
                             "proposals": [proposal_dict(sa.version, p) for p in props]}
                            for f, i, props in sa.child_proposals],
        "traffic_selectors": [{"frame": f, "side": "initiator" if i else "responder", "kind": k, "selector": v}
                              for f, i, k, v in sa.traffic_selectors],
        "vendor_ids": [{"side": "initiator" if i else "responder", "name": n} for i, n in sa.vendor_ids],
        "peers": peers(sa),
        "notifies": [{"frame": f, "side": "initiator" if i else "responder", "type": n,
                      "name": reg.notify_name(sa.version, n)} for f, i, n in sa.notifies],
        "child_sas": sa.child_sas,
        "rekeyed_from": sa.rekeyed_from,
        "rekey_basis": sa.rekey_basis,
        "rekeyed_to": list(sa.rekeyed_to),
        "deleted_by": None if sa.deleted_by_initiator is None else
        ("initiator" if sa.deleted_by_initiator else "responder"),
    }


def tunnel_text(d: dict[str, Any]) -> str:
    """Which tunnel an SA is for, from an ``sas`` entry, where it is readable: "" when not. Between
    two gateways with many tunnels the addresses are the same for all; identities and selectors
    (or quick mode IDs) are what tell one from another."""
    own = {ident["side"]: ident["value"] for ident in reversed(d["identities"])
           if not (ident["side"] == "initiator" and ident["payload"] == "IDr")}
    parts = []
    if len(own) == 2:
        parts.append(f"{own['initiator']} -> {own['responder']}")
    elif own:
        parts += [f"{side} {value}" for side, value in own.items()]
    asked = [ts for ts in d.get("traffic_selectors", ()) if ts["side"] == "initiator"]
    if asked:  # the initiator's first request names the tunnel; later ones may be other CHILD SAs
        first = asked[0]["frame"]
        parts.append(", ".join(f"{ts['kind']} {ts['selector']}" for ts in asked if ts["frame"] == first))
    return "; ".join(parts)


# --- text ----------------------------------------------------------------------------------------

def render_text(sas: Iterable[dict[str, Any]], ladders: dict[int, list[str]] | None = None) -> Iterable[str]:
    """Text blocks from ``sa_dict`` records; ``ladders`` maps an SA id to its ladder lines."""
    for d in sas:
        ver = version_label(d["version"], d["mode"])
        outcome = d["outcome"] + (f": {d['outcome_detail']}" if d["outcome_detail"] else "")
        yield f"SA {d['id']}  {ver}  {d['initiator']} -> {d['responder']}  {outcome}"
        yield f"    SPIs {d['ispi']} {d['rspi']}  frames {d['first_frame']}-{d['last_frame']}  " \
              f"{d['messages']} messages, {d['retransmissions']} retransmissions, {d['duration']:.3f} s"
        if d["rekeyed_from"] is not None:
            how = ("its SPI was proposed by that SA's IKE rekey" if d["rekey_basis"] == "spi"
                   else "likely: it starts right after a CREATE_CHILD_SA there")
            yield f"    rekeyed from SA {d['rekeyed_from']} ({how})"
        if d["time_to_establish"] is not None:
            children = "child SAs not visible without keys" if d["child_sas"] is None else \
                f"{d['child_sas']} child SA(s)"
            yield f"    established after {d['time_to_establish']:.3f} s, {children}"
        yield f"    NAT: {d['nat']}" + ("; floated to UDP 4500" if d["nat_t"] else "") + \
              ("; over TCP" if d["transport"] == "tcp" else "")
        if d["offered"]:
            yield f"    offered (frame {d['offered_frame']}): " + " | ".join(proposal_text(p) for p in d["offered"])
        if d["chosen"]:
            yield f"    chosen  (frame {d['chosen_frame']}): {proposal_text(d['chosen'])}"
        if d["ke_groups_initiator"]:
            resp = d["ke_group_responder"] or "-"
            yield f"    KE: initiator {', '.join(d['ke_groups_initiator'])}; responder {resp}"
        for ident in d["identities"]:
            asks = " (asked for)" if ident["side"] == "initiator" and ident["payload"] == "IDr" else ""
            yield f"    {ident['payload']} from {ident['side']}{asks}: {ident['type']} {ident['value']}"
        for cp in d.get("child_proposals", ()):
            yield f"    CHILD SA proposal from {cp['side']} (frame {cp['frame']}): " + \
                " | ".join(proposal_text(p) for p in cp["proposals"])
        for ts in d.get("traffic_selectors", ()):
            yield f"    {ts['kind']} from {ts['side']} (frame {ts['frame']}): {ts['selector']}"
        for side in ("initiator", "responder"):
            names = [v["name"] for v in d["vendor_ids"] if v["side"] == side]
            if names:
                yield f"    vendor IDs {side}: {', '.join(names)}"
            if (peer := d["peers"][side]) is not None:
                yield f"    software {side}: {peer_text(peer)}: {peer['evidence']}"
        for e in d["exchanges"]:
            one_way = d["version"] == 1 and e["exchange"] == 5
            status = "one-way" if one_way else "answered" if e["answered"] else "UNANSWERED"
            extra = f", {e['retransmissions']} retransmissions" if e["retransmissions"] else ""
            why = f" after {e['retry_reason']}" if e.get("retry_reason") else ""
            retry = f", restarts #{e['attempt_of']}{why}" if "attempt_of" in e else ""
            rtt = f", rtt {e['rtt'] * 1000:.1f} ms" if e["rtt"] is not None else ""
            yield f"    #{e['index']} {e['exchange_name']} msgid {e['message_id']} by {e['requester']}: " \
                  f"{status}{rtt}{extra}{retry} (frames {','.join(map(str, e['frames']))})"
        yield from (ladders or {}).get(d["id"], ())
        yield ""


def proposal_text(p: dict[str, Any]) -> str:
    parts = []
    for t in p["transforms"]:
        name = t["name"]
        for a in t.get("attributes", ()):
            if a.get("name") in ("Key Length", "KEY_LENGTH"):
                name += f"-{a.get('value')}"
            elif "unit" in a:  # a life duration, in the unit its life type names
                name += f" life {a['value']} s ({a['value_text']})" if a["unit"] == "seconds" else \
                    f" life {a['value_text']}"
            elif "value_name" in a and a["name"] not in ("Life Type", "SA Life Type"):
                name += f" {a['value_name']}"
        parts.append(name)
    return f"#{p['number']} {p['protocol_name']}: " + ", ".join(parts)
