"""ECR and ECS in the modeled cloud: AWS-shaped ids and ARNs; Fargate tasks spread over the
service's AZs, each with an address of its subnet, registered with the target group by IP; EC2
tasks placed on the capacity provider's instances by spread or binpack, with AWS's "unable to
place a task" event when nothing fits; what RegisterTaskDefinition and CreateService refuse."""

from __future__ import annotations

import ipaddress
import re
from collections import Counter

import pytest

from archform.dsl import values as v
from archform.providers.base import Conflict, DependencyViolation, InvalidParameter

ACCT = "123456789012"


def _mib(n: int):
    return v.Size.of(n, "MiB")


@pytest.fixture
def ecs(network):
    """The network fixture with a third AZ, an ECR repository, a role, an ip target group and a cluster."""
    r = network.ref
    network.add("c", "subnet", vpc=r("main"), cidr="10.0.3.0/24", az="us-east-1c")
    network.add("images", "ecr_repository")
    network.add("exec_role", "iam_role", region=None, assumed_by=["ecs-tasks"])
    network.add("ip_tg", "target_group", vpc=r("main"), port=8080, protocol="HTTP", target_type="ip")
    network.add("instance_tg", "target_group", vpc=r("main"), port=8080, protocol="HTTP")
    network.add("apps", "ecs_cluster", capacity_providers=["fargate", "fargate_spot"])
    return network


def _task(b, name="web_task", **data):
    r = b.ref
    body = {"cpu": 512, "memory": _mib(1024), "execution_role": r("exec_role"),
            "container": [{"name": "web", "image": r("images"), "tag": "v1",
                           "port_mapping": [{"container_port": 8080}]}], **data}
    return b.add(name, "ecs_task_definition", **body)


def _service(b, name="web", **data):
    r = b.ref
    body = {"cluster": r("apps"), "task_definition": r("web_task"), "launch_type": "fargate", "desired": 6,
            "subnets": [r("a"), r("b"), r("c")], "security_groups": [r("sg")],
            "load_balancer": [{"target_group": r("ip_tg"), "container": "web", "port": 8080}], **data}
    return b.add(name, "ecs_service", **body)


def _tasks(cloud, service) -> list:
    return [cloud.store_record(t) for t in service.outputs["tasks"]]


def test_ids_and_arns_have_aws_shapes(ecs):
    repo, cluster, task = ecs["images"], ecs["apps"], _task(ecs)
    service = _service(ecs)
    assert repo.outputs["uri"] == f"{ACCT}.dkr.ecr.us-east-1.amazonaws.com/{repo.id.split('/', 1)[1]}"
    assert repo.outputs["arn"] == repo.id and repo.id.startswith(f"arn:aws:ecr:us-east-1:{ACCT}:repository/images-")
    assert cluster.outputs["arn"] == cluster.id and cluster.id.startswith(f"arn:aws:ecs:us-east-1:{ACCT}:cluster/")
    assert cluster.outputs["capacity_providers"] == ["FARGATE", "FARGATE_SPOT"]
    assert task.id == f"arn:aws:ecs:us-east-1:{ACCT}:task-definition/{task.outputs['family']}:1"
    cluster_name = cluster.id.rsplit("/", 1)[1]
    assert service.id == f"arn:aws:ecs:us-east-1:{ACCT}:service/{cluster_name}/{service.outputs['name']}"
    for t in service.outputs["tasks"]:
        assert re.fullmatch(rf"arn:aws:ecs:us-east-1:{ACCT}:task/{cluster_name}/[0-9a-f]{{32}}", t)


def test_fargate_tasks_spread_over_the_azs_each_with_an_address_registered_by_ip(ecs, cloud):
    _task(ecs)
    service = _service(ecs)
    assert service.outputs["running_count"] == 6 and service.outputs["launch_type"] == "FARGATE"
    tasks = _tasks(cloud, service)
    assert Counter(t.az for t in tasks) == {"us-east-1a": 2, "us-east-1b": 2, "us-east-1c": 2}
    cidrs = {"us-east-1a": "10.0.1.0/24", "us-east-1b": "10.0.2.0/24", "us-east-1c": "10.0.3.0/24"}
    for t in tasks:
        ip = t.outputs["private_ip"]
        assert ipaddress.ip_address(ip) in ipaddress.ip_network(cidrs[t.az])
        assert t.outputs["targets"] == [{"target_group": ecs["ip_tg"].id, "id": ip, "port": 8080}]
    assert len({t.outputs["private_ip"] for t in tasks}) == 6


