"""The setting that would have made a failed negotiation work, written the way engineers
configure the other side: strongSwan's swanctl.conf and libreswan's ipsec.conf.

A root cause says what differs; the engineer still has to turn "closest match differs in
encryption" into a line of configuration for a product, often the other team's. This
module writes that line for the side that refused: the proposal that accepts the offer on
the wire, the traffic selectors or identities the other side asked for.

Rules:
1. Only what the capture shows: the initiator's offer, the selectors and identities it
   sent, the refusal; --expect-ike/--expect-esp, when given, as the refusing side's current
   proposals, which the line keeps and extends.
2. A proposal line, fed back as the refusing side's configuration, accepts what was
   offered (the tests check it with ``suite.accepts``).
3. What the packets cannot tell (an encrypted refusal without keys, a secret, an algorithm
   one product lacks) is said in ``missing``, never guessed.
4. The line is as sure as the root cause it fixes, and never surer.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from ..model import Severity
from ..track.records import MessageRef, SaRecord, role_name
from ..wire.identity import ID_FQDN, ID_IPV4_ADDR, ID_IPV6_ADDR, ID_USER_FQDN
from ..wire.message import TrafficSelector
from ..wire.numbers import (
    N_V1_INVALID_ID_INFORMATION,
    N_V1_NO_PROPOSAL_CHOSEN,
    N_V2_AUTHENTICATION_FAILED,
    N_V2_TS_UNACCEPTABLE,
    PL_V2_IDI,
    PL_V2_IDR,
)
from .context import RuleContext
from .finding import Confidence, Finding
from .suite import Suite, suites

# The attributes a proposal line writes; lifetime, authentication method and encapsulation
# have their own settings and are left as they are.
_LINE_ATTRS = ("encryption", "integrity", "prf", "dh", "esn")
_AEAD = ("aes-gcm", "aes-ccm", "chacha20-poly1305")


@dataclass(frozen=True, slots=True)
class Inferred:
    """What the side that refused must be set to, in both products' words.

    side: "responder", "initiator" or "both"; None when nothing can be inferred.
    strongswan / libreswan: settings, one per item ("proposals = ...", "ike=...").
    basis: what on the wire (or in --expect-*) the settings come from.
    missing: what the capture cannot tell, and what would.
    """

    side: str | None
    strongswan: tuple[str, ...]
    libreswan: tuple[str, ...]
    confidence: Confidence | None
    basis: str
    missing: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {"side": self.side, "strongswan": list(self.strongswan), "libreswan": list(self.libreswan),
                "confidence": None if self.confidence is None else self.confidence.value,
                "basis": self.basis, "missing": self.missing}


def attach(sa: SaRecord, findings: list[Finding], ctx: RuleContext) -> list[Finding]:
    """Give the root cause of a failed SA (ranked findings, root cause first) its inferred setting."""
    if not findings or not findings[0].root_cause or findings[0].severity is not Severity.ERROR:
        return findings
    root = findings[0]
    try:
        found = infer(sa, root, ctx)
    except Exception as exc:  # noqa: BLE001 - as for rules, a bug here must not end the analysis
        found = _nothing(f"ikescope failed to infer a setting ({type(exc).__name__}: {exc}); please report it")
    return [replace(root, inferred_config=found.as_dict()), *findings[1:]]


def infer(sa: SaRecord, root: Finding, ctx: RuleContext) -> Inferred:
    """The setting for ``root``'s cause, or what is missing to write one."""
    handler = _BY_CODE.get(root.code)
    if handler is not None:
        return handler(sa, root, ctx)
    return _nothing(_SILENT if root.code in _SILENT_CODES else _NOT_CONFIG)


_SILENT = "nothing of the silent peer's settings is on the wire"
_NOT_CONFIG = "not a difference between the two configurations"
_SILENT_CODES = frozenset({"ike.no_response", "ike.peer_unreachable", "ike.dpd_unanswered", "ike.peer_lost_state",
                           "ike.nat_no_float"})


def _nothing(missing: str) -> Inferred:
    return Inferred(None, (), (), None, "", missing)


# -- algorithm names ------------------------------------------------------------------------

