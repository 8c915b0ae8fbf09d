"""The catalog of lab scenarios: each one a capture in pcaps/ and a labelled fact about IKE.

Names start with the IKE version (ikev1-, ikev2-, or cross- when the peers disagree on it).
alice (192.0.2.1) initiates unless a scenario says otherwise; bob (192.0.2.2) answers.
"""

from __future__ import annotations

import signal
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from lab.charon import KEEP_LARVAL_SPIS, PLUGINS_USERSPACE_ESP
from lab.netns import Host, LabError
from lab.scenario import (Expect, Run, SaExpect, Scenario, libreswan_alice, libreswan_bob, pair, pluto_pair,
                          tunnels)

V2_OK = ("IKE_SA_INIT", "IKE_AUTH")
MM = "MAIN_MODE"
QM = "QUICK_MODE"
INFO1 = "INFORMATIONAL_V1"

NO_PROPOSAL_CHOSEN = 14
INVALID_KE_PAYLOAD = 17
AUTHENTICATION_FAILED = 24
TS_UNACCEPTABLE = 38
INVALID_ID_INFORMATION = 18
USE_TRANSPORT_MODE = 16391
UNSUPPORTED_CRITICAL_PAYLOAD = 1
INVALID_MAJOR_VERSION = 5
COOKIE = 16390
PFS_CHILD = {"pfs": {"local_ts": "203.0.113.0/25", "remote_ts": "203.0.113.128/25"}}
PFS_CHILD_BOB = {"pfs": {"local_ts": "203.0.113.128/25", "remote_ts": "203.0.113.0/25"}}
AGGRESSIVE_PSK_OK = {"i_dont_care_about_security_and_use_aggressive_mode_psk": "yes"}
# Both charons keep their CHILD SAs' SPIs for the whole run, so nothing expires on its own in the
# seconds a refused rekey's retry takes (see lab.charon.KEEP_LARVAL_SPIS).
QUIET_CHILDREN = {"alice": KEEP_LARVAL_SPIS, "bob": KEEP_LARVAL_SPIS}
# What each daemon logs when a CHILD SA rekey it started was refused.
REKEY_REFUSED = (r"CHILD_SA rekeying failed|CREATE_CHILD_SA failed with error notification|"
                 r"received NO_PROPOSAL_CHOSEN error notify")
# libreswan's setting that makes its responder answer every IKE_SA_INIT with a COOKIE first.
DDOS_BUSY = "ddos-mode=busy"
TUNNELS = 20
# Each swanctl --initiate holds one of charon's threads until its tunnel is up; twenty at once need
# more threads than charon's default 16, or the packets that would finish them wait for a thread.
# bob keeps charon's cookie threshold (10 half-open IKE SAs: beyond it he answers with COOKIE, as
# a loaded gateway does) but not its block threshold, which would drop IKE_SA_INITs beyond 5
# half-open SAs from one address and make the run depend on timing.
MANY_THREADS = {"alice": {**KEEP_LARVAL_SPIS, "threads": 64},
                "bob": {**KEEP_LARVAL_SPIS, "threads": 64, "block_threshold": 100}}


def initiate_ok(run: Run) -> None:
    run.initiate("alice")


def initiate_fails(run: Run) -> None:
    run.initiate("alice", ok=False)


def initiate_then_idle(run: Run) -> None:
    """Bring the tunnel up and let it idle long enough for NAT-T keepalives."""
    run.initiate("alice")
    time.sleep(2.5)


SEND_THREE = """
import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("198.51.100.1", 0))
for n in range(3):
    s.sendto(b"ikescope lab %d" % n, ("198.51.100.129", 9))
    time.sleep(0.3)
"""


def traffic_through_tunnel(run: Run) -> None:
    """Inner addresses on loopback, tunnel up, then three UDP datagrams to bob's discard
    port; bob's ICMP port unreachable answers come back through the tunnel too."""
    run.hosts["alice"].run("ip", "addr", "add", "198.51.100.1/32", "dev", "lo")
    run.hosts["bob"].run("ip", "addr", "add", "198.51.100.129/32", "dev", "lo")
    run.initiate("alice")
    run.hosts["alice"].run(sys.executable, "-c", SEND_THREE)
    time.sleep(0.5)


def block_nat_t_then_initiate(run: Run) -> None:
    """bob's host firewall drops UDP 4500, where strongSwan moves after IKE_SA_INIT."""
    run.hosts["bob"].run("iptables", "-A", "INPUT", "-p", "udp", "--dport", "4500",
                         "-j", "DROP")
    run.initiate("alice", ok=False)


def drop_fragments_then_initiate(run: Run) -> None:
    """The router between the peers drops non-first IP fragments, as some firewalls do.

    The rule sits before the kernel's defragmentation (priority -450), which the NAT's
    connection tracking would otherwise do first, hiding the fragments from any filter.
    """
    router = run.hosts["nat"]
    router.run("nft", "add", "table", "ip", "lab")
    router.run("nft", "add", "chain", "ip", "lab", "pre",
               "{ type filter hook prerouting priority -450 ; }")
    router.run("nft", "add", "rule", "ip", "lab", "pre", "ip", "frag-off", "&", "0x1fff",
               "!=", "0", "drop")
    run.initiate("alice", ok=False)


def drop_fragments_then_mark(run: Run) -> None:
    """As ``drop_fragments_then_initiate``, then a datagram across both links, so that either
    capture shows it was still running while alice retransmitted."""
    drop_fragments_then_initiate(run)
    quiet_then_mark(run, 1.0)


def narrow_link_then_initiate(run: Run) -> None:
    """bob's link (router to bob) gets an MTU of 1000 bytes, alice's keeps 1500: an IP-fragmented
    message is reassembled by the NAT router's connection tracking and fragmented again to fit
    the other link, so the two sides see it in a different number of fragments."""
    for side in ("bob", "nat"):
        host = run.hosts[side]
        host.run("ip", "link", "set", host.iface, "mtu", "1000")
    run.initiate("alice")


def delete_unanswered(run: Run) -> None:
    """bob dies without a word; alice's DELETE then goes unanswered until she gives up."""
    run.initiate("alice")
    run.daemons["bob"].stop(signal.SIGKILL)
    run.swanctl("alice", "--terminate", "--ike", "lab", "--timeout", "20")
    run.wait_log("alice", r"giving up after \d+ retransmits", timeout=20)


def second_child_fails(run: Run) -> None:
    """The first CHILD SA rides on IKE_AUTH without PFS; only a second one shows the KE clash."""
    run.initiate("alice")
    run.initiate("alice", child="pfs", ok=False)


def rekey_both(run: Run) -> None:
    """Rekey the CHILD SA, then the IKE SA, then the CHILD SA again on the new IKE SA."""
    run.initiate("alice")
    run.swanctl("alice", "--rekey", "--child", "net")
    run.wait_log("alice", r"net\{2\} established")
    run.wait_log("alice", r"closing CHILD_SA net\{1\}")
    run.swanctl("alice", "--rekey", "--ike", "lab")
    run.wait_log("alice", r"IKE_SA deleted|deleting IKE_SA lab\[1\]")
    run.wait_log("bob", r"IKE_SA deleted")
    run.swanctl("alice", "--rekey", "--child", "net")
    run.wait_log("alice", r"net\{3\} established")
    run.wait_log("alice", r"closing CHILD_SA net\{2\}")


def v1_rekey(run: Run) -> None:
    """Quick mode again for the CHILD SA, then a new main mode for the ISAKMP SA."""
    run.initiate("alice")
    run.swanctl("alice", "--rekey", "--child", "net")
    run.wait_log("alice", r"net\{2\} established")
    run.swanctl("alice", "--rekey", "--ike", "lab")
    run.wait_log("bob", r"IKE_SA lab\[1\] (deleted|closed)|deleting IKE_SA lab\[1\]")
    run.wait_log("alice", r"lab\[2\] established")


def reauthenticate(run: Run) -> None:
    """A new IKE SA from scratch (make-before-break), then the old one is deleted."""
    run.initiate("alice")
    run.swanctl("alice", "--rekey", "--ike", "lab", "--reauth")
    run.wait_log("alice", r"IKE_SA lab\[2\] established")
    run.wait_log("bob", r"IKE_SA deleted|deleting IKE_SA lab\[1\]")


def delete_child_then_ike(run: Run) -> None:
    run.initiate("alice")
    run.swanctl("alice", "--terminate", "--child", "net", "--timeout", "10")
    run.swanctl("alice", "--terminate", "--ike", "lab", "--timeout", "10")


def dpd_then_crash(run: Run) -> None:
    """Two answered liveness checks, then bob dies without a DELETE and alice gives up."""
    run.initiate("alice")
    run.wait_log("alice", r"(?s)parsed INFORMATIONAL response 2 .*"
                          r"parsed INFORMATIONAL response 3 ", timeout=20)
    run.daemons["bob"].stop(signal.SIGKILL)
    run.wait_log("alice", r"giving up after \d+ retransmits", timeout=30)


def peer_restarts(run: Run) -> None:
    """bob crashes and comes back without his SAs; alice's liveness checks on the old SA get
    no answer, she gives up on it and negotiates afresh, and the restarted bob accepts."""
    run.initiate("alice")
    bob = run.daemons["bob"]
    bob.stop(signal.SIGKILL)
    bob.start()
    bob.load()
    run.wait_log("alice", r"lab\[2\] established", timeout=60)
    time.sleep(1)


def scanned(run: Run) -> None:
    """ike-scan from alice's host: a main mode probe, an aggressive mode probe with an identity
    (whose answer carries a hash of the pre-shared key), and an IKEv2 probe; one packet each,
    as the scanner sends them, and nothing after the answers."""
    alice = run.hosts["alice"]
    bob = run.hosts["bob"].addr
    for args in (["--retry=1"], ["--retry=1", "--aggressive", "--id=alice@example.org"],
                 ["--retry=1", "--ikev2"]):
        alice.run("ike-scan", *args, bob, check=False)
        time.sleep(0.5)


def v1_dpd(run: Run) -> None:
    run.initiate("alice")
    run.wait_log("alice", r"(?s)N\(DPD_ACK\).*N\(DPD_ACK\)", timeout=20)


def impaired(*what: str, ok: bool = False) -> Callable[[Run], None]:
    """alice (libreswan) initiates with the given protocol faults switched on."""
    def play(run: Run) -> None:
        run.impair("alice", *what)
        run.initiate("alice", ok=ok)
    return play


MARK = """
import socket, sys
socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b"ikescope lab: end of capture", (sys.argv[1], 9))
"""


def quiet_then_mark(run: Run, seconds: float = 5.0) -> None:
    """Let the link stay quiet, then send one UDP datagram from alice to bob's discard port: a
    capture ends with its last packet, so the quiet after a negotiation that stopped is in the
    file only if something comes after it."""
    time.sleep(seconds)
    run.hosts["alice"].run(sys.executable, "-c", MARK, run.hosts["bob"].addr)


