"""``--notation charon`` says each message as strongSwan's charon logs it: every "parsed" and
"generating" line of the lab's daemon logs equals ikescope's notation of a message of its capture."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from helpers import REPO
from ikescope import api
from ikescope.cli import cli
from ikescope.crypto.keys import load_key_files
from ikescope.track.records import MessageRef
from ikescope.track.tracker import TrackerSettings

PCAPS = REPO / "pcaps"
KEYED = sorted(p for p in PCAPS.glob("*.pcap") if list(PCAPS.glob(p.stem + ".ikev*_decryption_table")))
LOGGED = re.compile(r"^(\d\d):(\d\d):(\d\d) .*\[ENC\] (?:<[^>]*> )?(parsed|generating) "
                    r"(\S+ (?:request|response) \d+ \[.*\])$")
SENDING = re.compile(r"sending packet: from (\S+?)\[\d+\] to (\S+?)\[\d+\]")
DAY = 86400


def charon_lines(log: Path) -> tuple[list[tuple[int, str, str]], str, str] | None:
    """(second of the day, verb, message) of every line charon logged for a message, and the host's own
    and its peer's address as it saw them; None for a log of another daemon."""
    text = log.read_text(errors="replace")
    sent = SENDING.search(text)
    if sent is None:
        return None
    found = [m for m in map(LOGGED.search, text.splitlines()) if m]
    lines = [(int(m[1]) * 3600 + int(m[2]) * 60 + int(m[3]), m[4], m[5]) for m in found]
    return lines, sent.group(1), sent.group(2)


def head(line: str) -> str:
    return line.split(" [", 1)[0]


def messages(capture: Path) -> list[MessageRef]:
    keys = load_key_files(sorted(PCAPS.glob(capture.stem + ".ikev*_decryption_table")))
    return [m for sa in api.track(api.decode_file(capture, keys), TrackerSettings(charon=True)) for m in sa.messages]


def unopened(line: str) -> bool:
    """A message whose content the keys did not show: encrypted, or a fragment of a set never completed."""
    return line.endswith(("[ SK ]", "[ E ]")) or re.search(r"\[ EF\(\d+/\d+\) \]$", line) is not None


@pytest.mark.parametrize("capture", KEYED, ids=lambda p: p.stem)
def test_every_logged_message_reads_as_ikescope_says_it(capture: Path) -> None:
    """A logged line's message is the captured one sent the same way within two seconds (the log's
    clock has whole seconds) with the same exchange, role and message ID: charon logs a message
    when it sends or reads it. The two must read alike unless the keys could not open it (an
    answer corrupted on its way, the side of a pre-shared key mismatch whose key is not known, a
    fragment set never completed)."""
    msgs = messages(capture)
    addresses = {a for m in msgs for a in (m.src, m.dst)}
    checked = 0
    for log in sorted(PCAPS.glob(capture.stem + ".*.log")):
        found = charon_lines(log)
        if found is None:
            continue
        lines, own, peer = found

        def sent_here(m: MessageRef) -> bool:  # by this log's host, however NAT rewrote the addresses
            return m.src == own if own in addresses else m.dst == peer

        for second, verb, line in lines:
            near = [ln for m in msgs if sent_here(m) == (verb == "generating")
                    and abs((int(m.ts) % DAY) - second) <= 2 for ln in m.charon if head(ln) == head(line)]
            if not near:  # sent before the capture started, after it stopped, or lost on the way
                continue
            if line not in near and (any(unopened(ln) for ln in near) and not unopened(line)
                                     or "[ EF(" in line):  # content not shown, or a fragment lost on the way
                continue
            assert line in near, f"{log.name}: {verb} {line!r}; ikescope: {near}"
            checked += 1
    assert checked or not any(charon_lines(p) for p in PCAPS.glob(capture.stem + ".*.log"))