def _split(enc: str) -> tuple[str, str, str]:
    """"aes-gcm-16-256" -> ("aes-gcm", "16", "256"); "aes-cbc-128" -> ("aes-cbc", "", "128")."""
    parts = enc.split("-")
    bits = parts.pop() if parts[-1].isdigit() and len(parts) > 1 and parts[-1] in ("128", "192", "256") else ""
    icv = parts.pop() if parts[-1] in ("8", "12", "16") and parts[:2] in (["aes", "gcm"], ["aes", "ccm"]) else ""
    return "-".join(parts), icv, bits


_SS_CIPHER = {"aes-cbc": "aes{bits}", "aes-ctr": "aes{bits}ctr", "aes-gcm": "aes{bits}gcm{icv}",
              "aes-ccm": "aes{bits}ccm{icv}", "camellia-cbc": "camellia{bits}", "3des-cbc": "3des",
              "des-cbc": "des", "null": "null", "chacha20-poly1305": "chacha20poly1305",
              "blowfish-cbc": "blowfish{bits}", "cast-cbc": "cast128"}
# libreswan's ICV suffixes for AES-GCM/CCM: _a 8, _b 12, _c (or none) 16 bytes (ipsec.conf(5)).
_LS_ICV = {"8": "_a", "12": "_b", "16": ""}
_LS_CIPHER = {"aes-cbc": "aes{bits}", "aes-ctr": "aes_ctr{bits}", "aes-gcm": "aes_gcm{icv}{bits}",
              "aes-ccm": "aes_ccm{icv}{bits}", "camellia-cbc": "camellia{bits}", "3des-cbc": "3des",
              "null": "null", "chacha20-poly1305": "chacha20_poly1305"}
_SS_HASH = {"md5": "md5", "sha1": "sha1", "sha2-256": "sha256", "sha2-384": "sha384", "sha2-512": "sha512",
            "aes-xcbc": "aesxcbc"}
_LS_HASH = {"md5": "md5", "sha1": "sha1", "sha2-256": "sha2_256", "sha2-384": "sha2_384", "sha2-512": "sha2_512",
            "aes-xcbc": "aes_xcbc"}
# libreswan names elliptic and 25519 groups by number (ipsec.conf(5): "dh19", curve25519 "dh31");
# MODP groups keep their names. libreswan 4 has no modp768 nor modp1024 (ipsec.conf(5)).
_LS_DH = {"ecp256": "dh19", "ecp384": "dh20", "ecp521": "dh21", "curve25519": "dh31"}
_LS_NO_DH = frozenset({"modp768", "modp1024", "modp1024s160", "modp2048s224", "modp2048s256", "curve448"})


def _cipher(enc: str, table: dict[str, str], libreswan: bool) -> str | None:
    base, icv, bits = _split(enc)
    pattern = table.get(base)
    if pattern is None:
        return None
    if base in ("aes-cbc", "aes-ctr", "aes-gcm", "aes-ccm", "camellia-cbc") and not bits:
        bits = "128"  # RFC 3602/3686: IKEv1 AES without a key length attribute is AES-128
    return pattern.format(bits=bits, icv=_LS_ICV.get(icv, "") if libreswan else icv)


def _aead(enc: str) -> bool:
    return enc.startswith(_AEAD)


@dataclass(frozen=True, slots=True)
class _Lines:
    strongswan: str | None
    libreswan: str | None
    libreswan_gap: str = ""  # why libreswan cannot write it

    def gaps(self) -> str:
        """What keeps either product from writing the line."""
        ss = "" if self.strongswan else "strongSwan has no keyword for an offered algorithm"
        return "; ".join(x for x in (ss, self.libreswan_gap) if x)


def _ike_line(s: Suite, version: int) -> _Lines:
    encs = sorted(s.get("encryption"))
    integs = sorted(v for v in s.get("integrity") if v != "none")
    prfs = sorted(s.get("prf")) or integs
    dhs = sorted(s.get("dh"))
    ss = [_cipher(e, _SS_CIPHER, False) for e in encs]
    ss_line = None
    if None not in ss and all(v in _SS_HASH for v in integs + prfs):
        words = [*ss, *(_SS_HASH[v] for v in integs)]
        if any(_aead(e) for e in encs) or set(prfs) != set(integs):
            words += ["prf" + _SS_HASH[v] for v in prfs]  # strongSwan derives the PRF from integrity otherwise
        ss_line = "-".join(words + dhs)
    return _Lines(ss_line, *_libreswan_ike(encs, integs, prfs, dhs, version))


