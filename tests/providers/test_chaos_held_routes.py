"""A run on an applied cloud obeys the routes that cloud holds now, not the design's (issue 18,
item 4): queue workers in private subnets reach SQS's public endpoint through a NAT gateway;
`archform sim set` removing the private route table's default route (drift) cuts them off their
queue, and `archform chaos --state` shows the workload unserved, naming the route table that
has no route; with the route in place the same run serves it."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from archform.planner.cli import main

CASE = Path(__file__).resolve().parent / "reach_cases" / "nat_egress_workers.arch"


def run(*args) -> str:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture
def applied(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    shutil.copy(CASE, tmp_path / "main.arch")
    run("apply", "main.arch", "--auto-approve")
    return tmp_path


def chaos() -> dict:
    out = run("chaos", "main.arch", "--state", ".archform/state.db", "--fail", "az:us-east-1b", "--at", "30m",
              "--for", "5m", "--duration", "1h", "--format", "json")
    return json.loads(out)


def workload(doc: dict) -> dict:
    return next(s for s in doc["services"] if s["address"] == "east.orders_in")


def route_table_id() -> str:
    listed = run("sim", "list")
    return next(line.split()[1] for line in listed.splitlines() if "east.private_rt" in line)


def test_with_its_route_to_the_nat_gateway_the_workload_is_served(applied):
    doc = chaos()
    assert workload(doc)["served_fraction"] == 1.0
    assert not [e for e in doc["timeline"] if e["event"] == "workload.unreachable"]


def test_removing_the_route_in_the_cloud_cuts_the_workers_off_their_queue(applied):
    table = route_table_id()
    run("sim", "set", table, "route=[]")
    doc = chaos()
    assert workload(doc)["served_fraction"] == 0.0
    (cut,) = [e for e in doc["timeline"] if e["event"] == "workload.unreachable"]
    assert cut["subject"] == "east.orders_in"
    assert "route table 'east.private_rt' of subnet 'east.private[a]' has no route" in cut["detail"]
    assert "us-east-1a, us-east-1b receive no message" in cut["detail"]
    # the design still has the route: a fresh run (no --state) keeps serving
    fresh = json.loads(run("chaos", "main.arch", "--fail", "az:us-east-1b", "--at", "30m", "--for", "5m",
                           "--duration", "1h", "--format", "json"))
    assert workload(fresh)["served_fraction"] == 1.0


def test_a_route_sent_elsewhere_in_the_cloud_is_followed(applied):
    """The default route moved to the internet gateway: the workers have no public address, so the
    internet gateway carries nothing of theirs."""
    igw = next(line.split()[1] for line in run("sim", "list").splitlines() if "east.igw" in line)
    run("sim", "set", route_table_id(), json.dumps([{"destination": "0.0.0.0/0", "target": igw}]).join(["route=", ""]))
    (cut,) = [e for e in chaos()["timeline"] if e["event"] == "workload.unreachable"]
    assert "internet gateway" in cut["detail"] and "no public IPv4 address" in cut["detail"]


def test_a_route_table_deleted_from_the_cloud_routes_nothing(applied):
    run("sim", "delete", route_table_id())
    (cut,) = [e for e in chaos()["timeline"] if e["event"] == "workload.unreachable"]
    assert "route table 'east.private_rt' of subnet 'east.private[a]' has no route" in cut["detail"]
