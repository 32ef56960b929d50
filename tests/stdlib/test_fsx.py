"""FSx file systems (notes §13.2): each of AWS's limits per type and deployment type is one
diagnostic at the attribute at fault; the defaults are the safe ones (persistent Lustre, daily
backups kept 7 days, encrypted always)."""

from __future__ import annotations

import pytest

from archform.dsl.resolve import resolve_text

BASE = '''region "us-east-1" as east {
  vpc main { cidr = 10.0.0.0/16 }
  vpc other { cidr = 10.9.0.0/16 }
  subnet a { vpc = main, cidr = 10.0.1.0/24, az = a }
  subnet b { vpc = main, cidr = 10.0.2.0/24, az = b }
  subnet a2 { vpc = main, cidr = 10.0.3.0/24, az = a }
  security_group fs_sg { vpc = main }
  security_group other_sg { vpc = other }

  fsx_file_system fs {
%s
  }
}
'''

WINDOWS = '''    type             = windows
    deployment       = multi_az_1
    storage_capacity = 32GiB
    throughput       = 32
    subnets          = [a, b]
    preferred_subnet = a
    security_groups  = [fs_sg]
    active_directory = "d-1234567890"'''

LUSTRE = '''    type               = lustre
    storage_capacity   = 2400GiB
    throughput_per_tib = 250
    subnets            = [a]
    security_groups    = [fs_sg]'''


def diagnose(body: str):
    desired, diags = resolve_text(BASE % body, "main.arch")
    return desired, [d for d in diags if d.is_error or d.severity == "warning"]


def errors(body: str) -> list[str]:
    return [d.summary for d in diagnose(body)[1] if d.is_error]


def test_valid_file_systems_of_each_type_have_no_diagnostic():
    for body in (WINDOWS, LUSTRE,
                 WINDOWS.replace("windows", "ontap").replace("32GiB", "1024GiB").replace("= 32\n", "= 128\n")
                 .replace('    active_directory = "d-1234567890"', ""),
                 '    type = openzfs, storage_capacity = 64GiB, throughput = 64, subnets = [b], security_groups = [fs_sg]'):
        assert diagnose(body)[1] == [], body


def test_lustre_defaults_to_persistent_with_seven_days_of_backups():
    desired, _ = diagnose(LUSTRE)
    fs = desired.resources["east.fs"].model
    assert fs.deployment == "persistent_2" and fs.backup_retention.seconds == 7 * 86400 and not fs.multi_az


def test_scratch_has_no_backups_and_is_warned_its_data_is_not_replicated():
    desired, found = diagnose('    type = lustre, deployment = scratch_2, storage_capacity = 1200GiB, subnets = [a], '
                              'security_groups = [fs_sg]')
    assert desired.resources["east.fs"].model.backup_retention.seconds == 0
    assert [(d.severity, "not replicated" in d.summary) for d in found] == [("warning", True)]


@pytest.mark.parametrize("change, message", [
    (("deployment       = multi_az_1", "deployment = scratch_1"),
     "'scratch_1' is not a deployment type of FSx for windows"),
    (("storage_capacity = 32GiB", "storage_capacity = 31GiB"), "FSx for windows on SSD stores 32–65536 GiB, got 31 GiB"),
    (("storage_capacity = 32GiB", "storage_capacity = 64TiB + 1GiB"), "stores 32–65536 GiB, got 65537 GiB"),
    (("storage_capacity = 32GiB", "storage_capacity = 1000GiB, storage_type = hdd"),
     "FSx for windows on HDD stores 2000–65536 GiB, got 1000 GiB"),
    (("throughput       = 32", "throughput = 48"), "takes a throughput of 8, 16, 32, 64, 128, 256, 512, 1024, 2048"),
    (("throughput       = 32", ""), "FSx for windows needs a throughput capacity"),
    (("subnets          = [a, b]", "subnets = [a]"), "a Multi-AZ file system has two subnets"),
    (("subnets          = [a, b]", "subnets = [a, a2]"), "two subnets are in two Availability Zones"),
    (("preferred_subnet = a", ""), "a Multi-AZ file system names its preferred_subnet"),
    (("    active_directory = \"d-1234567890\"", ""), "FSx for Windows File Server joins an Active Directory"),
    (("d-1234567890", "corp.example.com"), "a directory id is 'd-' and 10 hexadecimal digits"),
    (("security_groups  = [fs_sg]", "security_groups = [other_sg]"), "security group 'east.other_sg' is of VPC"),
])
def test_windows_limits(change, message):
    found = errors(WINDOWS.replace(*change))
    assert len(found) == 1 and message in found[0], found