def test_the_lab_logs_give_the_notation_much_to_match() -> None:
    """The comparison above covers most logged lines and every kind of IKEv1 and IKEv2 exchange."""
    logged = equal = 0
    heads = set()
    for capture in KEYED:
        said = {ln for m in messages(capture) for ln in m.charon}
        for log in PCAPS.glob(capture.stem + ".*.log"):
            for _, _, line in (charon_lines(log) or ([], "", ""))[0]:
                logged += 1
                if line in said:
                    equal += 1
                    heads.add(line.split(" ")[0])
    assert logged > 700 and equal > 0.8 * logged
    assert {"IKE_SA_INIT", "IKE_AUTH", "CREATE_CHILD_SA", "INFORMATIONAL", "ID_PROT", "AGGRESSIVE", "QUICK_MODE",
            "INFORMATIONAL_V1", "TRANSACTION"} <= heads


def run(*args: str) -> str:
    return CliRunner().invoke(cli, ["analyze", "--fail-on", "never", *args]).output


def test_analyze_prints_the_notation_in_ladders_text_and_markdown() -> None:
    cap = str(PCAPS / "ikev2-psk-mismatch.pcap")
    keys = str(PCAPS / "ikev2-psk-mismatch.ikev2_decryption_table")
    ladder = run("--ladder", "--notation", "charon", "--keys", keys, cap)
    assert "IKE_SA_INIT request 0 [ SA KE No N(NATD_S_IP)" in ladder
    assert "IKE_AUTH response 1 [ N(AUTH_FAILED) ]" in ladder
    assert "IKE_AUTH response 1 [ SK ]" in run("--ladder", "--notation", "charon", cap)
    assert "IKE_AUTH resp 1" in run("--ladder", cap)  # the default stays ikescope's own
    md = run("--format", "markdown", "--ladder", "--notation", "charon", "--keys", keys, cap)
    assert "IKE_AUTH response 1 [ N(AUTH_FAILED) ]" in md


def test_fragments_read_as_charon_logs_them_before_and_after_reassembly() -> None:
    cap = PCAPS / "ikev2-cert-ikefrag-success.pcap"
    lines = [ln for m in messages(cap) for ln in m.charon]
    assert "IKE_AUTH request 1 [ EF(1/2) ]" in lines and "IKE_AUTH request 1 [ EF(2/2) ]" in lines
    whole = lines[lines.index("IKE_AUTH request 1 [ EF(2/2) ]") + 1]
    assert whole.startswith("IKE_AUTH request 1 [ IDi CERT ")


def test_sas_draws_the_same_ladder() -> None:
    cap = str(PCAPS / "ikev1-xauth-failed.pcap")
    keys = str(PCAPS / "ikev1-xauth-failed.ikev1_decryption_table")
    out = CliRunner().invoke(cli, ["sas", "--ladder", "--notation", "charon", "--keys", keys, cap]).output
    # the XAuth server asks, the client answers, as bob's and alice's charon logged it; a long
    # label goes on below its arrow, never splitting a payload's list of attributes
    assert "TRANSACTION request 863209558 [ HASH CPRQ(X_USER X_PWD) ]" in (PCAPS / "ikev1-xauth-failed.bob.log").read_text()
    assert "TRANSACTION request 863209558 [ HASH" in out and "|   CPRQ(X_USER X_PWD) ]  " in out
    assert "TRANSACTION response 863209558 [ HASH" in out and "|   CPRP(X_USER X_PWD) ]  " in out


def test_the_pictures_speak_charon_too() -> None:
    """The Mermaid diagram and the HTML page draw the same ladder model, so the notation reaches both."""
    capture = str(REPO / "pcaps" / "ikev2-psk-mismatch.pcap")
    keys = str(REPO / "pcaps" / "ikev2-psk-mismatch.ikev2_decryption_table")
    for fmt in ("markdown", "html"):
        r = CliRunner().invoke(cli, ["analyze", "--format", fmt, "--notation", "charon", "--keys", keys, capture])
        assert r.exit_code == 1, r.output
        assert "IKE_AUTH response 1 [ N(AUTH_FAILED) ]" in r.stdout, fmt
        plain = CliRunner().invoke(cli, ["analyze", "--format", fmt, "--keys", keys, capture])
        assert "IKE_AUTH response 1 [ N(AUTH_FAILED) ]" not in plain.stdout, fmt
