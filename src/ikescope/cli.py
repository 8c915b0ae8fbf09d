"""The command line: parse options, call ``api``, print, set the exit status.

This is the only module that writes to the terminal or decides an exit code.
Known failures (``IkescopeError``: a missing file, a file that is not a
capture) become one line on stderr and status 2; nothing else is caught, so a
real bug still shows its traceback to whoever reports it.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from typing import Any

import click

from . import __version__, api
from .errors import IkescopeError
from .report import messages as msgview
from .report import sas as sasview
from .report import text as textreport
from .diagnose import expect
from .diagnose.context import DiagnoseSettings

EXIT_FINDINGS = 1
EXIT_USAGE = 2


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="ikescope")
def cli() -> None:
    """Explain IKE/ISAKMP negotiations found in packet captures."""


@cli.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=str))
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="Output format.")
def decode(files: tuple[str, ...], fmt: str) -> None:
    """Print every IKE message in FILES with its payloads."""
    runs = [api.decode_file(f) for f in files]  # opens every file first: a bad name fails before output

    def records(run: api.DecodeRun) -> Iterator[dict[str, Any]]:
        for dg, dec in run:
            yield msgview.message_dict(dg, dec)

    out = sys.stdout
    if fmt == "json":
        for chunk in msgview.render_json((r.path, records(r), r.info) for r in runs):
            out.write(chunk)
        return
    for run in runs:
        if len(runs) > 1:
            out.write(f"== {run.path}\n")
        for line in msgview.render_text(records(run)):
            out.write(line + "\n")
        info = run.info()
        out.write(f"-- {info['ike_messages']} IKE messages in {info['frames']} frames\n")
        if info["truncated"]:
            click.echo(f"ikescope: {run.path}: {info['truncated_detail']}", err=True)


@cli.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=str))
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="Output format.")
@click.option("--ladder", is_flag=True, help="Draw each SA as a sequence diagram.")
def sas(files: tuple[str, ...], fmt: str, ladder: bool) -> None:
    """List the IKE SAs in FILES: peers, exchanges, proposals, outcome."""
    runs = [api.decode_file(f) for f in files]
    out = sys.stdout
    if fmt == "json":
        doc = {"schema_version": 1,
               "files": [{"path": r.path, "sas": [sasview.sa_dict(sa) for sa in api.track(r)], **r.info()}
                         for r in runs]}
        out.write(json.dumps(doc, indent=1) + "\n")
        return
    for run in runs:
        if len(runs) > 1:
            out.write(f"== {run.path}\n")
        for line in sasview.render_text(api.track(run), ladder=ladder):
            out.write(line + "\n")


@cli.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=str))
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="Output format.")
@click.option("--expect-ike", default=None, metavar="PROPOSALS",
              help="The local IKE proposals in strongSwan syntax, e.g. aes256-sha256-modp2048.")
@click.option("--expect-esp", default=None, metavar="PROPOSALS",
              help="The local ESP proposals in strongSwan syntax, e.g. aes256gcm16-modp2048.")
def analyze(files: tuple[str, ...], fmt: str, expect_ike: str | None, expect_esp: str | None) -> None:
    """Explain why the IKE negotiations in FILES failed (or that they did not)."""
    diag = DiagnoseSettings(expect_ike=expect.parse(expect_ike, "ike") if expect_ike else (),
                            expect_esp=expect.parse(expect_esp, "esp") if expect_esp else ())
    report = api.analyze(files, api.Settings(diagnose=diag))
    doc = report.to_dict()
    for inp in doc["inputs"]:
        if inp["truncated"]:
            click.echo(f"ikescope: {inp['path']}: {inp['truncated_detail'] or 'the file is cut short'}", err=True)
    if fmt == "json":
        sys.stdout.write(json.dumps(doc, indent=1) + "\n")
    else:
        sys.stdout.write(textreport.render(doc))
    if doc["totals"]["findings"]["error"]:
        sys.exit(EXIT_FINDINGS)


def main() -> None:
    try:
        cli.main(prog_name="ikescope", standalone_mode=False)
    except click.exceptions.Abort:
        sys.exit(130)
    except click.ClickException as e:
        e.show()
        sys.exit(EXIT_USAGE if e.exit_code == 2 else e.exit_code)
    except IkescopeError as e:
        click.echo(f"ikescope: {e}", err=True)
        sys.exit(EXIT_USAGE)
    except BrokenPipeError:
        sys.exit(0)
