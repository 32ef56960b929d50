"""FSx file systems losing an AZ or a file server (notes §13.2): a Multi-AZ file system fails over
to its standby with nothing lost; a single-AZ persistent one is restored from its last backup in
another AZ, the writes since that backup (daily, or an AWS Backup plan's more frequent rule)
reported as the run's RPO; without backups it waits for its AZ; scratch Lustre loses its files."""

from __future__ import annotations

import pytest

from archform.providers.simulated.chaos import figures
from chaosbench import chaos, events, service, value_at

AT = 60.0
CASE = "fsx_failures.arch"


@pytest.fixture(scope="module")
def az():
    return chaos(CASE, "az:us-east-1a", at=AT, duration=7200, lengths={"az:us-east-1a": 1800.0})


def losses(doc, address):
    return [loss for loss in doc["data_loss"] if loss["resource"] == address]


def test_a_multi_az_file_system_fails_over_to_its_standby_without_losing_data(az):
    (done,) = events(az, "fsx.failover_complete", "primary.shares")
    low, high = figures.FSX_MULTI_AZ_FAILOVER_SECONDS
    assert low <= done["t"] - AT <= high
    assert "us-east-1b" in done["detail"]
    assert not losses(az, "primary.shares")
    assert value_at(service(az, "primary.shares"), AT + 1)[0] == 0.0
    assert value_at(service(az, "primary.shares"), done["t"] + 1)[0] == 1.0


def test_a_single_az_file_system_is_restored_from_its_daily_backup_and_the_rpo_is_reported(az):
    (started,) = events(az, "fsx.restore_started", "primary.hpc")
    (restored,) = events(az, "fsx.restored", "primary.hpc")
    assert 0 < started["rpo"] < figures.BACKUP_INTERVAL_SECONDS
    (loss,) = losses(az, "primary.hpc")
    assert loss["seconds"] == pytest.approx(started["rpo"])
    low, high = figures.FSX_RESTORE_SECONDS
    assert low <= restored["t"] - AT <= high
    assert "us-east-1b" in restored["detail"]
    hpc = service(az, "primary.hpc")
    assert value_at(hpc, AT + 1)[0] == 0.0 and value_at(hpc, restored["t"] + 1)[0] == 1.0


def test_an_aws_backup_rule_running_more_often_bounds_the_rpo(az):
    (started,) = events(az, "fsx.restore_started", "primary.zfs")
    assert "backup plan primary.hourly" in started["detail"]
    assert 0 < started["rpo"] < 3600
    (loss,) = losses(az, "primary.zfs")
    assert loss["seconds"] == pytest.approx(started["rpo"])


def test_the_rpo_follows_the_backup_schedule_not_the_fault_time():
    later = chaos(CASE, "az:us-east-1a", at=AT + 3600, duration=7200)
    early = chaos(CASE, "az:us-east-1a", at=AT, duration=7200)
    (now,), (then,) = losses(later, "primary.hpc"), losses(early, "primary.hpc")
    assert (now["seconds"] - then["seconds"]) % figures.BACKUP_INTERVAL_SECONDS == pytest.approx(3600)


def test_without_backups_the_file_system_waits_for_its_az_and_keeps_its_data(az):
    (down,) = events(az, "fsx.down", "primary.unsaved")
    assert "backups are off" in down["detail"]
    (back,) = events(az, "fsx.available", "primary.unsaved")
    assert back["t"] >= AT + 1800 and "with its data" in back["detail"]
    assert not losses(az, "primary.unsaved")


def test_scratch_lustre_loses_every_file_with_its_az(az):
    (loss,) = losses(az, "primary.scratch")
    assert loss["fraction"] == 1.0
    (back,) = events(az, "fsx.available", "primary.scratch")
    assert "empty" in back["detail"]


def test_a_failed_file_server_is_replaced_within_minutes():
    doc = chaos(CASE, "primary.hpc", "primary.scratch", at=AT, duration=3600)
    (replaced,) = events(doc, "fsx.server_replaced", "primary.hpc")
    low, high = figures.FSX_SERVER_REPLACE_SECONDS
    assert low <= replaced["t"] - AT <= high
    assert not losses(doc, "primary.hpc")
    (scratch,) = losses(doc, "primary.scratch")
    assert scratch["fraction"] == 1.0


def test_a_fault_on_the_active_server_ends_on_that_server_after_the_failover():
    doc = chaos(CASE, "primary.shares", at=AT, duration=1800, lengths={"primary.shares": 300.0})
    (done,) = events(doc, "fsx.failover_complete", "primary.shares")
    shares = service(doc, "primary.shares")
    assert value_at(shares, done["t"] + 1) == (1.0, 1.0)
    assert value_at(shares, AT + 301) == (1.0, 2.0)  # the old active server back, as the standby


def test_a_dr_plan_restores_a_file_system_from_the_backup_copied_to_its_secondary_region():
    doc = chaos("dr_fsx.arch", "region:us-east-1", at=AT, duration=3600)
    (restored,) = events(doc, "dr.restored", "primary.files")
    assert "backup plan primary.files_copy" in restored["detail"]
    (loss,) = losses(doc, "primary.files")
    assert 0 < loss["seconds"] < 4 * 3600  # the copy rule runs every 4 hours: its interval bounds the RPO
    (plan,) = [p for p in doc["dr_plans"] if p["address"] == "shop"]
    assert plan["assessments"][0]["recovered"]
