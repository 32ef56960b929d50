"""A lifecycle postcondition against the modeled cloud: checked after the resource is made,
against what the cloud reports; a failure fails that resource's apply with its message, the
resource stays recorded as made (as Terraform does), and what depends on it is not applied."""

from __future__ import annotations

import pytest

from archform.planner.changes import Action
from workbench import Workbench

WEB = """
region "us-east-1" as primary {
  vpc v { cidr = 10.0.0.0/16 }
  internet_gateway gw { vpc = v }
  subnet pub { vpc = v, cidr = 10.0.1.0/24, az = a, public = true, map_public_ip = MAP }
  instance web {
    ami           = "ami-12345678"
    instance_type = t3.micro
    subnet        = pub
    lifecycle {
      postcondition {
        condition = self.public_ip == null
        message   = "web got the public address ${self.public_ip}"
      }
    }
  }
  elastic_ip ip { instance = web }
}
"""


@pytest.fixture
def bench(tmp_path):
    b = Workbench(tmp_path)
    yield b
    b.close()


def test_a_failing_postcondition_fails_the_apply_of_its_resource_and_skips_its_dependants(bench):
    plan, result = bench.apply(WEB.replace("MAP", "true"))
    by = {r.address: r for r in result.results}
    assert all(by[a].ok for a in ("primary.v", "primary.gw", "primary.pub"))
    web = by["primary.web"]
    assert not web.ok and web.id and web.id.startswith("i-")
    assert web.error.startswith("postcondition failed (main.arch:12:21): web got the public address ")
    ip = web.error.rsplit(" ", 1)[1]
    assert ip.count(".") == 3  # the address the modeled cloud gave it, quoted from the message
    assert by["primary.ip"].skipped_because.address == "primary.web"
    state = bench.store.read().resources
    assert "primary.web" in state and "primary.ip" not in state  # made, and recorded as made
    assert state["primary.web"].outputs["public_ip"] == ip
    assert state["primary.web"].lifecycle.postconditions[0].condition == "self.public_ip == null"
    assert result.counts()["added"] == 4  # v, gw, pub, and web: made, though its postcondition failed


def test_a_holding_postcondition_lets_the_apply_finish(bench):
    plan, result = bench.apply(WEB.replace("MAP", "false"))
    assert not result.failed and not result.skipped
    assert {r.address for r in result.results if r.action is Action.CREATE} >= {"primary.web", "primary.ip"}


def test_the_next_plan_reports_the_postcondition_the_recorded_resource_still_fails(bench):
    bench.apply(WEB.replace("MAP", "true"))
    again = bench.plan(WEB.replace("MAP", "true"))
    [d] = [d for d in again.diagnostics if d.is_error]
    assert d.summary.startswith("primary.web: postcondition failed (main.arch:12:21): web got the public address ")
    assert again.errored
    assert [c.address for c in again.changes if c.action is Action.CREATE] == ["primary.ip"]
