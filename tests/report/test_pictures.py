"""The pictures: Mermaid diagrams in the Markdown report and the HTML page with its SVG ladders.

Both are checked in a real browser, Debian's Chromium, headless, with every network request made
to fail (host names resolve to nothing, and a proxy that does not exist carries the rest) and a
net log kept, so a page that reached out would show in the log even though the request failed.
The Mermaid diagrams are drawn by Mermaid itself (the npm package that GitHub and GitLab use,
installed under tests/browser by .ci/run), inlined into a page, so no request is needed there either.
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from helpers import REPO
from ikescope import api
from ikescope.cli import cli
from ikescope.report import ladder as laddermod
from ikescope.report.model import InputEnded, InputRecord, InputStarted
from ikescope.report.stream import HtmlStream

PCAPS = sorted(p.name for p in (REPO / "pcaps").glob("*.pcap"))
MERMAID_JS = REPO / "tests" / "browser" / "node_modules" / "mermaid" / "dist" / "mermaid.min.js"
# A mix: failures of each kind of exchange, a success, IPv6, NAT, retransmissions, TCP.
SHOWN = ["ikev2-ike-proposal-mismatch.pcap", "ikev1-psk-mismatch.pcap", "ikev2-responder-down.pcap",
         "ikev2-psk-success.pcap", "ikev2-ipv6-success.pcap", "ikev1-p1-proposal-mismatch.pcap",
         "ikev2-invalid-ke-retry.pcap", "ikev2-tcp-success.pcap", "ikev2-nat-udp4500-blocked.pcap"]


def need(what: str, present: bool, how: str) -> None:
    """Skip when ``what`` is absent, but fail in CI, where .ci/run installs it."""
    if present:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"{what} is missing in CI ({how})")
    pytest.skip(f"{what} is not installed ({how})")


def chromium() -> str:
    path = shutil.which("chromium")
    need("chromium", path is not None, "apt-get install chromium")
    assert path is not None
    return path


def analyze(*args: str) -> str:
    r = CliRunner().invoke(cli, ["analyze", "--fail-on", "never", *args])
    assert r.exit_code == 0, r.output
    return r.stdout


# -- the page names nothing outside itself ------------------------------------------------------------

class _Refs(HTMLParser):
    """Every tag and every attribute that could make a browser fetch something."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.refs: list[tuple[str, str, str]] = []
        self.styles: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self._in_style = tag == "style"
        for name, value in attrs:
            if name in ("href", "src", "srcset", "action", "data", "poster", "background", "xlink:href",
                        "formaction", "manifest", "ping", "cite", "longdesc"):
                self.refs.append((tag, name, value or ""))
            if name == "style" or (value and "url(" in value):
                self.styles.append(value or "")

    def handle_endtag(self, tag: str) -> None:
        self._in_style = False

    def handle_data(self, data: str) -> None:
        if self._in_style:
            self.styles.append(data)


def external_references(page: str) -> list[str]:
    """What in ``page`` points outside it: URLs with a scheme or a host, imports, fetching tags."""
    p = _Refs()
    p.feed(page)
    found = [f"<{t} {n}={v!r}>" for t, n, v in p.refs if not v.startswith("#")]
    found += [f"<{t}>" for t in p.tags if t in ("script", "link", "iframe", "object", "embed", "img", "base",
                                                "meta" if "http-equiv" in page.lower() else "", "source", "video",
                                                "audio", "track", "frame", "form")]
    for css in p.styles:
        found += [f"@import in {css[:40]!r}" for _ in re.findall(r"@import", css)]
        found += [f"url({u})" for u in re.findall(r"url\(\s*['\"]?([^)'\"]*)", css) if not u.startswith("#")]
    found += [f"scheme {m}" for m in re.findall(r"(?i)\b(?:https?|ftp|wss?|file):", page)]
    found += [f"protocol-relative {m}" for m in re.findall(r"""["'(=]\s*//[^\s"')]+""", page)]
    return found


