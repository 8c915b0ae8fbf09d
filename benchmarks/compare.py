"""ikescope against tshark and a plain scapy script on the benchmark captures, in one run.

Generates the captures into --workdir when they are missing (benchmarks/generate.py,
same seed, same bytes), then runs every command of every capture once per repeat,
alternating them so that a slow moment of the machine hits all alike, and reports
medians. Each run is a child process reaped with os.wait4, which gives that child's
own CPU time and peak RSS besides the wall time measured here.

    python benchmarks/compare.py                  # full sizes, 3 repeats
    python benchmarks/compare.py --quick          # small sizes, 1 repeat: about a minute
    python benchmarks/compare.py --only ike-only --repeats 5
    python benchmarks/compare.py --write-readme   # also put the tables in benchmarks/README.md

`ikescope analyze` exits with status 1 when it reports error findings: that counts as
a normal run here.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata
from operator import attrgetter
from pathlib import Path
from typing import Any

import generate

HERE = Path(__file__).resolve().parent
README = HERE / "README.md"
BEGIN, END = "<!-- results -->", "<!-- /results -->"
KINDS = ("ike-only", "gateway", "flood")
FORMATS = ("text", "markdown", "json", "jsonl")
TSHARK_FIELDS = ("frame.number", "isakmp.ispi", "isakmp.rspi", "isakmp.exchangetype")
PREFIX_DIVISOR = 10  # memory flatness: the ike-only capture against its first tenth

TARGETS = {
    "tshark-ike-only": 2.0,
    "tshark-gateway": 20.0,
    "scapy": 50.0,
    "rss-flatness": 1.2,
    "flood": 2.0,
}


# -- captures ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Capture:
    """One generated file: its kind and size (IKE messages, frames or SPIs)."""

    kind: str
    size: int
    ike_share: float = 0.02

    @property
    def filename(self) -> str:
        share = f"-{self.ike_share:g}" if self.kind == "gateway" else ""
        return f"{self.kind}-{self.size}{share}.pcap"

    @property
    def unit(self) -> str:
        return {"ike-only": "IKE messages", "gateway": "frames", "flood": "SPIs"}[self.kind]

    def write(self, path: Path, seed: int) -> generate.Stats:
        if self.kind == "ike-only":
            return generate.write_ike_only(path, self.size, seed)
        if self.kind == "gateway":
            return generate.write_gateway(path, self.size, self.ike_share, seed)
        return generate.write_flood(path, self.size, seed)


def generator_digest() -> str:
    """What the files depend on: the generator's source and the lab captures it replays.
    A change of either makes cached files stale."""
    h = hashlib.sha256(Path(generate.__file__).read_bytes())
    for path in sorted(generate.LAB.glob("*.pcap")) + [generate.LAB / "labels.json"]:
        h.update(path.name.encode() + path.read_bytes())
    return h.hexdigest()[:16]


class Workdir:
    """The captures and a manifest of what each one holds, so that a second run skips
    generating (a gateway file is a gigabyte) yet never measures a stale file."""

    def __init__(self, root: Path, seed: int) -> None:
        self.root = root
        self.seed = seed
        root.mkdir(parents=True, exist_ok=True)
        self._manifest_path = root / "manifest.json"
        self._manifest = json.loads(self._manifest_path.read_text()) if self._manifest_path.exists() else {}
        self._digest = generator_digest()

    def ensure(self, capture: Capture) -> tuple[Path, dict[str, Any]]:
        path = self.root / capture.filename
        entry = self._manifest.get(capture.filename)
        if entry and path.exists() and entry["digest"] == self._digest and entry["seed"] == self.seed:
            return path, entry["stats"]
        print(f"generating {path} ({capture.size:,} {capture.unit}) ...", file=sys.stderr, flush=True)
        start = time.perf_counter()
        stats = capture.write(path, self.seed).as_dict()
        print(f"  {stats['frames']:,} frames, {stats['ike_messages']:,} IKE messages, ~{stats['ike_sas']:,} IKE SAs "
              f"in {time.perf_counter() - start:.1f} s", file=sys.stderr)
        self._manifest[capture.filename] = {"digest": self._digest, "seed": self.seed, "stats": stats}
        self._manifest_path.write_text(json.dumps(self._manifest, indent=1) + "\n")
        return path, stats


# -- measuring -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Sample:
    wall: float
    cpu: float
    rss_mib: float


@dataclass(frozen=True)
class Job:
    """One command on one capture. ``group`` is the capture row group it is reported in,
    ``messages`` the IKE messages of the file it actually reads (a prefix for scapy)."""

    group: str
    tool: str  # ikescope, tshark or scapy
    label: str
    argv: tuple[str, ...]
    messages: int
    fmt: str = ""
    jobs: str = ""
    ok_status: tuple[int, ...] = (0,)


def measure(job: Job, stderr_seen: dict[str, set[str]]) -> Sample:
    """Run the job's command with stdout to /dev/null and reap it with os.wait4: the
    rusage then covers that child only (the figures of this process and of earlier
    children stay out). Anything it writes on stderr is remembered for the report."""
    with open(os.devnull, "wb") as devnull, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(job.argv, stdout=devnull, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        err.seek(0)
        text = err.read().decode(errors="replace")
    if proc.returncode not in job.ok_status:
        raise SystemExit(f"{' '.join(job.argv)} exited with status {proc.returncode}:\n{text[-2000:]}")
    lines = stderr_seen.setdefault(job.tool, set())
    lines.update(line.strip() for line in text.splitlines() if line.strip())
    return Sample(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024)


@dataclass(frozen=True)
class Result:
    job: Job
    wall: float
    cpu: float
    rss_mib: float
    runs: int

    @property
    def per_message(self) -> float:
        return self.wall / self.job.messages


def run_all(jobs: Sequence[Job], repeats: int) -> list[Result]:
    """Every job once per round, ``repeats`` rounds; medians per job."""
    samples: dict[Job, list[Sample]] = {job: [] for job in jobs}
    stderr_seen: dict[str, set[str]] = {}
    for r in range(repeats):
        for job in jobs:
            s = measure(job, stderr_seen)
            samples[job].append(s)
            print(f"[{r + 1}/{repeats}] {job.group:24} {job.label:38} {s.wall:8.2f} s wall {s.cpu:8.2f} s CPU "
                  f"{s.rss_mib:7.0f} MiB", file=sys.stderr, flush=True)
    for tool, lines in stderr_seen.items():
        for line in sorted(lines)[:10]:
            print(f"stderr of {tool}: {line}", file=sys.stderr)
    return [Result(job, statistics.median(s.wall for s in ss), statistics.median(s.cpu for s in ss),
                   statistics.median(s.rss_mib for s in ss), len(ss)) for job, ss in samples.items()]


# -- the plan ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Tools:
    ikescope: str
    python: str
    formats: tuple[str, ...]
    jobs_formats: tuple[str, ...]  # formats also timed with --jobs 1 (empty: no --jobs option)
    tshark: bool
    scapy: bool


def ikescope_jobs(tools: Tools, group: str, path: Path, messages: int) -> list[Job]:
    out = []
    for fmt in tools.formats:
        variants = [""] + (["1"] if fmt in tools.jobs_formats else [])
        for jobs in variants:
            argv = [tools.ikescope, "analyze", str(path), "--format", fmt] + (["--jobs", jobs] if jobs else [])
            label = f"ikescope --format {fmt}" + (f" --jobs {jobs}" if jobs else "")
            out.append(Job(group, "ikescope", label, tuple(argv), messages, fmt, jobs, (0, 1)))
    return out


def plan(args: argparse.Namespace, tools: Tools, workdir: Workdir) -> tuple[list[Job], dict[str, dict[str, Any]]]:
    """The jobs to run and, per row group, what its capture holds."""
    sizes = {"ike-only": args.messages, "gateway": args.frames, "flood": args.flood_spis}
    jobs: list[Job] = []
    described: dict[str, dict[str, Any]] = {}
    for kind in args.only:
        capture = Capture(kind, sizes[kind], args.ike_share)
        path, stats = workdir.ensure(capture)
        messages = int(stats["ike_messages"])
        described[kind] = dict(stats, file=capture.filename)
        jobs += ikescope_jobs(tools, kind, path, messages)
        if tools.tshark:
            argv = ["tshark", "-r", str(path), "-Y", "isakmp", "-T", "fields"]
            for name in TSHARK_FIELDS:
                argv += ["-e", name]
            jobs.append(Job(kind, "tshark", "tshark -Y isakmp -T fields", tuple(argv), messages))
        if tools.scapy:
            size = capture.size if args.scapy_fraction >= 1 else max(1, round(capture.size * args.scapy_fraction))
            small = Capture(kind, size, args.ike_share)
            spath, sstats = workdir.ensure(small)
            label = "scapy_ike.py" if size == capture.size else f"scapy_ike.py on first {size:,} {capture.unit}"
            jobs.append(Job(kind, "scapy", label, (tools.python, str(HERE / "scapy_ike.py"), str(spath)),
                            int(sstats["ike_messages"])))
        if kind == "ike-only":
            prefix = Capture(kind, capture.size // PREFIX_DIVISOR)
            ppath, pstats = workdir.ensure(prefix)
            group = f"ike-only first {prefix.size:,}"
            described[group] = dict(pstats, file=prefix.filename)
            jobs += ikescope_jobs(tools, group, ppath, int(pstats["ike_messages"]))
    return jobs, described


# -- reporting -----------------------------------------------------------------------------


def find(results: Sequence[Result], group: str, tool: str, fmt: str = "", jobs: str = "") -> Result | None:
    for r in results:
        j = r.job
        if j.group == group and j.tool == tool and (not fmt or j.fmt == fmt) and j.jobs == jobs:
            return r
    return None


def fmt_ratio(x: float | None) -> str:
    return "" if x is None else f"{x:,.1f}x" if x >= 10 else f"{x:.2f}x"


def results_table(results: Sequence[Result]) -> str:
    rows = [("| capture | command | IKE messages | wall s | CPU s | messages/s | peak RSS MiB "
             "| tshark time ÷ this | scapy per message ÷ this |"),
            "|---|---|--:|--:|--:|--:|--:|--:|--:|"]
    for r in results:
        j = r.job
        tshark = find(results, j.group, "tshark")
        scapy = find(results, j.group, "scapy")
        vs_tshark = tshark.wall / r.wall if tshark and j.tool == "ikescope" else None
        vs_scapy = scapy.per_message / r.per_message if scapy and j.tool == "ikescope" else None
        rows.append(f"| {j.group} | `{j.label}` | {j.messages:,} | {r.wall:.2f} | {r.cpu:.2f} | "
                    f"{j.messages / r.wall:,.0f} | {r.rss_mib:,.0f} | {fmt_ratio(vs_tshark)} | {fmt_ratio(vs_scapy)} |")
    return "\n".join(rows)


def checks_table(results: Sequence[Result], formats: Sequence[str], prefix_group: str) -> str:
    """The project's targets, each as measured here (rows whose runs were not made are left out)."""
    rows = ["| check | target | measured | met |", "|---|--:|--:|:-:|"]

    def add(name: str, value: float | None, target: float, at_least: bool) -> None:
        if value is None:
            return
        met = value >= target if at_least else value <= target
        shown = f"{value:,.1f}x" if value >= 10 else f"{value:.3f}x"
        rows.append(f"| {name} | {'≥' if at_least else '≤'} {target:g}x | {shown} | {'yes' if met else 'no'} |")

    def ratio(a: Result | None, b: Result | None, key: Callable[[Result], float]) -> float | None:
        return key(a) / key(b) if a and b else None

    wall, per_message, rss = attrgetter("wall"), attrgetter("per_message"), attrgetter("rss_mib")
    for group, target in (("ike-only", TARGETS["tshark-ike-only"]), ("gateway", TARGETS["tshark-gateway"])):
        add(f"tshark time ÷ ikescope json time, {group}",
            ratio(find(results, group, "tshark"), find(results, group, "ikescope", "json"), wall), target, True)
    for group in KINDS:
        add(f"scapy per message ÷ ikescope json per message, {group}",
            ratio(find(results, group, "scapy"), find(results, group, "ikescope", "json"), per_message),
            TARGETS["scapy"], True)
    for fmt in formats:
        add(f"peak RSS ike-only ÷ {prefix_group}, {fmt}",
            ratio(find(results, "ike-only", "ikescope", fmt), find(results, prefix_group, "ikescope", fmt), rss),
            TARGETS["rss-flatness"], False)
    for fmt in formats:
        add(f"per-message time flood ÷ ike-only, {fmt}",
            ratio(find(results, "flood", "ikescope", fmt), find(results, "ike-only", "ikescope", fmt), per_message),
            TARGETS["flood"], False)
    return "\n".join(rows)