def fails_then_quiet(run: Run) -> None:
    run.initiate("alice", ok=False)
    quiet_then_mark(run)


def nft(host: Host, hook: str, *rule: str) -> None:
    """One nftables rule in a base chain of ``hook`` in the host's namespace (table "lab")."""
    if host.run("nft", "list", "table", "ip", "lab", check=False).returncode != 0:
        host.run("nft", "add", "table", "ip", "lab")
    if host.run("nft", "list", "chain", "ip", "lab", hook, check=False).returncode != 0:
        host.run("nft", "add", "chain", "ip", "lab", hook, f"{{ type filter hook {hook} priority 0 ; }}")
    host.run("nft", "add", "rule", "ip", "lab", hook, *rule)


# nftables raw payload offsets (bits from the UDP header) of IKE fields behind UDP 4500's
# four-byte non-ESP marker: first payload type, exchange type, flags, and an SKF payload's
# fragment number (RFC 7383 2.5).
AUTH_ANSWER_4500 = ("udp", "sport", "4500", "@th,240,8", "35", "@th,248,8", "&", "0x20", "==", "0x20")
FIRST_PAYLOAD_4500 = "@th,224,8"
SKF_NUMBER_4500 = "@th,352,16"


def answers_altered(run: Run) -> None:
    """bob's own output hook overwrites two bytes of ciphertext in each IKE_AUTH response,
    before tcpdump on his link sees it."""
    nft(run.hosts["bob"], "output", *AUTH_ANSWER_4500, "@th,640,16", "set", "0x5555")
    run.initiate("alice", ok=False)


def answers_dropped(*extra: str, once: bool = False) -> Callable[[Run], None]:
    """The router drops IKE_AUTH responses on their way from bob to alice (those matching
    ``extra`` too); ``once``: only the first."""
    def play(run: Run) -> None:
        nft(run.hosts["nat"], "forward", "ip", "saddr", run.hosts["bob"].addr, *AUTH_ANSWER_4500, *extra,
            *(("quota", "until", "400", "bytes") if once else ()), "drop")
        run.initiate("alice", ok=once)
    return play


def cookies_dropped(run: Run) -> None:
    """The router drops every IKE_SA_INIT answer from bob, here each a COOKIE demand: alice never
    sees one, so she repeats her first request without a cookie until she gives up."""
    nft(run.hosts["nat"], "forward", "ip", "saddr", run.hosts["bob"].addr, "udp", "sport", "500", "drop")
    run.initiate("alice", ok=False)
    quiet_then_mark(run, 1.0)


def main_mode_two_dropped(run: Run) -> None:
    """The router drops bob's main mode message 2 (the one opening with his SA payload)."""
    nft(run.hosts["nat"], "forward", "ip", "saddr", run.hosts["bob"].addr, "udp", "sport", "500",
        "@th,208,8", "2", "@th,192,8", "1", "drop")
    run.initiate("alice", ok=False)


def nat_t_blocked(run: Run) -> None:
    """The router forwards no UDP 4500, where the peers move once they see the NAT."""
    run.hosts["nat"].run("iptables", "-A", "FORWARD", "-p", "udp", "--dport", "4500", "-j", "DROP")
    run.initiate("alice", ok=False)
    quiet_then_mark(run, 1.0)




def inferred_settings(pcap: Path, product: str, current: str) -> list[str]:
    """The settings ikescope infers for the side that refused, from the capture so far, given
    that side's current IKE proposals as --expect-ike."""
    from ikescope import api
    from ikescope.diagnose import expect
    from ikescope.diagnose.context import DiagnoseSettings

    settings = api.Settings(diagnose=DiagnoseSettings(expect_ike=expect.parse(current, "ike")))
    for result in api.analyze([pcap], settings).results:
        cfg = result.root_cause.inferred_config if result.root_cause else None
        if cfg and cfg[product] and cfg["side"] == "responder":
            return list(cfg[product])
    raise LabError(f"ikescope inferred no {product} setting for the responder from {pcap.name}")


def fix_as_inferred(product: str, current: str) -> Callable[[Run], None]:
    """alice is refused; bob takes the setting ikescope infers from the capture so far, in
    his own product's syntax; alice initiates again and must succeed."""
    def play(run: Run) -> None:
        run.initiate("alice", ok=False)
        time.sleep(0.5)  # tcpdump -U has written the refusal; let it reach the file
        assert run.pcap is not None
        run.reconfigure("bob", inferred_settings(run.pcap, product, current))
        run.initiate("alice")
    return play


def both_initiate(run: Run) -> None:
    """alice and bob start the same connection at the same moment."""
    with ThreadPoolExecutor(2) as pool:
        for f in [pool.submit(run.initiate, side) for side in ("alice", "bob")]:
            f.result()


def rekey_refused(run: Run) -> None:
    """The CHILD SA comes up in IKE_AUTH, then alice rekeys it and the rekey is refused."""
    run.initiate("alice")
    run.rekey_child("alice")
    run.wait_log("alice", REKEY_REFUSED)


def rekey_refused_and_retried(run: Run) -> None:
    """As rekey_refused, and charon keeps the old CHILD SA and tries again 5 to 15 s later."""
    run.initiate("alice")
    run.rekey_child("alice")
    run.wait_log("alice", rf"(?s)({REKEY_REFUSED}).*({REKEY_REFUSED})", timeout=40)


def rekey_refused_child_expires(run: Run) -> None:
    """alice's rekey of the CHILD SA is refused, and the old CHILD SA is deleted as its hard life
    time would delete it: the lab's kernel interface sends no expiry, so swanctl does it."""
    run.initiate("alice")
    run.rekey_child("alice")
    run.wait_log("alice", REKEY_REFUSED)
    run.swanctl("alice", "--terminate", "--child", "net", "--timeout", "10")


def rekey_child_ok(new_child: str, old_gone: str) -> Callable[[Run], None]:
    """alice rekeys the CHILD SA; the daemon's log says when the new one is up and the old one gone."""
    def play(run: Run) -> None:
        run.initiate("alice")
        run.rekey_child("alice")
        run.wait_log("alice", new_child)
        run.wait_log("alice", old_gone)
    return play


def bob_then_alice_rekeys(run: Run) -> None:
    """bob sets the tunnel up, then alice, the IKE SA's responder, rekeys its CHILD SA."""
    run.initiate("bob")
    run.rekey_child("alice")
    run.wait_log("alice", REKEY_REFUSED)


def path_duplicates(run: Run) -> None:
    """alice's host sends every IKE datagram twice (an nftables dup rule on its output), as a
    misbehaving path or a doubled capture port would; then the tunnel is set up."""
    alice = run.hosts["alice"]
    alice.run("nft", "add", "table", "ip", "lab")
    alice.run("nft", "add", "chain", "ip", "lab", "out", "{ type filter hook output priority 0 ; }")
    alice.run("nft", "add", "rule", "ip", "lab", "out", "udp", "dport", "{ 500, 4500 }", "dup", "to",
              run.hosts["bob"].addr, "device", alice.iface)
    run.initiate("alice")


def all_tunnels(failing: tuple[int, ...] = ()) -> Callable[[Run], None]:
    """Every tunnel initiated at once, as a gateway does after a reboot; those in ``failing``
    must fail, all others come up."""
    def play(run: Run) -> None:
        with ThreadPoolExecutor(TUNNELS) as pool:
            jobs = [pool.submit(run.initiate, "alice", f"t{n:02d}", None, n not in failing)
                    for n in range(1, TUNNELS + 1)]
            for job in jobs:
                job.result()
    return play


def reauth_loop(run: Run) -> None:
    """alice reauthenticates every 2 s: a fresh IKE SA each time, the previous one deleted."""
    run.initiate("alice")
    run.wait_log("alice", r"IKE_SA lab\[6\] established", timeout=40)


def certs(**extra: object) -> dict[str, object]:
    """pair() arguments for RSA certificate authentication instead of the PSK."""
    def side(me: str, peer: str) -> dict[str, object]:
        return {"local_auth": {"auth": "pubkey", "certs": f"{me}.crt", "id": f"{me}.example.org"},
                "remote_auth": {"auth": "pubkey", "id": f"{peer}.example.org"}}
    return {"alice": side("alice", "bob"), "bob": side("bob", "alice"), **extra}


