"""`ikescope live` on a real link: verdicts printed while the daemons negotiate.

Each case runs a lab scenario (two namespaces, a veth pair, documentation addresses, real
strongSwan daemons) with `ikescope live --format jsonl --duration` capturing bob's end of
the link and writing it with -w. Every stdout line is stamped with the wall-clock time it
arrived, the clock the pcap's timestamps use, so the delay between an SA's last message
and its verdict is measured, not guessed. The verdicts must equal file mode's on the -w
pcap and the lab's label of the scenario.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest

from helpers import lab_ready

REPO = Path(__file__).resolve().parents[2]
LABELS = {c["name"]: c
          for c in json.loads((REPO / "pcaps" / "labels.json").read_text())["captures"]}

sys.path.insert(0, str(REPO))

SILENCE = 4.0
LINGER = 2.0  # live mode concludes an SA settled by an error notify this long after it
SLACK = 2.5  # scheduling, the once-a-second clock tick and the pipe, on a loaded machine


@dataclass(frozen=True)
class Case:
    """settled_by: what concludes the failed SA in live mode, "notify" (a refusal on the
    wire) or "silence" (--silence seconds without a packet), None for a success;
    duration: --duration, enough for setup, the negotiation and its verdict, with time to
    spare so that a verdict printed only at the end is told apart;
    label_root: whether the lab's label names the cause ikescope calls the root cause."""

    settled_by: str | None
    duration: float
    label_root: bool = True


CASES = {
    "ikev2-psk-success": Case(None, 8),
    # NO_PROPOSAL_CHOSEN in clear in the IKE_SA_INIT response.
    "ikev2-ike-proposal-mismatch": Case("notify", 10),
    # AUTHENTICATION_FAILED, encrypted (live mode has no keys for an SA it has not seen
    # before): an IKE_AUTH response opening with an encrypted Notify settles it all the same.
    "ikev2-psk-mismatch": Case("notify", 10),
    # No daemon on bob: IKE_SA_INIT retransmitted for about 5 s, answered by ICMP only. The
    # label says ike.no_response; ikescope names the ICMP errors the root cause and reports
    # no_response beside it.
    "ikev2-responder-down": Case("silence", 14, label_root=False),
}


def leftovers(base: Path) -> list[str]:
    """This process's lab namespaces and any process naming `base` (daemons get their
    paths in the command line or environment, ikescope its -w file)."""
    tag = f"iks-{os.getpid() % 100000}-"
    out = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout
    found = [line.split()[0] for line in out.splitlines() if line.startswith(tag)]
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit() or int(proc.name) == os.getpid():
            continue
        try:
            blob = (proc / "cmdline").read_bytes() + (proc / "environ").read_bytes()
        except OSError:
            continue
        if str(base).encode() in blob:
            command = blob.split(b"\0")[0].decode(errors="replace")
            found.append(f"pid {proc.name}: {command}")
    return found


def file_mode(pcap: Path) -> dict[str, Any]:
    """ikescope's report of the -w pcap, read as a file."""
    out = subprocess.run([sys.executable, "-m", "ikescope", "analyze", "--format", "json",
                          "--fail-on", "never", str(pcap)],
                         capture_output=True, text=True, timeout=60, check=True).stdout
    return json.loads(out)


@pytest.mark.lab
@pytest.mark.parametrize("name", list(CASES))
def test_live_prints_each_verdict_as_it_happens(name: str,
                                                tmp_path_factory: pytest.TempPathFactory) -> None:
    lab_ready()
    from lab.capture import Live
    from lab.charon import KEEP_LARVAL_SPIS
    from lab.netns import Host
    from lab.runner import run_scenario
    from lab.scenarios import BY_NAME

    case = CASES[name]
    runs: list[Live] = []

    def live(host: Host, pcap: Path) -> Live:
        runs.append(Live(host, pcap, duration=case.duration, silence=SILENCE, status_every=1))
        return runs[-1]

    # The run outlasts charon's default life of a larval SPI, whose expiry would put a
    # CHILD SA delete and re-create on the wire.
    sc = BY_NAME[name]
    sc = replace(sc, charon_options={side: {**sc.charon_options.get(side, {}), **KEEP_LARVAL_SPIS}
                                     for side in sc.daemons})
    # A short base directory: charon's vici socket lives under it, and a Unix socket path
    # may not exceed 107 bytes (tmp_path, named after this test, leaves too little room).
    base = tmp_path_factory.mktemp("live")
    # run_scenario stops the capture and the daemons by PID and deletes the namespaces in
    # its own finally block, whatever happens; the check below holds it to that.
    label = run_scenario(sc, base / "out", base, capture=live)
    assert leftovers(base) == []

    (run,) = runs
    assert run.started_at is not None and run.exited_at is not None
    stderr = run.stderr_text()
    assert case.duration - 1 <= run.exited_at - run.started_at <= case.duration + 5, stderr
    assert stderr.strip(), "no status line on stderr"
    lines = [(ts, json.loads(text)) for ts, text in run.lines]  # stdout: JSON lines only
    kinds = [doc["kind"] for _, doc in lines]
    assert kinds.count("sa") == 1 and kinds.count("input") == 1, kinds
    (sa_at, sa), = [(ts, doc) for ts, doc in lines if doc["kind"] == "sa"]
    findings = [doc for _, doc in lines if doc["kind"] == "finding"]
    errors = [f for f in findings if f["severity"] == "error"]
    assert run.returncode == (1 if errors else 0), stderr

    # File mode on the -w pcap: the same SA, verdict and findings, from the same frames.
    report = file_mode(run.path)
    (want,) = report["sas"]
    assert label["ike_sa_count"] == 1
    (live_input,) = [doc for _, doc in lines if doc["kind"] == "input"]
    assert live_input["frames"] == report["inputs"][0]["frames"]
    for key in ("ispi", "rspi", "initiator", "responder", "outcome"):
        assert sa[key] == want[key], key
    code = sa["root_cause"] and sa["root_cause"]["code"]
    assert code == (want["root_cause"] and want["root_cause"]["code"])

    def codes(found: list[dict[str, Any]]) -> list[tuple[str, str, bool]]:
        return sorted((f["code"], f["severity"], f["root_cause"]) for f in found)

    assert codes(findings) == codes(report["findings"])
    cause = LABELS[name]["root_cause"]
    assert cause == label["root_cause"]
    if case.label_root:
        assert code == cause
    else:
        assert cause in {f["code"] for f in findings}

    if case.settled_by is None:
        assert sa["outcome"] == "established" and code is None and errors == []
        return
    assert sa["outcome"] == "failed" and code is not None
    assert any(f["root_cause"] and f["code"] == code for f in findings)
    # The pcap's timestamps are wall-clock time, as the stamps of the lines are: how long
    # after the SA's last message its verdict was printed.
    delay = sa_at - (want["start"] + want["duration"])
    bound = LINGER if case.settled_by == "notify" else SILENCE
    assert 0 < delay <= bound + SLACK, (case.settled_by, delay)
    assert sa_at <= run.exited_at - 3, "the verdict came only as the run ended"
