"""The command line: parse options, call ``api``, print, set the exit status.

This is the only module that writes to the terminal or decides an exit code.
Known failures (``IkescopeError``: a missing file, a file that is not a
capture, a bad --expect value) become one line on stderr and status 2. Any
other exception is a defect in ikescope: one line names it as such, with its
type and place, and the status is 70 (EX_SOFTWARE), so a crash is never read
as a finding or as bad input; IKESCOPE_TRACEBACK=1 adds the traceback.
A file that cannot be read among several does not stop the others: they are
reported, then one line per unreadable file, then status 2.
"""

from __future__ import annotations

import contextlib
import os
import sys
import traceback
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import click

from . import __version__, api
from .crypto.keys import KeyStore, load_key_files, wireshark_tables
from .diagnose import expect
from .diagnose.context import DiagnoseSettings
from .errors import CaptureError, IkescopeError, WorkerCrash, where_raised
from .report import ladder as laddermod
from .report import messages as msgview
from .report import sas as sasview
from .report import stream
from .model import Frame, NetEvent, Problem, Tick
from .report.model import InputEnded, InputFailed, InputRecord, InputStarted
from .report.redact import Redactor
from .track.tracker import TrackerSettings

EXIT_FINDINGS = 1
EXIT_USAGE = 2
EXIT_INTERNAL = 70  # EX_SOFTWARE in sysexits.h: an internal software error
# Files smaller than this are read too fast for a progress bar to help.
PROGRESS_MIN_BYTES = 32 * 1024 * 1024

# A directory or a device is refused when opened, in one line (click's check would print four).
FILES = click.argument("files", nargs=-1, required=True, type=click.Path(path_type=str))
REDACT = click.option("--redact", is_flag=True,
                      help="Replace addresses, identities, SPIs and vendor-private data with placeholders.")
LADDER = click.option("--ladder", is_flag=True, help="Draw each IKE SA as a sequence diagram.")
NOTATION = click.option("--notation", type=click.Choice(laddermod.NOTATIONS), default="ikescope", show_default=True,
                        help="How ladders name each message: ikescope's own labels, or charon's, as strongSwan "
                             "logs it ('IKE_AUTH response 1 [ N(AUTH_FAILED) ]').")
KEYS = click.option("--keys", "key_files", multiple=True, metavar="FILE",
                    help="A Wireshark ikev1_decryption_table or ikev2_decryption_table (strongSwan's save-keys "
                         "plugin writes them), a tcpdump -E secrets file with ikev2 lines, or a libreswan log "
                         "with its key lines (plutodebug=private), to decrypt with; repeatable.")


def _keys(key_files: tuple[str, ...]) -> KeyStore | None:
    """The key store from --keys, with each unusable line reported on stderr (the keys never are)."""
    if not key_files:
        return None
    store = load_key_files(key_files)
    for p in store.problems:
        click.echo(f"ikescope: {p.detail}", err=True)
    return store


def _internal_error(exc: Exception) -> str:
    """The one line for an exception nothing expected: named as ikescope's defect, with where it was
    raised, and never its message, which may quote the capture or the keys."""
    what = str(exc) if isinstance(exc, WorkerCrash) else f"{type(exc).__name__} at {where_raised(exc)}"
    return (f"ikescope: internal error: {what}; this is a defect in ikescope {__version__}, not a finding "
            "about the input: please report it to the ikescope maintainers with this line and the command line "
            "(IKESCOPE_TRACEBACK=1 prints the traceback)")


# Exceptions main() turns into a status of their own: usage errors, Ctrl-C, a closed pipe.
_PASSED_ON = (click.exceptions.ClickException, click.exceptions.Abort, click.exceptions.Exit, BrokenPipeError)