def _libreswan_ike(encs: list[str], integs: list[str], prfs: list[str], dhs: list[str],
                   version: int) -> tuple[str | None, str]:
    ls = [_cipher(e, _LS_CIPHER, True) for e in encs]
    if None in ls:
        return None, f"libreswan has no {', '.join(e for e, x in zip(encs, ls) if x is None)}"
    if any(d in _LS_NO_DH for d in dhs):
        return None, f"libreswan 4 has no {', '.join(d for d in dhs if d in _LS_NO_DH)}"
    aead = any(_aead(e) for e in encs)
    if not aead and set(prfs) != set(integs):
        return None, "libreswan's PRF is always its integrity algorithm (ipsec.conf(5))"
    hashes = prfs if aead else integs  # for AEAD the second word is the PRF
    if any(h not in _LS_HASH for h in hashes):
        return None, f"libreswan has no {', '.join(h for h in hashes if h not in _LS_HASH)}"
    groups = [_LS_DH.get(d, d) for d in dhs]
    if version == 1:  # IKEv1 takes one algorithm of each kind per proposal
        return ",".join(f"{e}-{_LS_HASH[h]}" + (f";{g}" if g else "")
                        for e in ls for h in hashes for g in groups or [""]), ""
    return f"{'+'.join(ls)}-{'+'.join(_LS_HASH[h] for h in hashes)}" + (f";{'+'.join(groups)}" if groups else ""), ""


def _esp_line(s: Suite, version: int) -> _Lines:
    encs = sorted(s.get("encryption"))
    integs = sorted(v for v in s.get("integrity") if v != "none")
    dhs = sorted(d for d in s.get("dh") if d != "no PFS")
    esn = s.get("esn")
    ss = [_cipher(e, _SS_CIPHER, False) for e in encs]
    ss_line = None
    if None not in ss and all(v in _SS_HASH for v in integs):
        words = [*ss, *(_SS_HASH[v] for v in integs), *dhs]
        if esn == {"esn"}:
            words.append("esn")  # strongSwan proposes no ESN unless told
        ss_line = "-".join(words)
    ls = [_cipher(e, _LS_CIPHER, True) for e in encs]
    if None in ls:
        return _Lines(ss_line, None, f"libreswan has no {', '.join(e for e, x in zip(encs, ls) if x is None)}")
    if any(d in _LS_NO_DH for d in dhs) or (version == 1 and any(not d.startswith("modp") for d in dhs)):
        return _Lines(ss_line, None, f"libreswan has no {', '.join(dhs)} for IKEv{version} ESP")
    if any(h not in _LS_HASH for h in integs):
        return _Lines(ss_line, None, f"libreswan has no {', '.join(integs)}")
    sep = "," if version == 1 else "+"
    line = sep.join(ls)
    if integs:
        line += "-" + sep.join(_LS_HASH[h] for h in integs)
    if dhs:
        line += ("" if integs else "-null") + "-" + sep.join(_LS_DH.get(d, d) for d in dhs)
    return _Lines(ss_line, line)


def _merge(offer: Suite, current: Suite) -> Suite:
    """The proposal closest to ``current`` that ``offer`` accepts: per attribute, what both name,
    else the offer's values."""
    vals = {}
    for attr in _LINE_ATTRS:
        o, c = offer.get(attr), current.get(attr)
        if o:  # what the offer leaves out (IKEv1's PRF, IKE_AUTH's PFS group) the line leaves out too
            vals[attr] = (o & c) or o
    return Suite(0, vals)