SCENARIOS: list[Scenario] = [
    # ---- IKEv2 ----
    Scenario(
        name="ikev2-psk-success",
        summary="IKEv2 with pre-shared keys: IKE SA and CHILD SA established",
        how="alice initiates CHILD SA 'net' with swanctl; both peers use PSK, "
            "aes256-sha256-modp2048 for IKE and aes128-sha256 for ESP",
        configs=pair(),
        play=initiate_ok,
        expect=Expect(sas=(SaExpect("alice", "established", V2_OK),)),
    ),
    Scenario(
        name="ikev2-psk-mismatch",
        summary="IKEv2 wrong pre-shared key: bob answers IKE_AUTH with AUTHENTICATION_FAILED",
        how="bob holds a different PSK than alice; alice initiates",
        configs=pair(bob={"secret": '"not the same secret"'}),
        play=initiate_fails,
        expect=Expect(sas=(SaExpect("alice", "failed", V2_OK),), root_cause="ike.auth_failed",
                      failed_exchange="IKE_AUTH", decisive_notifies=(AUTHENTICATION_FAILED,),
                      evidence_encrypted=True),
    ),
    Scenario(
        name="ikev2-ike-proposal-mismatch",
        summary="IKEv2 IKE SA proposals share no cipher/integrity: NO_PROPOSAL_CHOSEN in "
                "IKE_SA_INIT",
        how="alice offers aes256-sha256-modp2048, bob accepts only aes128-sha1-modp2048",
        configs=pair(bob={"proposals": "aes128-sha1-modp2048"}),
        play=initiate_fails,
        expect=Expect(sas=(SaExpect("alice", "failed", ("IKE_SA_INIT",)),),
                      root_cause="ike.proposal_mismatch", failed_exchange="IKE_SA_INIT",
                      decisive_notifies=(NO_PROPOSAL_CHOSEN,)),
    ),
    Scenario(
        name="ikev2-dh-group-mismatch",
        summary="IKEv2 no common DH group: NO_PROPOSAL_CHOSEN in IKE_SA_INIT",
        how="same cipher suite on both peers, alice with modp2048 only, bob with ecp256 only",
        configs=pair(bob={"proposals": "aes256-sha256-ecp256"}),
        play=initiate_fails,
        expect=Expect(sas=(SaExpect("alice", "failed", ("IKE_SA_INIT",)),),
                      root_cause="ike.dh_group_mismatch", failed_exchange="IKE_SA_INIT",
                      decisive_notifies=(NO_PROPOSAL_CHOSEN,)),
    ),
    Scenario(
        name="ikev2-inferred-fix",
        summary="IKEv2 proposal mismatch, then the responder set as ikescope infers from the capture: "
                "NO_PROPOSAL_CHOSEN, then the same initiator comes up",
        how="alice offers aes256-sha256-modp2048, bob accepts only aes128-sha1-modp2048; after the "
            "refusal ikescope reads the capture so far (bob's proposals as --expect-ike) and bob's "
            "proposals become the strongSwan line of its inferred fix; alice initiates again",
        configs=pair(bob={"proposals": "aes128-sha1-modp2048"}),
        play=fix_as_inferred("strongswan", "aes128-sha1-modp2048"),
        expect=Expect(sas=(SaExpect("alice", "failed", ("IKE_SA_INIT",)),
                           SaExpect("alice", "established", V2_OK)),
                      root_cause="ike.proposal_mismatch", failed_exchange="IKE_SA_INIT",
                      decisive_notifies=(NO_PROPOSAL_CHOSEN,)),
    ),
    Scenario(
        name="ikev2-inferred-fix-libreswan",
        summary="IKEv2 proposal mismatch with a libreswan responder, then its ike= set as ikescope "
                "infers: NO_PROPOSAL_CHOSEN, then the same initiator comes up",
        how="strongSwan alice offers aes256-sha256-modp2048, libreswan bob accepts only "
            "ike=aes128-sha1;modp2048; after the refusal bob's ike= becomes the libreswan line "
            "ikescope infers from the capture so far; alice initiates again",
        configs=libreswan_bob("ike=aes128-sha1;modp2048"),
        play=fix_as_inferred("libreswan", "aes128-sha1-modp2048"),
        software={"bob": "libreswan"},
        expect=Expect(sas=(SaExpect("alice", "failed", ("IKE_SA_INIT",)),
                           SaExpect("alice", "established", V2_OK)),
                      root_cause="ike.proposal_mismatch", failed_exchange="IKE_SA_INIT",
                      decisive_notifies=(NO_PROPOSAL_CHOSEN,)),
    ),
    Scenario(
        name="ikev2-invalid-ke-retry",
        summary="IKEv2 initiator guesses ecp256, responder wants modp2048: INVALID_KE_PAYLOAD, "
                "retry, established",
        how="alice offers aes256-sha256-ecp256-modp2048 (KE for ecp256), bob accepts only modp2048",
        configs=pair(alice={"proposals": "aes256-sha256-ecp256-modp2048"}),
        play=initiate_ok,
        expect=Expect(sas=(SaExpect("alice", "established", V2_OK),),
                      root_cause="ike.invalid_ke_retry", failed_exchange="IKE_SA_INIT",
                      decisive_notifies=(INVALID_KE_PAYLOAD,)),
    ),
    Scenario(
        name="ikev2-invalid-ke-libreswan-responder",
        summary="IKEv2 INVALID_KE_PAYLOAD from libreswan: strongSwan guesses ecp256, libreswan "
                "wants modp2048, the retry with the same initiator SPI comes up",
        how="strongSwan alice offers aes256-sha256-ecp256-modp2048 (KE for ecp256), libreswan "
            "bob accepts only aes256-sha2_256;modp2048",
        configs=libreswan_bob(proposals="aes256-sha256-ecp256-modp2048"),
        play=initiate_ok,
        software={"bob": "libreswan"},
        expect=Expect(sas=(SaExpect("alice", "established", V2_OK),),
                      root_cause="ike.invalid_ke_retry", failed_exchange="IKE_SA_INIT",
                      decisive_notifies=(INVALID_KE_PAYLOAD,)),
    ),
    Scenario(
        name="ikev2-ts-mismatch",
        summary="IKEv2 traffic selectors do not overlap: IKE SA up, CHILD SA refused with "
                "TS_UNACCEPTABLE",
        how="bob expects alice's network to be 203.0.113.0/25, alice proposes 198.51.100.0/25",
        configs=pair(bob={"remote_ts": "203.0.113.0/25"}),
        play=initiate_fails,
        expect=Expect(sas=(SaExpect("alice", "established", V2_OK),),
                      root_cause="ike.ts_mismatch", failed_exchange="IKE_AUTH",
                      decisive_notifies=(TS_UNACCEPTABLE,), evidence_encrypted=True),
    ),
    Scenario(
        name="ikev2-child-proposal-mismatch",
        summary="IKEv2 ESP proposals differ: IKE SA up, CHILD SA refused with NO_PROPOSAL_CHOSEN "
                "in IKE_AUTH",
        how="alice offers ESP aes128-sha256, bob accepts only aes256-sha512",
        configs=pair(bob={"esp": "aes256-sha512"}),
        play=initiate_fails,
        expect=Expect(sas=(SaExpect("alice", "established", V2_OK),),
                      root_cause="ike.child_proposal_mismatch", failed_exchange="IKE_AUTH",
                      decisive_notifies=(NO_PROPOSAL_CHOSEN,), evidence_encrypted=True),
    ),
    Scenario(
        name="ikev2-pfs-mismatch",
        summary="IKEv2 PFS on one side only: a second CHILD SA with KE is refused in "
                "CREATE_CHILD_SA",
        how="CHILD SA 'net' comes up in IKE_AUTH; then alice starts CHILD SA 'pfs' with ESP "
            "aes128-sha256-modp2048, bob's 'pfs' has aes128-sha256 without a DH group",
        configs=pair(alice={"children": {"pfs": {**PFS_CHILD["pfs"],
                                                  "esp_proposals": "aes128-sha256-modp2048"}}},
                     bob={"children": {"pfs": {**PFS_CHILD_BOB["pfs"],
                                                "esp_proposals": "aes128-sha256"}}}),
        play=second_child_fails,
        expect=Expect(sas=(SaExpect("alice", "established", V2_OK + ("CREATE_CHILD_SA",)),),
                      root_cause="ike.child_proposal_mismatch", failed_exchange="CREATE_CHILD_SA",
                      decisive_notifies=(NO_PROPOSAL_CHOSEN,), evidence_encrypted=True),
    ),
    Scenario(
        name="ikev2-responder-down",
        summary="IKEv2 responder not running: IKE_SA_INIT retransmitted, never answered "
                "(bob's kernel returns ICMP port unreachable)",
        how="only alice's daemon runs; retransmit_timeout 1s, base 1.4, 3 tries",
        configs=pair(),
        play=initiate_fails,
        daemons=("alice",),
        expect=Expect(sas=(SaExpect("alice", "failed", ("IKE_SA_INIT",)),),
                      root_cause="ike.no_response", failed_exchange="IKE_SA_INIT"),
    ),
    Scenario(
        name="ikev2-rekey",
        summary="IKEv2 CHILD SA rekey, IKE SA rekey, then a CHILD SA rekey on the new IKE SA",
        how="after setup alice runs swanctl --rekey --child, --rekey --ike, --rekey --child",
        configs=pair(),
        play=rekey_both,
        expect=Expect(sas=(
            SaExpect("alice", "established", V2_OK + ("CREATE_CHILD_SA", "INFORMATIONAL"),
                     ended_by="rekey"),
            SaExpect("alice", "established", ("CREATE_CHILD_SA", "INFORMATIONAL"),
                     origin="rekey"))),
    ),
    Scenario(
        name="ikev2-reauth",
        summary="IKEv2 reauthentication: a second IKE SA is built from IKE_SA_INIT "
                "(make-before-break), then the first is deleted",
        how="after setup alice runs swanctl --rekey --ike --reauth; make_before_break is "
            "strongSwan's default",
        configs=pair(),
        play=reauthenticate,
        expect=Expect(sas=(
            SaExpect("alice", "established", V2_OK + ("INFORMATIONAL",), ended_by="delete"),
            SaExpect("alice", "established", V2_OK))),
    ),
    Scenario(
        name="ikev2-childless",
        summary="IKEv2 childless initiation (RFC 6023): IKE_AUTH carries no SA/TS, the "
                "CHILD SA follows in CREATE_CHILD_SA",
        how="childless=force on alice's connection",
        configs=pair(alice={"options": {"childless": "force"}}),
        play=initiate_ok,
        expect=Expect(sas=(SaExpect("alice", "established", V2_OK + ("CREATE_CHILD_SA",)),)),
    ),
    Scenario(
        name="ikev2-delete",
        summary="IKEv2 CHILD SA then IKE SA deleted by INFORMATIONAL exchanges",
        how="after setup alice runs swanctl --terminate --child, then --terminate --ike",
        configs=pair(),
        play=delete_child_then_ike,
        expect=Expect(sas=(SaExpect("alice", "established", V2_OK + ("INFORMATIONAL",),
                                    ended_by="delete"),)),
    ),
    Scenario(
        name="ikev2-dpd",
        summary="IKEv2 dead peer detection: empty INFORMATIONAL checks answered, then bob "
                "crashes and alice's checks go unanswered until she gives up",
        how="dpd_delay 2s on alice; bob's charon is killed with SIGKILL (no DELETE)",
        configs=pair(alice={"options": {"dpd_delay": "2s"}}),
        play=dpd_then_crash,
        expect=Expect(sas=(SaExpect("alice", "established", V2_OK + ("INFORMATIONAL",),
                                    ended_by="dpd_timeout"),),
                      root_cause="ike.dpd_unanswered", failed_exchange="INFORMATIONAL"),
    ),
    Scenario(
        name="ikev2-peer-restart",
        summary="IKEv2 responder restarts and loses its SAs: alice's liveness checks on the old "
                "IKE SA go unanswered, she gives up and negotiates a new one, which bob accepts",
        how="dpd_delay 2s and dpd_action restart on alice; bob's charon is killed with SIGKILL "
            "and started again with the same configuration",
        configs=pair(alice={"options": {"dpd_delay": "2s"}, "child": {"dpd_action": "restart"}}),
        play=peer_restarts,
        expect=Expect(sas=(SaExpect("alice", "established", V2_OK + ("INFORMATIONAL",),
                                    ended_by="dpd_timeout"),
                           SaExpect("alice", "established", V2_OK)),
                      root_cause="ike.peer_lost_state", failed_exchange="INFORMATIONAL"),
    ),
    Scenario(
        name="ikev2-libreswan-peer-restart",
        summary="IKEv2 libreswan responder restarts and loses its SAs: strongSwan's liveness "
                "checks on the old IKE SA find no SA there, then a new IKE SA comes up",
        how="strongSwan alice with dpd_delay 2s and dpd_action restart; libreswan bob's pluto is "
            "killed with SIGKILL and started again",
        configs=libreswan_bob(options={"dpd_delay": "2s"}, child={"dpd_action": "restart"}),
        play=peer_restarts,
        software={"bob": "libreswan"},
        expect=Expect(sas=(SaExpect("alice", "established", V2_OK + ("INFORMATIONAL",),
                                    ended_by="dpd_timeout"),
                           SaExpect("alice", "established", V2_OK)),
                      root_cause="ike.peer_lost_state", failed_exchange="INFORMATIONAL"),
    ),
    Scenario(
        name="ikev2-delete-unanswered",
        summary="IKEv2 DELETE for the IKE SA retransmitted and never acknowledged: the peer "
                "died without a DELETE of its own",
        how="bob's charon is killed (SIGKILL), then alice runs swanctl --terminate --ike",
        configs=pair(),
        play=delete_unanswered,
        expect=Expect(sas=(SaExpect("alice", "established", V2_OK + ("INFORMATIONAL",),
                                    ended_by="delete"),),
                      root_cause="ike.delete_unacknowledged", failed_exchange="INFORMATIONAL"),
    ),
    Scenario(
        name="ikev2-udp4500-blocked",
        summary="IKEv2 with UDP 4500 blocked at the responder: IKE_SA_INIT answered on 500, "
                "IKE_AUTH on 4500 retransmitted without answer",
        how="iptables in bob's namespace drops UDP port 4500 (captured on bob's link, so the "
            "dropped requests are in the capture)",
        configs=pair(),
        play=block_nat_t_then_initiate,
        expect=Expect(sas=(SaExpect("alice", "failed", V2_OK),), root_cause="ike.no_response",
                      failed_exchange="IKE_AUTH"),
    ),
    Scenario(
        name="ikev2-nat-udp4500-blocked",
        summary="IKEv2 through a NAT that does not forward UDP 4500, captured on the responder's "
                "side: IKE_SA_INIT answered and showing the NAT, then no IKE_AUTH ever arrives",
        how="as ikev2-nat-success, but the router drops forwarded UDP 4500 (iptables); "
            "captured on bob's link; one UDP datagram to bob's discard port marks the end of the "
            "capture after alice gave up",
        configs=pair(),
        play=nat_t_blocked,
        topology="nat",
        expect=Expect(sas=(SaExpect("alice", "failed", ("IKE_SA_INIT",)),),
                      root_cause="ike.initiator_silent", failed_exchange="IKE_SA_INIT"),
    ),
    Scenario(
        name="ikev2-ipfrag-dropped",
        summary="IKEv2 IKE_AUTH too large for one packet, without IKE fragmentation, across a "
                "router that drops IP fragments: IKE_AUTH retransmitted, never answered",
        how="certificates (RSA 4096), fragmentation=no; the NAT router drops non-first "
            "fragments (nftables, before defragmentation); captured on alice's link, before "
            "the router",
        configs=pair(**certs(options={"fragmentation": "no"})),
        play=drop_fragments_then_initiate,
        certificates=True,
        topology="nat",
        capture_on="alice",
        expect=Expect(sas=(SaExpect("alice", "failed", V2_OK),),
                      root_cause="ike.large_unfragmented", failed_exchange="IKE_AUTH"),
    ),
    Scenario(
        name="ikev2-ipv6-success",
        summary="IKEv2 with PSK between IPv6 peers 2001:db8:1::1 and 2001:db8:1::2",
        how="as ikev2-psk-success over IPv6, CHILD SA for 2001:db8:a::/64 === 2001:db8:b::/64",
        configs=pair(),
        play=initiate_ok,
        topology="v6",
        expect=Expect(sas=(SaExpect("alice", "established", V2_OK),)),
    ),
    Scenario(
        name="ikev2-nat-success",
        summary="IKEv2 through NAT: NAT-D hashes reveal alice's NAT, IKE_AUTH floats to UDP "
                "4500, then alice sends NAT-T keepalives (one 0xFF byte) while idle",
        how="alice 192.0.2.1 behind a namespace masquerading her as 203.0.113.254 (iptables); "
            "charon keep_alive 1s on alice; captured on bob's side",
        configs=pair(),
        charon_options={"alice": {"keep_alive": "1s"}},
        play=initiate_then_idle,
        topology="nat",
        expect=Expect(sas=(SaExpect("alice", "established", V2_OK),)),
    ),
    Scenario(
        name="ikev2-nat-esp-traffic",
        summary="IKEv2 through NAT with real ESP in UDP 4500 (non-zero SPI where IKE has its "
                "zero marker): three datagrams and bob's ICMP answers cross the tunnel",
        how="as ikev2-nat-success, but both charons use kernel-libipsec (userspace ESP on a "
            "TUN device); alice sends UDP from 198.51.100.1 to 198.51.100.129 port 9; "
            "mobike=no, or the TUN device's addresses would be announced in INFORMATIONALs; "
            "libipsec forces UDP encapsulation, so charon fakes its NAT-D source hash",
        configs=pair(options={"mobike": "no"}),
        charon_options={side: {"load": PLUGINS_USERSPACE_ESP, "install_routes": "yes"}
                        for side in ("alice", "bob")},
        play=traffic_through_tunnel,
        topology="nat",
        expect=Expect(sas=(SaExpect("alice", "established", V2_OK),)),
    ),
    Scenario(
        name="ikev2-cert-ipfrag-success",
        summary="IKEv2 with RSA 4096 certificates, IKE fragmentation off: IKE_AUTH split into IP "
                "fragments",
        how="certificates from a lab CA made with pki; fragmentation=no on both peers",
        configs=pair(**certs(options={"fragmentation": "no"})),
        play=initiate_ok,
        certificates=True,
        expect=Expect(sas=(SaExpect("alice", "established", V2_OK),)),
    ),
    Scenario(
        name="ikev2-cert-ikefrag-success",
        summary="IKEv2 with RSA 4096 certificates and RFC 7383 fragmentation: IKE_AUTH sent as "
                "encrypted fragments (SKF)",
        how="as ikev2-cert-ipfrag-success with fragmentation=yes (charon fragment_size 1280)",
        configs=pair(**certs(options={"fragmentation": "yes"})),
        play=initiate_ok,
        certificates=True,
        expect=Expect(sas=(SaExpect("alice", "established", V2_OK),)),
    ),
    Scenario(
        name="ikev2-eap-md5-success",
        summary="IKEv2 with EAP: bob proves himself with a certificate, alice with EAP-MD5 "
                "as user carol, in several IKE_AUTH round trips",
        how="bob auth=pubkey (lab CA), alice auth=eap-md5 with eap_id carol; bob's EAP "
            "secret for carol",
        configs=pair(
            alice={"local_auth": {"auth": "eap-md5", "eap_id": "carol"},
                   "remote_auth": {"auth": "pubkey", "id": "bob.example.org"},
                   "extra_secrets": {"eap-carol": {"id": "carol", "secret": '"carol secret"'}}},
            bob={"local_auth": {"auth": "pubkey", "certs": "bob.crt", "id": "bob.example.org"},
                 "remote_auth": {"auth": "eap-md5", "eap_id": "%any"},
                 "extra_secrets": {"eap-carol": {"id": "carol", "secret": '"carol secret"'}}}),
        play=initiate_ok,
        certificates=True,
        expect=Expect(sas=(SaExpect("alice", "established", V2_OK),)),
    ),
    Scenario(
        name="ikev2-eap-md5-failed",
        summary="IKEv2 EAP with a wrong password: bob answers the EAP-MD5 response with "
                "EAP-Failure, alice gives up with an AUTHENTICATION_FAILED notify and no final "
                "AUTH follows",
        how="as ikev2-eap-md5-success, but bob holds another EAP secret for carol",
        configs=pair(
            alice={"local_auth": {"auth": "eap-md5", "eap_id": "carol"},
                   "remote_auth": {"auth": "pubkey", "id": "bob.example.org"},
                   "extra_secrets": {"eap-carol": {"id": "carol", "secret": '"carol secret"'}}},
            bob={"local_auth": {"auth": "pubkey", "certs": "bob.crt", "id": "bob.example.org"},
                 "remote_auth": {"auth": "eap-md5", "eap_id": "%any"},
                 "extra_secrets": {"eap-carol": {"id": "carol",
                                                 "secret": '"not carol secret"'}}}),
        play=initiate_fails,
        certificates=True,
        expect=Expect(sas=(SaExpect("alice", "failed", V2_OK + ("INFORMATIONAL",)),),
                      root_cause="ike.user_auth_failed", failed_exchange="IKE_AUTH",
                      evidence_encrypted=True),
    ),
    Scenario(
        name="ikev2-id-mismatch",
        summary="IKEv2 initiator asks for an identity the responder does not have: "
                "AUTHENTICATION_FAILED in IKE_AUTH",
        how="alice expects carol@example.org (IDr), bob is bob@example.org",
        configs=pair(alice={"remote_auth": {"id": "carol@example.org"}}),
        play=initiate_fails,
        expect=Expect(sas=(SaExpect("alice", "failed", V2_OK),), root_cause="ike.id_mismatch",
                      failed_exchange="IKE_AUTH", decisive_notifies=(AUTHENTICATION_FAILED,),
                      evidence_encrypted=True),
    ),
    Scenario(
        name="ikev2-transport-vs-tunnel",
        summary="IKEv2 initiator asks for transport mode (USE_TRANSPORT_MODE), the responder, "
                "configured for tunnel mode, leaves the notify out and the CHILD SA comes up "
                "in tunnel mode",
        how="alice's CHILD SA has mode=transport, bob's mode=tunnel; selectors are the peers' "
            "own addresses",
        configs=pair(alice={"child": {"mode": "transport"}, "local_ts": "192.0.2.1/32",
                            "remote_ts": "192.0.2.2/32"},
                     bob={"local_ts": "192.0.2.2/32", "remote_ts": "192.0.2.1/32"}),
        play=initiate_ok,
        expect=Expect(sas=(SaExpect("alice", "established", V2_OK),),
                      root_cause="ike.encapsulation_mismatch", failed_exchange="IKE_AUTH",
                      decisive_notifies=(USE_TRANSPORT_MODE,), evidence_encrypted=True),
    ),
    Scenario(
        name="ikev2-tcp-success",
        summary="IKEv2 over TCP (RFC 8229): 'IKETCP' prefix, then length-prefixed IKE messages "
                "with the non-ESP marker on TCP port 4500",
        how="two libreswan peers (strongSwan 5.9 has no IKE over TCP); alice enable-tcp=yes "
            "with tcp-remoteport=4500, bob listen-tcp=yes; no key table: the keys are in both "
            "pluto logs, as plutodebug=private writes them (tcpdump's -E lines), for --keys",
        configs=pluto_pair(alice="enable-tcp=yes\ntcp-remoteport=4500", bob="enable-tcp=yes"),
        play=initiate_ok,
        software={"alice": "libreswan", "bob": "libreswan"},
        expect=Expect(sas=(SaExpect("alice", "established", V2_OK),)),
    ),
    Scenario(
        name="ikev2-libreswan-strongswan-success",
        summary="IKEv2 interoperation: libreswan initiator, strongSwan responder, PSK",
        how="alice runs libreswan 4.10, bob strongSwan 5.9.8; FQDN identities",
        configs=libreswan_alice(),
        play=initiate_ok,
        software={"alice": "libreswan"},
        expect=Expect(sas=(SaExpect("alice", "established", V2_OK),)),
    ),
    Scenario(
        name="ikev2-bad-major-version",
        summary="IKEv2 request with major version 3: the responder answers INVALID_MAJOR_VERSION",
        how="libreswan alice with --impair major-version-bump against strongSwan bob",
        configs=libreswan_alice(),
        play=impaired("major-version-bump"),
        software={"alice": "libreswan"},
        expect=Expect(sas=(SaExpect("alice", "failed", ("IKE_SA_INIT",)),),
                      root_cause="ike.version_mismatch", failed_exchange="IKE_SA_INIT",
                      decisive_notifies=(INVALID_MAJOR_VERSION,)),
    ),
    Scenario(
        name="ikev2-unknown-critical-payload",
        summary="IKEv2 IKE_SA_INIT carrying an unknown payload marked critical: the responder "
                "answers UNSUPPORTED_CRITICAL_PAYLOAD",
        how="libreswan alice with --impair add-unknown-v2-payload-to:IKE_SA_INIT and "
            "unknown-v2-payload-critical against strongSwan bob",
        configs=libreswan_alice(),
        play=impaired("add-unknown-v2-payload-to:IKE_SA_INIT", "unknown-v2-payload-critical"),
        software={"alice": "libreswan"},
        expect=Expect(sas=(SaExpect("alice", "failed", ("IKE_SA_INIT",)),),
                      root_cause="ike.malformed_reported", failed_exchange="IKE_SA_INIT",
                      decisive_notifies=(UNSUPPORTED_CRITICAL_PAYLOAD,)),
    ),
    Scenario(
        name="ikev2-duplicate-messages",
        summary="IKEv2 initiator sending every message twice: the responder answers "
                "duplicates with its cached response; tunnel established",
        how="libreswan alice with --impair jacob-two-two against strongSwan bob",
        configs=libreswan_alice(),
        play=impaired("jacob-two-two", ok=True),
        software={"alice": "libreswan"},
        expect=Expect(sas=(SaExpect("alice", "established", V2_OK),)),
    ),
    Scenario(
        name="ikev2-answer-corrupted",
        summary="IKEv2 IKE_AUTH answers altered on their way: bob answers every retransmission, "
                "alice's integrity check fails on each answer and she gives up",
        how="nftables in bob's namespace overwrites two bytes of ciphertext in every IKE_AUTH "
            "response he sends (output hook, so the capture on his link holds the altered "
            "bytes); the key table opens alice's messages, not bob's answers",
        configs=pair(),
        charon_options={"bob": KEEP_LARVAL_SPIS},
        play=answers_altered,
        expect=Expect(sas=(SaExpect("alice", "failed", V2_OK),),
                      root_cause="ike.response_ignored", failed_exchange="IKE_AUTH"),
    ),
    Scenario(
        name="ikev2-libreswan-answer-unreadable",
        summary="IKEv2 initiator that cannot use the answers it gets: libreswan alice fails the "
                "integrity check of every IKE_AUTH response, strongSwan bob answers every "
                "retransmission, alice gives up",
        how="libreswan alice with --impair corrupt-encrypted (she damages each encrypted message "
            "she receives before checking it) against strongSwan bob; the answers on the wire "
            "are intact, as the key table shows",
        configs=libreswan_alice(),
        charon_options={"bob": KEEP_LARVAL_SPIS},
        play=impaired("corrupt-encrypted"),
        software={"alice": "libreswan"},
        expect=Expect(sas=(SaExpect("alice", "failed", V2_OK),),
                      root_cause="ike.response_ignored", failed_exchange="IKE_AUTH"),
    ),
    Scenario(
        name="ikev2-answer-dropped",
        summary="IKEv2 IKE_AUTH answers lost on the way back, captured on the responder's side: "
                "bob answers every retransmission, none reaches alice",
        how="the NAT router drops every IKE_AUTH response from bob to alice (nftables, forward "
            "hook); captured on bob's link",
        configs=pair(),
        charon_options={"bob": KEEP_LARVAL_SPIS},
        play=answers_dropped(),
        topology="nat",
        expect=Expect(sas=(SaExpect("alice", "failed", V2_OK),),
                      root_cause="ike.response_lost", failed_exchange="IKE_AUTH"),
    ),
    Scenario(
        name="ikev2-answer-lost-once",
        summary="IKEv2 IKE_AUTH answer lost once: alice retransmits, bob answers the copy, the "
                "tunnel comes up",
        how="the NAT router drops only the first IKE_AUTH response from bob to alice (nftables "
            "quota); captured on bob's link",
        configs=pair(),
        play=answers_dropped(once=True),
        topology="nat",
        expect=Expect(sas=(SaExpect("alice", "established", V2_OK),)),
    ),
    Scenario(
        name="ikev2-answer-fragment-dropped",
        summary="IKEv2 IKE_AUTH answer in RFC 7383 fragments whose second fragment is lost on "
                "the way back: alice retransmits, every answer lacks fragment 2, she gives up",
        how="certificates with fragmentation=yes (as ikev2-cert-ikefrag-success); the NAT "
            "router drops SKF fragment 2 of IKE_AUTH responses to alice (nftables); captured on "
            "alice's link, behind the router",
        configs=pair(**certs(options={"fragmentation": "yes"})),
        charon_options={"bob": KEEP_LARVAL_SPIS},
        play=answers_dropped(FIRST_PAYLOAD_4500, "53", SKF_NUMBER_4500, "2"),
        certificates=True,
        topology="nat",
        capture_on="alice",
        expect=Expect(sas=(SaExpect("alice", "failed", V2_OK),),
                      root_cause="ike.response_lost", failed_exchange="IKE_AUTH"),
    ),
    Scenario(
        name="ikev2-cert-unknown-ca",
        summary="IKEv2 certificate from a CA the responder does not trust: "
                "AUTHENTICATION_FAILED in IKE_AUTH",
        how="as ikev2-cert-ikefrag-success, but bob has no CA certificate installed",
        configs=pair(**certs(options={"fragmentation": "yes"})),
        play=initiate_fails,
        certificates=True,
        trusted_ca=("alice",),
        expect=Expect(sas=(SaExpect("alice", "failed", V2_OK),), root_cause="ike.auth_failed",
                      failed_exchange="IKE_AUTH", decisive_notifies=(AUTHENTICATION_FAILED,),
                      evidence_encrypted=True),
    ),
    Scenario(
        name="ikev2-ts-narrowed",
        summary="IKEv2 traffic selectors narrowed: alice asks for 203.0.113.0/24, bob grants "
                "only 203.0.113.0/25; CHILD SA established with the narrower selector",
        how="alice remote_ts 203.0.113.0/24, bob local_ts 203.0.113.0/25",
        configs=pair(alice={"local_ts": "198.51.100.0/25", "remote_ts": "203.0.113.0/24"},
                     bob={"local_ts": "203.0.113.0/25", "remote_ts": "198.51.100.0/25"}),
        play=initiate_ok,
        expect=Expect(sas=(SaExpect("alice", "established", V2_OK),)),
    ),
    Scenario(
        name="ikev2-rekey-pfs-initiator-only",
        summary="IKEv2 CHILD SA rekey with PFS on the initiator only: the CHILD SA comes up in "
                "IKE_AUTH (no KE there), the rekey carries a KE and is refused with "
                "NO_PROPOSAL_CHOSEN; alice keeps the old CHILD SA and is refused again later",
        how="alice ESP aes128-sha256-modp2048, bob aes128-sha256; swanctl --rekey --child net on "
            "alice, then charon's own retry 5-15 s later",
        configs=pair(alice={"esp": "aes128-sha256-modp2048"}),
        charon_options=QUIET_CHILDREN,
        play=rekey_refused_and_retried,
        expect=Expect(sas=(SaExpect("alice", "established", V2_OK + ("CREATE_CHILD_SA",)),),
                      root_cause="ike.rekey_refused", failed_exchange="CREATE_CHILD_SA",
                      decisive_notifies=(NO_PROPOSAL_CHOSEN,), evidence_encrypted=True),
    ),
    Scenario(
        name="ikev2-rekey-refused-child-expires",
        summary="IKEv2 CHILD SA rekey refused for PFS on the initiator only, then the old CHILD SA "
                "deleted as at the end of its life time: the tunnel stops with the IKE SA still up",
        how="alice ESP aes128-sha256-modp2048, bob aes128-sha256; swanctl --rekey --child net on "
            "alice, refused; then swanctl --terminate --child net, the delete the CHILD SA's hard "
            "life time sends (the lab's kernel interface raises no expiry)",
        configs=pair(alice={"esp": "aes128-sha256-modp2048"}),
        charon_options=QUIET_CHILDREN,
        play=rekey_refused_child_expires,
        expect=Expect(sas=(SaExpect("alice", "established", V2_OK + ("CREATE_CHILD_SA", "INFORMATIONAL")),),
                      root_cause="ike.rekey_refused", failed_exchange="CREATE_CHILD_SA",
                      decisive_notifies=(NO_PROPOSAL_CHOSEN,), evidence_encrypted=True),
    ),
    Scenario(
        name="ikev2-rekey-pfs-responder-only",
        summary="IKEv2 CHILD SA rekey with PFS required by the responder only: the rekey "
                "without KE is refused with NO_PROPOSAL_CHOSEN, twice",
        how="alice ESP aes128-sha256, bob aes128-sha256-modp2048; swanctl --rekey --child net "
            "on alice, then charon's own retry",
        configs=pair(bob={"esp": "aes128-sha256-modp2048"}),
        charon_options=QUIET_CHILDREN,
        play=rekey_refused_and_retried,
        expect=Expect(sas=(SaExpect("alice", "established", V2_OK + ("CREATE_CHILD_SA",)),),
                      root_cause="ike.rekey_refused", failed_exchange="CREATE_CHILD_SA",
                      decisive_notifies=(NO_PROPOSAL_CHOSEN,), evidence_encrypted=True),
    ),
    Scenario(
        name="ikev2-rekey-pfs",
        summary="IKEv2 CHILD SA rekey with PFS on both sides: CREATE_CHILD_SA with KE "
                "accepted, the old CHILD SA deleted",
        how="ESP aes128-sha256-modp2048 on both peers; swanctl --rekey --child net on alice",
        configs=pair(esp="aes128-sha256-modp2048"),
        charon_options=QUIET_CHILDREN,
        play=rekey_child_ok(r"net\{2\} established", r"closing CHILD_SA net\{1\}"),
        expect=Expect(sas=(SaExpect("alice", "established",
                                    V2_OK + ("CREATE_CHILD_SA", "INFORMATIONAL")),)),
    ),
    Scenario(
        name="ikev2-libreswan-rekey-pfs-mismatch",
        summary="IKEv2 libreswan rekeys its Child SA with PFS (its default), strongSwan has no "
                "DH group for ESP: CREATE_CHILD_SA with KE refused with NO_PROPOSAL_CHOSEN",
        how="libreswan alice (pfs=yes by default: the IKE SA's modp2048), strongSwan bob ESP "
            "aes128-sha256; whack --rekey-ipsec on alice",
        configs=libreswan_alice(),
        charon_options={"bob": KEEP_LARVAL_SPIS},
        play=rekey_refused,
        software={"alice": "libreswan"},
        expect=Expect(sas=(SaExpect("alice", "established", V2_OK + ("CREATE_CHILD_SA",)),),
                      root_cause="ike.rekey_refused", failed_exchange="CREATE_CHILD_SA",
                      decisive_notifies=(NO_PROPOSAL_CHOSEN,), evidence_encrypted=True),
    ),
    Scenario(
        name="ikev2-libreswan-rekey",
        summary="IKEv2 libreswan rekeys its Child SA with PFS, strongSwan has the same DH group "
                "for ESP: CREATE_CHILD_SA with KE accepted",
        how="libreswan alice (pfs=yes), strongSwan bob ESP aes128-sha256-modp2048; whack "
            "--rekey-ipsec on alice",
        configs=libreswan_alice(esp="aes128-sha256-modp2048"),
        charon_options={"bob": KEEP_LARVAL_SPIS},
        play=rekey_child_ok(r"rekeyed Child SA", r"deleting established Child SA"),
        software={"alice": "libreswan"},
        expect=Expect(sas=(SaExpect("alice", "established",
                                    V2_OK + ("CREATE_CHILD_SA", "INFORMATIONAL")),)),
    ),
    Scenario(
        name="ikev2-rekey-refused-by-libreswan",
        summary="IKEv2 strongSwan rekeys without PFS, libreswan (pfs=yes) requires it: "
                "CREATE_CHILD_SA without KE refused with NO_PROPOSAL_CHOSEN, twice",
        how="strongSwan alice ESP aes128-sha256, libreswan bob with its default pfs=yes; "
            "swanctl --rekey --child net on alice, then charon's own retry",
        configs=libreswan_bob(),
        charon_options={"alice": KEEP_LARVAL_SPIS},
        play=rekey_refused_and_retried,
        software={"bob": "libreswan"},
        expect=Expect(sas=(SaExpect("alice", "established", V2_OK + ("CREATE_CHILD_SA",)),),
                      root_cause="ike.rekey_refused", failed_exchange="CREATE_CHILD_SA",
                      decisive_notifies=(NO_PROPOSAL_CHOSEN,), evidence_encrypted=True),
    ),
    Scenario(
        name="ikev2-cookie-strongswan-libreswan",
        summary="IKEv2 responder demanding a cookie: libreswan in busy mode answers the first "
                "IKE_SA_INIT with COOKIE, strongSwan repeats it with the cookie; established",
        how="strongSwan alice, libreswan bob with ddos-mode=busy",
        configs=libreswan_bob(setup=DDOS_BUSY),
        play=initiate_ok,
        software={"bob": "libreswan"},
        expect=Expect(sas=(SaExpect("alice", "established", V2_OK),),
                      root_cause="ike.cookie_challenge", failed_exchange="IKE_SA_INIT",
                      decisive_notifies=(COOKIE,)),
    ),
    Scenario(
        name="ikev2-cookie-answers-dropped",
        summary="IKEv2 cookie demands lost on the way back: libreswan bob in busy mode answers "
                "every IKE_SA_INIT from strongSwan alice with COOKIE, none reaches her, and she "
                "never repeats the request with a cookie; captured on bob's side",
        how="strongSwan alice behind the NAT router, libreswan bob with ddos-mode=busy; the router "
            "drops every UDP 500 datagram from bob (nftables, forward hook); captured on bob's link",
        configs=libreswan_bob(setup=DDOS_BUSY),
        play=cookies_dropped,
        topology="nat",
        software={"bob": "libreswan"},
        expect=Expect(sas=(SaExpect("alice", "failed", ("IKE_SA_INIT",)),),
                      root_cause="ike.response_lost", failed_exchange="IKE_SA_INIT",
                      decisive_notifies=(COOKIE,)),
    ),
    Scenario(
        name="ikev2-cookie-libreswan",
        summary="IKEv2 cookie challenge between two libreswan peers: COOKIE, IKE_SA_INIT again "
                "with it, established",
        how="libreswan alice and bob, bob with ddos-mode=busy",
        configs=pluto_pair(setup={"bob": DDOS_BUSY}),
        play=initiate_ok,
        software={"alice": "libreswan", "bob": "libreswan"},
        expect=Expect(sas=(SaExpect("alice", "established", V2_OK),),
                      root_cause="ike.cookie_challenge", failed_exchange="IKE_SA_INIT",
                      decisive_notifies=(COOKIE,)),
    ),
    Scenario(
        name="ikev2-cookie-psk-mismatch",
        summary="IKEv2 cookie challenge, then a wrong pre-shared key: the cookie round trip "
                "works, IKE_AUTH is refused with AUTHENTICATION_FAILED",
        how="strongSwan alice, libreswan bob with ddos-mode=busy and another PSK",
        configs=libreswan_bob(setup=DDOS_BUSY, secret='"not the same secret"'),
        play=initiate_fails,
        software={"bob": "libreswan"},
        expect=Expect(sas=(SaExpect("alice", "failed", V2_OK),), root_cause="ike.auth_failed",
                      failed_exchange="IKE_AUTH", decisive_notifies=(AUTHENTICATION_FAILED,),
                      evidence_encrypted=True),
    ),
    Scenario(
        name="ikev2-cookie-invalid-ke",
        summary="IKEv2 two retries before the IKE SA: COOKIE from a busy libreswan, then "
                "INVALID_KE_PAYLOAD for strongSwan's guessed group, then established",
        how="strongSwan alice offers aes256-sha256-ecp256-modp2048 (KE for ecp256), libreswan "
            "bob with ddos-mode=busy accepts only modp2048",
        configs=libreswan_bob(setup=DDOS_BUSY, proposals="aes256-sha256-ecp256-modp2048"),
        play=initiate_ok,
        software={"bob": "libreswan"},
        expect=Expect(sas=(SaExpect("alice", "established", V2_OK),),
                      root_cause="ike.cookie_challenge", failed_exchange="IKE_SA_INIT",
                      decisive_notifies=(COOKIE, INVALID_KE_PAYLOAD)),
    ),
    Scenario(
        name="ikev2-libreswan-invalid-ke-retry",
        summary="IKEv2 libreswan guesses ecp256, strongSwan wants modp2048: INVALID_KE_PAYLOAD, "
                "retry, established",
        how="libreswan alice ike=aes256-sha2_256;ecp256,aes256-sha2_256;modp2048, strongSwan bob "
            "aes256-sha256-modp2048",
        configs=libreswan_alice("ike=aes256-sha2_256;ecp256,aes256-sha2_256;modp2048"),
        play=initiate_ok,
        software={"alice": "libreswan"},
        expect=Expect(sas=(SaExpect("alice", "established", V2_OK),),
                      root_cause="ike.invalid_ke_retry", failed_exchange="IKE_SA_INIT",
                      decisive_notifies=(INVALID_KE_PAYLOAD,)),
    ),
    Scenario(
        name="ikev2-path-duplicates",
        summary="IKEv2 every request arrives twice within a millisecond (the path duplicates "
                "alice's datagrams); the responder answers the first copy and drops the second; "
                "established",
        how="an nftables rule on alice's host duplicates its UDP 500/4500 output (dup to bob)",
        configs=pair(),
        play=path_duplicates,
        expect=Expect(sas=(SaExpect("alice", "established", V2_OK),)),
    ),
    Scenario(
        name="ikev2-path-duplicates-libreswan",
        summary="IKEv2 every request from strongSwan alice arrives twice within a millisecond at "
                "libreswan bob, which, like strongSwan, answers the first copy and drops the second; "
                "established",
        how="strongSwan alice, libreswan bob; an nftables rule on alice's host duplicates its UDP "
            "500/4500 output (dup to bob)",
        configs=libreswan_bob(),
        play=path_duplicates,
        software={"bob": "libreswan"},
        expect=Expect(sas=(SaExpect("alice", "established", V2_OK),)),
    ),
    Scenario(
        name="ikev2-twenty-tunnels",
        summary=f"IKEv2 {TUNNELS} tunnels between the same two gateways initiated at once, as "
                "after a reboot: one IKE SA each, all established",
        how=f"connections t01..t{TUNNELS} with identities alice-NN/bob-NN@example.org and a /30 "
            "of each side's network; swanctl --initiate for all of them in parallel",
        configs=tunnels(TUNNELS),
        charon_options=MANY_THREADS,
        play=all_tunnels(),
        expect=Expect(sas=tuple(SaExpect("alice", "established", V2_OK) for _ in range(TUNNELS))),
    ),
    Scenario(
        name="ikev2-twenty-tunnels-one-fails",
        summary=f"IKEv2 {TUNNELS} tunnels initiated at once, one of them (t07) with selectors bob "
                "does not accept: 20 IKE SAs, 19 CHILD SAs, TS_UNACCEPTABLE for t07",
        how="as ikev2-twenty-tunnels, but bob's t07 expects alice's network to be 203.0.113.0/30",
        configs=tunnels(TUNNELS, bob={7: {"remote_ts": "203.0.113.0/30"}}),
        charon_options=MANY_THREADS,
        play=all_tunnels(failing=(7,)),
        expect=Expect(sas=tuple(SaExpect("alice", "established", V2_OK) for _ in range(TUNNELS)),
                      root_cause="ike.ts_mismatch", failed_exchange="IKE_AUTH",
                      decisive_notifies=(TS_UNACCEPTABLE,), evidence_encrypted=True),
    ),
    Scenario(
        name="ikev2-reauth-loop",
        summary="IKEv2 the same tunnel negotiated again and again: alice reauthenticates every "
                "2 s, each time a fresh IKE SA from IKE_SA_INIT and the previous one deleted",
        how="reauth_time 2s on alice's connection, charon make_before_break=yes",
        configs=pair(alice={"options": {"reauth_time": "2s"}}),
        charon_options={"alice": {**KEEP_LARVAL_SPIS, "make_before_break": "yes"}, "bob": KEEP_LARVAL_SPIS},
        play=reauth_loop,
        expect=Expect(sas=tuple(SaExpect("alice", "established", V2_OK + ("INFORMATIONAL",),
                                         ended_by="delete") for _ in range(5))
                      + (SaExpect("alice", "established", V2_OK),),
                      root_cause="ike.negotiation_loop", failed_exchange="IKE_SA_INIT"),
    ),
    # ---- IKEv1 ----
    Scenario(
        name="ikev1-main-psk-success",
        summary="IKEv1 main mode with pre-shared keys, then quick mode: tunnel established",
        how="alice initiates with version=1; main mode (6 messages) then quick mode (3 messages)",
        configs=pair(version=1),
        play=initiate_ok,
        expect=Expect(sas=(SaExpect("alice", "established", (MM, QM)),)),
        ike_version="1",
    ),
    Scenario(
        name="ikev1-nat-success",
        summary="IKEv1 main mode through NAT: NAT-D payloads differ, main mode moves to UDP "
                "4500 from message 5",
        how="as ikev1-main-psk-success with alice behind the masquerading router",
        configs=pair(version=1),
        play=initiate_ok,
        topology="nat",
        expect=Expect(sas=(SaExpect("alice", "established", (MM, QM)),)),
        ike_version="1",
    ),
    Scenario(
        name="ikev1-libreswan-strongswan-success",
        summary="IKEv1 interoperation: libreswan main mode initiator, strongSwan responder",
        how="alice runs libreswan 4.10 with ikev2=no, bob strongSwan 5.9.8 with version=1; "
            "PFS (modp2048) in quick mode on both, libreswan's default",
        configs=libreswan_alice("ikev2=no", version=1, esp="aes128-sha256-modp2048"),
        play=initiate_ok,
        software={"alice": "libreswan"},
        expect=Expect(sas=(SaExpect("alice", "established", (MM, QM)),)),
        ike_version="1",
    ),
    Scenario(
        name="ikev1-libreswan-strongswan-pfs-mismatch",
        summary="IKEv1 quick mode PFS mismatch between vendors: strongSwan answers "
                "NO_PROPOSAL_CHOSEN (encrypted), libreswan keeps retransmitting quick mode "
                "message 1, then deletes the ISAKMP SA",
        how="libreswan alice with its default PFS (modp2048), strongSwan bob with ESP "
            "aes128-sha256 and no group",
        configs=libreswan_alice("ikev2=no", version=1),
        play=initiate_fails,
        software={"alice": "libreswan"},
        expect=Expect(sas=(SaExpect("alice", "established", (MM, QM, INFO1)),),
                      root_cause="ike.child_proposal_mismatch", failed_exchange=QM,
                      decisive_notifies=(NO_PROPOSAL_CHOSEN,), evidence_encrypted=True),
        ike_version="1",
    ),
    Scenario(
        name="ikev1-rekey",
        summary="IKEv1 rekeying: a second quick mode replaces the CHILD SA, a new main mode "
                "replaces the ISAKMP SA; the old SAs are deleted by informationals seconds later",
        how="after setup alice runs swanctl --rekey --child, then --rekey --ike",
        configs=pair(version=1),
        play=v1_rekey,
        expect=Expect(sas=(SaExpect("alice", "established", (MM, QM, INFO1), ended_by="rekey"),
                           SaExpect("alice", "established", (MM, INFO1), origin="rekey"))),
        ike_version="1",
    ),
    Scenario(
        name="ikev1-aggressive-psk-success",
        summary="IKEv1 aggressive mode with pre-shared keys, then quick mode: tunnel established",
        how="aggressive=yes on both peers; bob allows aggressive mode with PSK "
            "(i_dont_care_about_security_and_use_aggressive_mode_psk)",
        configs=pair(version=1, options={"aggressive": "yes"}),
        charon_options={"bob": AGGRESSIVE_PSK_OK},
        play=initiate_ok,
        expect=Expect(sas=(SaExpect("alice", "established", ("AGGRESSIVE", QM)),)),
        ike_version="1",
    ),
    Scenario(
        name="ikev1-mode-mismatch",
        summary="IKEv1 aggressive mode initiator against a main mode responder: "
                "AUTHENTICATION_FAILED in a cleartext informational",
        how="alice has aggressive=yes, bob's connection is main mode (aggressive=no) although "
            "his charon would allow aggressive mode PSK",
        configs=pair(version=1, alice={"options": {"aggressive": "yes"}}),
        charon_options={"bob": AGGRESSIVE_PSK_OK},
        play=initiate_fails,
        expect=Expect(sas=(SaExpect("alice", "failed", ("AGGRESSIVE", INFO1)),),
                      root_cause="ike.exchange_mode_mismatch", failed_exchange="AGGRESSIVE",
                      decisive_notifies=(AUTHENTICATION_FAILED,)),
        ike_version="1",
    ),
    Scenario(
        name="ikev1-p1-proposal-mismatch",
        summary="IKEv1 phase 1 proposals differ: NO_PROPOSAL_CHOSEN answers main mode message 1",
        how="alice offers aes256-sha256-modp2048, bob accepts only aes128-sha1-modp2048",
        configs=pair(version=1, bob={"proposals": "aes128-sha1-modp2048"}),
        play=initiate_fails,
        expect=Expect(sas=(SaExpect("alice", "failed", (MM, INFO1)),),
                      root_cause="ike.proposal_mismatch", failed_exchange=MM,
                      decisive_notifies=(NO_PROPOSAL_CHOSEN,)),
        ike_version="1",
    ),
    Scenario(
        name="ikev1-libreswan-strongswan-p1-mismatch",
        summary="IKEv1 phase 1 proposals differ, libreswan initiator: strongSwan answers every "
                "copy of main mode message 1 with NO_PROPOSAL_CHOSEN under a new responder "
                "cookie, and libreswan, which ignores unauthenticated notifies, keeps resending",
        how="libreswan alice offers aes256-sha2_256-modp2048, strongSwan bob accepts only "
            "aes128-sha1-modp2048",
        configs=libreswan_alice("ikev2=no", version=1, proposals="aes128-sha1-modp2048"),
        play=initiate_fails,
        software={"alice": "libreswan"},
        expect=Expect(sas=(SaExpect("alice", "failed", (MM, INFO1)),),
                      root_cause="ike.proposal_mismatch", failed_exchange=MM,
                      decisive_notifies=(NO_PROPOSAL_CHOSEN,)),
        ike_version="1",
    ),
    Scenario(
        name="ikev1-psk-mismatch",
        summary="IKEv1 main mode with different pre-shared keys: bob cannot decrypt message 5 "
                "and answers each retransmission with an encrypted informational (his log: "
                "N(PLD_MAL))",
        how="bob holds a different PSK than alice; the key table holds bob's key (Wireshark "
            "decrypts neither alice's message 5 with it nor, for want of bob's IV, his notify)",
        configs=pair(version=1, bob={"secret": '"not the same secret"'}),
        play=initiate_fails,
        expect=Expect(sas=(SaExpect("alice", "failed", (MM, INFO1)),),
                      root_cause="ike.auth_failed", failed_exchange=MM,
                      evidence_encrypted=True),
        ike_version="1",
    ),
    Scenario(
        name="ikev1-qm-proposal-mismatch",
        summary="IKEv1 quick mode ESP proposals differ: NO_PROPOSAL_CHOSEN in an encrypted "
                "informational",
        how="alice offers ESP aes128-sha256, bob accepts only aes256-sha512",
        configs=pair(version=1, bob={"esp": "aes256-sha512"}),
        play=initiate_fails,
        expect=Expect(sas=(SaExpect("alice", "established", (MM, QM, INFO1)),),
                      root_cause="ike.child_proposal_mismatch", failed_exchange=QM,
                      decisive_notifies=(NO_PROPOSAL_CHOSEN,), evidence_encrypted=True),
        ike_version="1",
    ),
    Scenario(
        name="ikev1-pfs-mismatch",
        summary="IKEv1 quick mode with PFS on alice only: the KE payload finds no matching "
                "proposal",
        how="alice offers ESP aes128-sha256-modp2048 (PFS), bob aes128-sha256 without a group",
        configs=pair(version=1, alice={"esp": "aes128-sha256-modp2048"}),
        play=initiate_fails,
        expect=Expect(sas=(SaExpect("alice", "established", (MM, QM, INFO1)),),
                      root_cause="ike.child_proposal_mismatch", failed_exchange=QM,
                      decisive_notifies=(NO_PROPOSAL_CHOSEN,), evidence_encrypted=True),
        ike_version="1",
    ),
    Scenario(
        name="ikev1-id-mismatch",
        summary="IKEv1 quick mode IDs (subnets) do not match bob's: INVALID_ID_INFORMATION",
        how="bob expects alice's network to be 203.0.113.0/25, alice proposes 198.51.100.0/25",
        configs=pair(version=1, bob={"remote_ts": "203.0.113.0/25"}),
        play=initiate_fails,
        expect=Expect(sas=(SaExpect("alice", "established", (MM, QM, INFO1)),),
                      root_cause="ike.id_mismatch", failed_exchange=QM,
                      decisive_notifies=(INVALID_ID_INFORMATION,), evidence_encrypted=True),
        ike_version="1",
    ),
    Scenario(
        name="ikev1-lifetime-mismatch",
        summary="IKEv1 peers with different lifetimes: the proposals carry alice's, bob "
                "accepts them and silently applies his shorter ones (only his log tells: "
                "'received 7200s lifetime, configured 1200s')",
        how="alice: IKE rekey_time 8h, ESP life_time 2h; bob: IKE rekey_time 1h, ESP "
            "life_time 20m",
        configs=pair(version=1,
                     alice={"options": {"rekey_time": "8h"},
                            "child": {"life_time": "2h", "rekey_time": "100m"}},
                     bob={"options": {"rekey_time": "1h"},
                          "child": {"life_time": "20m", "rekey_time": "15m"}}),
        play=initiate_ok,
        expect=Expect(sas=(SaExpect("alice", "established", (MM, QM)),),
                      root_cause="ike.lifetime_mismatch", cause_on_wire=False),
        ike_version="1",
    ),
    Scenario(
        name="ikev1-dpd",
        summary="IKEv1 dead peer detection (RFC 3706): R_U_THERE and R_U_THERE_ACK in "
                "encrypted informationals",
        how="dpd_delay 2s on alice; the capture ends after two answered checks",
        configs=pair(version=1, alice={"options": {"dpd_delay": "2s"}}),
        play=v1_dpd,
        expect=Expect(sas=(SaExpect("alice", "established", (MM, QM, INFO1)),)),
        ike_version="1",
    ),
    Scenario(
        name="ikev1-peer-restart",
        summary="IKEv1 responder restarts and loses its SAs: alice's R-U-THERE checks on the old "
                "ISAKMP SA go unanswered, she gives up and negotiates a new one, which bob accepts",
        how="dpd_delay 2s, dpd_timeout 6s and dpd_action restart on alice; bob's charon is "
            "killed with SIGKILL and started again with the same configuration",
        configs=pair(version=1, alice={"options": {"dpd_delay": "2s", "dpd_timeout": "6s"},
                                       "child": {"dpd_action": "restart"}}),
        charon_options={"alice": KEEP_LARVAL_SPIS, "bob": KEEP_LARVAL_SPIS},
        play=peer_restarts,
        expect=Expect(sas=(SaExpect("alice", "established", (MM, QM, INFO1), ended_by="dpd_timeout"),
                           SaExpect("alice", "established", (MM, QM))),
                      root_cause="ike.peer_lost_state", failed_exchange=INFO1),
        ike_version="1",
    ),
    Scenario(
        name="ikev1-ike-scan-probes",
        summary="ike-scan probes a gateway that allows weak IKEv1 proposals and aggressive mode with "
                "a pre-shared key: main mode, aggressive mode and IKEv2 probes, each one request and "
                "its answer",
        how="bob (strongSwan) accepts 3des-sha1-modp1024 in main and aggressive mode for "
            "alice@example.org; alice's host runs ike-scan 1.9 three times (default main mode, "
            "--aggressive --id=alice@example.org, --ikev2); no daemon on alice",
        configs=pair(version=0, bob={"proposals": "3des-sha1-modp1024,aes256-sha256-modp2048",
                                     "options": {"aggressive": "yes"}}),
        charon_options={"bob": AGGRESSIVE_PSK_OK},
        play=scanned,
        daemons=("bob",),
        expect=Expect(sas=(SaExpect("alice", "failed", (MM,)),
                           SaExpect("alice", "failed", ("AGGRESSIVE",)),
                           SaExpect("alice", "failed", ("IKE_SA_INIT",))),
                      root_cause="ike.probe", failed_exchange=MM),
        ike_version="1+2",
    ),
    Scenario(
        name="ikev1-xauth-modecfg",
        summary="IKEv1 main mode PSK plus XAuth and mode config: alice gets a virtual IP",
        how="alice authenticates a second round with XAuth user carol and requests a virtual "
            "IP; bob assigns one from pool 203.0.113.64/28",
        configs=pair(version=1,
                     alice={"options": {"vips": "0.0.0.0",
                                        "local-2": {"auth": "xauth", "xauth_id": "carol"}},
                            "local_ts": "dynamic",
                            "extra_secrets": {"xauth-carol": {"id": "carol",
                                                              "secret": '"carol secret"'}}},
                     bob={"options": {"pools": "carols", "remote-2": {"auth": "xauth"}},
                          "pools": {"carols": {"addrs": "203.0.113.64/28"}},
                          "remote_ts": "dynamic",
                          "extra_secrets": {"xauth-carol": {"id": "carol",
                                                            "secret": '"carol secret"'}}}),
        play=initiate_ok,
        expect=Expect(sas=(SaExpect("alice", "established", (MM, "TRANSACTION", QM)),)),
        ike_version="1",
    ),
    Scenario(
        name="ikev1-xauth-failed",
        summary="IKEv1 XAuth with a wrong password: main mode completes, the TRANSACTION "
                "exchange ends with XAuth status FAIL, no quick mode follows",
        how="as ikev1-xauth-modecfg, but bob holds another XAuth password for carol; one UDP "
            "datagram to bob's discard port marks the end of the capture 5 s later",
        configs=pair(version=1,
                     alice={"options": {"vips": "0.0.0.0",
                                        "local-2": {"auth": "xauth", "xauth_id": "carol"}},
                            "local_ts": "dynamic",
                            "extra_secrets": {"xauth-carol": {"id": "carol",
                                                              "secret": '"carol secret"'}}},
                     bob={"options": {"pools": "carols", "remote-2": {"auth": "xauth"}},
                          "pools": {"carols": {"addrs": "203.0.113.64/28"}},
                          "remote_ts": "dynamic",
                          "extra_secrets": {"xauth-carol": {"id": "carol",
                                                            "secret": '"not carol secret"'}}}),
        play=fails_then_quiet,
        expect=Expect(sas=(SaExpect("alice", "failed", (MM, "TRANSACTION")),),
                      root_cause="ike.user_auth_failed", failed_exchange="TRANSACTION",
                      evidence_encrypted=True),
        ike_version="1",
    ),
    Scenario(
        name="ikev1-libreswan-xauth-failed",
        summary="IKEv1 XAuth with a wrong password, libreswan client: strongSwan's gateway sends "
                "XAuth status FAIL, libreswan deletes the ISAKMP SA without acknowledging it",
        how="libreswan alice with leftxauthclient=yes and user carol's password in its secrets, "
            "strongSwan bob with XAuth as second round and another password for carol",
        configs=libreswan_alice("ikev2=no\nleftxauthclient=yes\nleftusername=carol\n"
                                "rightxauthserver=yes", '@carol : XAUTH "carol secret"',
                                version=1, options={"remote-2": {"auth": "xauth"}},
                                extra_secrets={"xauth-carol": {"id": "carol",
                                                               "secret": '"not carol secret"'}}),
        play=initiate_fails,
        software={"alice": "libreswan"},
        expect=Expect(sas=(SaExpect("alice", "failed", (MM, "TRANSACTION", INFO1)),),
                      root_cause="ike.user_auth_failed", failed_exchange="TRANSACTION",
                      evidence_encrypted=True),
        ike_version="1",
    ),
    Scenario(
        name="ikev1-answer-dropped",
        summary="IKEv1 main mode message 2 lost on the way back, captured on the responder's "
                "side: alice repeats message 1, bob answers every copy",
        how="the NAT router drops bob's main mode message 2 to alice (nftables, forward hook); "
            "captured on bob's link",
        configs=pair(version=1),
        play=main_mode_two_dropped,
        topology="nat",
        expect=Expect(sas=(SaExpect("alice", "failed", (MM,)),),
                      root_cause="ike.response_lost", failed_exchange=MM),
        ike_version="1",
    ),
    Scenario(
        name="ikev1-rekey-pfs-mismatch",
        summary="IKEv1 quick mode rekey refused for PFS: bob's quick mode without PFS is "
                "accepted, alice's rekey with a KE is answered with NO_PROPOSAL_CHOSEN",
        how="bob initiates (ESP aes128-sha256, no group); alice accepts PFS or none "
            "(aes128-sha256-modp2048-modpnone) but proposes modp2048 when she rekeys with "
            "swanctl --rekey --child net",
        configs=pair(version=1, alice={"esp": "aes128-sha256-modp2048-modpnone"}),
        charon_options=QUIET_CHILDREN,
        play=bob_then_alice_rekeys,
        expect=Expect(sas=(SaExpect("bob", "established", (MM, QM, INFO1)),),
                      root_cause="ike.rekey_refused", failed_exchange=QM,
                      decisive_notifies=(NO_PROPOSAL_CHOSEN,), evidence_encrypted=True),
        ike_version="1",
    ),
    Scenario(
        name="ikev1-rekey-pfs",
        summary="IKEv1 quick mode rekey with PFS on both sides: a second quick mode with KE "
                "replaces the CHILD SA",
        how="ESP aes128-sha256-modp2048 on both peers; swanctl --rekey --child net on alice",
        configs=pair(version=1, esp="aes128-sha256-modp2048"),
        charon_options=QUIET_CHILDREN,
        play=rekey_child_ok(r"net\{2\} established", r"net\{2\} established"),
        expect=Expect(sas=(SaExpect("alice", "established", (MM, QM)),)),
        ike_version="1",
    ),
    Scenario(
        name="ikev1-path-duplicates",
        summary="IKEv1 every message from alice arrives twice within a millisecond; bob "
                "answers the copies or drops them; established",
        how="as ikev2-path-duplicates with version=1",
        configs=pair(version=1),
        play=path_duplicates,
        expect=Expect(sas=(SaExpect("alice", "established", (MM, QM)),)),
        ike_version="1",
    ),
    # ---- both versions ----
    Scenario(
        name="cross-v2-to-v1only",
        summary="IKEv2 initiator against an IKEv1-only responder: IKE_SA_INIT refused",
        how="alice version=2, bob version=1",
        configs=pair(bob={"version": 1}),
        play=initiate_fails,
        expect=Expect(sas=(SaExpect("alice", "failed", ("IKE_SA_INIT",)),),
                      root_cause="ike.version_mismatch", failed_exchange="IKE_SA_INIT",
                      decisive_notifies=(NO_PROPOSAL_CHOSEN,)),
        ike_version="1+2",
    ),
    Scenario(
        name="cross-v1-to-v2only",
        summary="IKEv1 initiator against an IKEv2-only responder: main mode refused",
        how="alice version=1, bob version=2",
        configs=pair(alice={"version": 1}),
        play=initiate_fails,
        expect=Expect(sas=(SaExpect("alice", "failed", (MM, INFO1)),),
                      root_cause="ike.version_mismatch", failed_exchange=MM,
                      decisive_notifies=(NO_PROPOSAL_CHOSEN,)),
        ike_version="1+2",
    ),
    Scenario(
        name="cross-simultaneous-initiation",
        summary="IKEv2 both peers initiate the same connection at once: two IKE SAs",
        how="swanctl --initiate on alice and bob in parallel; unique=never keeps both",
        configs=pair(options={"unique": "never"}),
        play=both_initiate,
        expect=Expect(sas=(SaExpect("any", "established", V2_OK),
                           SaExpect("any", "established", V2_OK))),
    ),
    Scenario(
        name="ikev2-points-answer-lost-once",
        summary="IKEv2 captured at both ends of a routed path (NAT router in the middle) where "
                "the first IKE_AUTH answer is lost between the points: seen leaving bob's side, "
                "never reaching alice's; her retransmission is answered and the tunnel comes up",
        how="as ikev2-answer-lost-once; tcpdump on alice's link (.left.pcap) and on bob's link "
            "(.right.pcap) at once",
        configs=pair(),
        play=answers_dropped(once=True),
        topology="nat",
        capture_on="both",
        expect=Expect(sas=(SaExpect("alice", "established", V2_OK),)),
    ),
    Scenario(
        name="ikev2-points-ipfrag-dropped",
        summary="IKEv2 captured at both ends of a path whose router drops IP fragments: every "
                "copy of the certificate-sized IKE_AUTH leaves alice's side as IP fragments and "
                "none reaches bob's side",
        how="as ikev2-ipfrag-dropped, then one UDP datagram from alice to bob's discard port; "
            "tcpdump on alice's link (.left.pcap) and on bob's link (.right.pcap) at once",
        configs=pair(**certs(options={"fragmentation": "no"})),
        play=drop_fragments_then_mark,
        certificates=True,
        topology="nat",
        capture_on="both",
        expect=Expect(sas=(SaExpect("alice", "failed", V2_OK),),
                      root_cause="ike.large_unfragmented", failed_exchange="IKE_AUTH"),
    ),
    Scenario(
        name="ikev2-points-refragmented",
        summary="IKEv2 with certificates and no IKE fragmentation, captured at both ends of a path "
                "whose two links have different MTUs: the IKE_AUTH request leaves alice's side in 2 "
                "IP fragments and reaches bob's in 3 (the NAT router reassembles and fragments "
                "again), and the tunnel comes up",
        how="certificates (RSA 4096), fragmentation=no; MTU 1000 on the router-bob link, 1500 on "
            "alice's; tcpdump on alice's link (.left.pcap) and on bob's link (.right.pcap) at once",
        configs=pair(**certs(options={"fragmentation": "no"})),
        play=narrow_link_then_initiate,
        certificates=True,
        topology="nat",
        capture_on="both",
        expect=Expect(sas=(SaExpect("alice", "established", V2_OK),)),
    ),
    Scenario(
        name="ikev2-points-nat-success",
        summary="IKEv2 captured on both sides of a NAT: the same messages with alice's "
                "192.0.2.1 on her side and the router's 203.0.113.254 on bob's (the NAT mapping)",
        how="as ikev2-nat-success; tcpdump on alice's link (.left.pcap) and on bob's link "
            "(.right.pcap) at once",
        configs=pair(),
        charon_options={"alice": {"keep_alive": "1s"}},
        play=initiate_then_idle,
        topology="nat",
        capture_on="both",
        expect=Expect(sas=(SaExpect("alice", "established", V2_OK),)),
    ),
]

BY_NAME = {s.name: s for s in SCENARIOS}