def captures_list(described: dict[str, dict[str, Any]]) -> str:
    lines = []
    for group, s in described.items():
        extra = f", {s['mean_open']} negotiations open on average (max {s['max_open']})" if s["max_open"] else ""
        lines.append(f"- {group}: `{s['file']}`, {s['frames']:,} frames, {s['ike_messages']:,} IKE messages, "
                     f"~{s['ike_sas']:,} IKE SAs over {s['seconds']:,.0f} s{extra}")
    return "\n".join(lines)


def command_output(argv: Sequence[str]) -> str:
    try:
        return subprocess.run(argv, capture_output=True, text=True, check=False).stdout.strip()
    except OSError:
        return "?"


def machine() -> str:
    """nproc, CPU model and memory, read from the system itself, and the load average:
    other work on the machine shows in the wall times (CPU times are steadier)."""
    cpuinfo = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").exists() else ""
    model = next((line.split(":", 1)[1].strip() for line in cpuinfo.splitlines() if line.startswith("model name")),
                 platform.processor() or "?")
    meminfo = Path("/proc/meminfo").read_text() if Path("/proc/meminfo").exists() else ""
    kib = next((int(line.split()[1]) for line in meminfo.splitlines() if line.startswith("MemTotal:")), 0)
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return (f"{len(os.sched_getaffinity(0))} CPUs (nproc), {model}, {kib / 2**20:.1f} GiB memory; "
            f"load average {load} at the end of the run")