def _closest(offered: Sequence[Suite], current: Sequence[Suite]) -> tuple[Suite, Suite | None]:
    """The offered suite and current proposal that differ in the fewest attributes."""
    if not current:
        return offered[0], None
    def distance(pair: tuple[Suite, Suite]) -> int:
        o, c = pair
        return sum(1 for a in _LINE_ATTRS if o.get(a) and c.get(a) and not o.get(a) & c.get(a))
    o, c = min(((o, c) for o in offered for c in current), key=distance)
    return o, c


def _rows(rows: Iterable[dict[str, Any]]) -> list[Suite]:
    """The ``offered`` rows a proposal finding carries, as suites again."""
    return [Suite(r.get("number", 0), {k: frozenset(v) for k, v in r.items() if isinstance(v, list)})
            for r in rows if isinstance(r, dict)]


def _refusal(sa: SaRecord, root: Finding, notify: int) -> MessageRef | None:
    return next((m for m in sa.messages if m.frame in root.frames and notify in m.notifies), None)


def _frames(root: Finding) -> str:
    return ", ".join(str(f) for f in root.frames)


# -- proposals ------------------------------------------------------------------------------

def _proposals(sa: SaRecord, root: Finding, ctx: RuleContext, child: bool,
               offered: list[Suite] | None = None, side: str | None = None) -> Inferred:
    offered = offered if offered is not None else _rows(root.details.get("offered") or ())
    if not offered:
        if child:
            return _nothing("the CHILD SA offer is encrypted: with --keys ikescope reads it and writes the setting")
        return _nothing("the initiator's offer is not in the capture")
    if side is None:
        refusal = _refusal(sa, root, N_V1_NO_PROPOSAL_CHOSEN)
        side = role_name(refusal.from_initiator) if refusal is not None else "responder"
    current = list(ctx.settings.expect_esp if child else ctx.settings.expect_ike)
    offer, near = _closest(offered, current)
    target = _merge(offer, near) if near is not None else offer
    render = _esp_line if child else _ike_line
    lines = render(target, sa.version)
    keep = [render(c, sa.version) for c in current]
    ss_items = _dedup([*(k.strongswan for k in keep), lines.strongswan])
    ls_items = _dedup([*(k.libreswan for k in keep), lines.libreswan])
    key_ss, key_ls = ("esp_proposals", "esp") if child else ("proposals", "ike")
    strongswan = (f"{key_ss} = {', '.join(ss_items)}",) if lines.strongswan else ()
    libreswan: tuple[str, ...] = (f"{key_ls}={','.join(ls_items)}",) if lines.libreswan else ()
    if child and libreswan and target.get("dh"):  # IKE_AUTH offers carry no group: PFS is not in question
        libreswan += ("pfs=yes" if target.get("dh") - {"no PFS"} else "pfs=no",)
    basis = f"the {'CHILD SA' if child else 'IKE SA'} proposal{'s' if len(offered) > 1 else ''} offered and " \
            f"refused in frames {_frames(root)}"
    if near is not None:
        basis += f", after the {'--expect-esp' if child else '--expect-ike'} proposals, which it keeps"
    return Inferred(side, strongswan, libreswan, root.confidence, basis, lines.gaps())


def _dedup(items: Iterable[str | None]) -> list[str]:
    return list(dict.fromkeys(x for x in items if x))


def _ike_proposals(sa: SaRecord, root: Finding, ctx: RuleContext) -> Inferred:
    if "wanted_group" in root.details:
        return _wanted_group(sa, root)
    return _proposals(sa, root, ctx, child=False)


def _child_proposals(sa: SaRecord, root: Finding, ctx: RuleContext) -> Inferred:
    return _proposals(sa, root, ctx, child=True)


