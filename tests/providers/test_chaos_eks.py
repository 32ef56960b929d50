"""EKS losing an AZ (examples/eks_cluster.arch): the managed node groups replace their nodes in
the surviving AZs and are back to desired (the Auto Scaling group underneath, status checks and
boot), the control plane keeps answering, the Fargate pods of the lost AZ are evicted after
Kubernetes' toleration and restart on Fargate in the other AZs, as their capacity allows; a
spot notice on the batch nodes launches their replacements before the interruption."""

from __future__ import annotations

import tempfile

import pytest
from click.testing import CliRunner

from archform.planner.rehearsal import fresh_cloud
from archform.providers.simulated.chaos import figures
from chaosbench import EXAMPLES, chaos, events, service, value_at

AT, AZ = 60.0, "us-west-2a"
EVICTED = AT + figures.EKS_NODE_NOT_READY_SECONDS + figures.EKS_POD_EVICTION_SECONDS


@pytest.fixture(scope="module")
def doc():
    return chaos("eks_cluster.arch", f"az:{AZ}", at=AT, duration=1800)


@pytest.mark.parametrize("group, desired, lost", [("primary.general", 6, 2), ("primary.batch", 3, 1)])
def test_a_node_group_replaces_its_nodes_in_the_surviving_azs(doc, group, desired, lost):
    nodes = service(doc, group)
    assert nodes["kind"] == "eks_node_group"
    assert value_at(nodes, AT - 1) == (1.0, desired)
    assert value_at(nodes, AT + 1)[1] == desired - lost
    (launch,) = events(doc, "asg.launch", group)
    assert AZ not in launch["azs"] and launch["count"] == lost
    assert launch["t"] - AT <= figures.STATUS_CHECK_SECONDS
    back = next(p[0] for p in nodes["series"] if p[0] > AT and p[2] == desired)
    assert back - launch["t"] == pytest.approx(figures.BOOT_SECONDS, abs=1)
    assert value_at(nodes, 1799) == (1.0, desired)


def test_the_control_plane_keeps_answering_through_the_other_azs(doc):
    api = service(doc, "primary.platform")
    assert value_at(api, AT + 1) == (1.0, 2.0)
    assert all(p[1] == 1.0 for p in api["series"])


def test_fargate_pods_are_evicted_after_their_toleration_and_restart_elsewhere(doc):
    pods = service(doc, "primary.web")
    assert value_at(pods, AT + 1)[1] == 4.0
    (lost,) = events(doc, "eks.pods_lost", "primary.web")
    assert lost["count"] == 2 and lost["azs"] == [AZ]
    (evicted,) = events(doc, "eks.pods_evicted", "primary.web")
    assert evicted["t"] == pytest.approx(EVICTED)
    (scheduled,) = events(doc, "eks.pods_scheduled", "primary.web")
    assert AZ not in scheduled["azs"]
    (running,) = events(doc, "eks.pods_running", "primary.web")
    low, high = figures.FARGATE_POD_START_SECONDS
    assert low <= running["t"] - EVICTED <= high
    assert value_at(pods, running["t"]) == (1.0, 6.0)


def test_pods_wait_for_fargate_capacity(monkeypatch):
    monkeypatch.setattr(figures, "FARGATE_VCPUS_PER_AZ", 1.0)  # two 0.5-vCPU pods per AZ: no room left
    doc = chaos("eks_cluster.arch", f"az:{AZ}", at=AT, duration=1200)
    (pending,) = events(doc, "eks.pods_pending", "primary.web")
    assert pending["count"] == 2 and pending["t"] == pytest.approx(EVICTED)
    assert not events(doc, "eks.pods_scheduled", "primary.web")
    assert value_at(service(doc, "primary.web"), 1199) == (pytest.approx(4 / 6, abs=1e-6), 4.0)


def test_a_spot_notice_launches_replacements_before_the_interruption():
    doc = chaos("eks_cluster.arch", "spot-interruption:primary.batch", at=AT, duration=900)
    (launch,) = events(doc, "asg.launch", "primary.batch")
    assert launch["t"] == AT and "capacity rebalancing" in launch["detail"]
    assert all(p[2] >= 3 for p in service(doc, "primary.batch")["series"])
    assert not events(doc, "asg.launch", "primary.general")


def test_the_chaos_command_reports_the_nodes_down_and_back_with_the_time():
    from archform.planner.cli import main
    with CliRunner().isolated_filesystem():
        result = CliRunner().invoke(main, ["chaos", str(EXAMPLES / "eks_cluster.arch"), "--fail", f"az:{AZ}"])
    assert result.exit_code == 0, result.output
    general = next(line for line in result.output.splitlines() if line.strip().startswith("primary.general "))
    assert "eks_node_group" in general and "6 instances → 4@00:01:00.0 6@00:03:" in general
    assert "primary.web: all 6 pods running again" in result.output


