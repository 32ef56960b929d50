"""Compute kinds: instances, launch templates, ASGs, placement groups, EBS volumes, instance types."""

from __future__ import annotations

import ipaddress
from fractions import Fraction

import pytest
from pydantic import ValidationError

from archform.dsl import values as v
from archform.stdlib import catalogue, instance_types
from archform.stdlib.rules import rules
from archform.stdlib.schema import View, ViewGraph
from catalogue_bench import build, ref, view, w

REGION = "us-east-1"
MY_RULES = {"same_region", "spread_placement_limit", "cluster_placement_single_az", "placement_group_limit"}


def n(x) -> Fraction:
    return Fraction(x)


def gib(x) -> v.Size:
    return v.Size.of(x, "GiB")


def problems(views: list[View], severity: str | None = None) -> list[tuple[str, str]]:
    graph = ViewGraph(views)
    found = []
    for me in views:
        found += [(me.address, i) for i in me.model.check(me, graph)]
    for rule in rules():
        if rule.__name__ in MY_RULES:
            found += [(i.address, i) for i in rule(graph)]
    return [(a, i.message) for a, i in found if severity is None or i.severity == severity]


def messages(views, severity=None) -> list[str]:
    return [m for _, m in problems(views, severity)]


def network(vpc="main", octet=0, region=REGION, zones="abc") -> list[View]:
    """A VPC with one subnet per AZ letter: {vpc}_a, {vpc}_b, …"""
    views = [view(vpc, "vpc", {"cidr": v.Cidr(ipaddress.ip_network(f"10.{octet}.0.0/16"))}, region)]
    for i, z in enumerate(zones):
        views.append(view(f"{vpc}_{z}", "subnet", {"vpc": ref(vpc, "vpc"), "az": w(z),
                                                   "cidr": v.Cidr(ipaddress.ip_network(f"10.{octet}.{i}.0/24"))},
                          region))
    views.append(view(f"{vpc}_sg", "security_group", {"vpc": ref(vpc, "vpc")}, region))
    return views


def instance(address="web", subnet="main_a", **extra) -> View:
    attrs = {"ami": "ami-123", "instance_type": w("m5.large"), "subnet": ref(subnet, "subnet"), **extra}
    return view(address, "instance", attrs)


def asg(address="fleet", subnets=("main_a", "main_b"), lo=1, hi=3, desired=None, **extra) -> View:
    attrs = {"subnets": [ref(s, "subnet") for s in subnets], "min": n(lo), "max": n(hi), **extra}
    if desired is not None:
        attrs["desired"] = n(desired)
    attrs.setdefault("launch", {"ami": "ami-123", "instance_type": w("m5.large")})
    return view(address, "autoscaling_group", attrs)


def group(address="pg", strategy="spread", **extra) -> View:
    return view(address, "placement_group", {"strategy": w(strategy), **extra})


# --- instance types ----------------------------------------------------------------------------

def test_instance_type_table_has_real_figures():
    t = instance_types.lookup("m5.large")
    assert (t.vcpus, t.memory_gib, t.arch, t.has_instance_store) == (2, 8.0, "x86_64", False)
    assert instance_types.lookup("r6g.medium").arch == "arm64"
    assert instance_types.lookup("i3.metal").vcpus == 72 and instance_types.lookup("i3.large").memory_gib == 15.25
    assert instance_types.lookup("x1e.32xlarge").memory_gib == 3904
    assert instance_types.lookup("u-6tb1.metal").memory_gib == 6144
    assert instance_types.lookup("p4d.24xlarge").accelerators == 8
    assert instance_types.lookup("d3.xlarge").family.store == "hdd"
    assert instance_types.sizes("t3") == [f"t3.{s}" for s in
                                          ("nano", "micro", "small", "medium", "large", "xlarge", "2xlarge")]
    assert instance_types.family_of("u-6tb1.112xlarge") == "u-6tb1"


def test_every_listed_family_is_in_the_table():
    wanted = ("t2 t3 t3a t4g m5 m6i m6g m7i m7g c5 c6i c6g c7g r5 r6i r6g r7g x1e x2idn z1d i3 i4i d3 p3 p4d "
              "g4dn g5 inf2 u-6tb1").split()
    assert [f for f in wanted if not instance_types.sizes(f)] == []


def test_unknown_instance_type_suggests_a_size():
    with pytest.raises(ValidationError, match="'m5.larg' is not an instance type: m5 comes in large, xlarge"):
        build("instance", {"ami": "a", "instance_type": w("m5.larg"), "subnet": ref("s", "subnet")})
    with pytest.raises(ValidationError, match="'zz9.large' is not an instance type archform knows"):
        build("instance", {"ami": "a", "instance_type": w("zz9.large"), "subnet": ref("s", "subnet")})