def test_scaling_in_stops_tasks_of_the_fullest_az_and_a_new_revision_is_registered(ecs, cloud):
    task = _task(ecs)
    service = _service(ecs, desired=5)
    smaller = cloud.update("ecs_service", service.id, {**service.attrs, "desired": 3}, ["desired"])
    assert smaller.outputs["running_count"] == 3
    assert sorted(t.az for t in _tasks(cloud, smaller)) == ["us-east-1a", "us-east-1b", "us-east-1c"]
    before = set(smaller.outputs["tasks"])
    again = cloud.update("ecs_task_definition", task.id, {**task.attrs, "cpu": 1024, "memory": "2GiB"}, ["cpu"])
    assert again.outputs["revision"] == 2 and again.outputs["arn"].endswith(":2") and again.id == task.id
    deployed = cloud.read("ecs_service", service.id)  # the service deploys the new revision
    assert deployed.outputs["running_count"] == 3 and not before & set(deployed.outputs["tasks"])
    for t in _tasks(cloud, deployed):
        assert t.attrs["task_definition"] == again.outputs["arn"] and t.attrs["cpu"] == 1024


def test_a_subnet_out_of_addresses_leaves_the_service_short_with_an_event(ecs, cloud):
    r = ecs.ref
    ecs.add("tiny", "subnet", vpc=r("main"), cidr="10.0.9.0/28", az="us-east-1a")  # 16 addresses, 5 reserved
    _task(ecs)
    service = _service(ecs, desired=12, subnets=[r("tiny")])
    assert service.outputs["running_count"] == 11 and service.outputs["desired_count"] == 12
    (event,) = service.outputs["events"]
    assert event.startswith(f"service {service.outputs['name']} was unable to place a task") and "IP addresses" in event


def _ec2_cluster(b, instance_type="m5.large", desired=2):
    r = b.ref
    b.add("hosts", "autoscaling_group", subnets=[r("a"), r("b")], min=0, max=4, desired=desired,
          launch={"ami": "ami-0a1b2c3d4e5f60718", "instance_type": instance_type})
    b.add("ec2_apps", "ecs_cluster", capacity_provider=[{"name": "fleet", "autoscaling_group": r("hosts")}],
          default_strategy=[{"name": "fleet", "weight": 1}])
    return b.add("bridge_task", "ecs_task_definition", compatibilities=["ec2"], network_mode="bridge",
                 container=[{"name": "web", "image": "nginx", "cpu": 512, "memory": _mib(3072),
                             "port_mapping": [{"container_port": 80, "host_port": 0}]}])


@pytest.mark.parametrize("strategy, expected", [("spread", [1, 1]), ("binpack", [2, 0])])
def test_ec2_tasks_are_placed_on_the_capacity_providers_instances(ecs, cloud, strategy, expected):
    _ec2_cluster(ecs)  # m5.large: 2 vCPU, 8 GiB — two tasks of 3 GiB fit on one
    r = ecs.ref
    service = ecs.add("worker", "ecs_service", cluster=r("ec2_apps"), task_definition=r("bridge_task"), desired=2,
                      placement=strategy, load_balancer=[{"target_group": r("instance_tg"), "container": "web",
                                                          "port": 80}])
    assert service.outputs["launch_type"] == "EC2" and service.outputs["running_count"] == 2
    hosts = ecs["hosts"].outputs["instances"]
    placed = Counter(t.attrs["instance"] for t in _tasks(cloud, service))
    assert sorted((placed.get(h, 0) for h in hosts), reverse=True) == expected
    for t in _tasks(cloud, service):
        assert t.outputs["targets"][0]["id"] == t.attrs["instance"]  # bridge tasks: by instance and port


def test_no_instance_with_room_is_aws_insufficient_resources_event(ecs, cloud):
    _ec2_cluster(ecs, desired=1)
    r = ecs.ref
    service = ecs.add("worker", "ecs_service", cluster=r("ec2_apps"), task_definition=r("bridge_task"), desired=3)
    host = ecs["hosts"].outputs["instances"][0]
    assert service.outputs["running_count"] == 2
    assert service.outputs["events"] == [
        f"service {service.outputs['name']} was unable to place a task because no container instance met all of its "
        f"requirements. The closest matching container-instance {host} has insufficient memory available."]