@pytest.mark.parametrize("name", PCAPS)
def test_html_page_of_each_lab_capture_is_self_contained_and_complete(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)
    page = analyze("--format", "html", f"pcaps/{name}")
    assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")
    assert external_references(page) == []
    doc = api.analyze([f"pcaps/{name}"]).to_dict()
    # every SA with its verdict and a ladder; every finding; every frame link leads to a decode on the page
    for s in doc["sas"]:
        article = page.split(f'id="sa0-{s["id"]}"', 1)[1].split("</article>", 1)[0]
        verdict = s["outcome"].upper() if s["outcome"] == "failed" else s["outcome"]
        assert f'<span class="verdict">{html.escape(verdict)}' in article and '<svg class="ladder"' in article
    assert page.count('<svg class="ladder"') == len(doc["sas"])
    for f in doc["findings"]:
        assert f"<code>{html.escape(f['code'])}</code>" in page
    ids = set(re.findall(r'\bid="([^"]+)"', page))
    links = re.findall(r'\bhref="#([^"]+)"', page)
    assert links and set(links) <= ids
    frames = {m.frame for sa in api.track(api.decode_file(REPO / "pcaps" / name)) for m in sa.messages}
    assert {int(i.rsplit("-f", 1)[1]) for i in ids if re.fullmatch(r"sa\d+-\d+-f\d+", i)} == frames


def test_external_reference_check_finds_what_it_looks_for() -> None:
    """The check above would see a page that reached out, in each way a page can."""
    for bad in ('<img src="x.png">', '<a href="https://example.org/">', '<style>@import "a.css";</style>',
                '<div style="background:url(a.png)"></div>', '<script src="a.js"></script>',
                '<link rel="stylesheet" href="a.css">', '<a href="//example.org/x">', "<svg><use href=\"a.svg#b\"/></svg>"):
        assert external_references(f"<html><body>{bad}</body></html>"), bad
    assert external_references('<svg><marker id="m"/><line marker-end="url(#m)"/><a href="#f1">1</a></svg>') == []


# -- in Chromium -----------------------------------------------------------------------------------

# Added to a copy of the page only: measures what a person would see and writes it into the page,
# which --dump-dom then prints. The page itself has no script.
_PROBE = """<script>
window.addEventListener('load', () => {
  const out = {ladders: [], resources: performance.getEntriesByType('resource').map(r => r.name)};
  for (const svg of document.querySelectorAll('svg.ladder')) {
    svg.scrollIntoView();
    const box = svg.getBoundingClientRect();
    const style = getComputedStyle(svg);
    const arrows = [...svg.querySelectorAll('line.msg')];
    const drawn = arrows.filter(l => { const b = l.getBoundingClientRect(); return b.width > 100; });
    let hit = null;
    if (drawn.length) {
      const b = drawn[0].getBoundingClientRect();
      const el = document.elementFromPoint(b.left + b.width / 2, b.top + b.height / 2);
      hit = el ? (el.closest('svg') === svg) : false;
    }
    out.ladders.push({width: box.width, height: box.height, display: style.display,
                      visibility: style.visibility, opacity: style.opacity, arrows: arrows.length,
                      drawn: drawn.length, hit: hit});
  }
  const probe = document.createElement('pre');
  probe.id = 'probe';
  probe.textContent = JSON.stringify(out);
  document.body.appendChild(probe);
});
</script>"""


def run_chromium(page: Path, tmp: Path, *extra: str, budget_ms: int = 10000) -> tuple[str, list[str]]:
    """The DOM of ``page`` after its scripts ran, and the URLs of every request Chromium's net log saw."""
    netlog = tmp / "net.json"
    args = [chromium(), "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--disable-default-apps", "--disable-extensions", "--disable-quic",
            f"--user-data-dir={tmp / 'profile'}", "--host-resolver-rules=MAP * ~NOTFOUND",
            "--proxy-server=127.0.0.1:9", f"--log-net-log={netlog}", "--net-log-capture-mode=Default",
            "--window-size=1000,900", f"--virtual-time-budget={budget_ms}", *extra, "--dump-dom", page.as_uri()]
    r = subprocess.run(args, capture_output=True, text=True, timeout=180)
    assert r.returncode == 0, r.stderr[-2000:]
    return r.stdout, netlog_urls(netlog)