# --- instance ---------------------------------------------------------------------------------

def test_instance_defaults():
    model = instance().model
    assert (model.instance_type, model.tenancy, model.purchase, model.hibernation) == \
        ("m5.large", "default", "on_demand", False)
    assert (str(model.root_volume.size), model.root_volume.type, model.root_volume.delete_on_termination) == \
        ("8GiB", "gp3", True)
    assert messages(network() + [instance(security_groups=[ref("main_sg", "security_group")])]) == []


def test_security_group_of_another_vpc_is_an_error():
    views = network() + network("other", 1) + [instance(security_groups=[ref("other_sg", "security_group")])]
    assert messages(views) == ["a security group is locked to its VPC: 'other_sg' belongs to VPC 'other', but subnet "
                               "'main_a' is in VPC 'main'"]


def test_security_group_of_another_region_is_an_error():
    views = network() + network("far", 1, region="eu-west-1") + [
        instance(security_groups=[ref("far_sg", "security_group")])]
    assert messages(views) == ["security group 'far_sg' is in eu-west-1, but this resource is declared in us-east-1"]


def test_instance_in_a_subnet_of_another_region():
    views = network("far", region="eu-west-1") + [instance(subnet="far_a")]
    assert messages(views) == ["subnet 'far_a' is in eu-west-1, but this resource is declared in us-east-1"]


def test_root_volume_must_be_ssd():
    with pytest.raises(ValidationError, match="only SSD volume types .* can be boot volumes; st1 is an HDD type"):
        instance(root_volume={"type": w("st1")})


def test_spot_price_without_spot():
    assert messages(network() + [instance(spot_max_price=Fraction(1, 10))]) == [
        "spot_max_price applies only to spot instances"]
    assert messages(network() + [instance(purchase=w("spot"), spot_max_price=Fraction(1, 10))]) == []


def test_user_data_limit():
    assert messages(network() + [instance(user_data="x" * 20000)]) == [
        "user data is limited to 16 KB, this is 20000 bytes"]


# --- hibernation (notes §4.5) -------------------------------------------------------------------

def test_hibernation_with_encrypted_root_larger_than_ram():
    ok = instance(hibernation=True, root_volume={"encrypted": True, "size": gib(30)})  # m5.large: 8 GiB
    assert messages(network() + [ok]) == []


def test_hibernation_needs_an_encrypted_root_volume():
    bad = instance(hibernation=True, root_volume={"size": gib(30), "encrypted": False})
    assert messages(network() + [bad]) == ["hibernation saves RAM to the root volume, which must be encrypted"]


def test_hibernation_needs_a_root_volume_larger_than_ram():
    bad = instance(hibernation=True, instance_type=w("r5.xlarge"), root_volume={"encrypted": True, "size": gib(32)})
    assert messages(network() + [bad]) == ["hibernation needs a root volume larger than the RAM: 32GiB root volume, "
                                           "32 GiB of RAM in r5.xlarge"]


def test_hibernation_needs_less_than_150_gib_of_ram():
    bad = instance(hibernation=True, instance_type=w("m5.12xlarge"), root_volume={"encrypted": True, "size": gib(500)})
    assert messages(network() + [bad]) == [
        "hibernation needs an instance type with less than 150 GiB of RAM; m5.12xlarge has 192 GiB"]


def test_hibernation_rules_apply_to_launch_templates_and_launch_blocks():
    unencrypted = {"encrypted": False}
    template = view("lt", "launch_template", {"ami": "a", "instance_type": w("t3.micro"), "hibernation": True,
                                              "root_volume": unencrypted})
    assert messages([template]) == ["hibernation saves RAM to the root volume, which must be encrypted"]
    fleet = asg(launch={"ami": "a", "instance_type": w("t3.micro"), "hibernation": True, "root_volume": unencrypted})
    assert messages(network() + [fleet]) == ["hibernation saves RAM to the root volume, which must be encrypted"]


# --- Auto Scaling groups ----------------------------------------------------------------------

