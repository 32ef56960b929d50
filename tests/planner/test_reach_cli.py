"""`archform reach` through click's CliRunner: every example answered (its matrix, and a flow
traced hop by hop with file:line:col), exit codes 0 reachable / 1 blocked / 2 usage error, and
JSON that is stable and sorted."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from archform.planner.cli import main

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted(p.name for p in (ROOT / "examples").glob("*.arch"))

# a flow of each example with resources in a VPC: (example, src, dst, extra args, exit code)
FLOWS = [
    ("ha_web.arch", "internet", "primary.web", ["--port", "443"], 0),
    ("ha_web.arch", "internet", "primary.orders", [], 1),
    ("ha_web.arch", "primary.web_fleet", "primary.orders", [], 0),
    ("dr_warm_standby.arch", "primary.web_fleet", "standby.orders", [], 1),
    ("ha_ec2_eip.arch", "internet", "ireland.server_group", ["--port", "22"], 1),
    ("queue_workers.arch", "primary.fleet", "primary.sqs", [], 0),
    ("ha_web.arch", "internet", "shop.www", ["--port", "443"], 0),  # a DNS alias answers with its target
    ("hybrid_network.arch", "primary.app_server", "primary.db_server", ["--port", "5432"], 0),  # through the hub
    ("hybrid_network.arch", "192.168.1.10", "primary.app_server", ["--port", "443"], 0),  # on-premises over DX
    ("hybrid_network.arch", "10.50.1.10", "primary.app_server", ["--port", "443"], 1),  # the group admits 192.168/16
]


@pytest.fixture(autouse=True)
def at_root(monkeypatch):
    monkeypatch.chdir(ROOT)  # file names in the output relative to the project, as a user types them


def reach(*args):
    return CliRunner().invoke(main, ["reach", *args], catch_exceptions=False)


@pytest.mark.parametrize("example", EXAMPLES)
def test_every_example_has_a_matrix(example, snapshot):
    result = reach(f"examples/{example}", "--matrix")
    assert result.exit_code == 0, result.output
    assert result.output == snapshot


@pytest.mark.parametrize("example,src,dst,extra,code", FLOWS, ids=[f"{f[0]}:{f[1]}->{f[2]}" for f in FLOWS])
def test_a_flow_of_each_example_is_traced(example, src, dst, extra, code, snapshot):
    result = reach(f"examples/{example}", src, dst, *extra)
    assert result.exit_code == code, result.output
    assert result.output.startswith("yes:" if code == 0 else "no:")
    assert result.output == snapshot


def test_a_blocked_hop_points_at_its_rule():
    result = reach("examples/ha_ec2_eip.arch", "internet", "ireland.server_group", "--port", "22")
    assert "NO  security group ingress" in result.output
    assert "at examples/ha_ec2_eip.arch:37:3 (ireland.server)" in result.output


def test_json_is_sorted_and_says_where():
    result = reach("examples/ha_web.arch", "internet", "primary.orders", "--format", "json")
    assert result.exit_code == 1
    doc = json.loads(result.output)
    assert result.output == json.dumps(doc, indent=2, sort_keys=True) + "\n"
    assert doc["reachable"] is False and doc["port"] == 5432 and len(doc["paths"]) == 3
    blocked = [h for h in doc["paths"][0]["hops"] if h["verdict"] == "block"]
    assert blocked[0]["at"]["file"] == "examples/ha_web.arch" and blocked[0]["at"]["address"] == "primary.orders"


@pytest.mark.parametrize("args,message", [
    (["primary.webb", "internet"], "no resource 'primary.webb' in this architecture; did you mean 'primary.web'?"),
    (["internet", "primary.web", "--protocol", "icmp", "--port", "1"], "icmp has no ports"),
    (["internet"], "give SRC and DST"),
    (["internet", "10.0.0.0/33"], "'10.0.0.0/33' is not an IP address or CIDR block"),
    (["internet", "primary.web", "--matrix"], "--matrix takes no SRC or DST"),
    (["primary.web", "primary.site"], "certificate 'primary.site' has no network interface in a VPC"),
    (["primary.web", "internet"], "internet serves no tcp port this design declares: give --port"),
])
def test_usage_errors_exit_2(args, message):
    result = CliRunner().invoke(main, ["reach", "examples/ha_web.arch", *args])
    assert result.exit_code == 2 and message in result.output, result.output


def test_a_configuration_with_errors_exits_1(tmp_path):
    bad = tmp_path / "bad.arch"
    bad.write_text('region "us-east-1" as r {\n  vpc v { cidr = 10.0.0.0/8 }\n}\n')
    result = CliRunner().invoke(main, ["reach", str(bad), "internet", "r.v", "--port", "1"])
    assert result.exit_code == 1 and "between /16 and /28" in result.output


def test_a_diagram_draws_the_flow_and_marks_the_rule_that_blocks_it(tmp_path):
    """`archform diagram --reach SRC DST` (issue 18, item 5): the flow is an edge between its ends,
    dashed red with the blocking step when blocked, and the resource whose rule blocks it is marked."""
    cases = Path(__file__).resolve().parents[1] / "providers" / "reach_cases"
    runner = CliRunner()
    blocked = runner.invoke(main, ["diagram", str(cases / "target_port_blocked.arch"), "--reach", "east.web",
                                   "east.fleet", "--format", "dot"])
    assert blocked.exit_code == 0, blocked.output
    dot = blocked.stdout
    assert 'label="tcp 9090: no (blocked at security group ingress)"' in dot
    assert "blocks: security group ingress" in dot  # on east.app_sg's node
    assert "Reach: east.web → east.fleet on tcp 9090: no, 0 of 4 paths get through" in dot
    open_ = runner.invoke(main, ["diagram", str(cases / "target_port_open.arch"), "--reach", "east.web",
                                 "east.fleet", "--format", "dot"])
    assert 'label="tcp 8080: yes"' in open_.stdout and "blocks:" not in open_.stdout
    wrong = runner.invoke(main, ["diagram", str(cases / "target_port_open.arch"), "--reach", "east.webb",
                                 "east.fleet", "--format", "dot"])
    assert wrong.exit_code == 2 and "did you mean 'east.web'" in wrong.output


def test_a_diagram_draws_a_flow_from_the_internet_or_an_address_outside_every_vpc():
    """`diagram --reach internet primary.orders` drew no flow (the internet was no node), though
    the README promises the flow and the rule that blocks it."""
    runner = CliRunner()
    example = Path(__file__).resolve().parents[2] / "examples" / "ha_web.arch"
    blocked = runner.invoke(main, ["diagram", str(example), "--reach", "internet", "primary.orders", "--format", "dot"])
    assert blocked.exit_code == 0, blocked.output
    assert '"~users" -> "primary.orders"' in blocked.stdout
    assert "tcp 5432: no (blocked at public address)" in blocked.stdout
    office = runner.invoke(main, ["diagram", str(example), "--reach", "203.0.113.5", "primary.web", "--port", "443",
                                  "--format", "dot"])
    assert office.exit_code == 0, office.output
    assert '"~address:203.0.113.5" -> "primary.web"' in office.stdout and "tcp 443: yes" in office.stdout