class _Commands(click.Group):
    """The command group: a known failure of any command becomes its one line and status 2, anything
    else an internal error, so the console script and an embedding ``CliRunner`` behave alike."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except IkescopeError as exc:
            click.echo(f"ikescope: {exc}", err=True)
            sys.exit(EXIT_USAGE)
        except _PASSED_ON:
            raise
        except Exception as exc:
            if os.environ.get("IKESCOPE_TRACEBACK"):
                traceback.print_exc(file=sys.stderr)
            click.echo(_internal_error(exc), err=True)
            sys.exit(EXIT_INTERNAL)


@click.group(cls=_Commands, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="ikescope")
def cli() -> None:
    """Explain IKE/ISAKMP negotiations found in packet captures."""


def _colour() -> bool:
    return sys.stdout.isatty() and "NO_COLOR" not in os.environ


_STYLES = (("ERROR", "bold red"), ("WARN", "yellow"), ("INFO", "cyan"), ("  SA ", "bold"), ("Findings", "bold"))


def _write_text(text: str) -> None:
    """Plain text, coloured by line prefix when stdout is a terminal."""
    if not _colour():
        sys.stdout.write(text)
        return
    _coloured_write(text)


def _coloured_write(text: str) -> None:
    """Whole lines of a text report, coloured by their prefix."""
    from rich.console import Console
    from rich.text import Text

    console = Console(highlight=False, soft_wrap=True)
    for line in text.splitlines():
        style = next((st for prefix, st in _STYLES if line.startswith(prefix)), None)
        if "FAILED" in line:
            style = "red"
        console.print(Text(line, style=style or ""))


def _progress_hook() -> tuple[Callable[[str, int, int | None], None] | None, Callable[[], None]]:
    """A rich progress bar on stderr for long files, only when stderr is a terminal."""
    if not sys.stderr.isatty():
        return None, lambda: None
    from rich.console import Console
    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn

    bar = Progress(TextColumn("{task.description}"), BarColumn(), DownloadColumn(), TimeRemainingColumn(),
                   console=Console(stderr=True), transient=True)
    tasks: dict[str, Any] = {}

    def hook(path: str, done: int, size: int | None) -> None:
        if size is None or size < PROGRESS_MIN_BYTES:
            return
        if path not in tasks:
            if not tasks:
                bar.start()
            tasks[path] = bar.add_task(os.path.basename(path), total=size)
        bar.update(tasks[path], completed=done)

    return hook, bar.stop


@cli.command()
@FILES
@click.option("--format", "fmt", type=click.Choice(["text", "markdown", "html", "json", "jsonl"]), default="text",
              show_default=True,
              help="Output format; html writes one page that needs no network to view, with a drawing of each IKE SA.")
@REDACT
@LADDER
@NOTATION
@KEYS
@click.option("--no-audit", is_flag=True,
              help="Leave out remarks on weak algorithms of negotiations that worked.")
@click.option("--all", "everything", is_flag=True,
              help="List every IKE SA and finding, also in large captures (text, markdown and html).")
@click.option("--fail-on", type=click.Choice(["error", "warning", "never"]), default="error", show_default=True,
              help="Exit with status 1 when a finding of this severity (or worse) is reported.")
@click.option("--expect-ike", default=None, metavar="PROPOSALS",
              help="The local IKE proposals in strongSwan syntax, e.g. aes256-sha256-modp2048.")
@click.option("--expect-esp", default=None, metavar="PROPOSALS",
              help="The local ESP proposals in strongSwan syntax, e.g. aes256gcm16-modp2048.")
@click.option("--idle-timeout", type=click.FloatRange(1, None), default=600.0, show_default=True, metavar="S",
              help="Seconds of quiet after which an IKE SA is concluded; a shorter time holds fewer SAs in memory "
                   "on a busy link, but a tunnel quiet for longer is then shown as two SAs.")
@click.option("--jobs", "-j", type=click.IntRange(1, 256), default=None, metavar="N",
              help="Processes to spread each capture over, by pairs of peers (default: the machine's cores, "
                   "for captures of 8 MiB or more).")
@click.option("--rotated", is_flag=True,
              help="FILES are pieces of one rotated capture (those of each directory): read them as one, "
                   "in the order of their first frames, frames numbered across the pieces.")
@click.option("--points/--separate", default=None,
              help="Two FILES are captures of the same negotiations at two points of their path (both gateways, "
                   "both sides of a NAT): analyse them as one and show what became of each message between the "
                   "points. Default: decided from the data (the same IKE messages in both).")
def analyze(files: tuple[str, ...], fmt: str, redact: bool, ladder: bool, notation: str, key_files: tuple[str, ...],
            no_audit: bool, everything: bool, fail_on: str, expect_ike: str | None,
            expect_esp: str | None, idle_timeout: float, jobs: int | None, rotated: bool,
            points: bool | None) -> None:
    """Explain why the IKE negotiations in FILES failed (or that they did not)."""
    if points and (rotated or len(files) != 2):
        raise click.UsageError("--points takes exactly two files (and no --rotated)")
    if points is None and not rotated and len(files) == 2:
        points = api.two_points(files)  # decided once, for the names and the run
    diag = DiagnoseSettings(expect_ike=expect.parse(expect_ike, "ike") if expect_ike else (),
                            expect_esp=expect.parse(expect_esp, "esp") if expect_esp else (),
                            audit=not no_audit)
    keys = _keys(key_files)
    options: dict[str, Any] = {"redactor": Redactor() if redact else None, "ladder": ladder,
                               "paths": api.input_names(files, rotated, points)}
    if fmt in ("text", "markdown", "html"):
        options["everything"] = everything
    if fmt == "jsonl":
        options["flush"] = sys.stdout.flush
    out = stream.FORMATS[fmt](_coloured_write if fmt == "text" and _colour() else sys.stdout.write, **options)
    out.notation = notation
    hook, stop = _progress_hook()
    unreadable: list[str] = []
    try:
        for event in api.run(files, api.Settings(tracker=TrackerSettings(idle_timeout=idle_timeout, charon=notation == "charon"), diagnose=diag, keys=keys),
                             progress=hook, jobs=jobs,
                             ladder=out.ladder_fn, keep_going=True, rotated=rotated, points=points):
            out.feed(event)
            if isinstance(event, InputFailed):
                unreadable.append(event.record.error or event.record.path)
            if isinstance(event, InputEnded) and event.record.truncated:
                rec = event.record
                click.echo(f"ikescope: {rec.path}: {rec.truncated_detail or 'the file is cut short'}; "
                           "analysed up to the cut", err=True)
    finally:
        stop()
    out.close()
    if keys is not None and (note := out.keys_note()):
        click.echo(f"ikescope: {note}", err=True)
    _unreadable_exit(unreadable)
    counts = out.summary.findings
    if (fail_on == "error" and counts["error"]) or (fail_on == "warning" and (counts["error"] or counts["warning"])):
        sys.exit(EXIT_FINDINGS)


def _unreadable_exit(errors: list[str]) -> None:
    """After the report of the readable files: one line per unreadable one, and status 2."""
    for error in errors:
        click.echo(f"ikescope: {error}", err=True)
    if errors:
        sys.exit(EXIT_USAGE)


def _open_runs(files: tuple[str, ...], keys: KeyStore | None, fragments: bool = False
               ) -> tuple[list[api.DecodeRun], list[str]]:
    """Every file opened before any output; the unreadable ones give their error instead."""
    runs, errors = [], []
    for f in files:
        try:
            runs.append(api.decode_file(f, keys, fragments=fragments))
        except CaptureError as e:
            errors.append(str(e))
    return runs, errors


@cli.command()
@click.argument("paths", nargs=-1, required=True)
@click.option("--group", "pattern", default=None, metavar="REGEX",
              help="Take the capture point from the file name (its group 'point', else its first group) instead "
                   "of the directory, e.g. '^(gw\\d+)-'.")
@click.option("--scheduler", default=None, metavar="ADDRESS",
              help="An existing Dask cluster to work on, e.g. tcp://10.0.0.5:8786 (default: a cluster on this "
                   "machine).")
@click.option("--workers", type=click.IntRange(0, 1024), default=None, metavar="N",
              help="Worker processes of the cluster on this machine (default: its cores; 0: no Dask, one "
                   "capture point after the other in this process).")
@click.option("--format", "fmt", type=click.Choice(["text", "markdown", "json", "jsonl"]), default="text",
              show_default=True, help="Output format; jsonl writes every IKE SA and finding, then the summary.")
@click.option("--jsonl", "jsonl_file", type=click.File("w"), default=None, metavar="FILE",
              help="Also write every IKE SA and finding to FILE as JSONL, as each capture point is done.")
@KEYS
@click.option("--no-audit", is_flag=True, help="Leave out remarks on weak algorithms of negotiations that worked.")
@click.option("--fail-on", type=click.Choice(["error", "warning", "never"]), default="error", show_default=True,
              help="Exit with status 1 when a finding of this severity (or worse) is reported.")
@click.option("--expect-ike", default=None, metavar="PROPOSALS", help="The local IKE proposals (strongSwan syntax).")
@click.option("--expect-esp", default=None, metavar="PROPOSALS", help="The local ESP proposals (strongSwan syntax).")
@click.option("--idle-timeout", type=click.FloatRange(1, None), default=600.0, show_default=True, metavar="S",
              help="Seconds of quiet after which an IKE SA is concluded.")
def fleet(paths: tuple[str, ...], pattern: str | None, scheduler: str | None, workers: int | None, fmt: str,
          jsonl_file: Any, key_files: tuple[str, ...], no_audit: bool, fail_on: str, expect_ike: str | None,
          expect_esp: str | None, idle_timeout: float) -> None:
    """Analyse the rotated captures of many gateways (files, directories, globs in PATHS): one
    sequence per capture point, spread over a Dask cluster, one fleet summary."""
    from . import fleet as fleetrun
    from .report import fleet as fleetreport

    diag = DiagnoseSettings(expect_ike=expect.parse(expect_ike, "ike") if expect_ike else (),
                            expect_esp=expect.parse(expect_esp, "esp") if expect_esp else (), audit=not no_audit)
    settings = api.Settings(tracker=TrackerSettings(idle_timeout=idle_timeout), diagnose=diag, keys=_keys(key_files))
    work = fleetrun.plan(paths, pattern)
    if work.skipped:
        click.echo(f"ikescope: {len(work.skipped)} files are no captures and were left out, e.g. {work.skipped[0]}",
                   err=True)
    if not work.sequences:
        for error in work.errors:
            click.echo(f"ikescope: {error}", err=True)
        raise IkescopeError(f"no capture file in {', '.join(paths)}")
    summary = fleetreport.Fleet()
    lines = fmt == "jsonl" or jsonl_file is not None
    tick, stop = _fleet_progress(len(work.sequences))
    try:
        # closing: the cluster stops when the loop ends, also on an error or Ctrl-C, not when the
        # traceback that holds the generator is freed.
        with contextlib.closing(fleetrun.run(work.sequences, settings, lines, workers, scheduler)) as units:
            for unit in units:
                for sink in ([sys.stdout] if fmt == "jsonl" else []) + ([jsonl_file] if jsonl_file else []):
                    for text in unit.lines():
                        sink.write(text)
                    sink.flush()
                summary.add(unit.gateway, unit.record)
                tick(unit.name)
    finally:
        stop()
    doc = summary.to_dict()
    (_write_text if fmt == "text" else sys.stdout.write)(fleetreport.render(doc, fmt))
    for error in work.errors + summary.errors:
        click.echo(f"ikescope: {error}", err=True)
    if work.errors or summary.errors:
        sys.exit(EXIT_USAGE)
    counts = doc["totals"]["findings"]
    if (fail_on == "error" and counts["error"]) or (fail_on == "warning" and (counts["error"] or counts["warning"])):
        sys.exit(EXIT_FINDINGS)


def _fleet_progress(total: int) -> tuple[Callable[[str], None], Callable[[], None]]:
    """Capture points done over the fleet, on stderr, only when stderr is a terminal."""
    if not sys.stderr.isatty():
        return lambda name: None, lambda: None
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    bar = Progress(TextColumn("capture points"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                   TextColumn("{task.description}"), console=Console(stderr=True), transient=True)
    task = bar.add_task("", total=total)
    bar.start()
    return (lambda name: bar.update(task, advance=1, description=f"last done: {name}")), bar.stop


@cli.command()
@FILES
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="Output format.")
@REDACT
@LADDER
@NOTATION
@KEYS
def sas(files: tuple[str, ...], fmt: str, redact: bool, ladder: bool, notation: str,
        key_files: tuple[str, ...]) -> None:
    """List the IKE SAs in FILES: peers, exchanges, proposals, outcome."""
    keys = _keys(key_files)
    runs, errors = _open_runs(files, keys)
    r = Redactor() if redact else None

    def records(run: api.DecodeRun) -> Iterator[tuple[dict[str, Any], list[str]]]:
        """Each SA as it closes, then dropped: a long capture never sits in memory."""
        for sa in api.track(run, TrackerSettings(charon=ladder and notation == "charon")):
            d, lines = sasview.sa_dict(sa), laddermod.render_ladder(sa, notation) if ladder else []
            if r is not None:
                d, lines = r.doc(d), [r.text(line) for line in lines]
            yield d, lines

    if fmt == "json" and runs:
        docs = ((run.path, (d for d, _ in records(run)), run.info) for run in runs)
        for chunk in msgview.render_json(docs, key="sas"):
            sys.stdout.write(chunk)
    elif fmt == "text":
        for run in runs:
            if len(files) > 1:
                _write_text(f"== {run.path}\n")
            for d, lines in records(run):
                _write_text("\n".join(sasview.render_text([d], {d["id"]: lines})) + "\n")
    _unreadable_exit(errors)


@cli.command()
@FILES
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="Output format.")
@REDACT
@KEYS
def decode(files: tuple[str, ...], fmt: str, redact: bool, key_files: tuple[str, ...]) -> None:
    """Print every IKE message in FILES with its payloads."""
    keys = _keys(key_files)
    runs, errors = _open_runs(files, keys, fragments=True)
    r = Redactor() if redact else None

    def records(run: api.DecodeRun) -> Iterator[dict[str, Any]]:
        for dg, dec in run:
            d = msgview.message_dict(dg, dec)
            yield r.doc(d) if r is not None else d

    out = sys.stdout
    if fmt == "json" and runs:
        for chunk in msgview.render_json((run.path, records(run), run.info) for run in runs):
            out.write(chunk)
    elif fmt == "text":
        for run in runs:
            if len(files) > 1:
                out.write(f"== {run.path}\n")
            _write_lines(msgview.render_text(records(run)))
            info = run.info()
            out.write(f"-- {info['ike_messages']} IKE messages in {info['frames']} frames\n")
            if info["truncated"]:
                click.echo(f"ikescope: {run.path}: {info['truncated_detail']}", err=True)
    _unreadable_exit(errors)


def _write_lines(lines: Iterable[str]) -> None:
    for line in lines:
        sys.stdout.write(line + "\n")


@cli.command()
@click.option("-i", "--interface", "iface", required=True, metavar="IFACE", help="The interface to capture on.")
@click.option("-f", "--filter", "bpf", default=None, metavar="BPF",
              help="A BPF expression to capture with instead of the default (IKE on UDP 500 and 4500 without ESP, "
                   "IKE over TCP, IP fragments, ICMP errors).")
@click.option("--format", "fmt", type=click.Choice(["text", "jsonl"]), default="text", show_default=True,
              help="Output format; jsonl is flushed line by line for log pipelines.")
@REDACT
@LADDER
@NOTATION
@KEYS
@click.option("-w", "write_file", default=None, metavar="FILE",
              help="Also write the captured packets to FILE (pcap), so the frame numbers open in Wireshark.")
@click.option("-C", "rotate_mb", type=click.IntRange(1, None), default=None, metavar="MB",
              help="With -w: start a new file after this many megabytes (FILE0, FILE1, ...).")
@click.option("-W", "rotate_count", type=click.IntRange(1, None), default=None, metavar="N",
              help="With -C: keep N files, overwriting the oldest.")
@click.option("--duration", type=click.FloatRange(0, None, min_open=True), default=None, metavar="S",
              help="Stop after S seconds.")
@click.option("--count", type=click.IntRange(1, None), default=None, metavar="N", help="Stop after N packets.")
@click.option("--silence", type=click.FloatRange(1, None), default=30.0, show_default=True, metavar="S",
              help="Report a negotiation that has not come up after S seconds without a packet.")
@click.option("--idle-timeout", type=click.FloatRange(1, None), default=600.0, show_default=True, metavar="S",
              help="Seconds of quiet after which a tunnel that came up is concluded.")
@click.option("--status-every", type=click.FloatRange(0, None), default=60.0, show_default=True, metavar="S",
              help="A one-line status on stderr every S seconds (0: never).")
@click.option("--fail-on", type=click.Choice(["error", "warning", "never"]), default="error", show_default=True,
              help="Exit with status 1 when a finding of this severity (or worse) was reported.")
def live(iface: str, bpf: str | None, fmt: str, redact: bool, ladder: bool, notation: str,
         key_files: tuple[str, ...], write_file: str | None,
         rotate_mb: int | None, rotate_count: int | None, duration: float | None, count: int | None,
         silence: float, idle_timeout: float, status_every: float, fail_on: str) -> None:
    """Capture IKE on IFACE and report each negotiation as it ends; a summary on Ctrl-C."""
    import signal
    import time

    from .capture.live import LiveCapture, PcapWriter

    keys = _keys(key_files)
    capture = LiveCapture(iface, bpf)
    writer = (PcapWriter(write_file, capture.linktype, rotate_mb * 1_000_000 if rotate_mb else None, rotate_count)
              if write_file else None)
    settings = api.Settings(tracker=TrackerSettings(idle_timeout=idle_timeout, silence=silence, final_linger=2.0,
                                                                 charon=notation == "charon"),
                            keys=keys)
    record = InputRecord(path=iface)
    pipe = api.Pipeline(settings, 0, record)
    options: dict[str, Any] = {"redactor": Redactor() if redact else None, "ladder": ladder}
    if fmt == "jsonl":
        options["flush"] = sys.stdout.flush
    else:
        options["at_once"] = True
    write = _coloured_write if fmt == "text" and _colour() else sys.stdout.write
    out = stream.FORMATS[fmt](write, **options)
    out.notation = notation
    stopping: list[int] = []

    def stop(signum: int, _frame: Any) -> None:
        stopping.append(signum)

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    started = time.time()
    next_status = started + status_every if status_every else float("inf")
    dropped = 0
    last_frame = 0

    def check_drops(now: float) -> None:
        nonlocal dropped
        _, total = capture.stats()
        if total > dropped:
            problem = Problem("capture.kernel_drops", f"the kernel dropped {total - dropped} packet(s) of the "
                              f"capture ({total} in all); silence seen around this time may be drops",
                              length=total - dropped)
            dropped = total
            for event in pipe.net_event(NetEvent(kind="problem", frame=last_frame, ts=now, problem=problem)):
                out.feed(event)

    out.feed(InputStarted(0, iface))
    if fmt == "text":
        click.echo(f"ikescope: capturing on {iface}; Ctrl-C for the summary", err=True)
    try:
        for item in capture:
            if isinstance(item, Frame):
                last_frame = item.index
                if writer is not None:
                    writer.write(item)
            for event in pipe.feed(item):
                out.feed(event)
            now = item.ts
            if isinstance(item, Tick):
                check_drops(now)
                if writer is not None:
                    writer.flush()
            if now >= next_status:
                next_status = now + status_every
                t = out.summary.totals()
                click.echo(f"ikescope: {time.strftime('%H:%M:%S')} {record.frames} packets, {record.ike_messages} "
                           f"IKE messages, {pipe.open_sas} IKE SAs open, {t['sas']} closed, "
                           f"{t['findings']['error']} errors, {t['findings']['warning']} warnings, "
                           f"{capture.dropped} dropped by the kernel", err=True)
            if stopping or (duration is not None and time.time() - started >= duration) \
                    or (count is not None and record.frames >= count):
                break
    finally:
        capture.close()
        if writer is not None:
            writer.close()
    check_drops(time.time())
    for event in pipe.finish():
        out.feed(event)
    out.feed(InputEnded(0, record))
    out.close()
    counts = out.summary.findings
    if fmt == "text":
        click.echo(f"ikescope: {record.frames} packets, {record.ike_messages} IKE messages, "
                   f"{out.summary.sas} IKE SAs, {capture.dropped} dropped by the kernel", err=True)
    if (fail_on == "error" and counts["error"]) or (fail_on == "warning" and (counts["error"] or counts["warning"])):
        sys.exit(EXIT_FINDINGS)


@cli.group()
def keys() -> None:
    """Key files: Wireshark's tables from tcpdump's secrets lines and libreswan's logged keys."""


