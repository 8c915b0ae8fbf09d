"""The vocabulary scenarios are written in: peers' configs, what to do, and what must be seen."""

from __future__ import annotations

import ipaddress
import re
import time
from pathlib import Path
from collections.abc import Callable
from dataclasses import dataclass, field

from lab.charon import Charon, conf_block
from lab.netns import Host, LabError
from lab.pluto import Pluto

Daemon = Charon | Pluto

# Inner networks the CHILD SAs protect; they are never configured on an interface.
NETS = {"v4": {"alice": "198.51.100.0/25", "bob": "198.51.100.128/25"},
        "v6": {"alice": "2001:db8:a::/64", "bob": "2001:db8:b::/64"}}
PSK = '"correct horse battery staple"'


@dataclass(frozen=True)
class SaExpect:
    """One IKE SA on the wire, in order of first appearance.

    outcome: "established" or "failed"; ended_by: what closed an established SA inside the
    capture ("delete", "rekey", "dpd_timeout") or None; origin "rekey" marks an IKE SA
    created by CREATE_CHILD_SA, whose first message may come from either peer.
    """

    initiator: str
    outcome: str
    exchanges: tuple[str, ...]
    ended_by: str | None = None
    origin: str = "initial"


@dataclass(frozen=True)
class Expect:
    """What the capture must prove; the runner rejects a run that does not show it."""

    sas: tuple[SaExpect, ...]
    root_cause: str | None = None
    failed_exchange: str | None = None
    decisive_notifies: tuple[int, ...] = ()
    evidence_encrypted: bool = False
    cause_on_wire: bool = True


@dataclass
class Run:
    """What a scenario's play function drives: the daemons and hosts by peer name, and the
    capture being written (tcpdump flushes each packet, so it can be read mid-scenario)."""

    daemons: dict[str, Daemon]
    hosts: dict[str, Host]
    pcap: Path | None = None

    def initiate(self, side: str, child: str | None = "net", ike: str | None = None,
                 ok: bool = True, timeout: int = 30) -> str:
        """Start a negotiation and insist on the outcome the scenario expects, so a capture
        never silently shows something else than its label says."""
        succeeded, output = self.daemons[side].initiate(child, ike, timeout)
        if succeeded != ok:
            raise LabError(f"initiate on {side}: expected {'success' if ok else 'failure'}, got "
                           f"{'success' if succeeded else 'failure'}:\n{output[-1500:]}")
        return output

    def impair(self, side: str, *what: str) -> None:
        """Make a libreswan peer misbehave on purpose (whack --impair)."""
        daemon = self.daemons[side]
        assert isinstance(daemon, Pluto), "only libreswan has impairments"
        daemon.impair(*what)

    def rekey_child(self, side: str) -> None:
        """Rekey the usual pair's CHILD SA from ``side``: "net" in strongSwan, conn "lab" in libreswan."""
        daemon = self.daemons[side]
        daemon.rekey_child("lab" if isinstance(daemon, Pluto) else "net")

    def swanctl(self, side: str, *args: str) -> str:
        daemon = self.daemons[side]
        assert isinstance(daemon, Charon), "swanctl drives strongSwan only"
        return daemon.swanctl(*args).stdout

    def reconfigure(self, side: str, settings: list[str]) -> None:
        """Replace settings of a peer's connection ("proposals = ..." for strongSwan, "ike=..."
        for libreswan), each where the same key stands now, and have the daemon load them."""
        daemon = self.daemons[side]
        conf = daemon.swanctl_dir / "swanctl.conf" if isinstance(daemon, Charon) else daemon.dir / "ipsec.conf"
        lines = conf.read_text().splitlines()
        for item in settings:
            key, _, value = item.partition("=")
            key, value = key.strip(), value.strip()
            where = [n for n, line in enumerate(lines) if line.strip().split("=")[0].strip() == key]
            if len(where) != 1:
                raise LabError(f"{side}: {len(where)} lines set {key!r} in {conf.name}, expected one")
            indent = lines[where[0]][: len(lines[where[0]]) - len(lines[where[0]].lstrip())]
            lines[where[0]] = f"{indent}{key} = {value}" if isinstance(daemon, Charon) else f"{indent}{key}={value}"
        conf.write_text("\n".join(lines) + "\n")
        daemon.reload()

    def wait_log(self, side: str, pattern: str, timeout: float = 30) -> None:
        """Wait for a line in a daemon's log: the daemon's own word that a step happened."""
        regex = re.compile(pattern)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            log = self.daemons[side].brief_log
            if log.exists() and regex.search(log.read_text(errors="replace")):
                return
            time.sleep(0.2)
        raise LabError(f"{side}: no log line matching {pattern!r} within {timeout}s")


Configs = Callable[[dict[str, Host], str], dict[str, str]]


