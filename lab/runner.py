"""Run one scenario end to end and turn its capture into labelled fixture files."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

from lab import ikeview, keys
from lab.capture import Capture, Tcpdump
from lab.charon import Charon, build_shim
from lab.netns import PEER_BY_ADDRESS, Host, LabError, Topology
from lab.pki import install, make_pki
from lab.pluto import Pluto, unpack_libreswan
from lab.scenario import Daemon, Run, Scenario

LOG_LIMIT = 6000


def daemon_version(software: str, work: Path) -> str:
    """The IKE daemon's name and version, as its package or binary reports it."""
    if software == "libreswan":
        debs = sorted((work / "debs").glob("libreswan_*.deb"))
        return "libreswan " + (debs[-1].name.split("_")[1] if debs else "unknown")
    charon = subprocess.run(["/usr/lib/ipsec/charon", "--version"], capture_output=True,
                            text=True).stdout.split()
    return "strongSwan " + (charon[-1] if charon else "unknown")


def versions(sc: Scenario, work: Path) -> dict[str, str]:
    """Versions of the software that made a capture: each peer's daemon, tcpdump, kernel."""
    found = {side: daemon_version(sc.software_of(side), work) for side in sc.daemons}
    found["tcpdump"] = subprocess.run(["tcpdump", "--version"], capture_output=True,
                                      text=True).stdout.splitlines()[0].split()[-1]
    found["kernel"] = subprocess.run(["uname", "-r"], capture_output=True,
                                     text=True).stdout.strip()
    return found


