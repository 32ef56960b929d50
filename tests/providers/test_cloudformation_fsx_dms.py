"""CloudFormation of FSx and DMS: each file system with its type's configuration and the safe
values written (backups kept 7 days, none on scratch; the deployment type); DMS with its
subnet group, a private instance, SSL required and an endpoint reading its database's address."""

from __future__ import annotations

import json
from pathlib import Path

from archform.providers.cloudformation import generate

CASES = Path(__file__).resolve().parent / "chaos_cases"


def _parts(name: str, rtype: str) -> dict:
    result = generate(CASES / name, {})
    assert result.ok, [d.summary for d in result.diagnostics if d.is_error]
    return {r["Metadata"]["archform:address"]: r["Properties"]
            for _, body in result.templates for r in body["Resources"].values() if r["Type"] == rtype}


def test_each_file_system_has_its_type_s_configuration():
    fs = _parts("fsx_failures.arch", "AWS::FSx::FileSystem")
    shares = fs["primary.shares"]
    assert (shares["FileSystemType"], shares["StorageCapacity"], shares["StorageType"]) == ("WINDOWS", 32, "SSD")
    windows = shares["WindowsConfiguration"]
    assert windows["DeploymentType"] == "MULTI_AZ_1" and windows["ThroughputCapacity"] == 32
    assert windows["ActiveDirectoryId"] == "d-1234567890" and windows["AutomaticBackupRetentionDays"] == 7
    assert windows["PreferredSubnetId"] == {"Ref": "PrimaryDataA"} and len(shares["SubnetIds"]) == 2
    lustre = fs["primary.hpc"]["LustreConfiguration"]
    assert lustre == {"DeploymentType": "PERSISTENT_2", "AutomaticBackupRetentionDays": 7,
                      "PerUnitStorageThroughput": 250}
    assert fs["primary.unsaved"]["LustreConfiguration"]["AutomaticBackupRetentionDays"] == 0
    assert fs["primary.scratch"]["LustreConfiguration"] == {"DeploymentType": "SCRATCH_2"}
    assert fs["primary.zfs"]["OpenZFSConfiguration"]["ThroughputCapacity"] == 64


def test_dms_writes_a_private_instance_ssl_and_the_database_s_address():
    (instance,) = [p for a, p in _parts("dms_tasks.arch", "AWS::DMS::ReplicationInstance").items()
                   if a == "primary.pair"]
    assert instance["MultiAZ"] is True and instance["PubliclyAccessible"] is False
    assert instance["ReplicationSubnetGroupIdentifier"] == {"Ref": "PrimaryPairSubnetGroup"}
    endpoints = _parts("dms_tasks.arch", "AWS::DMS::Endpoint")
    target = endpoints["primary.to_orders"]
    assert target["SslMode"] == "require" and target["EngineName"] == "aurora"
    assert target["ServerName"] == {"Fn::GetAtt": ["PrimaryOrders", "Endpoint.Address"]}
    assert target["Password"] == {"Ref": "DbPassword"}
    source = endpoints["primary.on_premises"]
    assert (source["ServerName"], source["Port"], source["EndpointType"]) == ("db.corp.example.com", 3306, "source")
    tasks = _parts("dms_tasks.arch", "AWS::DMS::ReplicationTask")
    assert tasks["primary.load"]["MigrationType"] == "full-load"
    assert tasks["primary.sync"]["MigrationType"] == "full-load-and-cdc"
    rules = json.loads(tasks["primary.sync"]["TableMappings"])["rules"]
    assert rules[0]["rule-action"] == "include" and rules[0]["object-locator"] == {"schema-name": "%",
                                                                                   "table-name": "%"}
