"""The modeled cloud obeys `reach` (issue 18), as a property: for designs drawn at random — the
target group's port, the port (or range) the targets' security group admits from the load
balancer, and a network ACL on the targets' subnets with its rules in a random order and its
reply rule present, partial or missing — if `reach` says the load balancer reaches its targets from
every node, the chaos run's health checks find them and the load balancer serves; if from none,
they never turn healthy and it serves nothing; if from some nodes only, it is never fully served. Each draw is a configuration a user could write; the run is
`archform chaos` as a user would start it."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings, strategies as st

from archform.dsl.check import build_graph
from archform.dsl.resolve import resolve_text
from archform.planner.cli import main
from archform.stdlib.reach import Flow, Network, trace

BASE = (Path(__file__).resolve().parent / "reach_cases" / "target_port_open.arch").read_text()

PORTS = st.sampled_from([8080, 9090])
ADMITS = st.sampled_from(["port = 8080", "port = 9090", "ports = 8000..8999", "ports = 9000..9999"])
REPLY = st.sampled_from([None, "1024..65535", "32768..65535", "1024..8079"])  # the egress rule for replies


@st.composite
def designs(draw) -> tuple[str, int]:
    port = draw(PORTS)
    text = BASE.replace("    port     = 8080\n    protocol = HTTP\n  }", f"    port     = {port}\n    protocol = HTTP\n  }}")
    text = text.replace("    ingress {\n      port = 8080\n      from = lb_sg", f"    ingress {{\n      {draw(ADMITS)}\n"
                        "      from = lb_sg")
    if draw(st.booleans()):
        reply = draw(REPLY)
        inbound = draw(st.sampled_from(["8000..9999", "8080..8080", "9090..9090"]))
        deny_first = draw(st.booleans())  # a lower-numbered deny of the health-check port shadows the allow
        rules = [f"    ingress {{\n      rule   = 200\n      action = allow\n      ports  = {inbound}\n"
                 "      cidr   = 10.0.0.0/16\n    }"]
        if deny_first:
            rules.append(f"    ingress {{\n      rule   = 100\n      action = deny\n      ports  = {port}..{port}\n"
                         "      cidr   = 10.0.2.0/24\n    }")
        if reply is not None:
            rules.append(f"    egress {{\n      rule   = 100\n      action = allow\n      ports  = {reply}\n"
                         "      cidr   = 10.0.0.0/16\n    }")
        acl = "  network_acl app_acl {\n    vpc     = main\n    subnets = [app_a, app_b]\n\n" + "\n\n".join(rules) + "\n  }\n"
        text = text.rstrip().removesuffix("}").rstrip() + "\n\n" + acl + "}\n"
    return text, port


def _reaches(text: str, port: int) -> str:
    """all, none or some: the load balancer's nodes that reach the targets."""
    desired, diags = resolve_text(text)
    assert desired is not None, [d.summary for d in diags if d.is_error]
    answer = trace(Network(build_graph(desired)), "east.web", "east.fleet", Flow("tcp", port))
    through = [p.reachable for p in answer.paths]
    return "all" if all(through) else "none" if not any(through) else "some"


@settings(max_examples=12, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(designs())
def test_the_modeled_cloud_serves_exactly_when_reach_says_the_targets_are_reached(tmp_path_factory, design):
    text, port = design
    folder = tmp_path_factory.mktemp("design")
    (folder / "main.arch").write_text(text)
    result = CliRunner().invoke(main, ["chaos", str(folder / "main.arch"), "--fail", "az:us-east-1a", "--at", "30m",
                                       "--duration", "1h", "--format", "json"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    web = next(s for s in doc["services"] if s["address"] == "east.web")
    reached = _reaches(text, port)
    if reached == "all":
        assert web["served_fraction"] > 0.9, text
    elif reached == "none":
        assert web["served_fraction"] == 0.0 and all(c == 0 for _, _, c in web["series"]), text
    else:  # a node whose checks are blocked marks its targets unhealthy: never fully served
        assert web["served_fraction"] < 0.9, text