def source_state() -> str:
    """The ikescope source measured: the commit, and a digest of uncommitted changes to
    src/ (the package is often installed in editable mode, so edits made while the
    benchmark runs are measured too)."""
    root = str(HERE.parent)
    commit = command_output(["git", "-C", root, "rev-parse", "--short", "HEAD"]) or "?"
    diff = command_output(["git", "-C", root, "diff", "HEAD", "--", "src"])
    return f"{commit} + uncommitted {hashlib.sha256(diff.encode()).hexdigest()[:8]}" if diff else commit


def versions(tools: Tools, source_before: str) -> str:
    ikescope = command_output([tools.ikescope, "--version"]) or "?"
    source = source_state()
    if source != source_before:
        source = f"{source_before} at the start, {source} at the end: the source changed during the run"
    tshark = command_output(["tshark", "-v"]).splitlines()
    return (f"{ikescope} (git {source}), {tshark[0] if tshark else 'tshark ?'}, scapy {metadata.version('scapy')}, "
            f"Python {platform.python_version()}")


def report(results: Sequence[Result], described: dict[str, dict[str, Any]], tools: Tools,
           args: argparse.Namespace, prefix_group: str, source_before: str) -> str:
    runs = max(r.runs for r in results)
    command = " ".join(["python benchmarks/compare.py", *args.argv])
    return "\n\n".join([
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC with `{command}`, medians of {runs} run(s).",
        f"- machine: {machine()}\n- versions: {versions(tools, source_before)}",
        captures_list(described),
        results_table(results),
        checks_table(results, tools.formats, prefix_group),
    ])