def netlog_urls(path: Path) -> list[str]:
    """The URLs a page asked for, from a Chromium net log (a log cut short by the exit is closed first).
    Chromium's own requests (its clock, updates, accounts) have no origin as initiator and are left out:
    they fail like any other here, and they are not the page's doing."""
    text = path.read_text().rstrip()
    try:
        log = json.loads(text)
    except json.JSONDecodeError:
        log = json.loads(text.rstrip(",").rsplit("},", 1)[0] + "}]}")
    events = log.get("events", [])
    assert events, "the net log recorded nothing"
    start = log["constants"]["logEventTypes"]["URL_REQUEST_START_JOB"]
    return sorted({e["params"]["url"] for e in events if e["type"] == start and "url" in e.get("params", {})
                   and e["params"].get("initiator") != "not an origin"})


@pytest.mark.parametrize("names", [SHOWN[:3], SHOWN[3:6], SHOWN[6:]], ids=["failures", "mixed", "retries"])
def test_html_renders_in_chromium_with_ladders_visible_and_no_request(names: list[str], tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)
    page = analyze("--format", "html", *(f"pcaps/{n}" for n in names))
    probed = tmp_path / "report.html"
    probed.write_text(page.replace("</body>", _PROBE + "\n</body>"))
    dom, urls = run_chromium(probed, tmp_path)
    # nothing but the page itself was asked for
    assert [u for u in urls if u != probed.as_uri()] == []
    probe = json.loads(html.unescape(re.search(r'<pre id="probe">(.*?)</pre>', dom, re.S).group(1)))
    assert probe["resources"] == []
    doc = api.analyze([f"pcaps/{n}" for n in names]).to_dict()
    # it renders: the verdicts and findings are in the browser's document
    for s in doc["sas"]:
        assert (s["outcome"].upper() if s["outcome"] == "failed" else s["outcome"]) in dom
    for f in doc["findings"]:
        assert f["code"] in dom
    # the ladders are visible: laid out with a size, not hidden, and an arrow's middle is the ladder's
    assert len(probe["ladders"]) == len(doc["sas"]) > 0
    for lad, s in zip(probe["ladders"], doc["sas"]):
        assert lad["width"] > 300 and lad["height"] > 60, lad
        assert lad["display"] != "none" and lad["visibility"] == "visible" and float(lad["opacity"]) > 0.5
        assert lad["arrows"] == lad["drawn"] == min(s["messages"], laddermod.MAX_PICTURE_STEPS) > 0, lad
        assert lad["hit"] is True, lad


def test_the_net_log_shows_a_request_a_page_makes(tmp_path: Path) -> None:
    """The check of the tests above sees a page that reaches out, though the request fails."""
    page = tmp_path / "reaching.html"
    page.write_text('<!DOCTYPE html><html><body><img src="http://192.0.2.7/pixel.png">'
                    '<svg><image href="https://example.invalid/a.png"/></svg></body></html>')
    _, urls = run_chromium(page, tmp_path)
    assert {"http://192.0.2.7/pixel.png", "https://example.invalid/a.png"} <= set(urls)


def test_frame_link_in_a_ladder_scrolls_to_the_decode(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)
    page = analyze("--format", "html", "pcaps/ikev2-ike-proposal-mismatch.pcap")
    target = re.findall(r'<a href="#(sa0-\d+-f\d+)">', page)[-1]
    probed = tmp_path / "report.html"
    probed.write_text(page.replace("</body>", """<script>
window.addEventListener('load', () => {
  const link = [...document.querySelectorAll('svg a')].pop();
  link.dispatchEvent(new MouseEvent('click', {bubbles: true, cancelable: true, view: window}));
  const el = document.getElementById(link.getAttribute('href').slice(1));
  const p = document.createElement('pre'); p.id = 'probe';
  p.textContent = JSON.stringify({hash: location.hash, top: el.getBoundingClientRect().top,
                                  text: el.textContent, target: el.matches(':target')});
  document.body.appendChild(p);
});
</script>
</body>"""))
    dom, urls = run_chromium(probed, tmp_path)
    probe = json.loads(html.unescape(re.search(r'<pre id="probe">(.*?)</pre>', dom, re.S).group(1)))
    frame = int(target.rsplit("-f", 1)[1])
    assert probe["hash"] == f"#{target}" and probe["target"] is True
    assert 0 <= probe["top"] < 900 and probe["text"].startswith(f"frame {frame}")


# -- Mermaid -------------------------------------------------------------------------------------------