@dataclass(frozen=True)
class Scenario:
    """One capture: how the peers are configured, what they do, and what it must show."""

    name: str
    summary: str
    how: str
    configs: Configs
    play: Callable[[Run], None]
    expect: Expect
    topology: str = "v4"
    daemons: tuple[str, ...] = ("alice", "bob")
    charon_options: dict[str, dict[str, object]] = field(default_factory=dict)
    capture_on: str = "bob"  # "alice", "bob" or "both" (see ``captures``)
    ike_version: str = "2"
    certificates: bool = False
    trusted_ca: tuple[str, ...] = ("alice", "bob")
    software: dict[str, str] = field(default_factory=dict)

    def captures(self) -> list[tuple[str, str]]:
        """(host, file name) of each capture: one on ``capture_on``'s link, or with "both" one
        on alice's link (``NAME.left.pcap``) and one on bob's (``NAME.right.pcap``), the two
        points of one path that ``ikescope analyze`` matches message by message. The first
        is the one the label describes."""
        if self.capture_on == "both":
            return [("alice", f"{self.name}.left.pcap"), ("bob", f"{self.name}.right.pcap")]
        return [(self.capture_on, f"{self.name}.pcap")]

    def software_of(self, side: str) -> str:
        """Peers run strongSwan unless the scenario names another daemon for them."""
        return self.software.get(side, "strongswan")


def conn(me: Host, peer: Host, topology: str, *, version: int = 2,
         proposals: str = "aes256-sha256-modp2048", esp: str = "aes128-sha256",
         local_ts: str | None = None, remote_ts: str | None = None,
         local_auth: dict[str, object] | None = None, remote_auth: dict[str, object] | None = None,
         options: dict[str, object] | None = None, child: dict[str, object] | None = None,
         children: dict[str, dict[str, object]] | None = None,
         secret: str = PSK, extra_secrets: dict[str, dict[str, object]] | None = None,
         remote_addrs: str | None = None, pools: dict[str, dict[str, object]] | None = None) -> str:
    """swanctl.conf for one peer of the usual pair: connection "lab" with CHILD SA "net".

    Identities are the peers' names under example.org; keyword overrides are what each
    scenario changes, so a scenario reads as the difference from a working setup.
    """
    nets = NETS["v6" if topology == "v6" else "v4"]
    local: dict[str, object] = {"auth": "psk", "id": f"{me.name}@example.org"}
    remote: dict[str, object] = {"auth": "psk", "id": f"{peer.name}@example.org"}
    local.update(local_auth or {})
    remote.update(remote_auth or {})
    net: dict[str, object] = {"local_ts": local_ts or nets[me.name],
                              "remote_ts": remote_ts or nets[peer.name],
                              "esp_proposals": esp}
    net.update(child or {})
    body: dict[str, object] = {
        "version": version,
        "local_addrs": me.addr,
        "remote_addrs": remote_addrs or peer.addr,
        "proposals": proposals,
        "local": local,
        "remote": remote,
        "children": {"net": net, **(children or {})},
    }
    body.update(options or {})
    secrets: dict[str, object] = {"ike-lab": {"secret": secret}}
    secrets.update(extra_secrets or {})
    text = conf_block("connections", {"lab": body}) + "\n" + conf_block("secrets", secrets) + "\n"
    if pools:
        text += conf_block("pools", pools) + "\n"  # type: ignore[arg-type]
    return text


def pair(alice: dict[str, object] | None = None, bob: dict[str, object] | None = None,
         **both: object) -> Configs:
    """Configs for alice and bob: shared keyword arguments plus per-peer overrides."""
    def make(hosts: dict[str, Host], topology: str) -> dict[str, str]:
        a, b = hosts["alice"], hosts["bob"]
        # Behind the NAT, bob sees alice as the router's outside address.
        alice_seen = hosts["nat"].addr if topology == "nat" else None
        return {
            "alice": conn(a, b, topology, **{**both, **(alice or {})}),  # type: ignore[arg-type]
            "bob": conn(b, a, topology, remote_addrs=alice_seen,
                        **{**both, **(bob or {})}),  # type: ignore[arg-type]
        }
    return make


