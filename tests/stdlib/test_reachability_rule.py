"""`validate` walks the paths a design declares (issue 18): the internet → an internet-facing
load balancer's listeners, load balancer → target group → target, and each fleet a database's
security group admits → the database. A blocked path is a
warning underlining the rule that blocks it; a listener forwarding to a target group with no
targets is a warning on the listener. Renderings kept as snapshots."""

from __future__ import annotations

import pytest

from archform.dsl.diagnostics import render
from archform.dsl.resolve import resolve_text

WEB = '''
region "us-east-1" as east {
  vpc main { cidr = 10.0.0.0/16 }
  internet_gateway igw { vpc = main }
  subnet public_a { vpc = main, cidr = 10.0.1.0/24, az = a, public = true }
  subnet public_b { vpc = main, cidr = 10.0.2.0/24, az = b, public = true }
  subnet app_a { vpc = main, cidr = 10.0.11.0/24, az = a }
  subnet app_b { vpc = main, cidr = 10.0.12.0/24, az = b }
  subnet data_a { vpc = main, cidr = 10.0.21.0/24, az = a }
  subnet data_b { vpc = main, cidr = 10.0.22.0/24, az = b }
  route_table public_rt {
    vpc = main
    subnets = [public_a, public_b]
    route { destination = 0.0.0.0/0, target = igw }
  }
  security_group lb_sg {
    vpc = main
    ingress { port = 443, from = internet }
  }
  security_group app_sg {
    vpc = main
    ingress { port = 8080, from = lb_sg }
  }
  security_group db_sg {
    vpc = main
    ingress { port = DB_PORT, from = app_sg }
  }
  target_group app {
    vpc = main
    port = TG_PORT
    protocol = HTTP
  }
  load_balancer web {
    subnets = [public_a, public_b]
    security_groups = [lb_sg]
    listener http { port = 443, protocol = HTTP, forward = app }
  }
  autoscaling_group fleet {
    subnets = [app_a, app_b]
    min = 2
    max = 4
    TARGETS
    launch { ami = "ami-1", instance_type = t3.micro, security_groups = [app_sg] }
  }
  rds orders {
    engine = postgres
    instance_class = db.t3.micro
    subnets = [data_a, data_b]
    security_groups = [db_sg]
    master_username = "app"
    manage_master_password = true
  }
  EXTRA
}
'''


def arch(tg_port=8080, db_port=5432, targets="target_groups = [app]", extra=""):
    return (WEB.replace("TG_PORT", str(tg_port)).replace("DB_PORT", str(db_port)).replace("TARGETS", targets)
            .replace("EXTRA", extra))


DATA_ACL = '''network_acl data_acl {
    vpc = main
    subnets = [data_a, data_b]
    ingress { rule = 100, action = allow, ports = 5432..5432, cidr = 10.0.0.0/16 }
    egress  { rule = 100, action = allow, ports = 5432..5432, cidr = 10.0.0.0/16 }
  }'''

CASES = {
    "target_port_not_admitted": arch(tg_port=9090),
    "no_targets": arch(targets=""),
    "database_port_not_admitted": arch(db_port=3306),
    "database_reply_denied_by_nacl": arch(extra=DATA_ACL),
    "listener_not_admitted_from_the_internet": arch().replace("ingress { port = 443, from = internet }",
                                                              "ingress { port = 8443, from = internet }"),
}


def reach_warnings(text):
    desired, diags = resolve_text(text)
    assert desired is not None and not [d for d in diags if d.is_error], [d.summary for d in diags]
    return [d for d in diags if "cannot reach" in d.summary or "serves nothing" in d.summary]


def test_a_design_whose_paths_get_through_has_no_warning():
    assert reach_warnings(arch()) == []


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_blocked_path_is_one_warning_at_the_blocking_rule(case, snapshot):
    found = reach_warnings(CASES[case])
    assert len(found) == 1, [d.summary for d in found]
    assert not found[0].is_error
    assert render(found[0]) == snapshot


def test_the_issue_case_points_at_the_security_group_that_admits_only_8080():
    (warning,) = reach_warnings(CASES["target_port_not_admitted"])
    assert "tcp 9090" in warning.summary and "east.app_sg" in warning.summary
    # underlined: the rule that admits the load balancer on 8080 only
    assert warning.span.start_line == WEB.count("\n", 0, WEB.index("ingress { port = 8080, from = lb_sg }")) + 1
