"""DMS replication instances losing an AZ (notes §25.3.4): a Multi-AZ instance fails over to its
standby and its tasks stop for the failover only; a single-AZ one waits for its AZ and its tasks
stop until it is back; either way a CDC task resumes from its checkpoint."""

from __future__ import annotations

import pytest

from archform.providers.simulated.chaos import figures
from archform.providers.simulated.chaos.loops.dms import DMS_FAILOVER_SECONDS
from chaosbench import chaos, events, service, value_at

AT = 60.0
CASE = "dms_tasks.arch"


@pytest.fixture(scope="module")
def az():
    return chaos(CASE, "az:us-east-1a", at=AT, duration=3600, lengths={"az:us-east-1a": 900.0})


def test_a_multi_az_instance_fails_over_and_its_task_stops_only_meanwhile(az):
    (done,) = events(az, "dms.failover_complete", "primary.pair")
    low, high = DMS_FAILOVER_SECONDS
    assert low <= done["t"] - AT <= high
    (stopped,) = events(az, "dms.task_stopped", "primary.sync")
    (resumed,) = events(az, "dms.task_resumed", "primary.sync")
    assert stopped["t"] == AT and resumed["t"] == done["t"]
    assert resumed["seconds"] == pytest.approx(done["t"] - AT, abs=0.1)
    assert "change data capture resumes" in resumed["detail"]
    sync = service(az, "primary.sync")
    assert value_at(sync, AT + 1)[0] == 0.0 and value_at(sync, done["t"] + 1)[0] == 1.0


def test_a_single_az_instance_stops_its_task_until_its_az_is_back(az):
    (down,) = events(az, "dms.down", "primary.single")
    assert down["t"] == AT
    (stopped,) = events(az, "dms.task_stopped", "primary.load")
    (resumed,) = events(az, "dms.task_resumed", "primary.load")
    assert stopped["t"] == AT
    assert resumed["t"] == pytest.approx(AT + 900 + figures.RESTART_AFTER_ZONE_SECONDS)
    assert "full load restarts" in resumed["detail"]
    assert value_at(service(az, "primary.load"), AT + 600)[0] == 0.0


def test_a_task_failing_on_its_own_leaves_its_instance_running():
    doc = chaos(CASE, "primary.sync", at=AT, duration=1800, lengths={"primary.sync": 300.0})
    (resumed,) = events(doc, "dms.task_resumed", "primary.sync")
    assert resumed["t"] == AT + 300
    assert not events(doc, "dms.failover_started")
    assert value_at(service(doc, "primary.pair"), AT + 1)[0] == 1.0