@keys.command("convert")
@click.argument("inputs", nargs=-1, required=True, metavar="IN...")
@click.option("-o", "--output", "out_dir", default=None, metavar="DIR",
              help="Write DIR/ikev1_decryption_table and DIR/ikev2_decryption_table, Wireshark's own file names "
                   "(its configuration directory takes them as they are); keys already in them are kept. "
                   "Without it the table goes to standard output, when the keys are of one IKE version.")
def keys_convert(inputs: tuple[str, ...], out_dir: str | None) -> None:
    """Write the keys of IN (any format --keys reads) as Wireshark decryption tables."""
    if out_dir is None:
        tables = wireshark_tables(_keys(inputs) or KeyStore())
        kinds = [k for k, rows in tables.items() if rows]
        if len(kinds) > 1:
            raise click.UsageError("the keys are for IKEv1 and IKEv2 SAs, which Wireshark keeps in two tables: "
                                   "name a directory for them with -o")
        _write_lines(tables[kinds[0]] if kinds else [])
        return
    folder = Path(out_dir)
    if not folder.is_dir():
        raise click.UsageError(f"-o {out_dir}: not a directory")
    existing = [str(folder / f"{kind}_decryption_table") for kind in ("ikev1", "ikev2")
                if (folder / f"{kind}_decryption_table").exists()]
    store = _keys((*existing, *inputs)) or KeyStore()
    if any(p.detail.startswith(tuple(existing)) for p in store.problems):
        raise click.ClickException("the tables already in the directory have lines ikescope cannot read; "
                                   "they are left as they are")
    for kind, rows in wireshark_tables(store).items():
        if rows:
            target = folder / f"{kind}_decryption_table"
            part = target.with_name(target.name + ".part")
            # key material: readable by its owner only, and never a half-written table
            fd = os.open(part, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w") as f:
                f.write("\n".join(rows) + "\n")
            os.replace(part, target)
            click.echo(f"ikescope: {target}: {len(rows)} IKE SAs", err=True)


def main() -> None:
    try:
        cli.main(prog_name="ikescope", standalone_mode=False)
    except click.exceptions.Abort:
        sys.exit(130)
    except click.ClickException as e:
        e.show()
        sys.exit(EXIT_USAGE if e.exit_code == 2 else e.exit_code)
    except BrokenPipeError:
        sys.exit(0)
