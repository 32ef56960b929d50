"""Hybrid networks and AWS Backup under chaos (notes §24.8–§24.10, §25.5): an AZ's loss takes a
transit gateway attachment's interface there while it serves through the other; a VPN tunnel's
loss moves traffic to the other tunnel after dead-peer detection; a Direct Connect line's loss
fails over to the backup VPN after the BGP hold time, with the path reported, and back; a
backup plan's schedule is the RPO of a restore in the other region."""

from __future__ import annotations

import pytest

from archform.providers.simulated.chaos.faults import FaultSpec
from archform.providers.simulated.chaos.loops.hybrid import BGP_HOLD_SECONDS, DPD_TIMEOUT_SECONDS
from chaosbench import chaos, events, service, value_at

AT = 300.0


def test_an_az_loss_takes_one_attachment_interface_and_the_attachment_keeps_serving():
    doc = chaos("hybrid_links.arch", "az:us-east-1a", at=AT, duration=1800, lengths={"az:us-east-1a": 600})
    att = service(doc, "east.app_att")
    assert value_at(att, AT - 1) == (1.0, 2.0)
    assert value_at(att, AT + 1) == (1.0, 1.0)
    (down,) = events(doc, "tgw.interface_down", "east.app_att")
    assert "keeps serving through us-east-1b" in down["detail"]
    assert value_at(att, AT + 601) == (1.0, 2.0)


def test_a_vpn_tunnel_loss_moves_traffic_to_the_other_tunnel():
    doc = chaos("hybrid_links.arch", "east.backup_vpn/tunnel-1", at=AT, duration=1800)
    vpn = service(doc, "east.backup_vpn")
    (moved,) = events(doc, "vpn.tunnel_failover", "east.backup_vpn")
    assert moved["t"] == pytest.approx(AT + DPD_TIMEOUT_SECONDS)
    assert "tunnel-2 in us-east-1b" in moved["detail"]
    assert value_at(vpn, AT + 1)[0] == 0.0
    assert value_at(vpn, moved["t"] + 1) == (1.0, 1.0)
    assert [f["what"] for f in doc["failovers"] if f["resource"] == "east.backup_vpn"] == ["VPN tunnel"]


def test_a_dx_line_loss_fails_over_to_the_backup_vpn_with_its_time_and_path_and_back():
    doc = chaos("hybrid_links.arch", FaultSpec("east.line", AT, 1200.0), duration=3600)
    (failover,) = events(doc, "dx.failover_to_vpn", "east.hub")
    assert failover["t"] == pytest.approx(AT + BGP_HOLD_SECONDS)
    assert "backup VPN" in failover["detail"] and "east.backup_vpn" in failover["detail"]
    assert "customer gateway east.office" in failover["detail"]
    reach = service(doc, "east.hub", "on-premises")
    assert value_at(reach, AT + 1)[0] == 0.0                     # BGP still holds the dead line's routes
    assert value_at(reach, failover["t"] + 1)[0] == 1.0          # over the VPN
    (back,) = events(doc, "hybrid.path", "east.hub")
    assert back["t"] == pytest.approx(AT + 1200.0) and "Direct Connect east.line" in back["detail"]
    paths = [(f["from"], f["to"]) for f in doc["failovers"] if f["resource"] == "east.hub"]
    assert paths == [("east.line", "east.backup_vpn"), ("east.backup_vpn", "east.line")]


def test_without_a_vpn_a_dx_line_loss_cuts_on_premises_off():
    from pathlib import Path
    import tempfile
    from chaosbench import CASES
    text = (CASES / "hybrid_links.arch").read_text()
    start, end = text.index("  vpn_connection backup_vpn {"), text.index("  dx_connection line {")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "no_vpn.arch"
        path.write_text(text[:start] + text[end:])
        doc = chaos(str(path), FaultSpec("east.line", AT, None), duration=1800)
    assert not events(doc, "dx.failover_to_vpn")
    (cut,) = events(doc, "hybrid.unreachable", "east.hub")
    assert cut["t"] == pytest.approx(AT + BGP_HOLD_SECONDS)
    assert value_at(service(doc, "east.hub", "on-premises"), 1799)[0] == 0.0


def test_a_backup_plan_schedule_is_the_rpo_of_a_restore_in_the_other_region():
    doc = chaos("backup_rpo.arch", "region:us-east-1", at=600, duration=6 * 3600)
    (copies,) = events(doc, "backup.copies", "primary.orders")
    assert "every 4h" in copies["detail"] and "us-west-2" in copies["detail"]
    (lost,) = [x for x in doc["data_loss"] if x["resource"] == "primary.orders"]
    assert "backup plan primary.orders_backup" in lost["what"]
    assert 0 < lost["seconds"] <= 4 * 3600
    (restored,) = events(doc, "dr.restored", "primary.orders")
    assert "latest copy of backup plan primary.orders_backup" in restored["detail"]


