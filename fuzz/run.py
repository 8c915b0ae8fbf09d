"""Long fuzz campaigns, and replaying and minimising what they find.

    python -m fuzz.run decoder --seconds 3600            # a campaign, at nice 19
    python -m fuzz.run pipeline --replay crash-1234...   # does it still fail, and where
    python -m fuzz.run pipeline --minimize crash-1234... # the smallest input that fails the same way

A campaign runs libFuzzer (``fuzz.campaign``, atheris) in a child process until
its time is up. When the child stops on a failure, the input is replayed here
(without instrumentation) to name the failure, filed under ``crashes/`` or
``hangs/``, and the child is started again on the corpus grown so far, so one
bug does not end a night's run. What each child executed is read from
libFuzzer's final statistics and added up.

Layout of ``--out`` (default ``fuzz-out``), per target: ``seeds/`` (written
afresh from ``fuzz.seeds`` at each start), ``corpus/`` (what libFuzzer found
worth keeping; a later campaign resumes from it), ``crashes/`` and ``hangs/``
(each input beside a ``.txt`` saying what it does), ``logs/``, and
``runs.jsonl`` (one line per campaign: inputs executed, rate, failures).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import subprocess
import sys
import time
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TypeVar

from . import mutate, pcapio, seeds
from .targets import REPO, TARGETS, Hang, bounded

# CPU seconds one input may use; a pipeline input is a whole capture, analysed twice and rendered nine times.
CPU_LIMIT = {"decoder": 1.0, "pipeline": 10.0, "keys": 1.0}
# libFuzzer's own wall-clock limit, a backstop for a stall the CPU limit cannot see (a C call that never returns).
WALL_LIMIT = 600
MAX_LEN = {"decoder": 16 * 1024, "pipeline": 128 * 1024, "keys": 4096}
RSS_LIMIT_MB = 1024
INTERRUPTED = 72  # libFuzzer's exit status after SIGINT, having printed its statistics
_STAT = re.compile(r"^stat::(\w+):\s+(\d+)", re.M)
_ARTIFACT = re.compile(r"Test unit written to (\S+)")


def outcome(target: str, data: bytes, cpu_limit: float | None = None) -> tuple[str | None, str]:
    """(signature, report) of running ``target`` on ``data``: signature None when it passes.

    The signature names the failure (exception type and the innermost line of
    ikescope or of the target where it was raised), so a minimised input can be
    checked to fail the same way and not some other way.
    """
    try:
        with bounded(cpu_limit or CPU_LIMIT[target]):
            TARGETS[target](data)
    except BaseException as exc:  # noqa: BLE001 - any escape is what is being looked for
        if isinstance(exc, KeyboardInterrupt):
            raise
        return _signature(exc), "".join(traceback.format_exception(exc))
    return None, "ok"


def _signature(exc: BaseException) -> str:
    if isinstance(exc, Hang):
        return "Hang"
    frames = traceback.extract_tb(exc.__traceback__)
    ours = [f for f in frames if "/ikescope/" in f.filename or "/fuzz/" in f.filename]
    where = f"{Path(ours[-1].filename).name}:{ours[-1].lineno}" if ours else "?"
    detail = re.sub(r"\d+", "N", str(exc))[:100] if type(exc).__name__ == "InternalError" else ""
    return f"{type(exc).__name__} at {where} {detail}".strip()


T = TypeVar("T")


def ddmin(items: list[T], fails: Callable[[list[T]], bool]) -> list[T]:
    """A smallest-found sublist of ``items`` that still ``fails`` (Zeller's delta debugging, complements only)."""
    n = 2
    while len(items) >= 2:
        size = -(-len(items) // n)
        for start in range(0, len(items), size):
            rest = items[:start] + items[start + size:]
            if fails(rest):
                items, n = rest, max(n - 1, 2)
                break
        else:
            if n >= len(items):
                break
            n = min(len(items), n * 2)
    return items


def minimise(target: str, data: bytes) -> bytes:
    """The input cut down while it keeps failing with the same signature.

    A capture is cut frame by frame first, then inside each frame (the IKE
    message of a UDP datagram, with the IP and UDP lengths kept right); a
    message, or a capture this cannot parse as classic pcap, byte by byte.
    """
    want, _ = outcome(target, data)
    if want is None:
        raise SystemExit("the input does not fail; nothing to minimise")

    def same(candidate: bytes) -> bool:
        return outcome(target, candidate)[0] == want

    cap = pcapio.parse(data) if target == "pipeline" else None
    if cap is None:
        return bytes(ddmin(list(data), lambda b: same(bytes(b))))
    cap.records = ddmin(cap.records, lambda rs: same(pcapio.Pcap(cap.header, rs).to_bytes()))
    for rec in cap.records:
        split = mutate.udp_frame(cap.linktype, rec.data)

        def with_data(frame: bytes, rec: pcapio.Record = rec) -> bytes:
            old = rec.data, rec.wirelen
            rec.data, rec.wirelen = frame, len(frame)
            out = cap.to_bytes()
            rec.data, rec.wirelen = old
            return out

        if split is not None:
            payload = ddmin(list(split.payload), lambda b, s=split: same(with_data(s.rebuild(bytes(b)))))
            frame = split.rebuild(bytes(payload))
        else:
            frame = bytes(ddmin(list(rec.data), lambda b: same(with_data(bytes(b)))))
        if same(with_data(frame)):
            rec.data, rec.wirelen = frame, len(frame)
    return cap.to_bytes()


def _write_seeds(target: str, where: Path) -> int:
    where.mkdir(parents=True, exist_ok=True)
    for old in where.iterdir():
        old.unlink()
    files = seeds.capture_files(seeds.default_roots())
    if target == "keys":
        items = seeds.key_seeds(seeds.default_roots())
    else:
        items = seeds.message_seeds(files) if target == "decoder" else seeds.capture_seeds(files)
    for item in items:
        (where / hashlib.sha1(item).hexdigest()).write_bytes(item)
    return len(items)


def campaign(target: str, seconds: float, out: Path, max_failures: int, cpu_limit: float) -> dict:
    """Fuzz ``target`` for ``seconds`` of wall time; returns what was executed and found."""
    base = out / target
    dirs = {name: base / name for name in ("seeds", "corpus", "crashes", "hangs", "logs", "pending")}
    for d in dirs.values():
        d.mkdir(parents=True, exist_ok=True)
    n_seeds = _write_seeds(target, dirs["seeds"])
    started = time.time()
    deadline = started + seconds
    executed, children, failures = 0, 0, []
    while (remaining := int(deadline - time.time())) >= 10 and len(failures) < max_failures:
        children += 1
        log = dirs["logs"] / f"{time.strftime('%Y%m%d-%H%M%S')}-{children}.log"
        cmd = [sys.executable, "-m", "fuzz.campaign", target, str(cpu_limit), f"-max_total_time={remaining}",
               f"-timeout={WALL_LIMIT}", f"-rss_limit_mb={RSS_LIMIT_MB}", f"-max_len={MAX_LEN[target]}",
               # Slowness is judged by the target in CPU time (``bounded``): at nice 19 on a busy machine
               # libFuzzer's wall-clock "slow units" would only be inputs that waited for a core.
               f"-report_slow_units={WALL_LIMIT}",
               "-print_final_stats=1", f"-artifact_prefix={dirs['pending']}/", str(dirs["corpus"]),
               str(dirs["seeds"])]
        if target != "pipeline":
            cmd.insert(-2, "-use_value_profile=1")
        with open(log, "w") as f:
            child = subprocess.Popen(cmd, cwd=REPO, stdout=f, stderr=subprocess.STDOUT)
            try:
                rc = child.wait()
            except KeyboardInterrupt:  # Ctrl-C reached the child too: it prints its statistics and stops
                rc = child.wait()
        text = log.read_text(errors="replace")
        stats = {k: int(v) for k, v in _STAT.findall(text)}
        executed += stats.get("number_of_executed_units", 0)
        for path in _ARTIFACT.findall(text):
            failures.append(_file_failure(target, Path(path), dirs, cpu_limit))
        if rc == INTERRUPTED:
            break
        if rc != 0 and not _ARTIFACT.search(text):
            failures.append({"kind": "child", "detail": f"exit status {rc} without an artifact; see {log}"})
            break
    elapsed = time.time() - started
    summary = {"target": target, "started": time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(started)),
               "seconds": round(elapsed), "executed": executed, "per_second": round(executed / max(elapsed, 1), 1),
               "children": children, "seeds": n_seeds, "corpus": sum(1 for _ in dirs["corpus"].iterdir()),
               "failures": failures}
    with open(base / "runs.jsonl", "a") as f:
        f.write(json.dumps(summary) + "\n")
    return summary


def _file_failure(target: str, path: Path, dirs: dict[str, Path], cpu_limit: float) -> dict:
    """Replay a failing input uninstrumented, then file it under crashes/ or hangs/ with what it does."""
    data = path.read_bytes()
    signature, report = outcome(target, data, cpu_limit)
    kind = "hangs" if signature == "Hang" or path.name.startswith("timeout-") else "crashes"
    dest = dirs[kind] / f"{target}-{hashlib.sha1(data).hexdigest()[:16]}"
    path.replace(dest)
    dest.with_suffix(".txt").write_text(f"{signature or 'did not fail again when replayed'}\n\n{report}\n")
    return {"kind": kind, "file": str(dest), "signature": signature or "not reproduced"}


def main(argv: Sequence[str] | None = None) -> None:
    ap = argparse.ArgumentParser(prog="python -m fuzz.run", description=__doc__.split("\n\n")[0])
    ap.add_argument("target", choices=sorted(TARGETS))
    ap.add_argument("--seconds", type=float, default=3600, help="campaign length in wall-clock seconds")
    ap.add_argument("--out", type=Path, default=Path("fuzz-out"), help="where corpus, failures and logs go")
    ap.add_argument("--max-failures", type=int, default=20, help="stop the campaign after this many")
    ap.add_argument("--cpu-limit", type=float, default=None, help="CPU seconds one input may use")
    ap.add_argument("--nice", type=int, default=19, help="niceness to run at (0 to leave it)")
    ap.add_argument("--replay", nargs="+", type=Path, metavar="FILE", help="run these inputs and say what they do")
    ap.add_argument("--minimize", type=Path, metavar="FILE", help="write FILE.min, the smallest input found "
                    "that fails the same way")
    args = ap.parse_args(argv)
    cpu_limit = args.cpu_limit or CPU_LIMIT[args.target]
    if args.nice:
        os.nice(args.nice)
    if args.replay:
        failed = 0
        for path in args.replay:
            signature, report = outcome(args.target, path.read_bytes(), cpu_limit)
            failed += signature is not None
            print(f"== {path}: {signature or 'ok'}")
            if signature:
                print(report)
        sys.exit(1 if failed else 0)
    if args.minimize:
        small = minimise(args.target, args.minimize.read_bytes())
        dest = args.minimize.with_name(args.minimize.name + ".min")
        dest.write_bytes(small)
        print(f"{dest}: {len(small)} bytes ({outcome(args.target, small, cpu_limit)[0]})")
        return
    summary = campaign(args.target, args.seconds, args.out, args.max_failures, cpu_limit)
    print(json.dumps(summary, indent=1))


if __name__ == "__main__":
    main()