def test_asg_capacity_order():
    assert messages(network() + [asg(lo=2, hi=12, desired=3)]) == []
    assert messages(network() + [asg(lo=2, hi=12)]) == []  # desired starts at min
    assert messages(network() + [asg(lo=5, hi=3)]) == [
        "an Auto Scaling group needs min ≤ desired ≤ max; min = 5 is greater than max = 3"]
    assert messages(network() + [asg(lo=2, hi=12, desired=1)]) == [
        "an Auto Scaling group needs min ≤ desired ≤ max; min = 2 is greater than desired = 1"]
    assert messages(network() + [asg(lo=2, hi=12, desired=13)]) == [
        "an Auto Scaling group needs min ≤ desired ≤ max; desired = 13 is greater than max = 12"]


def test_asg_defaults_from_the_notes():
    model = asg().model
    assert (str(model.cooldown), str(model.health_check_grace_period), model.health_check_type) == \
        ("5m", "5m", "ec2")


def test_asg_launch_template_or_launch_block_not_both():
    both = asg(launch_template=ref("lt", "launch_template"))
    assert "write exactly one" in messages(network() + [both])[0]


def test_asg_security_group_of_another_vpc_through_a_template():
    template = view("lt", "launch_template", {"ami": "a", "instance_type": w("m5.large"),
                                              "security_groups": [ref("other_sg", "security_group")]})
    fleet = view("fleet", "autoscaling_group", {"subnets": [ref("main_a", "subnet"), ref("main_b", "subnet")],
                                                "min": n(1), "max": n(2), "launch_template": ref("lt", "launch_template")})
    assert messages(network() + network("other", 1) + [template, fleet]) == [
        "launch template 'lt': a security group is locked to its VPC: 'other_sg' belongs to VPC 'other', but subnet "
        "'main_a' is in VPC 'main'"]


def test_asg_security_group_of_another_vpc_in_a_launch_block():
    fleet = asg(launch={"ami": "a", "instance_type": w("m5.large"), "security_groups": [ref("other_sg", "security_group")]})
    assert len(messages(network() + network("other", 1) + [fleet])) == 1


def test_asg_subnets_share_one_vpc_and_span_azs():
    split = asg(subnets=("main_a", "other_b"))
    assert messages(network() + network("other", 1) + [split]) == [
        "the subnets of an Auto Scaling group must share one VPC: 'other_b' is in 'other', 'main_a' in 'main'"]
    assert problems(network() + [asg(subnets=("main_a",))], "warning") == [
        ("fleet", "all subnets of this Auto Scaling group are in us-east-1a: it does not survive the loss of that AZ")]


def test_asg_max_must_fit_in_its_subnets_addresses():
    small = view("tiny", "subnet", {"vpc": ref("main", "vpc"), "az": w("a"),
                                    "cidr": v.Cidr(ipaddress.ip_network("10.0.200.0/28"))})
    assert messages(network() + [small, asg(subnets=("tiny", "main_b"), hi=262)]) == []  # 11 + 251
    assert messages(network() + [small, asg(subnets=("tiny", "main_b"), hi=263)]) == [
        "max = 263 instances do not fit in this group's subnets: they have 262 usable addresses "
        "(AWS reserves 5 per subnet)"]


def test_scaling_policies():
    policies = [{"name": "cpu", "metric": w("cpu"), "target": v.Percent(n(40))},
                {"name": "burst", "type": w("step"), "metric": w("cpu"), "threshold": v.Percent(n(70)),
                 "adjustment": n(2)},
                {"name": "open", "type": w("scheduled"), "schedule": "0 9 * * MON-FRI", "desired": n(3)},
                {"name": "queue", "metric": "BacklogPerInstance", "target": n(100)}]
    assert messages(network() + [asg(scaling_policy=policies)]) == []
    model = asg(scaling_policy=policies).model
    assert [p.name for p in model.scaling_policy] == ["cpu", "burst", "open", "queue"]


def test_scaling_policy_rules():
    bad = [{"name": "cpu", "metric": w("cpu"), "target": n(40)},
           {"name": "step", "type": w("step"), "metric": w("cpu")},
           {"name": "rc", "metric": w("request_count"), "target": n(1000)}]
    assert messages(network() + [asg(scaling_policy=bad)]) == [
        "CPU utilisation is a percentage: write target = 40%",
        "a step scaling policy needs threshold and adjustment",
        "request_count (requests per target) needs the group behind a load balancer"]
    with pytest.raises(ValidationError, match="'cpuu' is not a predefined metric"):
        asg(scaling_policy=[{"name": "x", "metric": w("cpuu"), "target": v.Percent(n(40))}])


