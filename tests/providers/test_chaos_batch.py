"""AWS Batch losing an AZ (chaos_cases/batch.arch): the on-demand compute environment's
instances in the lost AZ are replaced in the other (the Auto Scaling group underneath: status
checks, then boot) and it holds its 8 vCPUs again; a fault on it touches only its instances."""

from __future__ import annotations

import pytest

from archform.providers.simulated.chaos import figures
from chaosbench import chaos, events, service, value_at

AT, AZ = 60.0, "us-east-1a"


def test_an_environment_is_back_to_its_vcpus_in_the_surviving_az():
    doc = chaos("batch.arch", f"az:{AZ}", at=AT, duration=900)
    env = service(doc, "primary.ondemand")
    assert env["kind"] == "batch_compute_environment"
    assert value_at(env, AT - 1) == (1.0, 2) and value_at(env, AT + 1)[1] == 1
    (launch,) = events(doc, "asg.launch", "primary.ondemand")
    assert launch["azs"] == ["us-east-1b"] and launch["t"] - AT <= figures.STATUS_CHECK_SECONDS
    back = next(p[0] for p in env["series"] if p[0] > AT and p[2] == 2)
    assert back - launch["t"] == pytest.approx(figures.BOOT_SECONDS, abs=1)
    assert value_at(service(doc, "primary.spot"), 899) == (1.0, 0)  # scaled to zero: nothing to lose


def test_a_fault_on_an_environment_replaces_its_instances():
    doc = chaos("batch.arch", "primary.ondemand", at=AT, duration=900)
    env = service(doc, "primary.ondemand")
    assert value_at(env, AT + 1)[1] == 0
    assert value_at(env, 899) == (1.0, 2)
