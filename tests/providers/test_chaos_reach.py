"""The modeled cloud obeys the design's network (issue 18): under `archform chaos`, a target
the design's security groups or network ACLs keep health checks from never turns healthy, a
load balancer whose targets cannot be reached — or that has none — answers nothing, and the
same design with the path open serves as before."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from archform.planner.cli import main

CASES = Path(__file__).resolve().parent / "reach_cases"


def chaos(case: str) -> dict:
    result = CliRunner().invoke(main, ["chaos", str(CASES / f"{case}.arch"), "--fail", "az:us-east-1a", "--at", "30m",
                                       "--duration", "1h", "--format", "json"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def service(doc: dict, address: str) -> dict:
    return next(s for s in doc["services"] if s["address"] == address)


@pytest.mark.parametrize("case", ["target_port_blocked", "reply_denied_by_nacl"])
def test_targets_the_network_keeps_health_checks_from_are_never_healthy(case):
    doc = chaos(case)
    web = service(doc, "east.web")
    assert web["served_fraction"] == 0.0 and web["min_capacity"] == 0.0 and web["outage_seconds"] == 3600.0
    (why,) = [e for e in doc["timeline"] if e["event"] == "target.unreachable"]
    assert why["subject"] == "east.app" and "blocked at" in why["detail"]
    assert service(doc, "east.fleet")["served_fraction"] > 0.9  # the instances run; nothing reaches them


def test_the_same_design_with_the_path_open_serves():
    doc = chaos("target_port_open")
    web = service(doc, "east.web")
    assert web["served_fraction"] > 0.95 and web["nominal_capacity"] == 2.0
    assert not [e for e in doc["timeline"] if e["event"] == "target.unreachable"]


def test_a_load_balancer_without_targets_answers_nothing():
    web = service(chaos("no_targets"), "east.web")
    assert web["served_fraction"] == 0.0


DATA_ACL = """
  network_acl data_acl {
    vpc     = main
    subnets = [data_a, data_b]

    ingress {
      rule   = 100
      action = allow
      ports  = 5432..5432
      cidr   = 10.0.0.0/16
    }
  }
}
"""


def test_targets_that_cannot_reach_their_database_pass_health_checks_but_serve_nothing(tmp_path):
    """The database's security group admits the fleet (the design says the fleet uses it), but the
    data subnets' network ACL has no outbound rule for the reply: the instances stay healthy and
    every request that needs the database fails (issue 18: fleet → database flows in chaos)."""
    text = (CASES / "target_port_open.arch").read_text().rstrip().removesuffix("}") + DATA_ACL
    (tmp_path / "main.arch").write_text(text)
    result = CliRunner().invoke(main, ["chaos", str(tmp_path / "main.arch"), "--fail", "az:us-east-1a", "--at", "30m",
                                       "--duration", "1h", "--format", "json"], catch_exceptions=False)
    doc = json.loads(result.output)
    web = service(doc, "east.web")
    assert web["served_fraction"] == 0.0
    assert service(doc, "east.fleet")["served_fraction"] > 0.9  # the instances run and pass their checks
    assert not [e for e in doc["timeline"] if e["event"] == "target.unreachable"]
    (why,) = [e for e in doc["timeline"] if e["event"] == "target.unserved"]
    assert "cannot reach database 'east.orders' on tcp 5432" in why["detail"]
    assert "network ACL outbound (reply)" in why["detail"]