def trim_log(text: str, limit: int = LOG_LIMIT) -> str:
    """Keep a daemon log readable as a fixture: head and tail when it is long."""
    if len(text) <= limit:
        return text
    head = text[: limit // 2]
    tail = text[-limit // 2:]
    head = head[: head.rfind("\n") + 1]
    tail = tail[tail.find("\n") + 1:]
    return head + "[... lines left out ...]\n" + tail


def run_scenario(sc: Scenario, out: Path, work: Path,
                 capture: Callable[[Host, Path], Capture] = Tcpdump) -> dict[str, Any]:
    """Run `sc`, write `<name>.pcap`, key tables and logs into `out`, return its label.

    `capture` makes the capture of the link, given the host it runs on and the pcap to write:
    tcpdump for the fixtures, or `ikescope live` (lab.capture.Live) to test live mode on
    real negotiations.
    """
    work = work / sc.name
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    shim = build_shim(work.parent)
    uses_libreswan = any(sc.software_of(side) == "libreswan" for side in sc.daemons)
    libreswan = unpack_libreswan(work.parent) if uses_libreswan else None
    topo = Topology(sc.topology)
    daemons: dict[str, Daemon] = {}
    dumps: list[Capture] = []
    try:
        topo.build()
        configs = sc.configs(topo.hosts, sc.topology)
        for side in sc.daemons:
            d: Daemon
            if libreswan is not None and sc.software_of(side) == "libreswan":
                d = Pluto(topo.hosts[side], work, shim, libreswan)
            else:
                d = Charon(topo.hosts[side], work, shim, sc.charon_options.get(side))
            d.write_config(configs[side])
            if sc.certificates and isinstance(d, Charon):
                install(make_pki(work.parent), side, d.swanctl_dir, side in sc.trusted_ca)
            daemons[side] = d
        for host, name in sc.captures():
            dumps.append(capture(topo.hosts[host], work / name))
            dumps[-1].start()
        for d in daemons.values():
            d.start()
        for d in daemons.values():
            d.load()
        sc.play(Run(daemons, topo.hosts, work / sc.captures()[0][1]))
        for dump in dumps:
            dump.finish()
    finally:
        for dump in dumps:
            dump.stop()
        for d in daemons.values():
            d.stop()
        topo.close()
    label = publish(sc, work, out, daemons)
    label["software"] = versions(sc, work.parent)
    return label


def publish(sc: Scenario, work: Path, out: Path, daemons: dict[str, Daemon]) -> dict[str, Any]:
    """Copy the capture, keys and trimmed logs to `out` after checking the promise holds."""
    out.mkdir(parents=True, exist_ok=True)
    for _, name in sc.captures():
        shutil.copy(work / name, out / name)
    pcap = out / sc.captures()[0][1]
    tables = keys.write_tables(pcap, [d.debug_log for d in daemons.values()],
                               out / sc.name)
    logs = {}
    for side, d in daemons.items():
        target = out / f"{sc.name}.{side}.log"
        target.write_text(trim_log(d.brief_text()))
        logs[side] = target.name
    return make_label(sc, pcap, tables, logs)


def label_existing(sc: Scenario, out: Path, old: dict[str, Any]) -> dict[str, Any]:
    """The label of a capture already in `out`, keeping the software versions that made it."""
    tables = [out / name for name in old["key_tables"]]
    label = make_label(sc, out / sc.captures()[0][1], tables, old["logs"])
    label["software"] = old["software"]
    return label


def make_label(sc: Scenario, pcap: Path, tables: list[Path],
               logs: dict[str, str]) -> dict[str, Any]:
    """Compare the capture with the scenario's expectation and describe it for tests."""
    clear = ikeview.group_sas(ikeview.read_messages(pcap))
    full = ikeview.group_sas(ikeview.read_messages(pcap, tables))
    exp = sc.expect
    problems = []
    if len(full) != len(exp.sas):
        problems.append(f"{len(full)} IKE SAs on the wire, expected {len(exp.sas)}: "
                        + "; ".join(f"{s.ispi} {s.exchanges}" for s in full))
    sas = []
    all_notifies: list[dict[str, Any]] = []
    clear_by_spi = {s.ispi: s for s in clear}
    for index, got in enumerate(full):
        got_clear = clear_by_spi[got.ispi]
        want = exp.sas[index] if index < len(exp.sas) else None
        initiator = PEER_BY_ADDRESS.get(got.initiator, got.initiator)
        if want and list(want.exchanges) != got.exchanges:
            problems.append(f"SA {index}: exchanges {got.exchanges}, "
                            f"expected {list(want.exchanges)}")
        if want and want.origin == "initial" and want.initiator not in ("any", initiator):
            problems.append(f"SA {index}: initiated by {initiator}, expected {want.initiator}")
        clear_pairs = set(got_clear.notifies())
        notifies = [{"exchange": ex, "type": n, "name": ikeview.notify_name(n),
                     "encrypted": (ex, n) not in clear_pairs} for ex, n in got.notifies()]
        all_notifies += notifies
        sas.append({
            "index": index,
            "ike_version": got.version,
            "initiator": want.initiator if want and want.origin == "rekey" else initiator,
            "origin": want.origin if want else None,
            "outcome": want.outcome if want else None,
            "ended_by": want.ended_by if want else None,
            "initiator_spi": got.ispi,
            "messages": len(got.messages),
            "exchanges": got.exchanges,
            "notifies": notifies,
        })
    seen = {n["type"] for n in all_notifies}
    for n in exp.decisive_notifies:
        if n not in seen:
            problems.append(f"decisive notify {n} ({ikeview.notify_name(n)}) not on the wire")
        elif exp.evidence_encrypted != any(x["encrypted"] for x in all_notifies if x["type"] == n):
            problems.append(f"notify {n}: encrypted flag differs from the expectation")
    if problems:
        raise LabError(f"{sc.name}: capture does not show what the scenario promises:\n  "
                       + "\n  ".join(problems))
    return {
        "name": sc.name,
        "file": pcap.name,
        "summary": sc.summary,
        "how": sc.how,
        "ike_version": sc.ike_version,
        "topology": sc.topology,
        "captured_on": sc.capture_on,
        "files": [name for _, name in sc.captures()],
        "daemons": list(sc.daemons),
        "root_cause": exp.root_cause,
        "failed_exchange": exp.failed_exchange,
        "decisive_notifies": [{"type": n, "name": ikeview.notify_name(n)}
                              for n in exp.decisive_notifies],
        "evidence_encrypted": exp.evidence_encrypted,
        "cause_on_wire": exp.cause_on_wire,
        "ike_sa_count": len(sas),
        "ike_sas": sas,
        "key_tables": [t.name for t in tables],
        "logs": logs,
    }
