"""Amazon EKS (notes §15.4): each of AWS's rules for a cluster, a managed node group and a
Fargate profile is one diagnostic at the text at fault (its rendering kept as a snapshot);
the defaults are the safe ones (a private endpoint, secrets encrypted, every control-plane log)."""

from __future__ import annotations

import pytest

from archform.dsl.diagnostics import render
from archform.dsl.resolve import resolve_text
from arch_text import TWO_AZ_VPCS

BASE = '''region "us-east-1" as east {
''' + TWO_AZ_VPCS + '''
  subnet a2 {
    vpc  = main
    cidr = 10.0.3.0/24
    az   = a
  }

  subnet edge {
    vpc    = main
    cidr   = 10.0.4.0/24
    az     = b
    public = true
  }

  subnet elsewhere {
    vpc  = other
    cidr = 10.9.1.0/24
    az   = b
  }

  security_group other_sg {
    vpc = other
  }

  security_group eks_sg {
    vpc = main
  }

  efs shared {
  }

  ebs_volume disk {
    az   = us-east-1a
    size = 10GiB
  }

  eks_cluster k8s {
%s
  }

  eks_node_group workers {
%s
  }

  eks_fargate_profile web {
%s
  }
}

iam_role cluster_role {
  assumed_by = [eks]
  policies   = ["AmazonEKSClusterPolicy"]
}

iam_role node_role {
  assumed_by = [ec2]
  policies   = ["AmazonEKSWorkerNodePolicy", "AmazonEKS_CNI_Policy", "AmazonEC2ContainerRegistryReadOnly"]
}

iam_role pod_role {
  assumed_by = ["eks-fargate-pods"]
  policies   = ["AmazonEKSFargatePodExecutionRolePolicy"]
}

iam_role bare_node_role {
  assumed_by = [ec2]
  policies   = ["AmazonEKSWorkerNodePolicy"]
}
'''

CLUSTER = '''    role    = cluster_role
    subnets = [a, b]'''

NODES = '''    cluster        = k8s
    role           = node_role
    subnets        = [a, b]
    instance_types = [m5.large]
    min            = 2
    max            = 6
    desired        = 3'''

PROFILE = '''    cluster            = k8s
    pod_execution_role = pod_role
    subnets            = [a, b]

    selector {
      namespace = "web"
    }'''


def diagnose(cluster: str = CLUSTER, nodes: str = NODES, profile: str = PROFILE):
    desired, diags = resolve_text(BASE % (cluster, nodes, profile), "main.arch")
    return desired, [d for d in diags if d.is_error or d.severity == "warning"]


def test_a_cluster_with_nodes_and_fargate_validates_with_safe_defaults():
    desired, found = diagnose()
    assert found == []
    cluster = desired.resources["east.k8s"].model
    assert cluster.endpoint_private is True and cluster.endpoint_public is False
    assert cluster.secrets_encryption is True and cluster.kms_key is None
    assert cluster.logging == ["api", "audit", "authenticator", "controller_manager", "scheduler"]
    assert cluster.version == "1.35"
    nodes = desired.resources["east.workers"].model
    assert (nodes.capacity_type, nodes.ami_type, str(nodes.disk_size)) == ("on_demand", "al2023_x86_64_standard",
                                                                          "20GiB")


CLUSTER_LIMITS = {
    "unknown_version": CLUSTER + '\n    version = "1.27"',
    "subnets_in_one_az": CLUSTER.replace("[a, b]", "[a, a2]"),
    "subnets_of_two_vpcs": CLUSTER.replace("[a, b]", "[a, b, elsewhere]"),
    "six_security_groups": CLUSTER + "\n    security_groups = [eks_sg, eks_sg, eks_sg, eks_sg, eks_sg, eks_sg]",
    "security_group_of_another_vpc": CLUSTER + "\n    security_groups = [other_sg]",
    "no_endpoint": CLUSTER + "\n    endpoint_private = false",
    "public_cidrs_without_public": CLUSTER + "\n    public_cidrs = [203.0.113.0/24]",
    "public_cidrs_41": CLUSTER + "\n    endpoint_public = true\n    public_cidrs = [" +
                       ", ".join(f"203.0.{i}.0/24" for i in range(41)) + "]",
    "service_cidr_public": CLUSTER + "\n    service_cidr = 100.64.0.0/16",
    "service_cidr_overlaps_vpc": CLUSTER + "\n    service_cidr = 10.0.0.0/16",
    "kms_key_without_encryption": CLUSTER + '\n    secrets_encryption = false\n    kms_key = "alias/eks"',
    "log_type_twice": CLUSTER + "\n    logging = [api, audit, api]",
    "bad_name": CLUSTER + '\n    name = "-k8s"',
    "role_not_for_eks": CLUSTER.replace("cluster_role", "node_role"),
}

NODE_LIMITS = {
    "min_above_max": NODES.replace("min            = 2", "min            = 8"),
    "desired_above_max": NODES.replace("desired        = 3", "desired        = 7"),
    "over_450_nodes": NODES.replace("max            = 6", "max            = 500"),
    "arm_type_on_x86_ami": NODES.replace("[m5.large]", "[m7g.large]"),
    "x86_type_on_arm_ami": NODES + "\n    ami_type = al2023_arm_64_standard",
    "gpu_ami_without_gpu": NODES + "\n    ami_type = al2023_x86_64_nvidia",
    "no_instance_types": NODES.replace("[m5.large]", "[]"),
    "no_subnets": NODES.replace("[a, b]", "[]"),
    "subnet_outside_the_cluster_vpc": NODES.replace("[a, b]", "[a, elsewhere]"),
    "both_unavailable_settings": NODES + "\n    max_unavailable = 2\n    max_unavailable_percent = 25%",
    "max_unavailable_over_100": NODES + "\n    max_unavailable = 101",
    "unavailable_percent_zero": NODES + "\n    max_unavailable_percent = 0%",
    "label_key": NODES + '\n    labels = { "-team" = "web" }',
    "label_value": NODES + '\n    labels = { team = "web front" }',
    "taint_key": NODES + '\n\n    taint {\n      key    = "bad key"\n      effect = no_schedule\n    }',
    "taints_51": NODES + "".join(f'\n\n    taint {{\n      key    = "t{i}"\n      effect = no_execute\n    }}'
                                 for i in range(51)),
    "disk_too_small": NODES + "\n    disk_size = 512MiB",
    "bad_name": NODES + '\n    name = "workers.blue"',
    "role_not_for_ec2": NODES.replace("node_role", "pod_role"),
}