def _rekey(sa: SaRecord, root: Finding, ctx: RuleContext) -> Inferred:
    """A refused rekey is fixed like a refused CHILD SA, by the refusing side accepting the rekey's
    offer; only the PFS group it carries differs from what came up in IKE_AUTH or the first quick
    mode, and that group is encrypted."""
    request = next((m for m in sa.messages if m.frame == root.frames[0]), None) if root.frames else None
    pfs = root.details.get("pfs_mismatch")
    if request is None or not request.proposals:
        if pfs is None:
            return _nothing("the refusal is encrypted: with --keys ikescope reads whether the ESP proposal, the PFS "
                            "group or the traffic selectors were refused, and writes the setting")
        return _nothing("PFS is set on one side only: the same DH group (or none) in the ESP proposals of both "
                        "sides fixes it (strongSwan: the group in esp_proposals; libreswan: pfs= and the group in "
                        "esp=); the group is encrypted: with --keys ikescope reads it and writes the setting")
    offered = suites(sa.version, request.proposals)
    if sa.version == 2:  # a CREATE_CHILD_SA offers PFS by listing a group; none listed is "no PFS"
        offered = [o if o.get("dh") else Suite(o.number, {**o.values, "dh": frozenset({"no PFS"})})
                   for o in offered]
    return _proposals(sa, root, ctx, child=True, offered=offered, side=role_name(not request.from_initiator))


def _wanted_group(sa: SaRecord, root: Finding) -> Inferred:
    """INVALID_KE_PAYLOAD names the group the responder wants: the initiator offers it."""
    wanted = str(root.details["wanted_group"])
    first = suites(sa.version, sa.offered[:1])
    if not first or wanted.startswith("an unnamed"):
        return _nothing("the initiator's offer or the group the responder wants is not readable")
    s = first[0]
    lines = _ike_line(Suite(s.number, {**s.values, "dh": frozenset({wanted})}), sa.version)
    ss = (f"proposals = {lines.strongswan}",) if lines.strongswan else ()
    ls = (f"ike={lines.libreswan}",) if lines.libreswan else ()
    return Inferred("initiator", ss, ls, root.confidence,
                    f"INVALID_KE_PAYLOAD in frames {_frames(root)} names {wanted}, the group the responder wants",
                    lines.gaps())


# -- selectors and identities ---------------------------------------------------------------

def _ts_text(ts: TrafficSelector) -> tuple[str, str, str]:
    """(strongSwan selector, libreswan subnet, libreswan protoport) of one IKEv2 selector."""
    try:
        start, end = ipaddress.ip_address(ts.start), ipaddress.ip_address(ts.end)
        nets = list(ipaddress.summarize_address_range(start, end))
    except (ValueError, TypeError):
        return "", "", ""
    span = str(nets[0]) if len(nets) == 1 else f"{start}-{end}"
    whole = (ts.start_port, ts.end_port) == (0, 65535)
    port = "" if whole else str(ts.start_port) if ts.start_port == ts.end_port else f"{ts.start_port}-{ts.end_port}"
    ss = span + (f"[{ts.protocol}/{port}]" if ts.protocol or port else "")
    ls_port = f"{ts.protocol}/{port or '0'}" if ts.protocol or port else ""
    return ss, (span if len(nets) == 1 else ""), ls_port


def _selector_settings(local: list[tuple[str, str, str]], remote: list[tuple[str, str, str]]
                       ) -> tuple[tuple[str, ...], tuple[str, ...], str]:
    ss = (f"local_ts = {', '.join(x[0] for x in local)}", f"remote_ts = {', '.join(x[0] for x in remote)}")
    ls: list[str] = []
    gaps = []
    for key, items in (("left", local), ("right", remote)):
        subnets = [x[1] for x in items]
        if not all(subnets):
            gaps.append("libreswan takes subnets, not address ranges")
            continue
        ls.append(f"{key}subnet={subnets[0]}" if len(subnets) == 1 else f"{key}subnets={{{' '.join(subnets)}}}")
        ports = {x[2] for x in items if x[2]}
        if len(ports) == 1 and "-" not in next(iter(ports)):
            ls.append(f"{key}protoport={next(iter(ports))}")
        elif ports:
            gaps.append("libreswan takes one protocol and port per side")
    return ss, (tuple(ls) if not gaps else ()), "; ".join(dict.fromkeys(gaps))


