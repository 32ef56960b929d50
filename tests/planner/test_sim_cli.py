"""`archform sim …` through click's CliRunner, on a real modeled-cloud file."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from click.testing import CliRunner

from archform.planner.cli import main


@pytest.fixture
def sim(tmp_path):
    path = str(tmp_path / "cloud.db")
    runner = CliRunner()

    def run(*args, ok=True):
        result = runner.invoke(main, ["sim", *args, "--cloud", path], catch_exceptions=False)
        if ok:
            assert result.exit_code == 0, result.output
        return result

    run.path = path
    return run


def _basic(sim):
    vpc = sim("create", "vpc", "cidr=10.0.0.0/16").output.strip()
    subnet = sim("create", "subnet", f"vpc={vpc}", "cidr=10.0.1.0/24", "az=us-east-1a").output.strip()
    instance = sim("create", "instance", "ami=ami-1", "instance_type=t3.micro", f"subnet={subnet}").output.strip()
    return vpc, subnet, instance


def test_create_prints_the_new_id_and_list_shows_it_sorted(sim):
    vpc, subnet, instance = _basic(sim)
    assert vpc.startswith("vpc-0") and subnet.startswith("subnet-0") and instance.startswith("i-0")
    lines = sim("list").output.splitlines()
    assert lines[0].split() == ["KIND", "ID", "REGION", "AZ", "ADDRESS", "DETAIL"]
    assert [line.split()[:2] for line in lines[1:]] == [["instance", instance], ["subnet", subnet], ["vpc", vpc]]
    assert "private_ip=10.0.1.4" in lines[1] and "cidr=10.0.1.0/24" in lines[2]
    listed = json.loads(sim("list", "--format", "json").output)
    assert [r["id"] for r in listed] == [instance, subnet, vpc]
    assert [r["id"] for r in json.loads(sim("list", "--kind", "subnet", "--format", "json").output)] == [subnet]
    owned = sim("list", "--all").output
    assert "(owned by " + vpc + ", default)" in owned and "network_acl" in owned


def test_show_prints_the_resource_as_json(sim):
    vpc, subnet, instance = _basic(sim)
    shown = json.loads(sim("show", subnet).output)
    assert shown["attributes"]["cidr"] == "10.0.1.0/24" and shown["outputs"]["available_ips"] == 250
    assert shown["used_by"] == [{"id": instance, "path": "subnet"}]
    owns = json.loads(sim("show", vpc).output)["owns"]
    assert {o["kind"] for o in owns} == {"security_group", "route_table", "network_acl"}
    assert [o["id"] for o in owns] == sorted(o["id"] for o in owns)
    missing = sim("show", "vpc-0000000000000000f", ok=False)
    assert missing.exit_code == 1 and "no resource 'vpc-0000000000000000f'" in missing.output


def test_set_changes_attributes_behind_archforms_back(sim):
    from archform.providers.simulated import SimulatedCloud
    _, subnet, instance = _basic(sim)
    out = sim("set", subnet, "map_public_ip=true", 'tags={"team": "web"}', "public=yes").output
    assert out.splitlines() == [f'{subnet}: map_public_ip = true', f'{subnet}: public = "yes"',
                                f'{subnet}: tags = {{"team": "web"}}']
    sim("set", instance, "root_volume.size=16GiB", "instance_type=m5.large")
    cloud = SimulatedCloud(sim.path)
    now = cloud.read("subnet", subnet).attrs
    assert now["map_public_ip"] is True and now["tags"] == {"team": "web"} and now["public"] == "yes"
    inst = cloud.read("instance", instance).attrs
    assert inst["root_volume"]["size"] == "16GiB" and inst["instance_type"] == "m5.large"
    cloud.close()
    bad = sim("set", subnet, "no-equals-sign", ok=False)
    assert bad.exit_code == 1 and "expected NAME=VALUE" in bad.output


def test_delete_removes_without_refusing(sim):
    from archform.providers.simulated import SimulatedCloud
    vpc, subnet, instance = _basic(sim)
    assert sim("delete", vpc).output.strip() == f"deleted {vpc} and 3 records it owned"
    assert sim("delete", vpc).output.strip() == f"{vpc}: not in the modeled cloud, nothing to delete"
    cloud = SimulatedCloud(sim.path)
    assert cloud.read("vpc", vpc) is None and cloud.read("subnet", subnet) is not None  # drift, dangling
    cloud.close()


def test_create_is_checked_as_aws_checks(sim):
    vpc, _, _ = _basic(sim)
    refused = sim("create", "subnet", "vpc=vpc-0123456789abcdef0", "cidr=10.0.2.0/24", "az=us-east-1a", ok=False)
    assert refused.exit_code == 1 and "InvalidVpcID.NotFound" in refused.output
    outside = sim("create", "subnet", f"vpc={vpc}", "cidr=10.9.0.0/24", "az=us-east-1a", ok=False)
    assert "InvalidSubnet.Range" in outside.output
    eu = sim("create", "s3_bucket", "bucket=made-by-hand", "--region", "eu-west-1").output.strip()
    assert eu == "made-by-hand"
    taken = sim("create", "s3_bucket", "bucket=made-by-hand", ok=False)
    assert "BucketAlreadyExists" in taken.output


def test_reset_empties_the_cloud(sim):
    _basic(sim)
    assert "is empty (seed 3)" in sim("reset", "--seed", "3").output
    assert sim("list").output == ""
    assert sim("list", "--format", "json").output.strip() == "[]"
    assert sim("create", "vpc", "cidr=10.0.0.0/16").output.strip() != ""


def test_list_of_a_cloud_never_made_is_empty(tmp_path):
    runner = CliRunner()
    result = runner.invoke(main, ["sim", "list", "--cloud", str(tmp_path / "none.db")])
    assert result.exit_code == 0 and result.output == ""
    assert not (tmp_path / "none.db").exists()


def test_the_environment_variable_names_the_cloud(tmp_path, monkeypatch):
    monkeypatch.setenv("ARCHFORM_CLOUD", str(tmp_path / "env.db"))
    runner = CliRunner()
    made = runner.invoke(main, ["sim", "create", "vpc", "cidr=10.0.0.0/16"])
    assert made.exit_code == 0 and (tmp_path / "env.db").exists()
    assert made.output.strip() in runner.invoke(main, ["sim", "list"]).output


def test_output_is_deterministic(tmp_path):
    def session(name):
        runner = CliRunner()
        path = str(tmp_path / name)
        outputs = []
        for args in (["create", "vpc", "cidr=10.0.0.0/16"],):
            outputs.append(runner.invoke(main, ["sim", *args, "--cloud", path]).output)
        vpc = outputs[0].strip()
        outputs.append(runner.invoke(main, ["sim", "create", "subnet", f"vpc={vpc}", "cidr=10.0.1.0/24",
                                            "az=us-east-1a", "--cloud", path]).output)
        outputs.append(runner.invoke(main, ["sim", "list", "--all", "--cloud", path]).output)
        outputs.append(runner.invoke(main, ["sim", "show", vpc, "--cloud", path]).output)
        return outputs
    assert session("a.db") == session("b.db")


def test_importing_the_commands_stays_light():
    code = ("import sys, archform.planner.cli.sim; "
            "print(any(m.startswith('archform.providers.simulated') for m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"
    helped = CliRunner().invoke(main, ["--help"])
    assert helped.exit_code == 0 and "sim" in helped.output


def test_set_with_react_goes_through_the_api(sim):
    from archform.providers.simulated import SimulatedCloud
    vpc, subnet, _ = _basic(sim)
    other = sim("create", "subnet", f"vpc={vpc}", "cidr=10.0.2.0/24", "az=us-east-1b").output.strip()
    group = sim("create", "autoscaling_group", f'subnets=["{subnet}", "{other}"]', "min=1", "max=6",
                'launch={"ami": "ami-1", "instance_type": "t3.micro"}').output.strip()
    sim("set", group, "desired=4", "--react")
    cloud = SimulatedCloud(sim.path)
    assert cloud.read("autoscaling_group", group).outputs["desired_capacity"] == 4
    cloud.close()
    refused = sim("set", subnet, "cidr=10.0.9.0/24", "--react", ok=False)
    assert refused.exit_code == 1 and "Unsupported" in refused.output
    raw = sim("set", subnet, "cidr=10.0.9.0/24")  # without --react nothing is refused
    assert raw.exit_code == 0