@pytest.mark.parametrize("task, service, message", [
    ({"cpu": 512, "memory": "512MiB"}, {},
     "No Fargate configuration exists for given values: 512 CPU, 512 memory. See the Amazon ECS documentation for "
     "the valid values."),
    ({"network_mode": "bridge"}, {}, "Fargate only supports network mode 'awsvpc'."),
    ({"execution_role": None}, {}, "Fargate requires task definition to have execution role ARN to support ECR images."),
    ({}, {"capacity_provider_strategy": [{"name": "fargate_spot"}]},
     "Specifying both a launch type and capacity provider strategy is not supported. Remove one and try again."),
    ({}, {"subnets": []}, "Network Configuration must be provided when networkMode 'awsvpc' is specified."),
    ({}, {"load_balancer": [{"target_group": "instance_tg", "container": "web", "port": 8080}]},
     "has target type instance, which is incompatible with the awsvpc network mode specified in the task definition."),
    ({}, {"load_balancer": [{"target_group": "ip_tg", "container": "api", "port": 8080}]},
     "The container api does not exist in the task definition."),
    ({}, {"launch_type": "ec2"}, "Task definition does not support launch_type EC2."),
])
def test_what_register_task_definition_and_create_service_refuse(ecs, cloud, task, service, message):
    r = ecs.ref
    attrs = ecs.attrs("ecs_task_definition", **{"cpu": 512, "memory": _mib(1024), "execution_role": r("exec_role"),
                                                "container": [{"name": "web", "image": r("images"),
                                                               "port_mapping": [{"container_port": 8080}]}]})
    attrs.update(task)
    if service:
        td = cloud.create("ecs_task_definition", "td", "us-east-1", attrs, "t-td")
        ecs.remotes["web_task"], ecs.kinds["web_task"] = td, "ecs_task_definition"
        lbs = service.pop("load_balancer", None)
        body = ecs.attrs("ecs_service", cluster=r("apps"), task_definition=r("web_task"), launch_type="fargate",
                         subnets=[r("a"), r("b")])
        body.update(service)
        if lbs is not None:
            body["load_balancer"] = [{**lb, "target_group": ecs[lb["target_group"]].id} for lb in lbs]
        if "capacity_provider_strategy" in service:
            body["capacity_provider_strategy"] = [{"name": "fargate_spot", "base": 0, "weight": 1}]
        kind, attrs = "ecs_service", body
    else:
        kind = "ecs_task_definition"
    with pytest.raises(InvalidParameter) as e:
        cloud.create(kind, "bad", "us-east-1", attrs, "t-bad")
    assert str(e.value).endswith(message)


def test_a_cluster_with_services_is_not_deleted_and_an_asg_backs_one_capacity_provider(ecs, cloud):
    _task(ecs)
    _service(ecs, desired=1)
    with pytest.raises(DependencyViolation) as e:
        cloud.delete("ecs_cluster", ecs["apps"].id)
    assert e.value.code == "ClusterContainsServicesException"
    _ec2_cluster(ecs, desired=0)
    r = ecs.ref
    attrs = ecs.attrs("ecs_cluster", capacity_provider=[{"name": "fleet", "autoscaling_group": r("hosts")}])
    with pytest.raises(InvalidParameter) as e:
        cloud.create("ecs_cluster", "second", "us-east-1", attrs, "t-second")
    assert "already being used by another capacity provider" in str(e.value)


def test_a_service_name_is_unique_in_its_cluster_not_the_region(ecs):
    """Two clusters may each run a service "web" (CreateService refuses a name only within its
    cluster); a second "web" in the same cluster is refused."""
    r = ecs.ref
    _task(ecs)
    ecs.add("batch", "ecs_cluster", capacity_providers=["fargate"])

    def web(handle, cluster):
        return ecs.add(handle, "ecs_service", name="web", cluster=r(cluster), task_definition=r("web_task"),
                       launch_type="fargate", desired=1, subnets=[r("a"), r("b")], security_groups=[r("sg")])

    one, two = web("web_apps", "apps"), web("web_batch", "batch")
    assert one.id != two.id and one.id.endswith("/web") and two.id.endswith("/web")
    with pytest.raises(Conflict) as e:
        web("web_again", "apps")
    assert "a service named web already exists" in str(e.value)
