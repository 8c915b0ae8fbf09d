"""`python -m lab all | list | relabel | score | NAME...`: regenerate lab captures into pcaps/.

`score` compares ikescope's diagnosis of the captures with their labels (no root needed).

`relabel` rewrites labels.json and README.md from the captures already there, for a change
to a scenario's expectation or wording: new captures would change every byte (SPIs,
nonces) and with them every output compared against these files elsewhere.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import time
from pathlib import Path

from lab import labels
from lab.netns import LabError
from lab.runner import label_existing, run_scenario
from lab.scenarios import BY_NAME, SCENARIOS

REPO = Path(__file__).resolve().parent.parent


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m lab", description=__doc__)
    parser.add_argument("names", nargs="+", help="scenario names, 'all', 'list', 'relabel' or 'score'")
    parser.add_argument("--out", type=Path, default=REPO / "pcaps",
                        help="where captures, keys, logs and labels go (default: pcaps/)")
    parser.add_argument("--work", type=Path, default=REPO / "lab" / "work",
                        help="scratch directory for daemon configs and raw logs")
    args = parser.parse_args(argv)
    if args.names == ["list"]:
        for s in SCENARIOS:
            print(f"{s.name:40} {s.summary}")
        return 0
    if args.names == ["relabel"]:
        return relabel(args.out)
    if args.names == ["score"]:
        from lab.score import render
        print(render(args.out), end="")
        return 0
    names = [s.name for s in SCENARIOS] if args.names == ["all"] else args.names
    unknown = [n for n in names if n not in BY_NAME]
    if unknown:
        parser.error(f"unknown scenario(s): {', '.join(unknown)} (try 'list')")
    if os.geteuid() != 0:
        parser.error("needs root: it creates network namespaces and runs IKE daemons")
    for tool in ("/usr/lib/ipsec/charon", "swanctl", "tcpdump", "tshark", "gcc"):
        if shutil.which(tool) is None:
            parser.error(f"{tool} not found (see .ci/run for the Debian packages)")
    failed = []
    total = time.monotonic()
    for name in names:
        t0 = time.monotonic()
        try:
            label = run_scenario(BY_NAME[name], args.out, args.work)
        except LabError as exc:
            failed.append(name)
            print(f"FAIL {name}: {exc}", file=sys.stderr)
            continue
        labels.update(args.out, label)
        print(f"ok   {name} ({time.monotonic() - t0:.1f}s, {label['ike_sa_count']} IKE SA)")
    if args.names == ["all"]:
        for path in labels.prune(args.out):
            print(f"removed {path.name} (no such scenario any more)")
    labels.write_readme(args.out)
    print(f"{len(names) - len(failed)} of {len(names)} scenarios captured in "
          f"{time.monotonic() - total:.0f}s" + (f"; failed: {', '.join(failed)}" if failed else ""))
    return 1 if failed else 0


def relabel(out: Path) -> int:
    """Label the existing captures again; a capture that no longer fits its scenario fails."""
    old = {c["name"]: c for c in labels.load(out)["captures"]}
    failed = []
    for sc in SCENARIOS:
        if sc.name not in old:
            continue
        try:
            label = label_existing(sc, out, old[sc.name])
        except LabError as exc:
            failed.append(sc.name)
            print(f"FAIL {sc.name}: {exc}", file=sys.stderr)
            continue
        labels.update(out, label)
    labels.write_readme(out)
    print(f"{len(old) - len(failed)} labels rewritten" +
          (f"; failed: {', '.join(failed)}" if failed else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