PROFILE_LIMITS = {
    "no_selector": PROFILE.split("\n\n")[0],
    "namespace": PROFILE.replace('namespace = "web"', 'namespace = "Web_Front"'),
    "six_selectors": PROFILE + "".join(f'\n\n    selector {{\n      namespace = "ns{i}"\n    }}' for i in range(5)),
    "six_selector_labels": PROFILE.replace('namespace = "web"', 'namespace = "web"\n      labels    = { ' +
                                           ", ".join(f'l{i} = "x"' for i in range(6)) + " }"),
    "public_subnet": PROFILE.replace("[a, b]", "[a, edge]"),
    "subnet_outside_the_cluster_vpc": PROFILE.replace("[a, b]", "[a, elsewhere]"),
    "no_subnets": PROFILE.replace("[a, b]", "[]"),
    "ebs_storage": PROFILE + "\n    storage = [shared, disk]",
    "pod_cpu": PROFILE + "\n    pod_cpu = 3",
    "pod_memory": PROFILE + "\n    pod_cpu = 1\n    pod_memory = 12GiB",
    "role_not_for_fargate": PROFILE.replace("pod_role", "node_role"),
}


@pytest.mark.parametrize("case", sorted(CLUSTER_LIMITS))
def test_each_cluster_rule_is_one_diagnostic(case, snapshot):
    _, found = diagnose(cluster=CLUSTER_LIMITS[case])
    errors = [d for d in found if d.is_error]
    assert len(errors) == 1, [d.summary for d in found]
    assert render(errors[0]) == snapshot


@pytest.mark.parametrize("case", sorted(NODE_LIMITS))
def test_each_node_group_rule_is_one_diagnostic(case, snapshot):
    _, found = diagnose(nodes=NODE_LIMITS[case])
    errors = [d for d in found if d.is_error]
    assert len(errors) == 1, [d.summary for d in found]
    assert render(errors[0]) == snapshot


@pytest.mark.parametrize("case", sorted(PROFILE_LIMITS))
def test_each_fargate_profile_rule_is_one_diagnostic(case, snapshot):
    _, found = diagnose(profile=PROFILE_LIMITS[case])
    errors = [d for d in found if d.is_error]
    assert len(errors) == 1, [d.summary for d in found]
    assert render(errors[0]) == snapshot


WARNINGS = {
    "extended_support": ({"cluster": CLUSTER + '\n    version = "1.33"'},
                         "east.k8s: Kubernetes 1.33 is in EKS's extended support, at six times the cluster's hourly "
                         "price"),
    "open_public_endpoint": ({"cluster": CLUSTER + "\n    endpoint_public = true"},
                             "east.k8s: the cluster's API endpoint is open to the whole internet (0.0.0.0/0)"),
    "nodes_in_one_az": ({"nodes": NODES.replace("[a, b]", "[a, a2]")},
                        "east.workers: all subnets of this node group are in us-east-1a: its nodes do not survive "
                        "the loss of that AZ"),
    "node_role_without_eks_policies": ({"nodes": NODES.replace("node_role", "bare_node_role")},
                                       "east.workers: role 'bare_node_role' lacks AmazonEKS_CNI_Policy, "
                                       "AmazonEC2ContainerRegistryReadOnly: EKS refuses a node group whose role lacks "
                                       "its managed policies (nodes join the cluster, run the VPC CNI and pull images "
                                       "with them)"),
    "spot_one_type": ({"nodes": NODES + "\n    capacity_type = spot"},
                      "east.workers: a spot node group with one instance type is interrupted whenever that type's "
                      "spot capacity runs out"),
}


@pytest.mark.parametrize("case", sorted(WARNINGS))
def test_warnings(case):
    kwargs, summary = WARNINGS[case]
    _, found = diagnose(**kwargs)
    assert [(d.severity, d.summary) for d in found] == [("warning", summary)]


def test_a_cluster_has_at_most_30_node_groups():
    extra = "".join(f"\n  eks_node_group extra_{i} {{\n{NODES}\n  }}\n" for i in range(30))
    text = (BASE % (CLUSTER, NODES, PROFILE)).replace("\n  eks_fargate_profile web", extra + "\n  eks_fargate_profile web")
    _, diags = resolve_text(text, "main.arch")
    errors = [d for d in diags if d.is_error]
    assert [d.summary for d in errors] == ["east.k8s: an EKS cluster has at most 30 managed node groups, this one "
                                           "has 31"]


def test_a_block_also_set_as_an_attribute_is_one_diagnostic_not_a_crash(snapshot):
    _, found = diagnose(profile=PROFILE.replace('    selector {', '    selector = 26\n\n    selector {'))
    errors = [d for d in found if d.is_error]
    assert [d.summary for d in errors][:1] == ["'selector' is set as an attribute and written as a block: write one"]
    assert render(errors[0]) == snapshot
