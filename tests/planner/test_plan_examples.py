"""Plans of every example, as a reviewer reads them: fresh, after an edit, after a rename
with `moved`, and with drift made behind archform's back. Text and JSON are snapshots."""

from pathlib import Path

import pytest

from archform.planner import render
from archform.planner.changes import Action
from workbench import Workbench, stable_json

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"

# per example: an edit, a rename (old label, new label, region alias), and a drift
CASES = {
    "ha_web": {
        "edit": ("max                       = 12", "max                       = 20"),
        "rename": ("db_sg", "database_sg", "primary"),
        "drift": ("primary.app", "deregistration_delay", "5m"),
    },
    "static_site": {
        "edit": ("price_class         = 100", "price_class         = 200"),
        "rename": ("content", "site_content", "edge"),
        "drift": ("edge.content", "versioning", False),
    },
    "ha_ec2_eip": {
        "edit": ("health_check_grace_period = 3m", "health_check_grace_period = 5m"),
        "rename": ("address", "public_address", "ireland"),
        "drift": ("ireland.server_group", "max", 3),
    },
    "serverless_queue_worker": {
        "edit": ("visibility_timeout = 3m", "visibility_timeout = 5m"),
        "rename": ("failed", "dead_letters", "primary"),
        "drift": ("primary.jobs", "long_polling", "0s"),
    },
    "dr_warm_standby": {
        "edit": ("rto       = 10m", "rto       = 15m"),
        "rename": ("site", "site_certificate", "primary"),
        "drift": ("standby.web_fleet", "max", 3),
    },
    "serverless_api": {
        "edit": ("throttle_rate  = 500", "throttle_rate  = 400"),
        "rename": ("write_orders", "create_orders", "primary"),
        "drift": ("primary.orders", "point_in_time_recovery", False),
    },
    "queue_workers": {
        "edit": ("max                       = 30", "max                       = 40"),
        "rename": ("failed_orders", "dead_orders", "primary"),
        "drift": ("primary.fleet", "max", 20),
    },
    "fan_out": {
        "edit": ("visibility_timeout = 6m", "visibility_timeout = 10m"),
        "rename": ("failed", "dead_letters", "primary"),
        "drift": ("primary.audit", "visibility_timeout", "2m"),
    },
    "stream_pipeline": {
        "edit": ("retention = 48h", "retention = 72h"),
        "rename": ("clicks_to_lake", "delivery", "primary"),
        "drift": ("primary.clicks", "retention", "1d"),
    },
    "analytics": {
        "edit": ("bytes_scanned_cutoff = 10GB", "bytes_scanned_cutoff = 20GB"),
        "rename": ("query_results", "athena_results", "primary"),
        "drift": ("primary.warehouse", "snapshot_retention", "1d"),
    },
    "beanstalk_web": {
        "edit": ("min             = 3", "min             = 4"),
        "rename": ("releases", "bundles", "primary"),
        "drift": ("primary.storefront", "max", 12),
    },
    "eks_cluster": {
        "edit": ("desired         = 6", "desired         = 8"),
        "rename": ("shared", "web_storage", "primary"),
        "drift": ("primary.general", "max", 20),
    },
    "mq_broker": {
        "edit": ("max                       = 8", "max                       = 10"),
        "rename": ("order_service", "orders_api", "primary"),
        "drift": ("primary.workers", "max", 4),
    },
    "hybrid_network": {
        "edit": ('description     = "the hub: three VPCs and on-premises"',
                 'description     = "the hub of the three VPCs and on-premises"'),
        "rename": ("backup_vpn", "secondary_vpn", "primary"),
        "drift": ("primary.hub", "dns_support", False),
    },
    "backup_restore": {
        "edit": ("start_window = 1h", "start_window = 2h"),
        "rename": ("documents", "papers", "primary"),
        "drift": ("primary.documents", "versioning", False),
    },
    "fargate_service": {
        "edit": ("max_tasks                 = 12", "max_tasks                 = 20"),
        "rename": ("efs_sg", "nfs_sg", "primary"),
        "drift": ("primary.web_tasks", "deregistration_delay", "5m"),
    },
    "secure_data_tier": {
        "edit": ("rate_limit = 2000", "rate_limit = 1000"),
        "rename": ("blocked", "bad_addresses", "primary"),
        "drift": ("primary.app_logs", "retention", "30d"),
    },
}


def _text(name: str) -> str:
    return (EXAMPLES / f"{name}.arch").read_text()


def _rename(text: str, old: str, new: str, region: str) -> str:
    import re
    text = re.sub(rf"\b{old}\b", new, text)
    return text + f"\nmoved {region}.{old} -> {region}.{new}\n"


@pytest.fixture
def bench(tmp_path):
    b = Workbench(tmp_path)
    yield b
    b.close()


def test_every_example_has_cases():
    assert sorted(p.stem for p in EXAMPLES.glob("*.arch")) == sorted(CASES)


@pytest.mark.parametrize("name", sorted(CASES))
def test_fresh_plan(name, bench, snapshot):
    plan = bench.plan(_text(name))
    assert all(c.action is Action.CREATE for c in plan.changes)
    assert render.text(plan) == snapshot(name="text")
    assert stable_json(plan) == snapshot(name="json")
    assert render.text(plan, summary=True) == snapshot(name="summary")


@pytest.mark.parametrize("name", sorted(CASES))
def test_apply_then_no_changes(name, bench):
    plan, result = bench.apply(_text(name))
    assert not result.failed, result.failed
    again = bench.plan(_text(name))
    assert again.summary.empty and not again.drift
    assert render.text(again) == "No changes. Your infrastructure matches the configuration.\n"


@pytest.mark.parametrize("name", sorted(CASES))
def test_plan_after_an_edit(name, bench, snapshot):
    bench.apply(_text(name))
    old, new = CASES[name]["edit"]
    assert old in _text(name)
    plan = bench.plan(_text(name).replace(old, new))
    assert plan.summary.change == 1 and plan.summary.add == plan.summary.destroy == 0
    assert render.text(plan) == snapshot(name="text")
    assert stable_json(plan) == snapshot(name="json")


@pytest.mark.parametrize("name", sorted(CASES))
def test_rename_with_moved_causes_no_churn(name, bench, snapshot):
    bench.apply(_text(name))
    old, new, region = CASES[name]["rename"]
    plan = bench.plan(_rename(_text(name), old, new, region))
    moved = [c for c in plan.changes if c.previous_address]
    assert [(c.previous_address, c.address) for c in moved] == [(f"{region}.{old}", f"{region}.{new}")]
    assert plan.summary.add == plan.summary.destroy == plan.summary.replace == 0
    assert render.text(plan) == snapshot(name="text")
    _, result = bench.apply(_rename(_text(name), old, new, region))
    assert not result.failed
    assert bench.plan(_rename(_text(name), old, new, region)).summary.empty


@pytest.mark.parametrize("name", sorted(CASES))
def test_drift_is_reported_apart_and_reverted(name, bench, snapshot):
    bench.apply(_text(name))
    address, attr, value = CASES[name]["drift"]
    record = bench.store.read().resources[address]
    bench.cloud.update(record.kind, record.id, {**record.applied, attr: value}, [attr])  # behind archform's back
    plan = bench.plan(_text(name))
    assert [d.address for d in plan.drift] == [address]
    assert [c.address for c in plan.changes if c.action is not Action.NOOP] == [address]
    assert render.text(plan) == snapshot(name="text")
    assert stable_json(plan) == snapshot(name="json")
    bench.apply(_text(name))
    assert bench.plan(_text(name)).summary.empty