def pluto_pair(alice: str = "", bob: str = "",
               sides: tuple[str, ...] = ("alice", "bob"),
               secrets: dict[str, str] | None = None,
               setup: dict[str, str] | None = None) -> Configs:
    """ipsec.conf + ipsec.secrets for libreswan peers; extra lines go into conn "lab",
    ``secrets`` adds lines to a peer's ipsec.secrets (an XAuth password, say) and
    ``setup[side]`` lines go into that side's "config setup"."""
    def make(hosts: dict[str, Host], topology: str) -> dict[str, str]:
        nets = NETS["v6" if topology == "v6" else "v4"]
        out = {}
        for me, peer, extra in (("alice", "bob", alice), ("bob", "alice", bob)):
            if me not in sides:
                continue
            own_setup = [f"    {x.strip()}" for x in (setup or {}).get(me, "").splitlines() if x.strip()]
            lines = [
                # plutodebug=private: pluto logs each IKEv2 SA's keys, in tcpdump's -E format
                "config setup", "    logfile=@LOGFILE@", "    listen-tcp=yes", "    plutodebug=private",
                "    ikev1-policy=accept", *own_setup, "",
                "conn lab", f"    left={hosts[me].addr}",
                f"    leftid=@{me}.example.org", f"    leftsubnet={nets[me]}",
                f"    right={hosts[peer].addr}", f"    rightid=@{peer}.example.org",
                f"    rightsubnet={nets[peer]}", "    authby=secret",
                "    ike=aes256-sha2_256;modp2048", "    esp=aes128-sha2_256",
                "    retransmit-interval=1000", "    retransmit-timeout=6s",
                "    leftupdown=/bin/true", "    keyingtries=1",
            ]
            extra_lines = [x.strip() for x in extra.splitlines() if x.strip()]
            if not any(x.startswith("ikev2=") for x in extra_lines):
                extra_lines.append("ikev2=insist")
            # A scenario's line replaces the usual one with the same key (libreswan refuses both).
            keys = {x.split("=", 1)[0] for x in extra_lines}
            conn_at = lines.index("conn lab")
            lines = lines[:conn_at] + [x for x in lines[conn_at:] if x.strip().split("=", 1)[0] not in keys]
            lines += [f"    {x}" for x in extra_lines]
            secret = f"@{me}.example.org @{peer}.example.org : PSK {PSK}"
            more = (secrets or {}).get(me, "")
            out[me] = "\n".join(lines) + "\n# secrets\n" + secret + "\n" + (more + "\n" if more else "")
        return out
    return make


def libreswan_bob(pluto: str = "", setup: str = "", **alice: object) -> Configs:
    """strongSwan alice against libreswan bob; FQDN identities, as libreswan's @names are.
    ``setup`` lines go into bob's "config setup"."""
    def make(hosts: dict[str, Host], topology: str) -> dict[str, str]:
        swan = pair(alice={"local_auth": {"id": "alice.example.org"},
                           "remote_auth": {"id": "bob.example.org"}, **alice})
        return {"alice": swan(hosts, topology)["alice"],
                "bob": pluto_pair(bob=pluto, sides=("bob",), setup={"bob": setup})(hosts, topology)["bob"]}
    return make


def libreswan_alice(pluto: str = "", pluto_secrets: str = "", **bob: object) -> Configs:
    """libreswan alice against strongSwan bob; FQDN identities, as libreswan's @names are."""
    def make(hosts: dict[str, Host], topology: str) -> dict[str, str]:
        swan = pair(bob={"local_auth": {"id": "bob.example.org"},
                         "remote_auth": {"id": "alice.example.org"}, **bob})
        alice = pluto_pair(alice=pluto, sides=("alice",), secrets={"alice": pluto_secrets})
        return {"alice": alice(hosts, topology)["alice"],
                "bob": swan(hosts, topology)["bob"]}
    return make


def tunnels(count: int, bob: dict[int, dict[str, object]] | None = None) -> Configs:
    """``count`` tunnels between the same two gateways, as a hub has towards a branch: connection
    and CHILD SA tNN, identities alice-NN / bob-NN, a /30 of each side's network. ``bob[n]``
    changes bob's CHILD SA of tunnel n (swanctl child keywords)."""
    def make(hosts: dict[str, Host], topology: str) -> dict[str, str]:
        out = {}
        for me, peer in ((hosts["alice"], hosts["bob"]), (hosts["bob"], hosts["alice"])):
            conns: dict[str, object] = {}
            for n in range(1, count + 1):
                name = f"t{n:02d}"
                child: dict[str, object] = {"local_ts": _slash30(NETS["v4"][me.name], n),
                                            "remote_ts": _slash30(NETS["v4"][peer.name], n),
                                            "esp_proposals": "aes128-sha256"}
                if me.name == "bob":
                    child.update((bob or {}).get(n, {}))
                conns[name] = {"version": 2, "local_addrs": me.addr, "remote_addrs": peer.addr,
                               "proposals": "aes256-sha256-modp2048",
                               "local": {"auth": "psk", "id": f"{me.name}-{n:02d}@example.org"},
                               "remote": {"auth": "psk", "id": f"{peer.name}-{n:02d}@example.org"},
                               "children": {name: child}}
            out[me.name] = (conf_block("connections", conns) + "\n"
                            + conf_block("secrets", {"ike-lab": {"secret": PSK}}) + "\n")
        return out
    return make


def _slash30(net: str, n: int) -> str:
    """The n-th /30 (from 1) inside ``net``, in the 198.51.100.0/24 documentation range."""
    first = ipaddress.ip_network(net)
    return f"{first.network_address + 4 * (n - 1)}/30"