def mermaid_blocks(markdown: str) -> list[str]:
    return re.findall(r"^```mermaid\n(.*?)^```$", markdown, re.S | re.M)


def failed_captures() -> list[str]:
    return [n for n in PCAPS if "success" not in n]


def test_markdown_draws_every_sa_that_did_not_come_up(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)
    for name in PCAPS:
        report = api.analyze([f"pcaps/{name}"])
        failed = [r.sa for r in report.results if r.sa.outcome not in ("established", "deleted")]
        blocks = mermaid_blocks(analyze("--format", "markdown", f"pcaps/{name}"))
        assert len(blocks) == len(failed), name
        for sa, block in zip(failed, blocks):
            lines = block.splitlines()
            assert lines[:3] == ["sequenceDiagram", *lines[1:3]] and lines[1].startswith("    participant I as ")
            arrows = [ln for ln in lines if re.match(r"    [IR](->>|-->>|-x|--x)[IR]: ", ln)]
            assert len(arrows) == min(len(sa.messages), laddermod.MAX_PICTURE_STEPS)
            # the failing exchange is boxed, with a note saying why, and every box is closed
            if sa.failed_exchange is not None:
                assert "    rect rgba(220, 40, 40, 0.15)" in lines and lines.count("    end") == lines.count(
                    "    rect rgba(220, 40, 40, 0.15)")
                assert any(ln.startswith("    Note over I,R: ") for ln in lines)


# What the grammar of a sequence diagram reads as syntax: none may stand in a line's free text.
_SYNTAX = re.compile(r"[;#:%<>\n\"&]|--|->|-x|-\)")


@given(st.text(max_size=80))
def test_mermaid_text_leaves_no_syntax_and_keeps_every_character(text: str) -> None:
    out = laddermod.mermaid_text(text)
    assert _SYNTAX.search(re.sub(r"#\d+;", "", out)) is None
    assert re.sub(r"#(\d+);", lambda m: chr(int(m.group(1))), out) == " ".join(text.split())


_MERMAID_PAGE = """<!DOCTYPE html><html><head><meta charset="utf-8"><script>{js}</script></head><body>
<script>
const DIAGRAMS = {diagrams};
mermaid.initialize({{startOnLoad: false, securityLevel: 'strict'}});
(async () => {{
  const out = [];
  for (const [i, src] of DIAGRAMS.entries()) {{
    try {{
      await mermaid.parse(src);
      const {{svg}} = await mermaid.render('d' + i, src);
      const d = new DOMParser().parseFromString(svg, 'image/svg+xml');
      out.push({{ok: true, messages: [...d.querySelectorAll('.messageText')].map(t => t.textContent),
                 notes: [...d.querySelectorAll('.noteText')].map(t => t.textContent),
                 actors: [...d.querySelectorAll('text.actor')].map(t => t.textContent),
                 crosses: svg.split('crosshead').length - 1, boxes: d.querySelectorAll('rect.rect').length}});
    }} catch (e) {{ out.push({{ok: false, error: String(e)}}); }}
  }}
  const p = document.createElement('pre'); p.id = 'probe'; p.textContent = JSON.stringify(out);
  document.body.appendChild(p);
}})();
</script></body></html>"""