@pytest.mark.parametrize("change, message", [
    (("2400GiB", "3600GiB"), "persistent_2 on SSD stores 1200 GiB, 2400 GiB or a multiple of 2400 GiB, got 3600"),
    (("throughput_per_tib = 250", "throughput_per_tib = 200"), "takes a throughput_per_tib of 125, 250, 500, 1000"),
    (("throughput_per_tib = 250", ""), "persistent Lustre needs throughput_per_tib"),
    (("throughput_per_tib = 250", "throughput = 250"), "set throughput_per_tib (persistent) instead of throughput"),
    (("subnets            = [a]", "subnets = [a, b]"), "a single-AZ file system (persistent_2) is in one subnet"),
    (("type               = lustre", "type = lustre, storage_type = hdd"), "HDD storage is not offered for FSx for "
                                                                           "lustre persistent_2"),
    (("type               = lustre", "type = lustre, active_directory = \"d-1234567890\""),
     "active_directory is for FSx for Windows File Server, not lustre"),
    (("type               = lustre", "type = lustre, backup_retention = 91d"), "backup_retention must be between"),
    (("type               = lustre", "type = lustre, backup_retention = 36h"), "backup_retention counts whole days"),
])
def test_lustre_limits(change, message):
    found = errors(LUSTRE.replace(*change))
    assert len(found) == 1 and message in found[0], found


def test_hdd_lustre_capacity_follows_its_throughput_tier():
    body = ('    type = lustre, deployment = persistent_1, storage_type = hdd, throughput_per_tib = %d, '
            'storage_capacity = %s, subnets = [a], security_groups = [fs_sg]')
    assert errors(body % (12, "6000GiB")) == [] and errors(body % (40, "1800GiB")) == []
    (found,) = errors(body % (12, "1800GiB"))
    assert "a multiple of 6000 GiB at 12 MB/s/TiB, got 1800 GiB" in found


def test_scratch_1_capacity_steps_and_no_backups():
    body = '    type = lustre, deployment = scratch_1, storage_capacity = %s, subnets = [a], security_groups = [fs_sg]'
    assert errors(body % "3600GiB") == []
    (found,) = errors(body % "4800GiB")
    assert "1200 GiB, 2400 GiB or a multiple of 3600 GiB" in found
    (found,) = errors((body % "1200GiB") + ", backup_retention = 7d")
    assert "scratch Lustre file systems have no backups" in found


@pytest.mark.parametrize("body, message", [
    ("type = ontap, deployment = single_az_2, storage_capacity = 1024GiB, throughput = 1024, subnets = [a]",
     "takes a throughput of 1536, 3072, 6144 MB/s, got 1024"),
    ("type = ontap, storage_capacity = 1000GiB, throughput = 128, subnets = [a]", "stores 1024–524288 GiB"),
    ("type = openzfs, storage_capacity = 32GiB, throughput = 64, subnets = [a]", "stores 64–524288 GiB"),
    ("type = openzfs, deployment = multi_az_1, storage_capacity = 64GiB, throughput = 64, subnets = [a, b], "
     "preferred_subnet = a", "takes a throughput of 160, 320"),
    ("type = openzfs, storage_capacity = 64GiB, throughput = 64, subnets = [a], preferred_subnet = a",
     "preferred_subnet is for Multi-AZ file systems"),
    ("type = openzfs, storage_capacity = 64GiB, storage_type = hdd, throughput = 64, subnets = [a]",
     "HDD storage is not offered for FSx for openzfs"),
])
def test_ontap_and_openzfs_limits(body, message):
    found = errors(f"    {body}, security_groups = [fs_sg]")
    assert len(found) == 1 and message in found[0], found


def test_a_single_az_file_system_without_backups_is_warned():
    _, found = diagnose(LUSTRE + "\n    backup_retention = 0d")
    assert [(d.severity, "losing its AZ loses its data" in d.summary) for d in found] == [("warning", True)]
