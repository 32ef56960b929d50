"""FSx in the modeled cloud: a file system's id and ARN as AWS's, its file servers in its
subnets' AZs (what the chaos run fails), and what CreateFileSystem refuses."""

from __future__ import annotations

import pytest

from archform.providers.base import InvalidParameter
from archform.dsl import values as v
from archform.stdlib.types import dur

GIB = v.Size.of(1, "GiB")


def _size(gib: int):
    return v.Size(GIB.bytes * gib)


def test_a_multi_az_file_system_has_its_active_server_in_the_preferred_subnet(network):
    r = network.ref
    fs = network.add("shares", "fsx_file_system", type="windows", deployment="multi_az_1", storage_capacity=_size(32),
                     throughput=32, subnets=[r("a"), r("b")], preferred_subnet=r("b"), security_groups=[r("sg")],
                     active_directory="d-1234567890")
    assert fs.id.startswith("fs-0") and len(fs.id) == 20
    assert fs.outputs["arn"] == f"arn:aws:fsx:us-east-1:123456789012:file-system/{fs.id}"
    assert fs.outputs["dns_name"] == f"{fs.id}.fsx.us-east-1.amazonaws.com"
    assert [(s["role"], s["az"]) for s in fs.outputs["file_servers"]] == [("preferred", "us-east-1b"),
                                                                          ("standby", "us-east-1a")]


def test_a_single_az_file_system_lives_in_its_subnet_az(network):
    r = network.ref
    fs = network.add("hpc", "fsx_file_system", type="lustre", storage_capacity=_size(1200), throughput_per_tib=125,
                     subnets=[r("b")], security_groups=[r("sg")])
    assert [(s["role"], s["az"]) for s in fs.outputs["file_servers"]] == [("primary", "us-east-1b")]


@pytest.mark.parametrize("data, code, message", [
    ({"type": "windows", "deployment": "multi_az_1", "throughput": 32, "subnets": ["a"], "preferred_subnet": "a",
      "active_directory": "d-1234567890"}, "InvalidNetworkSettings",
     "The MULTI_AZ_1 deployment type requires exactly two subnets; 1 were given."),
    ({"type": "windows", "deployment": "single_az_2", "throughput": 32, "subnets": ["a"]}, "ActiveDirectoryError",
     "A Windows file system must join an Active Directory."),
    ({"type": "ontap", "deployment": "multi_az_1", "throughput": 128, "subnets": ["a", "b"], "preferred_subnet": "c"},
     "InvalidNetworkSettings", "The preferred subnet must be one of the file system's subnets."),
    ({"type": "lustre", "deployment": "scratch_2", "subnets": ["a"], "backup_retention": dur("1d")},
     "BadRequest", "Automatic backups are not supported on scratch file systems."),
], ids=["multi_az_one_subnet", "windows_no_directory", "preferred_outside", "scratch_backups"])
def test_what_create_file_system_refuses(network, cloud, data, code, message):
    r = network.ref
    network.add("c", "subnet", vpc=r("main"), cidr="10.0.3.0/24", az="us-east-1c")
    data = {k: [r(s) for s in x] if k == "subnets" else r(x) if k == "preferred_subnet" else x for k, x in data.items()}
    attrs = network.attrs("fsx_file_system", storage_capacity=_size(1200 if data["type"] == "lustre" else 1024), **data)
    with pytest.raises(InvalidParameter) as e:
        cloud.create("fsx_file_system", "bad", "us-east-1", attrs, "t-bad")
    assert e.value.code == code and str(e.value).endswith(message)