def test_elb_health_checks_need_a_load_balancer():
    alone = asg(health_check_type=w("elb"))
    assert messages(network() + [alone]) == ["health_check_type = elb needs the group behind a load balancer"]
    tg = view("tg", "target_group", {"vpc": ref("main", "vpc"), "port": n(80), "protocol": w("HTTP")})
    attached = asg(health_check_type=w("elb"), target_groups=[ref("tg", "target_group")])
    assert messages(network() + [tg, attached]) == []


def test_target_group_of_another_vpc():
    tg = view("tg", "target_group", {"vpc": ref("other", "vpc"), "port": n(80), "protocol": w("HTTP")})
    fleet = asg(target_groups=[ref("tg", "target_group")])
    assert messages(network() + network("other", 1) + [tg, fleet]) == [
        "target group 'tg' is in VPC 'other', but this group's subnets are in 'main'"]


def test_instance_refresh_accepts_true():
    assert str(asg(instance_refresh=True).model.instance_refresh.min_healthy) == "90%"
    assert asg(instance_refresh=False).model.instance_refresh is None


# --- placement groups (notes §4.3) --------------------------------------------------------------

def test_partition_count_is_at_most_seven():
    assert group(strategy="partition", partitions=n(7)).model.partitions == 7
    with pytest.raises(ValidationError, match="partitions per AZ of a partition placement group must be between 1 and 7, got 8"):
        group(strategy="partition", partitions=n(8))
    with pytest.raises(ValidationError, match="partitions applies only to strategy = partition"):
        group(strategy="spread", partitions=n(3))


def test_at_most_500_placement_groups_per_region():
    groups = [group(f"pg{k:03}") for k in range(501)]
    assert problems(groups) == [("pg500", "an account has at most 500 placement groups per region; 501 are declared "
                                          "in us-east-1")]
    assert group(strategy="partition").model.partition_count == 2


def test_spread_group_with_seven_instances_per_az_is_fine():
    members = [instance(f"i{k}", placement_group=ref("pg", "placement_group")) for k in range(7)]
    assert messages(network() + [group()] + members) == []


def test_spread_group_with_eight_instances_in_one_az():
    members = [instance(f"i{k}", placement_group=ref("pg", "placement_group")) for k in range(8)]
    members.append(instance("other_az", subnet="main_b", placement_group=ref("pg", "placement_group")))
    assert problems(network() + [group()] + members) == [
        ("pg", "a spread placement group holds at most 7 running instances per Availability Zone; 'pg' has 8 "
               "in us-east-1a")]


def test_spread_group_counts_asg_max_evenly_over_its_azs():
    # max 20 over 3 AZs counts ceil(20/3) = 7 per AZ: fine; one more instance in us-east-1a breaks it
    fleet = asg(subnets=("main_a", "main_b", "main_c"), hi=20, placement_group=ref("pg", "placement_group"))
    assert messages(network() + [group(), fleet]) == []
    extra = instance("i", placement_group=ref("pg", "placement_group"))
    assert messages(network() + [group(), fleet, extra]) == [
        "a spread placement group holds at most 7 running instances per Availability Zone; 'pg' has 8 in us-east-1a"]


def test_spread_group_through_a_launch_template():
    template = view("lt", "launch_template", {"ami": "a", "instance_type": w("m5.large"),
                                              "placement_group": ref("pg", "placement_group")})
    fleet = view("fleet", "autoscaling_group", {"subnets": [ref("main_a", "subnet")], "min": n(1), "max": n(8),
                                                "launch_template": ref("lt", "launch_template")})
    assert "'pg' has 8 in us-east-1a" in messages(network() + [group(), template, fleet], "error")[0]


def test_cluster_group_in_one_az_is_fine():
    members = [instance(f"i{k}", instance_type=w("c5.large"), placement_group=ref("pg", "placement_group"))
               for k in range(10)]
    fleet = asg(subnets=("main_a",), hi=50, placement_group=ref("pg", "placement_group"))
    assert messages(network() + [group(strategy="cluster"), fleet] + members) == []


def test_cluster_group_spanning_two_azs():
    a = instance("a", placement_group=ref("pg", "placement_group"))
    b = instance("b", subnet="main_b", placement_group=ref("pg", "placement_group"))
    assert problems(network() + [group(strategy="cluster"), a, b]) == [
        ("pg", "a cluster placement group lives in a single Availability Zone; 'pg' has members in 2 "
               "(us-east-1a: 'a'; us-east-1b: 'b')")]


def test_cluster_group_with_a_multi_az_asg():
    fleet = asg(placement_group=ref("pg", "placement_group"))
    assert messages(network() + [group(strategy="cluster"), fleet]) == [
        "a cluster placement group lives in a single Availability Zone; 'pg' has members in 2 "
        "(us-east-1a: 'fleet'; us-east-1b: 'fleet')"]