def _ts(sa: SaRecord, root: Finding, ctx: RuleContext) -> Inferred:
    refusal = _refusal(sa, root, N_V2_TS_UNACCEPTABLE)
    request = next((m for m in sa.messages if m.frame in root.frames and m.selectors
                    and (refusal is None or m.from_initiator != refusal.from_initiator)), None)
    if request is None:
        return _nothing("the traffic selectors asked for are encrypted: --keys shows them")
    tsi = [_ts_text(ts) for t, sel in request.selectors if t == 44 for ts in sel]
    tsr = [_ts_text(ts) for t, sel in request.selectors if t == 45 for ts in sel]
    if not tsi or not tsr or not all(x[0] for x in tsi + tsr):
        return _nothing("the traffic selectors asked for are not address selectors ikescope can write")
    ss, ls, gap = _selector_settings(tsr, tsi)  # the refusing side's local network is what was asked as TSr
    side = role_name(not request.from_initiator)
    return Inferred(side, ss, ls, root.confidence,
                    f"the traffic selectors asked for in frame {request.frame} and refused in frames {_frames(root)}",
                    gap)


def _id_text(text: str) -> tuple[str, str, str]:
    """A quick mode ID as (strongSwan selector, libreswan subnet, "")."""
    if "-" in text:
        return text, "", ""
    try:
        net = ipaddress.ip_network(text, strict=False)
    except ValueError:
        return "", "", ""
    return str(net), str(net), ""


def _id_mismatch(sa: SaRecord, root: Finding, ctx: RuleContext) -> Inferred:
    d = root.details
    if "requested" in d and "known" in d:  # IKEv2: the initiator asked for an identity the responder does not use
        known = str(d["known"])
        return Inferred("initiator", (f"remote.id = {_ss_id(known)}",), (f"rightid={_ls_id(known)}",),
                        root.confidence, f"the responder's identity seen in frames {_frames(root)}")
    refusal = _refusal(sa, root, N_V1_INVALID_ID_INFORMATION)
    side = role_name(refusal.from_initiator) if refusal is not None else "responder"
    ids = d.get("proposed_ids") or []
    if d.get("phase") == 2:
        if len(ids) != 2:
            return _nothing("the quick mode IDs are encrypted: --keys shows them")
        remote, local = _id_text(str(ids[0])), _id_text(str(ids[1]))
        if not remote[0] or not local[0]:
            return _nothing("the quick mode IDs are not networks ikescope can write")
        ss, ls, gap = _selector_settings([local], [remote])
        return Inferred(side, ss, ls, root.confidence,
                        f"the quick mode IDs proposed and refused in frames {_frames(root)}", gap)
    identity = d.get("identity")
    if not identity:
        return _nothing("the identity sent is encrypted: --keys shows it")
    return Inferred(side, (f"remote.id = {_ss_id(str(identity))}",), (f"rightid={_ls_id(str(identity))}",),
                    root.confidence, f"the phase 1 identity sent and refused in frames {_frames(root)}")


def _ss_id(text: str) -> str:
    return f'"{text}"' if "," in text or " " in text else text


def _ls_id(text: str, id_type: int | None = None) -> str:
    """libreswan writes a host name with "@" so it is not looked up in DNS (ipsec.conf(5))."""
    if id_type in (ID_IPV4_ADDR, ID_IPV6_ADDR) or _is_address(text) or "@" in text:
        return text
    if id_type in (None, ID_FQDN):
        return "@" + text
    return f'"{text}"'


