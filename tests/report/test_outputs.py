"""Every output format on every lab capture: golden files, the JSON schema,
redaction that leaks nothing, and exit codes."""

from __future__ import annotations

import html
import json
import re
import subprocess
import sys

import jsonschema
import pytest
from click.testing import CliRunner

from helpers import REPO, need_corpus
from ikescope import api
from ikescope.cli import cli
from ikescope.report import ladder as laddermod
from ikescope.report import markdown as mdreport
from ikescope.report import stream
from ikescope.report import text as textreport
from ikescope.report.redact import redact

PCAPS = sorted(p.name for p in (REPO / "pcaps").glob("*.pcap"))
GOLDEN = REPO / "tests" / "golden"
SCHEMA = json.loads((REPO / "docs" / "report.schema.json").read_text())
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)


def report_doc(name: str, monkeypatch: pytest.MonkeyPatch) -> dict:
    monkeypatch.chdir(REPO)
    return api.analyze([f"pcaps/{name}"]).to_dict()


def test_there_are_lab_captures() -> None:
    assert len(PCAPS) >= 20


@pytest.mark.parametrize("name", PCAPS)
def test_golden_text_markdown_json(name: str, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest) -> None:
    monkeypatch.chdir(REPO)
    report = api.analyze([f"pcaps/{name}"])
    doc = report.to_dict()
    diagrams = stream.diagrams({(r.input, r.sa.id): laddermod.model(r.sa) for r in report.results})
    cli_text, cli_md = (CliRunner().invoke(cli, ["analyze", "--format", fmt, f"pcaps/{name}"]).output
                        for fmt in ("text", "markdown"))
    outputs = {"txt": textreport.render(doc), "md": mdreport.render(doc, diagrams=diagrams),
               "json": json.dumps(doc, indent=1) + "\n"}
    # what the command prints (written as SAs close) is the document rendered whole
    assert (cli_text, cli_md) == (outputs["txt"], outputs["md"])
    for ext, text in outputs.items():
        path = GOLDEN / f"{name}.{ext}"
        if request.config.getoption("--update-goldens"):
            path.write_text(text)
        else:
            assert path.exists(), f"{path} missing: run pytest --update-goldens"
            assert text == path.read_text(), f"{path.name} differs (run pytest --update-goldens if intended)"