def write_readme(text: str) -> None:
    """Replace what stands between the results markers of benchmarks/README.md."""
    readme = README.read_text()
    start, end = readme.find(BEGIN), readme.find(END)
    if start < 0 or end < start:
        raise SystemExit(f"{README} has no {BEGIN} ... {END} section")
    README.write_text(readme[: start + len(BEGIN)] + "\n" + text + "\n" + readme[end:])


# -- command line --------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__.split("\n\n", 1)[1])
    parser.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "ikescope-bench")
    parser.add_argument("--only", action="append", choices=KINDS, help="a capture kind to measure (repeatable)")
    parser.add_argument("--repeats", type=int, help="runs of each command (default 3, 1 with --quick)")
    parser.add_argument("--quick", action="store_true",
                        help="small sizes: 20,000 messages, 100,000 frames, 10,000 flood SPIs, 1 repeat")
    parser.add_argument("--messages", type=int, help="IKE messages of the ike-only capture (default 200,000)")
    parser.add_argument("--frames", type=int, help="frames of the gateway capture (default 1,000,000)")
    parser.add_argument("--ike-share", type=float, default=0.02, help="IKE share of the gateway capture")
    parser.add_argument("--flood-spis", type=int, help="SPIs of the flood capture (default 300,000)")
    parser.add_argument("--formats", default=",".join(FORMATS), help="ikescope output formats, comma-separated")
    parser.add_argument("--jobs-formats", default="json",
                        help="formats also timed with --jobs 1, when ikescope analyze has --jobs")
    parser.add_argument("--no-tshark", action="store_true")
    parser.add_argument("--no-scapy", action="store_true")
    parser.add_argument("--scapy-fraction", type=float, default=0.1,
                        help="scapy reads only this first part of each capture, its time compared per message "
                             "(1: the whole capture)")
    parser.add_argument("--ikescope", default=shutil.which("ikescope", path=str(Path(sys.executable).parent))
                        or shutil.which("ikescope"), help="the ikescope executable")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--write-readme", action="store_true", help=f"put the results into {README}")
    args = parser.parse_args(argv)
    args.argv = list(sys.argv[1:] if argv is None else argv)
    args.only = args.only or list(KINDS)
    args.only = [k for k in KINDS if k in args.only]
    args.repeats = args.repeats or (1 if args.quick else 3)
    args.messages = args.messages or (20_000 if args.quick else 200_000)
    args.frames = args.frames or (100_000 if args.quick else 1_000_000)
    args.flood_spis = args.flood_spis or (10_000 if args.quick else 300_000)
    if not args.ikescope:
        raise SystemExit("ikescope not found: give --ikescope")
    formats = tuple(f for f in args.formats.split(",") if f)
    if unknown := set(formats) - set(FORMATS):
        raise SystemExit(f"unknown format(s): {', '.join(sorted(unknown))}")
    has_jobs = "--jobs" in command_output([args.ikescope, "analyze", "--help"])
    tools = Tools(args.ikescope, sys.executable, formats,
                  tuple(f for f in args.jobs_formats.split(",") if f in formats) if has_jobs else (),
                  not args.no_tshark and shutil.which("tshark") is not None, not args.no_scapy)
    if not has_jobs:
        print("ikescope analyze has no --jobs option yet: timing the default only", file=sys.stderr)

    workdir = Workdir(args.workdir, args.seed)
    jobs, described = plan(args, tools, workdir)
    source_before = source_state()
    results = run_all(jobs, args.repeats)
    text = report(results, described, tools, args, f"ike-only first {args.messages // PREFIX_DIVISOR:,}",
                  source_before)
    print(text)
    if args.write_readme:
        write_readme(text)
        print(f"\nwritten to {README}", file=sys.stderr)


if __name__ == "__main__":
    main()
