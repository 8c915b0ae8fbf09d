"""Gateway log wording reads as the gateway would print it for the SA, or says what its
placeholders stand for; ladder labels keep every name whole."""

from __future__ import annotations

import re

import pytest
from click.testing import CliRunner

from helpers import REPO, need_corpus
from ikescope import api
from ikescope.cli import cli
from ikescope.diagnose.catalog import LOG_PLACEHOLDERS
from ikescope.report.ladder import LADDER_WIDTH, render_ladder
from ikescope.wire import registry as reg

PCAPS = sorted(p.name for p in (REPO / "pcaps").glob("*.pcap"))


def analyze(*args: str) -> str:
    return CliRunner().invoke(cli, ["analyze", "--fail-on", "never", *args]).output


def zywall(doc: dict) -> list[dict]:
    return [r for f in doc["findings"] for r in f["vendor_refs"] if r["vendor"] == "ZyWALL" and "Mode request" in r["text"]]


def test_an_ikev1_sa_fills_in_the_mode_and_the_peer(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)
    cap = "pcaps/ikev1-psk-mismatch.pcap"
    refs = zywall(api.analyze([cap]).to_dict())
    assert refs and all(r == {"vendor": "ZyWALL", "text": "Send Main Mode request to 192.0.2.2",
                              "template": "Send <Symbol> Mode request to <IP>"} for r in refs)
    text, md = analyze(cap), analyze("--format", "markdown", cap)
    assert 'ZyWALL: "Send Main Mode request to 192.0.2.2"' in text and "<Symbol>" not in text
    assert "ZyWALL `Send Main Mode request to 192.0.2.2`" in md and "<Symbol>" not in md
    assert "Send Main Mode request to ip-2" in analyze("--redact", cap)


def test_what_the_sa_cannot_tell_is_explained(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)
    cap = "pcaps/ikev2-responder-down.pcap"  # IKEv2 has no main or aggressive mode
    (ref,) = set(r["text"] for r in zywall(api.analyze([cap]).to_dict()))
    assert ref == "Send <Symbol> Mode request to 192.0.2.2"
    gloss = f"<Symbol> is {LOG_PLACEHOLDERS['<Symbol>']}"
    assert gloss in " ".join(analyze(cap).split())
    assert gloss in analyze("--format", "markdown", cap)


def test_strongswan_wording_reads_as_the_responder_logs_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)
    logged = re.search(r"no IKE config found for (\S+),", (REPO / "pcaps" / "cross-v2-to-v1only.bob.log").read_text())
    assert logged
    doc = api.analyze(["pcaps/cross-v2-to-v1only.pcap"]).to_dict()
    tell = [a["tell_apart"] for f in doc["findings"] for a in f["alternatives"] if "no IKE config" in a["tell_apart"]]
    assert tell and all(f"'no IKE config found for {logged.group(1)}'" in t for t in tell)


def test_findings_page_explains_every_placeholder() -> None:
    page = (REPO / "docs" / "findings.md").read_text()
    intro, body = page.split("| code | severity | title |", 1)
    used = set(re.findall(r"<[^<>|]+>", body))
    assert used and all(any(u in key for key in LOG_PLACEHOLDERS) for u in used), used
    for key, meaning in LOG_PLACEHOLDERS.items():
        assert f"`{key}`: {meaning}" in intro


@pytest.mark.parametrize("notation", ["ikescope", "charon"])
@pytest.mark.parametrize("name", PCAPS)
def test_ladder_labels_keep_every_name_whole(name: str, notation: str) -> None:
    for sa in api.track(api.decode_file(REPO / "pcaps" / name)):
        lines = render_ladder(sa, notation)
        text = "\n".join(lines)
        assert "~" not in text
        # every arrow and every line carried below it sits between the same two lifelines
        assert all(line[11] == "|" and line[12 + LADDER_WIDTH] == "|" for line in lines[1:])
        for _, _, n in sa.notifies:
            name_ = reg.notify_name(sa.version, n)
            if f"N({name_}" in text:
                assert f"N({name_})" in text


def test_long_labels_of_the_public_captures_go_on_below_the_arrow() -> None:
    cap = need_corpus() / "zeek-plugin-ikev2" / "ikev2.pcap"
    out = CliRunner().invoke(cli, ["sas", "--ladder", str(cap)]).output
    assert "N(MULTIPLE_AUTH_SUPPORTED)" in out and "~" not in out
    (line,) = [ln for ln in out.splitlines() if "N(MULTIPLE_AUTH_SUPPORTED)" in ln]
    assert re.fullmatch(r" {4} {6} \|   N\(MULTIPLE_AUTH_SUPPORTED\) *\|", line)
    wiki = CliRunner().invoke(cli, ["sas", "--ladder", str(need_corpus() / "wireshark-wiki" / "test1.pcap")]).output
    assert "NAT-D (draft) NAT-D (draft)" in wiki and "~" not in wiki