def test_mermaid_draws_the_markdown_diagrams_as_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Mermaid itself parses and draws every diagram of the lab's failures, and shows each message's
    label and each note with the characters the report meant (the escapes undone)."""
    need("Mermaid's JavaScript", MERMAID_JS.is_file(), "npm install --prefix tests/browser --no-package-lock")
    monkeypatch.chdir(REPO)
    expected = []
    for name in failed_captures():
        for r in api.analyze([f"pcaps/{name}"]).results:
            if r.sa.outcome not in ("established", "deleted"):
                expected.append((name, laddermod.model(r.sa)))
    diagrams = [block for name in failed_captures()
                for block in mermaid_blocks(analyze("--format", "markdown", f"pcaps/{name}"))]
    hostile = laddermod.mermaid_lines({
        "initiator": "a; b # c %% d", "responder": "[2001:db8::1]:500", "outcome": "failed",
        "outcome_detail": "x -->> y ->> z; end\nNote over I: %% <b>&amp;</b> #59; -x --x",
        "failed_exchange": "IKE_SA_INIT", "dropped": 0,
        "steps": [{"frame": 1, "time": 0.0, "from_initiator": True, "label": ["end", "loop;", "A->>B:", "%%x"],
                   "copy_of": None, "exchange": 0, "failing": True, "unanswered": True}]})
    diagrams.append("\n".join(hostile) + "\n")
    assert len(diagrams) == len(expected) + 1 >= 20
    page = tmp_path / "mermaid.html"
    page.write_text(_MERMAID_PAGE.format(js=MERMAID_JS.read_text().replace("</script", "<\\/script"),
                                         diagrams=json.dumps(diagrams).replace("</", "<\\/")))
    dom, urls = run_chromium(page, tmp_path, budget_ms=60000)
    assert [u for u in urls if u != page.as_uri()] == []
    drawn = json.loads(html.unescape(re.search(r'<pre id="probe">(.*?)</pre>', dom, re.S).group(1)))
    assert len(drawn) == len(diagrams)
    assert [d for d in drawn if not d["ok"]] == []
    for (name, model), d in zip(expected, drawn):
        steps = [s for s in laddermod.picture_steps(model) if "gap" not in s]
        assert d["messages"] == [laddermod.step_text(s) for s in steps], name
        if model["failed_exchange"] is not None:
            assert laddermod.failure_note(model) in d["notes"] and d["boxes"] >= 1, name
        assert d["crosses"] >= sum(s["unanswered"] for s in steps)
    last = drawn[-1]
    assert last["messages"] == ["frame 1 +0.000s end loop; A->>B: %%x (no answer)"]
    assert last["notes"] == ["IKE_SA_INIT failed: x -->> y ->> z; end Note over I: %% <b>&amp;</b> #59; -x --x"]
    assert "initiator a; b # c %% d" in last["actors"]


# -- streaming -----------------------------------------------------------------------------------------

def test_html_is_written_as_each_sa_closes(monkeypatch: pytest.MonkeyPatch) -> None:
    """The head before any SA, each SA as it arrives, the summary only at the end."""
    monkeypatch.chdir(REPO)
    chunks: list[str] = []
    out = HtmlStream(chunks.append)
    out.feed(InputStarted(0, "pcaps/ikev1-ike-scan-probes.pcap"))
    assert "".join(chunks).startswith("<!DOCTYPE html>")
    report = api.analyze(["pcaps/ikev1-ike-scan-probes.pcap"])
    assert len(report.results) >= 2
    for n, result in enumerate(report.results, 1):
        out.feed(result)
        assert "".join(chunks).count('<article class="sa ') == n and 'id="summary"' not in "".join(chunks)
    out.feed(InputEnded(0, InputRecord(path="pcaps/ikev1-ike-scan-probes.pcap")))
    out.close()
    page = "".join(chunks)
    assert 'id="summary"' in page and page.endswith("</html>\n")


def test_html_escapes_what_the_capture_says(monkeypatch: pytest.MonkeyPatch) -> None:
    """Identities, details and labels from a hostile capture stay text."""
    monkeypatch.chdir(REPO)
    (result,) = api.analyze(["pcaps/ikev2-id-mismatch.pcap"]).results
    hostile = '<img src=x onerror=alert(1)>"\'&'
    result.sa.outcome_detail = hostile
    result.sa.identities = [(True, 35, 2, hostile)]
    chunks: list[str] = []
    out = HtmlStream(chunks.append)
    out.feed(InputStarted(0, hostile))
    out.feed(result)
    out.close()
    page = "".join(chunks)
    assert "<img" not in page and "onerror=alert(1)&gt;&quot;&#x27;&amp;" in page
    assert external_references(page) == []


def test_html_page_is_the_same_from_worker_processes(monkeypatch: pytest.MonkeyPatch) -> None:
    """With --jobs the ladders and decodes are drawn in the workers, and the page comes out the same."""
    monkeypatch.chdir(REPO)
    files = ["pcaps/ikev1-ike-scan-probes.pcap", "pcaps/ikev2-rekey.pcap"]
    one = analyze("--format", "html", "--jobs", "1", *files)
    two = analyze("--format", "html", "--jobs", "2", *files)
    assert one.count('<svg class="ladder"') >= 3 and one == two
