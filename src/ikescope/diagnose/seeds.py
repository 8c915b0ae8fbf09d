"""Every condition the vendor troubleshooting documents name, and what ikescope makes of it.

The catalog's vendor wording goes from a finding to the log lines it explains.
An engineer usually starts at the other end, with a gateway's log line or
reason code in hand, and needs to know whether a capture can settle it. This
table answers that for every condition of the five vendor documents ikescope
is measured against: the finding that reports it, with a capture on which
ikescope really produces that finding, or why a capture cannot show it.

The captures are named so a test can run them: ``pcaps/...`` is in this
repository, anything else is relative to the shared material beside it
(``corpus/public/...``, ``repro/...``).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import Enum


class Status(str, Enum):
    COVERED = "covered"
    UNPROVEN = "reported, no capture yet"
    UNREPORTED = "on the wire, not reported yet"
    OFF_WIRE = "not on the wire"
    PROGRESS = "progress, not a failure"


@dataclass(frozen=True, slots=True)
class Capture:
    """keys: opened with the key tables stored beside the capture. expect_ike / expect_esp: the
    proposals given as ``--expect-ike`` / ``--expect-esp``, for findings that need to know one side's
    configuration."""

    path: str
    keys: bool = False
    expect_ike: str = ""
    expect_esp: str = ""


@dataclass(frozen=True, slots=True)
class Cover:
    """A finding that reports the condition. ``capture`` is None when no capture at hand shows it yet;
    ``details`` pins the variant of the finding that matches the condition (e.g. the decoder problem)."""

    code: str
    capture: Capture | None = None
    details: tuple[tuple[str, object], ...] = ()


@dataclass(frozen=True, slots=True)
class Gap:
    """Why no finding reports the condition. ``related``: what a capture shows instead, if anything."""

    status: Status
    text: str
    related: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Condition:
    """One condition as the document names it: a log line, an error name or a reason code (``number``)."""

    name: str
    covers: tuple[Cover, ...] = ()
    gap: Gap | None = None
    number: int | None = None
    note: str = ""

    @property
    def status(self) -> Status:
        if self.gap is not None:
            return self.gap.status
        return Status.COVERED if any(c.capture is not None for c in self.covers) else Status.UNPROVEN


@dataclass(frozen=True, slots=True)
class Document:
    file: str  # its name in the seeds folder
    title: str
    conditions: tuple[Condition, ...]
    remark: str = ""


def _on(code: str, path: str = "", *, keys: bool = False, expect_ike: str = "", expect_esp: str = "",
        **details: object) -> Cover:
    capture = Capture(path, keys, expect_ike, expect_esp) if path else None
    return Cover(code, capture, tuple(details.items()))


def _off(text: str, *related: str) -> Gap:
    return Gap(Status.OFF_WIRE, text, related)


def _unreported(text: str, *related: str) -> Gap:
    return Gap(Status.UNREPORTED, text, related)


def _progress(text: str, *related: str) -> Gap:
    return Gap(Status.PROGRESS, text, related)


def _code(number: int, name: str, *covers: Cover, gap: Gap | None = None, note: str = "") -> Condition:
    return Condition(name, covers, gap, number, note)


# Captures used by several rows.
P1_PROPOSALS = "pcaps/ikev1-p1-proposal-mismatch.pcap"
QM_PROPOSALS = "pcaps/ikev1-qm-proposal-mismatch.pcap"
V1_PSK = "pcaps/ikev1-psk-mismatch.pcap"
V1_IDS = "pcaps/ikev1-id-mismatch.pcap"
V1_XAUTH_FAILED = "pcaps/ikev1-xauth-failed.pcap"
V2_EAP_FAILED = "pcaps/ikev2-eap-md5-failed.pcap"
V2_CHILD_PROPOSALS = "pcaps/ikev2-child-proposal-mismatch.pcap"
V2_PFS = "pcaps/ikev2-pfs-mismatch.pcap"
V2_TS = "pcaps/ikev2-ts-mismatch.pcap"
V2_NARROWED = "pcaps/ikev2-ts-narrowed.pcap"
V1_RESTART = "pcaps/ikev1-peer-restart.pcap"
V2_RESTART = "pcaps/ikev2-peer-restart.pcap"
V2_IPFRAG = "pcaps/ikev2-ipfrag-dropped.pcap"
CRITICAL = "pcaps/ikev2-unknown-critical-payload.pcap"

PFS_ON_ONE_SIDE = _on("ike.pfs_mismatch", V2_PFS, keys=True, expect_esp="aes128-sha256")
REKEY_PFS = "pcaps/ikev2-rekey-pfs-initiator-only.pcap"
LIMIT = ("A capacity or licence limit inside the gateway; the peer sees a refusal or silence that does not "
         "say why.")

HUAWEI = Document("huawei-ipsec-negotiation-fails-alarm.txt", "Huawei: IPSEC/4/IPSECNEGOFAIL reason codes", (
    _code(1, "phase1 proposal mismatch", _on("ike.proposal_mismatch", P1_PROPOSALS)),
    _code(2, "phase2 proposal or pfs mismatch", _on("ike.child_proposal_mismatch", QM_PROPOSALS, keys=True),
          PFS_ON_ONE_SIDE, _on("ike.child_sa_rejected", QM_PROPOSALS),
          _on("ike.rekey_refused", REKEY_PFS, pfs_mismatch="requester"),
          note="Without keys the refusal is encrypted and only its place in the exchange shows; a PFS group on "
               "one side only first shows at the CHILD SA's first rekey."),
    _code(3, "encapsulation mode mismatch",
          _on("ike.encapsulation_mismatch", "pcaps/ikev2-transport-vs-tunnel.pcap", keys=True)),
    _code(4, "flow or peer mismatch", _on("ike.ts_mismatch", V2_TS, keys=True),
          _on("ike.id_mismatch", V1_IDS, keys=True), _on("ike.child_sa_rejected", V2_TS),
          note="These cover the protected flows (the ACL); a wrong peer address is code 12."),
    _code(5, "version mismatch", _on("ike.version_mismatch", "pcaps/ikev2-bad-major-version.pcap"),
          note="A responder that answers the other IKE version with NO_PROPOSAL_CHOSEN, as strongSwan does in "
               "`pcaps/cross-v1-to-v2only.pcap`, is reported as `ike.proposal_mismatch`."),
    _code(6, "responder dh mismatch",
          _on("ike.dh_group_mismatch", "corpus/public/openswan/lp08-parentR1/parentR1notify.pcap")),
    _code(7, "initiator dh mismatch", _on("ike.dh_group_mismatch", "pcaps/ikev2-dh-group-mismatch.pcap",
                                          expect_ike="aes256-sha256-ecp256"),
          note="When the responder only says NO_PROPOSAL_CHOSEN, ikescope needs its proposals "
               "(`--expect-ike`) to name the group as the difference."),
    _code(10, "ip assigned fail", _on("ike.xauth_cfg"),
          note="IKEv2 INTERNAL_ADDRESS_FAILURE is read (with keys); an IKEv1 mode config answer without an "
               "address is not."),
    _code(12, "peer address mismatch", gap=_off(
        "Which peer address (and VPN instance) the gateway expects is its own setting; the capture shows "
        "the request ignored or refused.", "ike.no_response")),
    _code(13, "config ID mismatch",
          _on("ike.auth_failed", "pcaps/ikev2-id-mismatch.pcap", keys=True,
              requested_responder_id="carol@example.org"),
          _on("ike.id_mismatch")),
    _code(14, "construct local ID fail", gap=_off(
        "The gateway fails to build its own identity before it could send it; no message carries the "
        "failure.")),
    _code(15, "authentication fail", _on("ike.auth_failed", "pcaps/ikev2-psk-mismatch.pcap")),
    _code(16, "rekey no find old sa", _on("ike.peer_lost_state", V2_RESTART), _on("ike.unknown_sa"),
          _on("ike.rekey_refused"),
          note="An IKEv2 rekey answered with CHILD_SA_NOT_FOUND (RFC 7296 2.25) is a refused rekey, the notify "
               "readable with keys; no capture shows that answer yet."),
    _code(17, "rekey fail", _on("ike.rekey_refused", REKEY_PFS), _on("ike.rekey_refused", REKEY_PFS, keys=True),
          note="A rekey that crosses the other side's (TEMPORARY_FAILURE, RFC 7296 2.25) is "
               "`ike.rekey_collision` instead."),
    _code(18, "first packet limited", gap=_off(
        "A rate limit on new negotiations inside the gateway; the initiator sees its first message go "
        "unanswered.", "ike.no_response")),
    _code(21, "invalid cookie", _on("ike.peer_lost_state", V1_RESTART), _on("ike.unknown_sa")),
    _code(24, "invalid length", _on("ike.malformed", "corpus/public/zeek-spicy-ipsec/ipsec-ikev1-zero-length.pcap",
                                    problem="ike.header_length_short")),
    _code(26, "unsupported version", _on("ike.version_mismatch", "corpus/public/tcpdump/isakmp-delete-segfault.pcap",
                                         problem="ike.unknown_version"),
          _on("ike.undecodable")),
    _code(28, "malformed payload", _on("ike.malformed", "corpus/public/tcpdump/ikev2-id-short.pcap",
                                       problem="ike.payload_length_short"),
          _on("ike.malformed_reported", V1_PSK, keys=True, name="PAYLOAD-MALFORMED")),
    _code(30, "malformed message", _on("ike.malformed", "corpus/public/tcpdump/isakmp-no-none-np.pcapng",
                                       problem="ike.chain_unterminated")),
    _code(31, "cookie mismatch", _on("ike.peer_lost_state", V1_RESTART), _on("ike.unknown_sa")),
    _code(32, "exchange mode mismatch", _on("ike.exchange_mode_mismatch", "pcaps/ikev1-mode-mismatch.pcap")),
    _code(33, "unknown exchange type", gap=_unreported(
        "The exchange type is in clear in the header, but a value the IKE version does not define passes "
        "the decoder without a finding; only a peer's INVALID-EXCHANGE-TYPE answer is reported.",
        "ike.malformed_reported")),
    _code(34, "critical drop", _on("ike.malformed", CRITICAL, problem="ike.unknown_critical_payload"),
          _on("ike.malformed_reported", CRITICAL, name="UNSUPPORTED_CRITICAL_PAYLOAD")),
    _code(35, "uncritical drop", _on("ike.malformed", "corpus/public/ndpi/ipsec_isakmp_esp.pcap",
                                     problem="ike.unknown_payload"),
          note="Reported at info severity: receivers are meant to skip such payloads."),
    _code(36, "route limit", gap=_off(
        "The gateway's table of routes injected for tunnels is full; nothing about it travels in IKE.")),
    _code(39, "local address mismatch", gap=_off(
        "The gateway compares the address it negotiates from with its own interface; the capture only "
        "shows the address in use.")),
    _code(40, "nat detection fail", _on("ike.nat_t_unsupported"), _on("ike.nat_no_float")),
    _code(41, "ipsec tunnel number reaches limitation", gap=_off(LIMIT, "ike.no_response")),
    _code(42, "dynamic peers number reaches limitation", gap=_off(LIMIT, "ike.no_response")),
    _code(43, "none of user's interface is selected", gap=_off(
        "The peer's identity is on the wire, but the table that maps it to a tunnel interface is the "
        "gateway's own.")),
    _code(44, "in disconnect state", _on("ike.dpd_unanswered", "pcaps/ikev2-dpd.pcap")),
    _code(45, "proposal mismatch or use sm in ikev2",
          _on("ike.child_proposal_mismatch", V2_CHILD_PROPOSALS, keys=True),
          _on("ike.child_sa_rejected", V2_CHILD_PROPOSALS)),
    _code(46, "flow conflict", gap=_off(
        "The conflict is between the gateway's own flow rules; the peer only sees its networks refused.",
        "ike.ts_mismatch", "ike.id_mismatch")),
    _code(47, "ikev2 not support sm in ipsec proposal", gap=_off(
        "A check of the gateway's own configuration: the IPsec proposal it would send is not usable with "
        "IKEv2.")),
    _code(48, "netmask mismatch", _on("ike.ts_narrowed", V2_NARROWED, keys=True),
          _on("ike.ts_mismatch", V2_TS, keys=True),
          note="A gateway that filters by mask refuses a different prefix length; strongSwan narrows it."),
    _code(49, "no policy applied on interface", gap=_off(
        "No IPsec policy on the receiving interface is a local setting; the initiator sees its requests "
        "ignored.", "ike.no_response")),
    _code(50, "fragment packet limit", _on("ike.large_unfragmented", V2_IPFRAG), _on("ike.fragments_incomplete"),
          note="The limit is the receiver's; the capture shows a message in several fragments left unanswered."),
    _code(51, "fragment packet reassemble timeout",
          _on("net.fragments_lost", "corpus/public/tcpdump/isakmp-various-oobr.pcap"),
          _on("ike.large_unfragmented", V2_IPFRAG), _on("ike.fragments_incomplete")),
    # Named by the procedure section only, without a number.
    Condition("eap authentication timeout", gap=_unreported(
        "The client stops answering inside IKE_AUTH: the responder's last answer carries an EAP request and "
        "no further IKE_AUTH request follows.")),
    Condition("eap authentication fail", (_on("ike.user_auth_failed", V2_EAP_FAILED, keys=True, eap_failure=True),
                                          _on("ike.user_auth_failed", V2_EAP_FAILED, ike_auth_rounds=3))),
    Condition("xauth authentication fail", (_on("ike.user_auth_failed", V1_XAUTH_FAILED, keys=True, xauth_status=0),
                                            _on("ike.user_auth_failed", V1_XAUTH_FAILED, deleted=False))),
    Condition("xauth authentication timeout", (_on("ike.xauth_cfg"),),
              note="The rule looks for an XAuth exchange left unanswered."),
    Condition("license or specification limited", gap=_off(LIMIT, "ike.no_response")),
), remark="The alarm lists 39 reason codes; its procedure names five more causes without a code (the last rows).")

# The ZyWALL and Business Secure Router manuals share one log table; each prints some lines its own way.
SEND_MODE = Condition("Send <Symbol> Mode request to <IP>", gap=_progress(
    "The gateway starts phase 1; the capture shows it as the first message of an SA. Repeated without an "
    "answer, it shows as retransmissions and silence.", "ike.retransmission", "ike.no_response"))
RECV_MODE = Condition("Recv <Symbol> Mode request from <IP>", gap=_progress(
    "A peer starts phase 1 with the gateway; the SA summary shows who initiated."))
RECV_SYMBOL = Condition("Recv:<Symbol>", gap=_progress(
    "The payloads of a received message, as `ikescope decode` lists them."))
PHASE1_DONE = Condition("Phase 1 IKE SA process done", gap=_progress(
    "Phase 1 is complete; the SA summary shows the SA established."))
PHASE2_START = Condition("Start Phase 2: Quick Mode", gap=_progress(
    "Quick mode begins; the SA summary lists the exchange."))
IN_PROCESS = Condition("!! IKE Negotiation is in process", (_on("ike.duplicate_request"),),
                       note="Reported when a second phase 1 with the same peer starts before the first ends.")
DUPLICATE = Condition("!! Duplicate requests with the same cookie",
                      (_on("ike.retransmission", V1_PSK), _on("ike.duplicate_request")))
NO_PROPOSAL = Condition("!! No proposal chosen", (_on("ike.proposal_mismatch", P1_PROPOSALS),
                                                  _on("ike.child_proposal_mismatch", QM_PROPOSALS, keys=True)))
ID_REFUSED = (_on("ike.id_mismatch", V1_IDS, keys=True), _on("ike.child_sa_rejected", V1_IDS))
LOCAL_ID = Condition("!! Verifying Local ID failed", ID_REFUSED)
REMOTE_ID = Condition("!! Verifying Remote ID failed", ID_REFUSED)
RULE_CONFLICT = Condition("!! Local / remote IPs of incoming request conflict with rule <#d>", gap=_off(
    "The peer's networks collide with another rule in the gateway's own table; the peer only sees its quick "
    "mode refused.", "ike.id_mismatch", "ike.child_sa_rejected"))
INVALID_IP = Condition("!! Invalid IP", gap=_unreported(
    "The range is in the peer's quick mode ID payload (encrypted: readable with keys), but ikescope does not "
    "judge ranges; only the refusal is reported.", "ike.id_mismatch"))
REMOTE_CONFLICT = Condition("!! Remote IP conflicts", gap=_off(
    "The peer's range overlaps another connection in the gateway's own table; the peer sees its requests "
    "refused.", "ike.id_mismatch", "ike.child_sa_rejected"))

ZYWALL2 = Document("zywall2-ike-log-descriptions.txt", "ZyWALL 2: IKE key exchange log", (
    SEND_MODE, RECV_MODE, RECV_SYMBOL,
    Condition("PYLD_MALFORMED", (_on("ike.auth_failed", V1_PSK),
                                 _on("ike.malformed_reported", V1_PSK, keys=True, name="PAYLOAD-MALFORMED")),
              note="The manual's reading (different pre-shared keys) is the one ikescope gives."),
    PHASE1_DONE, PHASE2_START, IN_PROCESS, DUPLICATE, NO_PROPOSAL, LOCAL_ID, REMOTE_ID, RULE_CONFLICT,
))

ZYWALL100 = Document("zywall100-ipsec-log.txt", "ZyWALL 100: IPSec log", (
    Condition("Send:", gap=_progress("The payloads of a sent message, as `ikescope decode` lists them.")),
    Condition("Recv:", gap=RECV_SYMBOL.gap),
    PHASE1_DONE, PHASE2_START, IN_PROCESS, DUPLICATE, NO_PROPOSAL, LOCAL_ID, REMOTE_ID, RULE_CONFLICT,
    INVALID_IP, REMOTE_CONFLICT,
    Condition("!! Active connection allowed exceeded", gap=_off(
        "The gateway's limit on simultaneous phase 2 negotiations; the peer sees its quick mode go "
        "unanswered.", "ike.no_response")),
))

BSR = Document("business-secure-router-ike-logs.txt", "Business Secure Router: IKE key exchange log", (
    SEND_MODE, RECV_MODE, RECV_SYMBOL, PHASE1_DONE, PHASE2_START, IN_PROCESS, DUPLICATE, NO_PROPOSAL,
    LOCAL_ID, REMOTE_ID, RULE_CONFLICT,
    replace(INVALID_IP, name="!! Invalid IP <IP start>/<IP end>"),
    replace(REMOTE_CONFLICT, name="!! Remote IP <IP start> / <IP end> conflicts"),
))

CLAVISTER = Document("clavister-ipsec-error-messages.txt", "Clavister: common IPsec errors and symptoms", (
    Condition("Error message-1: could not find acceptable proposal / no proposal chosen", (
        _on("ike.proposal_mismatch", "pcaps/ikev2-ike-proposal-mismatch.pcap"),
        _on("ike.child_proposal_mismatch", V2_CHILD_PROPOSALS, keys=True),
        PFS_ON_ONE_SIDE,
        _on("ike.dh_group_mismatch", "pcaps/ikev2-dh-group-mismatch.pcap", expect_ike="aes256-sha256-ecp256"),
        _on("ike.exchange_mode_mismatch", "pcaps/ikev1-mode-mismatch.pcap"))),
    Condition("Error message-2: Incorrect pre-shared key", (_on("ike.auth_failed", V1_PSK),),
              note="A catch-all tunnel listed first with another key looks the same on the wire."),
    Condition("Error message-3: Ike_invalid_payload, Ike_invalid_cookie", (
        _on("ike.peer_lost_state", "pcaps/ikev2-libreswan-peer-restart.pcap"), _on("ike.unknown_sa"))),
    Condition("Error message-4: Payload_Malformed", (
        _on("ike.auth_failed", V1_PSK), _on("ike.malformed_reported", V1_PSK, keys=True, name="PAYLOAD-MALFORMED"))),
    Condition("Error message-5: No public key found", (
        _on("ike.auth_failed", "pcaps/ikev2-cert-unknown-ca.pcap"),
        _on("ike.cert_expired", "corpus/public/arkime/ike-cert_synthetic.pcap"),
        _on("ike.certreq_without_cert", "corpus/public/packetgen-plugin-ipsec/ikev2_cbc_hmac.pcapng", keys=True)),
        note="An unreachable revocation list, ID lists and the client's certificate store are the gateways' "
             "own and not on the wire."),
    Condition("Problem symptom-1: The tunnel can only be initiated from one side.", (
        _on("ike.ts_narrowed", V2_NARROWED, keys=True), _on("ike.ts_mismatch", V2_TS, keys=True),
        _on("ike.lifetime_mismatch", "repro/ikev1-lifetime-answer-differs.pcap"))),
    Condition("Problem symptom-2: Tunnel is unable to establish, Ikesnoop reports CFG mode XAuth problem", (
        _on("ike.xauth_cfg", V1_XAUTH_FAILED, quick_mode_after=False),),
        note="The pattern ikescope reports: configuration exchanges after phase 1 and no quick mode."),
))

DOCUMENTS = (HUAWEI, ZYWALL2, ZYWALL100, BSR, CLAVISTER)