def test_burstable_instance_in_cluster_group_warns():
    t = instance("t", instance_type=w("t3.large"), placement_group=ref("pg", "placement_group"))
    assert messages(network() + [group(strategy="cluster"), t], "warning") == [
        "burstable instances (t3.large) are not supported in cluster placement groups"]


# --- EBS volumes (notes §5.1) -------------------------------------------------------------------

def volume(address="data", az="a", **extra) -> View:
    return view(address, "ebs_volume", {"az": w(az), "size": gib(100), **extra})


def test_volume_defaults_and_same_az_attachment():
    vol = volume(attachments=[ref("web", "instance")])
    assert (vol.model.type, vol.model.encrypted, vol.model.delete_on_termination) == ("gp3", True, False)  # encrypted by default
    assert messages(network() + [instance(), vol]) == []


def test_volume_attached_across_azs_is_an_error():
    vol = volume(az="b", attachments=[ref("web", "instance")])
    assert messages(network() + [instance(), vol]) == [
        "an EBS volume is bound to its AZ: this one is in us-east-1b, instance 'web' in us-east-1a"]


def test_multi_attach_only_for_io1_and_io2():
    ok = volume(type=w("io2"), iops=n(3000), multi_attach=True,
                attachments=[ref("a", "instance"), ref("b", "instance")])
    assert messages(network() + [instance("a"), instance("b"), ok]) == []
    bad = volume(type=w("gp3"), multi_attach=True)
    assert messages([bad]) == ["EBS multi-attach is available only for io1 and io2 volumes, not gp3"]


def test_two_attachments_need_multi_attach():
    bad = volume(attachments=[ref("a", "instance"), ref("b", "instance")])
    assert messages(network() + [instance("a"), instance("b"), bad]) == [
        "an EBS volume is attached to one instance at a time; this one lists 2"]


def test_multi_attach_to_at_most_sixteen_instances():
    names = [f"i{k}" for k in range(17)]
    vol = volume(type=w("io1"), iops=n(3000), multi_attach=True, attachments=[ref(x, "instance") for x in names])
    assert messages(network() + [instance(x) for x in names] + [vol]) == [
        "a multi-attach EBS volume is attached to at most 16 instances, this one to 17"]


def test_multi_attach_across_azs_is_an_error():
    vol = volume(type=w("io2"), iops=n(3000), multi_attach=True,
                 attachments=[ref("a", "instance"), ref("b", "instance")])
    assert messages(network() + [instance("a"), instance("b", subnet="main_b"), vol]) == [
        "an EBS volume is bound to its AZ: this one is in us-east-1a, instance 'b' in us-east-1b"]


def test_volume_shape_rules():
    assert messages([volume(type=w("st1"), size=gib(10))]) == ["a st1 volume is between 125 GiB and 16384 GiB, got 10GiB"]
    assert messages([volume(type=w("gp2"), iops=n(3000))]) == ["iops can be set only on gp3, io1 and io2 volumes, not gp2"]
    assert messages([volume(type=w("io1"))]) == ["a io1 volume needs provisioned iops"]
    assert messages([view("v", "ebs_volume", {"az": w("a")})]) == [
        "an EBS volume needs a size unless it is created from a snapshot"]
    assert messages([view("v", "ebs_volume", {"az": w("a"), "snapshot": "snap-1"})]) == []


def test_volume_az_must_be_in_the_region():
    with pytest.raises(ValidationError, match="Availability Zone 'eu-west-1a' is in eu-west-1"):
        volume(az="eu-west-1a")


def test_models_serialize_to_json():
    views = network() + [instance(hibernation=True, root_volume={"encrypted": True, "size": gib(20)}),
                         asg(scaling_policy=[{"name": "cpu", "metric": w("cpu"), "target": v.Percent(n(40))}],
                             instance_refresh=True),
                         group(strategy="partition", partitions=n(3)), volume()]
    dumped = {x.address: x.model.model_dump(mode="json", by_alias=True) for x in views}
    assert dumped["web"]["root_volume"] == {"size": "20GiB", "type": "gp3", "encrypted": True, "kms_key": None,
                                            "iops": None, "throughput": None, "delete_on_termination": True,
                                            "device_name": None}
    assert dumped["fleet"]["scaling_policy"][0]["target"] == "40%"
    assert dumped["fleet"]["cooldown"] == "5m"
    assert dumped["data"]["size"] == "100GiB"
