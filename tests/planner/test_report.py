"""The HTML report: one self-contained page (nothing fetched, no script) with the plan, the
diagram inline, the checks, and with --chaos the timeline and capacity chart as inline SVG."""

from __future__ import annotations

import json
import re
import shutil
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import pytest
from click.testing import CliRunner

from archform.planner.cli import main

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"

pytestmark = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed")


class Page(HTMLParser):
    """What a page asks for from elsewhere, its element ids, and whether its tags balance."""

    VOID = {"meta", "br", "img", "input", "link", "hr", "col", "area", "base", "source", "wbr"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.ids: set[str] = set()
        self.fetches: list[str] = []
        self.scripts = 0
        self.stack: list[str] = []
        self.unbalanced: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if a.get("id"):
            self.ids.add(a["id"])
        if tag == "script":
            self.scripts += 1
        for name in ("src", "href", "xlink:href", "data"):
            value = a.get(name)
            if value and not value.startswith(("#", "data:")):     # a data: URI is embedded, not fetched
                self.fetches.append(f"{tag} {name}={value}")
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in self.VOID:
            self.stack.pop()

    def handle_endtag(self, tag):
        if tag in self.VOID:
            return
        if not self.stack or self.stack[-1] != tag:
            self.unbalanced.append(tag)
            if tag in self.stack:
                while self.stack and self.stack.pop() != tag:
                    pass
            return
        self.stack.pop()


def make_report(tmp: Path, name: str, *extra) -> tuple[str, Page]:
    out = tmp / f"{name}.html"
    result = CliRunner().invoke(main, ["report", str(EXAMPLES / f"{name}.arch"), "-o", str(out), *extra],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    html = out.read_text(encoding="utf-8")
    page = Page()
    page.feed(html)
    page.close()
    return html, page


def assert_self_contained(html: str, page: Page):
    assert page.scripts == 0
    assert page.fetches == []                          # no stylesheet, image, font or script from elsewhere
    assert not re.search(r"@import|url\(|@font-face", html)
    # the only URLs are XML namespaces, which are names and never fetched
    assert set(re.findall(r"https?://[^\s\"'<>]+", html)) <= {"http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink"}
    assert page.unbalanced == [] and page.stack == []


def test_report_without_chaos(in_tmp):
    html, page = make_report(in_tmp, "ha_web")
    assert_self_contained(html, page)
    assert {"summary", "plan", "diagram", "checks", "archform-diagram"} <= page.ids
    assert "capacity-chart" not in page.ids
    assert "Plan: 29 to add, 0 to change, 0 to replace, 0 to destroy." in html   # no state yet: all new
    assert "0 errors, 0 warnings" in html
    assert "subnet_overlap" in html                                             # the rules that ran are named
    svg = re.search(r"<svg.*?</svg>", html, re.S).group(0)
    root = ET.fromstring(svg)                                                   # the inline diagram is well-formed SVG
    ids = {g.get("id") for g in root.iter("{http://www.w3.org/2000/svg}g")}
    assert {"primary.web", "primary.web_fleet", "primary.orders", "cluster_region_us-east-1"} <= ids


def test_report_with_chaos(in_tmp):
    html, page = make_report(in_tmp, "dr_warm_standby", "--chaos", "region:us-east-1", "--duration", "20m")
    assert_self_contained(html, page)
    assert {"chaos", "timeline", "timeline-chart", "capacity", "capacity-chart", "dr", "archform-diagram"} <= page.ids
    svgs = re.findall(r"<svg.*?</svg>", html, re.S)
    assert len(svgs) == 3
    charts = {ET.fromstring(s).get("id"): ET.fromstring(s) for s in svgs}
    capacity = charts["capacity-chart"]
    rows = [g.get("data-service") for g in capacity.iter("{http://www.w3.org/2000/svg}g")
            if g.get("class") == "service-row"]
    assert rows[0] == "shop_dr"                                                  # DR plans first
    assert "standby.web_fleet" in rows and "primary.web_fleet" in rows
    assert len(list(capacity.iter("{http://www.w3.org/2000/svg}polyline"))) == len(rows)
    events = [c for c in charts["timeline-chart"].iter("{http://www.w3.org/2000/svg}circle")]
    assert len(events) >= 10
    assert "every DR target met" in html and "PolicyMet" in html
    assert "global database" in html and "route53.record_flipped" in html
    assert "FAILED at 00:01:00.0" in html                                        # the failed region in the diagram
    assert not any(r.startswith(("primary.net.", "standby.net.")) for r in rows)  # services, not subnets
    assert "notes §" not in html  # the project's sources are not the reader's
    every_service = html[html.index("<h3>Every service</h3>"):html.index("<h3>Failovers</h3>")]
    assert "<td>subnet</td>" not in every_service and "Subnets: " in every_service


def test_report_is_deterministic(in_tmp):
    first, _ = make_report(in_tmp, "static_site")
    second, _ = make_report(in_tmp, "static_site")
    assert first == second


def test_report_plans_against_the_state(in_tmp):
    web = in_tmp / "web.arch"
    web.write_text((EXAMPLES / "ha_web.arch").read_text())
    runner = CliRunner()
    state = ["--state", str(in_tmp / "s" / "state.db"), "--cloud", str(in_tmp / "s" / "cloud.db")]
    result = runner.invoke(main, ["apply", str(web), "--auto-approve", *state], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    result = runner.invoke(main, ["report", str(web), "-o", "same.html", *state], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "No changes. The state matches the configuration." in (in_tmp / "same.html").read_text()
    web.write_text(web.read_text().replace("max                       = 12", "max                       = 20"))
    result = runner.invoke(main, ["report", str(web), "-o", "edit.html", *state], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    html = (in_tmp / "edit.html").read_text()
    assert "Plan: 0 to add, 1 to change, 0 to replace, 0 to destroy." in html
    assert "<code>primary.web_fleet</code>" in html and "<td>max</td>" in html   # what changes
    assert "~ web_fleet" in html                                   # the diagram is coloured by the plan


def test_counts_read_as_people_write_them():
    from archform.planner.diagram.report import number
    assert [number(x) for x in (3.0, 3, 1200.0, 1.5, 0.25, "n/a")] == ["3", "3", "1,200", "1.5", "0.25", "n/a"]


def test_a_warning_is_listed_once_and_counted_in_the_singular(tmp_path):
    """The checks section printed each diagnostic's first line twice (its heading, then again
    above its snippet) and counted "1 warnings"."""
    text = (EXAMPLES / "ha_web.arch").read_text()
    blocked = tmp_path / "blocked.arch"
    blocked.write_text(text.replace("port = 8080", "port = 8081", 1))
    assert blocked.read_text() != text
    out = tmp_path / "report.html"
    result = CliRunner().invoke(main, ["report", str(blocked), "-o", str(out)])
    assert result.exit_code == 0, result.output
    page = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", out.read_text()))
    assert page.count("cannot reach target") == 1
    assert "0 errors, 1 warning " in page


def test_the_report_gives_the_findings_archform_check_gives(tmp_path):
    """A security group open to SSH from the internet: `archform check` found it (high), while
    the report's summary read "0 errors, 0 warnings" and its checks "Every check passed". The
    report lists every finding `check` gives, with its rule and place, and a suppression's
    reason."""
    arch = tmp_path / "ssh.arch"
    arch.write_text('region "us-east-1" as primary {\n  vpc main { cidr = 10.0.0.0/16 }\n'
                    '  security_group admin {\n    vpc = main\n    ingress { port = 22, from = internet }\n  }\n}\n')
    checked = CliRunner().invoke(main, ["check", str(arch), "--format", "json"])
    expected = sorted((f["rule"], f["severity"]) for f in json.loads(checked.output)["findings"])
    assert ("AF-SEC-001", "high") in expected
    out = tmp_path / "report.html"
    assert CliRunner().invoke(main, ["report", str(arch), "-o", str(out)]).exit_code == 0
    page = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", out.read_text()))
    assert f"{len(expected)} findings 1 high, 1 medium, 1 low (archform check)" in page
    assert "Every check passed" not in page
    for rule, severity in expected:
        assert f"{severity} {rule} " in page
    assert "primary.admin: SSH (port 22) is open to the whole internet" in page and "ssh.arch:5:" in page
    # a suppression is shown with its reason, and not counted
    arch.write_text(arch.read_text().replace("  security_group admin", '  # archform:ignore AF-SEC-001 "a lab, '
                                             'torn down nightly"\n  security_group admin'))
    assert CliRunner().invoke(main, ["report", str(arch), "-o", str(out)]).exit_code == 0
    page = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", out.read_text()))
    assert "0 high, 1 medium, 1 low; 1 suppressed with a reason" in page
    assert "suppressed: a lab, torn down nightly" in page


def test_the_capacity_chart_says_what_was_served_whole_and_one_unit_in_the_singular(in_tmp):
    """The chart's row labels were cut at 46 characters ("served 95.3", its % lost) and said
    "1 instances"."""
    html, _ = make_report(in_tmp, "dr_warm_standby", "--chaos", "region:us-east-1")
    chart = re.search(r'<svg[^>]*id="capacity-chart".*?</svg>', html, re.S).group(0)
    details = re.findall(r'fill="#545B64">([^<]*→[^<]*)<', chart)
    assert details and all(re.search(r"· \d+(\.\d)?%( served)?$", d) for d in details), details
    assert "1 instance → min 1, end 3 · 98.3% served" in details
    assert not [d for d in details if d.startswith("1 ") and d.split(" →")[0].endswith("s")]
