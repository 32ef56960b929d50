"""Network Firewall, Shield Advanced and GuardDuty as a user meets them: the modeled cloud's
endpoints and refusals, a chaos run losing one AZ's endpoint, the reachability walk through
the firewall's rules, and the CloudFormation of a route to an endpoint.

`netsec_cases/inspection.arch` is the shared network: app subnets → the firewall endpoint of
their AZ → that AZ's NAT gateway → the internet gateway."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from archform.dsl.resolve import resolve
from archform.planner.cli import main
from archform.planner.diagram import build_scene, items_of
from archform.providers.base import Conflict, DependencyViolation, InvalidParameter, LimitExceeded

INSPECTION = Path(__file__).parent / "netsec_cases" / "inspection.arch"


def _run(*args) -> tuple[int, str]:
    result = CliRunner().invoke(main, [*args])
    return result.exit_code, result.output


@pytest.fixture
def firewall_net(network):
    """`network` plus a firewall with endpoints in both subnets, its policy and rule group."""
    r = network.ref
    network.add("no_ssh", "firewall_rule_group", capacity=10,
                rule=[{"name": "ssh", "action": "drop", "protocol": "tcp", "port": 22}])
    network.add("policy", "firewall_policy", stateful_rule_groups=[r("no_ssh")])
    network.add("fw", "network_firewall", vpc=r("main"), subnets=[r("a"), r("b")], firewall_policy=r("policy"))
    return network


def test_a_firewall_has_one_endpoint_per_az_in_its_subnets(firewall_net):
    fw = firewall_net["fw"]
    assert fw.id == f"arn:aws:network-firewall:us-east-1:123456789012:firewall/{fw.outputs['name']}"
    endpoints = fw.outputs["endpoints"]
    assert sorted(endpoints) == ["us-east-1a", "us-east-1b"]
    assert endpoints["us-east-1a"]["subnet"] == firewall_net["a"].id
    assert endpoints["us-east-1a"]["private_ip"].startswith("10.0.1.")
    assert fw.outputs["endpoint_ids"] == [f"{az}:{e['id']}" for az, e in sorted(endpoints.items())]
    assert all(re.fullmatch(r"vpce-0[0-9a-f]{16}", e["id"]) for e in endpoints.values())
    assert fw.outputs["encryption"] == {"type": "AWS_OWNED_KMS_KEY"}  # always encrypted; an AWS-owned key by default
    assert firewall_net["no_ssh"].id.endswith(":stateful-rulegroup/" + firewall_net["no_ssh"].outputs["name"])


def test_moving_an_endpoint_gives_the_old_subnet_its_address_back(firewall_net, cloud):
    r = firewall_net.ref
    firewall_net.add("a2", "subnet", vpc=r("main"), cidr="10.0.3.0/24", az="us-east-1a")
    fw = firewall_net["fw"]
    before = cloud.read("subnet", firewall_net["a"].id).outputs["available_ips"]
    protected = {**firewall_net.sent["fw"], "subnets": [firewall_net["a2"].id, firewall_net["b"].id]}
    with pytest.raises(InvalidParameter, match="subnet change protection"):  # on by default
        cloud.update("network_firewall", fw.id, protected, ["subnets"])
    attrs = {**firewall_net.sent["fw"], "subnet_change_protection": False}
    cloud.update("network_firewall", fw.id, attrs, ["subnet_change_protection"])
    moved = {**attrs, "subnets": [firewall_net["a2"].id, firewall_net["b"].id]}
    after = cloud.update("network_firewall", fw.id, moved, ["subnets"])
    assert after.outputs["endpoints"]["us-east-1a"]["subnet"] == firewall_net["a2"].id
    assert after.outputs["endpoints"]["us-east-1b"] == fw.outputs["endpoints"]["us-east-1b"]  # kept
    assert cloud.read("subnet", firewall_net["a"].id).outputs["available_ips"] == before + 1


def test_the_firewall_apis_refuse_what_aws_refuses(firewall_net, cloud):
    r = firewall_net.ref
    firewall_net.add("a2", "subnet", vpc=r("main"), cidr="10.0.3.0/24", az="us-east-1a")
    with pytest.raises(InvalidParameter, match="one subnet per Availability Zone"):
        firewall_net.add("fw2", "network_firewall", vpc=r("main"), subnets=[r("a"), r("a2")],
                         firewall_policy=r("policy"))
    with pytest.raises(LimitExceeded) as e:
        firewall_net.add("small", "firewall_rule_group", capacity=1, domains=[".a.example", ".b.example"])
    assert e.value.code == "InsufficientCapacityException"
    with pytest.raises(InvalidParameter, match="is not a stateless rule group"):
        firewall_net.add("p2", "firewall_policy", stateless_rule_groups=[r("no_ssh")])
    with pytest.raises(InvalidParameter) as e:  # delete protection is on unless turned off
        cloud.delete("network_firewall", firewall_net["fw"].id)
    assert e.value.code == "InvalidOperationException"
    with pytest.raises(DependencyViolation):
        cloud.delete("firewall_rule_group", firewall_net["no_ssh"].id)


def test_a_region_holds_at_most_five_firewalls(firewall_net):
    r = firewall_net.ref
    for i in range(5):  # one firewall exists; four more fill the quota, the fifth more is refused
        firewall_net.add(f"s{i}", "subnet", vpc=r("main"), cidr=f"10.0.{10 + i}.0/28", az="us-east-1a")
        if i < 4:
            firewall_net.add(f"f{i}", "network_firewall", vpc=r("main"), subnets=[r(f"s{i}")],
                             firewall_policy=r("policy"))
    with pytest.raises(LimitExceeded, match="maximum of 5 firewalls"):
        firewall_net.add("f4", "network_firewall", vpc=r("main"), subnets=[r("s4")], firewall_policy=r("policy"))


def test_shield_and_guardduty_refuse_what_aws_refuses(network):
    r = network.ref
    network.add("nlb", "load_balancer", type="network", subnets=[r("a"), r("b")])
    with pytest.raises(InvalidParameter) as e:
        network.add("p", "shield_protection", resource=r("nlb"))
    assert e.value.code == "InvalidResourceException"
    network.add("ip", "elastic_ip")
    shield = network.add("p1", "shield_protection", resource=r("ip"))
    assert re.fullmatch(r"arn:aws:shield::123456789012:protection/[0-9a-f-]{36}", shield.id)
    with pytest.raises(Conflict):
        network.add("p2", "shield_protection", resource=r("ip"))
    detector = network.add("d", "guardduty_detector")
    assert re.fullmatch(r"[0-9a-f]{32}", detector.id) and detector.outputs["status"] == "ENABLED"
    with pytest.raises(InvalidParameter, match="a detector already exists"):
        network.add("d2", "guardduty_detector")
    network.add("west", "guardduty_detector", region="eu-west-1")  # one per region


def test_losing_a_firewall_endpoint_cuts_the_egress_of_its_az_only():
    code, out = _run("chaos", str(INSPECTION), "--fail", "primary.inspection/us-east-1a", "--duration", "10m",
                     "--format", "json")
    assert code == 0, out
    report = json.loads(out)
    events = {e["event"]: e for e in report["timeline"]}
    assert events["egress.lost"]["subnets"] == ["primary.app[a]"]
    served = {s["address"]: s for s in report["services"] if s["kind"] == "subnet"}
    assert served["primary.app[a]"]["outage_seconds"] == 540.0
    assert served["primary.app[b]"]["outage_seconds"] == 0.0
    assert "Network Firewall endpoint" in served["primary.app[b]"]["measure"]


def test_an_endpoint_passes_traffic_only_while_its_subnets_route_out_works():
    code, out = _run("chaos", str(INSPECTION), "--fail", "primary.nat[b]", "--duration", "10m", "--format", "json")
    assert code == 0, out
    served = {s["address"]: s for s in json.loads(out)["services"] if s["kind"] == "subnet"}
    assert served["primary.app[b]"]["outage_seconds"] == 540.0  # firewall b → NAT b, which is down
    assert served["primary.app[a]"]["outage_seconds"] == 0.0


def test_a_fault_on_the_whole_firewall_takes_every_endpoint():
    code, out = _run("chaos", str(INSPECTION), "--fail", "primary.inspection", "--duration", "10m", "--format", "json")
    assert code == 0, out
    served = {s["address"]: s for s in json.loads(out)["services"] if s["kind"] == "subnet"}
    assert served["primary.app[a]"]["outage_seconds"] == served["primary.app[b]"]["outage_seconds"] == 540.0


def test_an_az_loss_takes_that_azs_endpoint():
    code, out = _run("chaos", str(INSPECTION), "--fail", "az:us-east-1b", "--duration", "10m")
    assert code == 0, out
    assert "firewall.endpoint.down" in out and "primary.inspection/us-east-1b" in out


@pytest.mark.parametrize("port, protocol, verdict, why", [
    ("22", "tcp", "no", "stateful rule 'ssh' of 'primary.no_ssh' drops tcp 22"),
    ("443", "tcp", "yes", "no rule of policy 'primary.policy' drops tcp 443"),
    ("53", "udp", "yes", "stateless rule 'dns' of 'primary.fragments' passes udp 53"),
])
def test_the_reachability_walk_applies_the_firewalls_rules(port, protocol, verdict, why):
    code, out = _run("reach", str(INSPECTION), "primary.worker", "8.8.8.8", "--port", port, "--protocol", protocol)
    assert out.startswith(f"{verdict}:"), out
    assert why in out
    if verdict == "yes":  # on through the endpoint subnet's route: its AZ's NAT gateway, then the internet
        assert "firewall 'primary.inspection' takes the flow at its endpoint in us-east-1a" in out
        assert "NAT gateway 'primary.nat[a]'" in out and "internet gateway 'primary.igw'" in out


def test_cloudformation_routes_each_az_to_its_own_endpoint(tmp_path):
    code, out = _run("cfn", str(INSPECTION), "-o", str(tmp_path))
    assert code == 0, out
    template = yaml.load((tmp_path / "inspection-us-east-1.yaml").read_text(), Loader=_Loader)
    res = template["Resources"]
    firewall = next(r for r in res.values() if r["Type"] == "AWS::NetworkFirewall::Firewall")["Properties"]
    assert firewall["DeleteProtection"] is True and firewall["SubnetChangeProtection"] is True
    routes = {k: r["Properties"] for k, r in res.items() if r["Type"] == "AWS::EC2::Route" and "AppRt" in k}
    from cfnlint.api import ManualArgs, lint_file
    found = [(m.rule.id, m.message) for m in lint_file(tmp_path / "inspection-us-east-1.yaml",
                                                       config=ManualArgs(regions=["us-east-1"]))]
    assert [f for f in found if f[0] != "W3010"] == []  # W3010: named AZs, kept as in test_cloudformation.py
    picked = sorted(r["VpcEndpointId"]["Fn::Select"][1]["Fn::Split"][1]["Fn::Select"][0] for r in routes.values())
    assert picked == [0, 1]  # each AZ's place among the firewall's subnets, so its own endpoint


class _Loader(yaml.SafeLoader):
    pass


def _tag(loader, suffix, node):
    value = loader.construct_sequence(node, deep=True) if isinstance(node, yaml.SequenceNode) else \
        loader.construct_scalar(node)
    return {"Fn::" + suffix: value} if suffix != "Ref" else {"Ref": value}


_Loader.add_multi_constructor("!", _tag)


def test_the_diagram_draws_each_endpoint_in_its_subnet_and_routes_to_it():
    desired, diags = resolve(INSPECTION)
    assert desired is not None, diags
    scene = build_scene(items_of(desired), network=True)  # route tables are drawn with --network
    for az in ("a", "b"):
        node = scene.nodes[f"primary.inspection~endpoint[us-east-1{az}]"]
        assert node.frame == f"cluster_subnet_primary.fw[{az}]" and node.address == "primary.inspection"
    edges = {(e.tail, e.head) for e in scene.edges}
    assert ("primary.app_rt[b]", "primary.inspection~endpoint[us-east-1b]") in edges
    assert ("primary.policy", "primary.inspection") in edges and ("primary.no_ssh", "primary.policy") in edges