@pytest.mark.parametrize("name", PCAPS)
def test_streamed_json_and_jsonl_follow_the_schema_and_say_what_the_document_says(
        name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    doc = report_doc(name, monkeypatch)
    VALIDATOR.validate(doc)
    VALIDATOR.validate(redact(doc)[0])
    streamed = json.loads(CliRunner().invoke(cli, ["analyze", "--format", "json", f"pcaps/{name}"]).output)
    VALIDATOR.validate(streamed)
    assert streamed == doc
    defs = SCHEMA["$defs"]
    lines = CliRunner().invoke(cli, ["analyze", "--format", "jsonl", f"pcaps/{name}"]).output.splitlines()
    records = [json.loads(line) for line in lines]
    for rec in records:
        jsonschema.validate(rec, {"$defs": defs, **defs[rec["kind"]]})
    strip = [{k: v for k, v in r.items() if k not in ("schema_version", "kind")} for r in records]
    assert [r for r, rec in zip(strip, records) if rec["kind"] == "sa"] == doc["sas"]
    assert [r for r, rec in zip(strip, records) if rec["kind"] == "finding"] == doc["findings"]
    assert [{k: v for k, v in r.items() if k != "input"} for r, rec in zip(strip, records)
            if rec["kind"] == "input"] == doc["inputs"]
    # an SA's findings follow it at once, so a log pipeline sees them together
    kinds = [r["kind"] for r in records]
    tail = ["input"] * len(doc["inputs"]) + ["peer_pair"] * len(doc["peer_pairs"]) + ["group"] * len(doc["groups"])
    assert kinds[-len(tail):] == tail
    assert [r for r, rec in zip(strip, records) if rec["kind"] == "peer_pair"] == doc["peer_pairs"]


def test_schema_rejects_a_broken_document(monkeypatch: pytest.MonkeyPatch) -> None:
    doc = report_doc(PCAPS[0], monkeypatch)
    doc["sas"][0]["outcome"] = "fine"
    with pytest.raises(jsonschema.ValidationError):
        VALIDATOR.validate(doc)


def secrets_of(doc: dict) -> set[str]:
    """Addresses, SPIs and identities an unredacted report shows."""
    out: set[str] = set()
    for s in doc["sas"]:
        for ep in (s["initiator"], s["responder"]):
            out.add(ep.rsplit(":", 1)[0].strip("[]"))
        out.update(v for v in (s["ispi"], s["rspi"]) if v.strip("0"))
        out.update(i["value"] for i in s["identities"])
    return out


@pytest.mark.parametrize("name", PCAPS)
def test_redaction_leaks_nothing_in_any_format(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)
    plain = api.analyze([f"pcaps/{name}"]).to_dict()
    secrets = secrets_of(plain)
    decoded = CliRunner().invoke(cli, ["decode", "--format", "json", f"pcaps/{name}"]).output
    for msg in json.loads(decoded)["files"][0]["messages"]:
        secrets.update((msg["src"], msg["dst"]))
        secrets.update(p["identity"] for p in msg.get("payloads", ()) if "identity" in p)
    assert secrets
    runner = CliRunner()
    outputs = [runner.invoke(cli, ["analyze", "--redact", "--ladder", "--format", fmt, "--fail-on", "never",
                                   f"pcaps/{name}"]).output for fmt in ("text", "markdown", "html", "json", "jsonl")]
    # as a reader sees them: the page's character references and Mermaid's entities undone
    outputs = [re.sub(r"#(\d+);", lambda m: chr(int(m.group(1))), html.unescape(out)) for out in outputs]
    outputs.append(runner.invoke(cli, ["sas", "--redact", "--ladder", f"pcaps/{name}"]).output)
    outputs.append(runner.invoke(cli, ["sas", "--redact", "--format", "json", f"pcaps/{name}"]).output)
    outputs.append(runner.invoke(cli, ["decode", "--redact", f"pcaps/{name}"]).output)
    outputs.append(runner.invoke(cli, ["decode", "--redact", "--format", "json", f"pcaps/{name}"]).output)
    for out in outputs:
        assert out.strip()
        for secret in secrets:
            # the secret whole: not part of a longer address or version, but "a...b" pairs count
            assert not re.search(rf"(?<![\w:])(?<!\d\.){re.escape(secret)}(?![\w:])(?!\.\d)", out), (secret, out[:300])


@pytest.mark.parametrize("name", PCAPS)
def test_redaction_keeps_the_diagnosis(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    plain = report_doc(name, monkeypatch)
    red = redact(plain)[0]
    key = [(f["code"], f["severity"], f["confidence"], f["root_cause"], f["frames"]) for f in plain["findings"]]
    assert key == [(f["code"], f["severity"], f["confidence"], f["root_cause"], f["frames"]) for f in red["findings"]]
    assert [s["outcome"] for s in plain["sas"]] == [s["outcome"] for s in red["sas"]]


def test_redaction_is_consistent() -> None:
    doc = {"sas": [{"initiator": "192.0.2.1:500", "responder": "[2001:db8::2]:4500", "ispi": "1122334455667788",
                    "identities": [{"side": "initiator", "type": "ID_FQDN", "value": "gw.example.org"}]}],
           "findings": [{"summary": "192.0.2.1 and 2001:db8::2 disagree; gw.example.org; spi 1122334455667788"}]}
    red = redact(doc)[0]
    s = red["sas"][0]
    assert s["initiator"] == "ip-1:500" and s["responder"] == "[ip-2]:4500" and s["ispi"] == "spi-1"
    assert s["identities"][0]["value"] == "id-1"
    assert red["findings"][0]["summary"] == "ip-1 and ip-2 disagree; id-1; spi spi-1"


# --- exit codes ------------------------------------------------------------------------------------

def run(*args: str) -> int:
    return CliRunner().invoke(cli, list(args)).exit_code


def test_exit_codes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)
    ok, bad = "pcaps/ikev2-psk-success.pcap", "pcaps/ikev2-ike-proposal-mismatch.pcap"
    assert run("analyze", ok) == 0
    assert run("analyze", bad) == 1
    assert run("analyze", "--fail-on", "never", bad) == 0
    assert run("analyze", "--format", "markdown", bad) == 1
    p = subprocess.run([sys.executable, "-m", "ikescope", "analyze", "nonexistent.pcap"], capture_output=True,
                       text=True)
    assert p.returncode == 2 and p.stdout == ""
    assert p.stderr.count("\n") == 1 and "cannot open nonexistent.pcap" in p.stderr


def test_truncated_capture_is_analysed_up_to_the_cut(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)
    data = (REPO / "pcaps" / "ikev2-psk-success.pcap").read_bytes()
    cut = tmp_path / "cut.pcap"
    cut.write_bytes(data[: len(data) - 40])
    result = CliRunner().invoke(cli, ["analyze", "--format", "json", str(cut)])
    doc = json.loads(result.output[result.output.index("{"):])
    assert doc["inputs"][0]["truncated"] and doc["inputs"][0]["frames"] >= 3


def test_bad_expect_value_is_a_usage_error() -> None:
    cap = need_corpus() / "tcpdump" / "ikev2four.pcap"
    p = subprocess.run([sys.executable, "-m", "ikescope", "analyze", "--expect-ike", "aes999-nope", str(cap)],
                       capture_output=True, text=True)
    assert p.returncode == 2 and "aes999" in p.stderr and "Traceback" not in p.stderr


def test_text_names_the_tunnel_of_each_sa_where_it_is_readable() -> None:
    """Twenty tunnels between the same two addresses: with keys each verdict says which one it is."""
    from ikescope.crypto.keys import load_key_files

    pcap = REPO / "pcaps" / "ikev2-twenty-tunnels-one-fails.pcap"
    keys = load_key_files([pcap.with_suffix(".ikev2_decryption_table")])
    text = textreport.render(api.analyze([pcap], api.Settings(keys=keys)).to_dict())
    assert text.count("tunnel: alice-") == 20
    failed = text[text.index("tunnel: alice-07@example.org"):].split("\n  SA ")[0]
    assert "TSi 198.51.100.24/30, TSr 198.51.100.152/30" in " ".join(failed.split())
    assert "root cause: ike.ts_mismatch" in failed
    assert "tunnel:" not in textreport.render(api.analyze([pcap]).to_dict())  # encrypted: nothing to name