def test_the_hybrid_example_fails_over_to_its_vpn_when_the_dx_line_fails():
    doc = chaos("hybrid_network.arch", FaultSpec("primary.line", AT, 1200.0), duration=3600)
    (failover,) = events(doc, "dx.failover_to_vpn", "primary.hub")
    assert failover["t"] == pytest.approx(AT + BGP_HOLD_SECONDS)
    assert "primary.backup_vpn" in failover["detail"]
    for vpc in ("shared", "app", "data"):
        assert value_at(service(doc, f"primary.{vpc}_att"), AT + 1)[0] == 1.0


def test_the_backup_restore_example_meets_its_rpo_with_the_hourly_copies():
    doc = chaos("backup_restore.arch", "region:us-east-1", at=60, duration=6 * 3600)
    losses = {x["resource"]: x["seconds"] for x in doc["data_loss"]}
    assert set(losses) == {"primary.orders", "primary.documents"}
    assert all(0 < s <= 3600 for s in losses.values())
    (plan,) = doc["dr_plans"]
    assert plan["address"] == "shop"


def test_a_virtual_interface_fault_fails_over_too_and_names_its_vlan():
    doc = chaos("hybrid_links.arch", FaultSpec("east.transit_vif", AT, 600.0), duration=1800)
    (down,) = events(doc, "dx.down", "east.transit_vif")
    assert "VLAN 101" in down["detail"]
    (failover,) = events(doc, "dx.failover_to_vpn", "east.hub")
    assert failover["t"] == pytest.approx(AT + BGP_HOLD_SECONDS)
    (back,) = events(doc, "hybrid.path", "east.hub")
    assert "Direct Connect east.line (VLAN 101)" in back["detail"]


def _static_vpn_hub(tmp_path, routed: bool = True) -> str:
    """A transit gateway reached over a static VPN (its route table's static route) and a
    Direct Connect line: reach takes the VPN (a transit gateway ranks static routes first)."""
    from tests.stdlib.test_reach_hybrid import LINE, STATIC_VPN, dxgw, hub
    route = "route { destination = 192.168.0.0/16, attachment = vpn_att }" if routed else ""
    tables = f"""transit_gateway_attachment vpn_att {{ transit_gateway = hub, vpn = vpn }}
  transit_gateway_route_table home {{
    transit_gateway = hub
    associations = [spoke_att, vpn_att]
    propagations = [spoke_att]
    {route}
  }}"""
    path = tmp_path / "static_vpn_hub.arch"
    path.write_text(hub(f"{STATIC_VPN}\n  {LINE}\n  {tables}", dx=dxgw(),
                        options="default_route_table_association = false, default_route_table_propagation = false"))
    return str(path)


def test_on_a_transit_gateway_a_static_vpn_carries_the_traffic_and_direct_connect_is_its_backup(tmp_path):
    """The run takes the path reach takes: losing the line changes nothing on-premises sees; losing
    the VPN (its customer gateway) moves to Direct Connect after dead-peer detection, and back."""
    arch = _static_vpn_hub(tmp_path)
    line = chaos(arch, "east.line", at=AT, duration=1800, lengths={"east.line": 600})
    assert events(line, "hybrid.path") == events(line, "dx.failover_to_vpn") == [] and line["failovers"] == []
    assert value_at(service(line, "east.hub", "on-premises"), AT + 1)[0] == 1.0
    office = chaos(arch, "east.office", at=AT, duration=1800, lengths={"east.office": 600})
    to_dx, back = events(office, "hybrid.path", "east.hub")
    assert to_dx["t"] == AT + DPD_TIMEOUT_SECONDS and "over Direct Connect east.line" in to_dx["detail"]
    assert back["t"] == AT + 600 and "VPN east.vpn" in back["detail"]
    assert [(f["from"], f["to"]) for f in office["failovers"]] == [("east.vpn", "east.line"), ("east.line", "east.vpn")]


def test_a_static_vpn_no_route_sends_anything_to_is_no_backup(tmp_path):
    """Without a static route to its attachment in the hub's route tables, a static VPN carries
    nothing (reach says so too): losing the line leaves on-premises without a path."""
    doc = chaos(_static_vpn_hub(tmp_path, routed=False), "east.line", at=AT, duration=1800)
    (lost,) = events(doc, "hybrid.unreachable", "east.hub")
    assert lost["t"] == AT + BGP_HOLD_SECONDS and events(doc, "dx.failover_to_vpn") == []