def _is_address(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


_KEY_UNSEEN = ("a pre-shared key never shows on the wire: if the identities already match, the secrets (or "
               "the certificate's trust) differ, which the responder's log tells")


def _auth(sa: SaRecord, root: Finding, ctx: RuleContext) -> Inferred:
    """An identity the responder does not know fails like a wrong key: the identities are written as
    the initiator used them, a possible fix only."""
    if "xauth_status" in root.details:
        return _nothing("the XAuth user's credentials were refused, and no password shows on the wire: check the "
                        "user's secret on both sides")
    if sa.version != 2:
        return _nothing("the pre-shared keys differ, and no secret shows on the wire: set the same one on both sides")
    idi = next((i for i in sa.identities if i[0] and i[1] == PL_V2_IDI), None)
    idr = next((i for i in sa.identities if i[0] and i[1] == PL_V2_IDR), None)
    if idi is None:
        return _nothing("the identities and the refusal are encrypted: --keys shows the identities; "
                        + _KEY_UNSEEN)
    readable = {ID_IPV4_ADDR, ID_IPV6_ADDR, ID_FQDN, ID_USER_FQDN}
    if idi[2] not in readable or (idr is not None and idr[2] not in readable):
        return _nothing("the identities are binary (a DN or key ID): compare them with the certificates; "
                        + _KEY_UNSEEN)
    ss = [f"remote.id = {_ss_id(idi[3])}"]
    ls = [f"rightid={_ls_id(idi[3], idi[2])}"]
    if idr is not None:
        ss.insert(0, f"local.id = {_ss_id(idr[3])}")
        ls.insert(0, f"leftid={_ls_id(idr[3], idr[2])}")
    refusal = _refusal(sa, root, N_V2_AUTHENTICATION_FAILED)
    side = role_name(refusal.from_initiator) if refusal is not None else "responder"
    return Inferred(side, tuple(ss), tuple(ls), Confidence.POSSIBLE,
                    "the identities the initiator sent" + (" and asked for" if idr else ""), _KEY_UNSEEN)


# -- versions, modes, fragmentation ---------------------------------------------------------

def _version(sa: SaRecord, root: Finding, ctx: RuleContext) -> Inferred:
    if sa.version == 2:
        return Inferred("responder", ("version = 2",), ("ikev2=insist",), root.confidence,
                        f"the initiator speaks IKEv2 (frames {_frames(root)})")
    if sa.version == 1:
        return Inferred("responder", ("version = 1",), ("ikev2=no", "ikev1-policy=accept (config setup)"),
                        root.confidence, f"the initiator speaks IKEv1 (frames {_frames(root)})")
    return _nothing(f"the initiator sends IKE major version {sa.version}, which no configuration accepts: it is "
                    "broken or deliberately testing the responder")


def _mode(sa: SaRecord, root: Finding, ctx: RuleContext) -> Inferred:
    aggressive = root.details.get("mode", sa.mode) == "aggressive"
    ss = ["aggressive = yes" if aggressive else "aggressive = no"]
    if aggressive:
        ss.append("charon.i_dont_care_about_security_and_use_aggressive_mode_psk = yes (strongswan.conf, "
                  "with pre-shared keys)")
    return Inferred("responder", tuple(ss), ("aggressive=yes" if aggressive else "aggressive=no",),
                    root.confidence, f"the initiator's {'aggressive' if aggressive else 'main'} mode in frames "
                                     f"{_frames(root)}")


def _encapsulation(sa: SaRecord, root: Finding, ctx: RuleContext) -> Inferred:
    d = root.details
    wants_transport = d.get("requested_transport") if "requested_transport" in d else "transport" in (
        d.get("offered") or ())
    mode = "transport" if wants_transport else "tunnel"
    return Inferred("responder", (f"mode = {mode}",), (f"type={mode}",), root.confidence,
                    f"the initiator asks for {mode} mode in frames {_frames(root)}")


def _fragments(sa: SaRecord, root: Finding, ctx: RuleContext) -> Inferred:
    return Inferred("both", ("fragmentation = yes",), ("fragmentation=yes",), root.confidence,
                    f"the {root.details.get('length', 'large')}-byte message split into IP fragments in frames "
                    f"{_frames(root)}")


_BY_CODE: dict[str, Callable[[SaRecord, Finding, RuleContext], Inferred]] = {
    "ike.proposal_mismatch": _ike_proposals,
    "ike.dh_group_mismatch": _ike_proposals,
    "ike.child_proposal_mismatch": _child_proposals,
    "ike.pfs_mismatch": _child_proposals,
    "ike.ts_mismatch": _ts,
    "ike.id_mismatch": _id_mismatch,
    "ike.auth_failed": _auth,
    "ike.version_mismatch": _version,
    "ike.exchange_mode_mismatch": _mode,
    "ike.encapsulation_mismatch": _encapsulation,
    "ike.large_unfragmented": _fragments,
    "ike.rekey_refused": _rekey,
    "ike.child_sa_rejected": lambda sa, root, ctx: _nothing(
        "the refusal is encrypted: with --keys ikescope reads whether the ESP proposal or the traffic selectors "
        "were refused, and writes the setting"),
}