def test_pending_pods_start_when_their_az_returns(monkeypatch):
    monkeypatch.setattr(figures, "FARGATE_VCPUS_PER_AZ", 1.0)
    doc = chaos("eks_cluster.arch", f"az:{AZ}", at=AT, duration=1800, lengths={f"az:{AZ}": 900.0})
    (scheduled,) = events(doc, "eks.pods_scheduled", "primary.web")
    assert scheduled["azs"] == [AZ] and AT + 900 <= scheduled["t"] <= AT + 900 + 60
    assert value_at(service(doc, "primary.web"), 1799) == (1.0, 6.0)


def test_a_region_loss_stops_the_control_plane_and_every_node_until_it_returns():
    doc = chaos("eks_cluster.arch", "region:us-west-2", at=AT, duration=1800, lengths={"region:us-west-2": 600.0})
    down, back = events(doc, "eks.control_plane", "primary.platform")
    assert "its region us-west-2 is down" in down["detail"] and "its region us-west-2 is back" in back["detail"]
    api = service(doc, "primary.platform")
    assert value_at(api, AT + 1) == (0.0, 0.0) and value_at(api, AT + 601) == (1.0, 3.0)
    (evicted,) = events(doc, "eks.pods_evicted", "primary.web")  # the three AZs' pods in one eviction
    assert evicted["count"] == 6
    (pending,) = events(doc, "eks.pods_pending", "primary.web")
    assert "none of the profile's AZs is up" in pending["detail"]
    for group, desired in (("primary.general", 6), ("primary.batch", 3)):
        nodes = service(doc, group)
        assert value_at(nodes, AT + 1)[1] == 0 and value_at(nodes, 1799) == (1.0, desired)
    assert value_at(service(doc, "primary.web"), 1799) == (1.0, 6.0)


def test_pods_waiting_through_two_failures_are_retried_once_a_minute(monkeypatch):
    from archform.providers.simulated.chaos.faults import FaultSpec
    monkeypatch.setattr(figures, "FARGATE_VCPUS_PER_AZ", 1.0)  # no room in the AZs that stay up
    doc = chaos("eks_cluster.arch", FaultSpec("az:us-west-2a", 60.0, 900.0), FaultSpec("az:us-west-2b", 180.0, 900.0),
                duration=1800)
    pending = events(doc, "eks.pods_pending", "primary.web")
    assert [e["count"] for e in pending] == [2, 4, 2]  # the second AZ's too; then half placed when the first returns
    scheduled = events(doc, "eks.pods_scheduled", "primary.web")
    assert len({e["t"] for e in scheduled}) == len(scheduled)  # one retry chain: never two placements at once
    assert sum(e["count"] for e in scheduled) == 4
    assert value_at(service(doc, "primary.web"), 1799) == (1.0, 6.0)


def test_a_fault_on_a_node_group_breaks_its_nodes_and_they_are_replaced():
    doc = chaos("eks_cluster.arch", "primary.general", at=AT, duration=900, lengths={"primary.general": 300.0})
    (launch,) = events(doc, "asg.launch", "primary.general")
    assert launch["count"] == 6
    nodes = service(doc, "primary.general")
    assert value_at(nodes, AT + 1)[1] == 0 and value_at(nodes, 899) == (1.0, 6.0)
    assert value_at(service(doc, "primary.batch"), AT + 1) == (1.0, 3.0)  # the other group untouched


def test_a_fault_on_the_control_plane_stops_the_api_only():
    doc = chaos("eks_cluster.arch", "primary.platform", at=AT, duration=900, lengths={"primary.platform": 300.0})
    api = service(doc, "primary.platform")
    assert value_at(api, AT + 1)[0] == 0.0 and value_at(api, AT + 301)[0] == 1.0
    assert value_at(service(doc, "primary.general"), AT + 1) == (1.0, 6.0)


def test_a_fault_on_one_fargate_pod_evicts_and_replaces_it():
    with tempfile.TemporaryDirectory() as folder:  # the pod's id, as the fault names it
        cloud, _ = fresh_cloud(EXAMPLES / "eks_cluster.arch", {}, 0, folder)
        with cloud.store.reading() as tx:
            web = next(r for r in tx.query("kind = 'eks_fargate_profile'"))
            pod = sorted(p.id for p in tx.owned(web.id, "fargate_pod"))[0]
        cloud.close()
    doc = chaos("eks_cluster.arch", f"primary.web/{pod}", at=AT, duration=900)
    (lost,) = events(doc, "eks.pods_lost", "primary.web")
    assert lost["count"] == 1
    assert value_at(service(doc, "primary.web"), 899) == (1.0, 6.0)
