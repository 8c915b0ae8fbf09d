"""Network namespaces and veth links for one lab scenario.

Every address used here comes from the documentation ranges (RFC 5737, RFC 3849), and every
packet stays on veth pairs between namespaces this module created, so a scenario can never
reach or disturb a real network.
"""

from __future__ import annotations

import json
import os
import subprocess
from dataclasses import dataclass, field


def sh(*argv: str, check: bool = True, env: dict[str, str] | None = None,
       timeout: float = 30) -> subprocess.CompletedProcess[str]:
    """Run a command and keep its output, so failures can be reported with the tool's words."""
    proc = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=timeout)
    if check and proc.returncode != 0:
        raise LabError(f"{' '.join(argv)} failed ({proc.returncode}): "
                       f"{proc.stderr.strip() or proc.stdout.strip()}")
    return proc


# Who sent a packet, as seen on bob's link (alice hides behind the router in "nat").
PEER_BY_ADDRESS = {"192.0.2.1": "alice", "192.0.2.2": "bob", "2001:db8:1::1": "alice",
                   "2001:db8:1::2": "bob", "203.0.113.254": "alice", "203.0.113.2": "bob"}


class LabError(RuntimeError):
    """A scenario could not be set up or did not produce what it promised."""


@dataclass
class Host:
    """One namespace with the address a daemon binds to on its single lab link."""

    name: str
    netns: str
    iface: str
    addr: str

    def run(self, *argv: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        """Run a command inside this host's namespace."""
        return sh("ip", "netns", "exec", self.netns, *argv, check=check)


@dataclass
class Topology:
    """Namespaces of one scenario; `close` removes them all, also after a failure.

    `kind` is "v4" (alice 192.0.2.1 -- bob 192.0.2.2), "v6" (2001:db8:1::1 -- 2001:db8:1::2)
    or "nat": alice 192.0.2.1 behind a router that masquerades her traffic as 203.0.113.254
    towards bob 203.0.113.2.
    """

    kind: str = "v4"
    hosts: dict[str, Host] = field(default_factory=dict)
    namespaces: list[str] = field(default_factory=list)
    tag: str = field(default_factory=lambda: f"{os.getpid() % 100000}")

    def _netns(self, suffix: str) -> str:
        name = f"iks-{self.tag}-{suffix}"
        sh("ip", "netns", "add", name)
        self.namespaces.append(name)
        sh("ip", "-n", name, "link", "set", "lo", "up")
        # Larval SAs from ALLOCSPI must outlive the scenario (see LAB-NOTES).
        sh("ip", "netns", "exec", name, "sysctl", "-qw", "net.core.xfrm_acq_expires=3600")
        # No link-local addresses, router solicitations or DAD: the capture then holds only
        # documentation addresses and the packets the scenario is about.
        v6 = (["net.ipv6.conf.default.addr_gen_mode=1", "net.ipv6.conf.all.addr_gen_mode=1",
               "net.ipv6.conf.default.accept_dad=0",
               "net.ipv6.conf.default.mldv1_unsolicited_report_interval=0",
               "net.ipv6.conf.default.mldv2_unsolicited_report_interval=0"]
              if self.kind == "v6" else
              ["net.ipv6.conf.default.disable_ipv6=1", "net.ipv6.conf.all.disable_ipv6=1"])
        sh("ip", "netns", "exec", name, "sysctl", "-qw", *v6)
        return name

    def _veth(self, ns_a: str, if_a: str, ns_b: str, if_b: str) -> None:
        sh("ip", "link", "add", if_a, "netns", ns_a, "type", "veth", "peer", "name", if_b,
           "netns", ns_b)
        if self.kind == "v6":
            # Without multicast the kernel sends no MLD reports from "::"; the static
            # neighbours added later replace neighbour discovery's multicast solicitations.
            sh("ip", "-n", ns_a, "link", "set", if_a, "multicast", "off")
            sh("ip", "-n", ns_b, "link", "set", if_b, "multicast", "off")
        sh("ip", "-n", ns_a, "link", "set", if_a, "up")
        sh("ip", "-n", ns_b, "link", "set", if_b, "up")

    @staticmethod
    def _mac(ns: str, ifc: str) -> str:
        return json.loads(sh("ip", "-j", "-n", ns, "link", "show", ifc).stdout)[0]["address"]

    def build(self) -> Topology:
        """Create namespaces, links, addresses and, for "nat", the masquerading router."""
        t = self.tag
        a, b = self._netns("alice"), self._netns("bob")
        if self.kind == "nat":
            r = self._netns("nat")
            self._veth(a, f"iks{t}a", r, f"iks{t}ri")
            self._veth(r, f"iks{t}ro", b, f"iks{t}b")
            sh("ip", "-n", a, "addr", "add", "192.0.2.1/24", "dev", f"iks{t}a")
            sh("ip", "-n", r, "addr", "add", "192.0.2.254/24", "dev", f"iks{t}ri")
            sh("ip", "-n", r, "addr", "add", "203.0.113.254/24", "dev", f"iks{t}ro")
            sh("ip", "-n", b, "addr", "add", "203.0.113.2/24", "dev", f"iks{t}b")
            sh("ip", "-n", a, "route", "add", "203.0.113.0/24", "via", "192.0.2.254")
            sh("ip", "netns", "exec", r, "sysctl", "-qw", "net.ipv4.ip_forward=1")
            sh("ip", "netns", "exec", r, "iptables", "-t", "nat", "-A", "POSTROUTING",
               "-o", f"iks{t}ro", "-j", "MASQUERADE")
            self.hosts["alice"] = Host("alice", a, f"iks{t}a", "192.0.2.1")
            self.hosts["bob"] = Host("bob", b, f"iks{t}b", "203.0.113.2")
            self.hosts["nat"] = Host("nat", r, f"iks{t}ro", "203.0.113.254")
            return self
        self._veth(a, f"iks{t}a", b, f"iks{t}b")
        if self.kind == "v6":
            ends = ((a, f"iks{t}a", "2001:db8:1::1"), (b, f"iks{t}b", "2001:db8:1::2"))
            for ns, ifc, addr in ends:
                sh("ip", "-n", ns, "addr", "add", f"{addr}/64", "dev", ifc, "nodad")
            for (ns, ifc, _), (peer_ns, peer_if, peer_addr) in (ends, ends[::-1]):
                sh("ip", "-n", ns, "-6", "neigh", "replace", peer_addr, "lladdr",
                   self._mac(peer_ns, peer_if), "dev", ifc, "nud", "permanent")
            self.hosts["alice"] = Host("alice", a, f"iks{t}a", "2001:db8:1::1")
            self.hosts["bob"] = Host("bob", b, f"iks{t}b", "2001:db8:1::2")
        else:
            sh("ip", "-n", a, "addr", "add", "192.0.2.1/24", "dev", f"iks{t}a")
            sh("ip", "-n", b, "addr", "add", "192.0.2.2/24", "dev", f"iks{t}b")
            self.hosts["alice"] = Host("alice", a, f"iks{t}a", "192.0.2.1")
            self.hosts["bob"] = Host("bob", b, f"iks{t}b", "192.0.2.2")
        return self

    def close(self) -> None:
        """Delete every namespace this topology made; deleting one also removes its veths."""
        for name in reversed(self.namespaces):
            sh("ip", "netns", "del", name, check=False)
        self.namespaces.clear()
