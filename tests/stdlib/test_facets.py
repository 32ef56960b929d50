"""Every kind × every facet: a kind added to the catalogue without its modeled behaviour, its
failure model, its CloudFormation or its diagram style fails here, naming the kind and the
facet — unless the table below says why that facet does not apply to it."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from archform.planner.cli import main
from archform.planner.cli.kinds import load_facets
from archform.stdlib import catalogue, facets

NO_OWN_FAILURE = "a configuration object with no failure of its own (an AZ's loss acts through what runs in it)"
ALWAYS_UP = "AWS runs it redundantly across AZs; the notes give it no failure mode, so chaos keeps it up"

# (kind, facet) → why the kind does not have the facet
NOT_APPLICABLE: dict[tuple[str, str], str] = {
    **{(k, "failures"): NO_OWN_FAILURE for k in (
        "certificate", "dns_zone", "iam_policy", "iam_role", "launch_template", "network_acl", "placement_group",
        "route_table", "security_group", "subnet", "vpc", "ecs_cluster", "ecs_task_definition",
        "beanstalk_application", "batch_job_queue", "batch_job_definition", "iam_user", "iam_group",
        "instance_profile", "scp")},
    **{(k, "failures"): ALWAYS_UP for k in (
        "cloudfront", "egress_only_internet_gateway", "elastic_ip", "global_accelerator", "internet_gateway",
        "network_interface", "vpc_endpoint", "vpc_peering", "ecr_repository")},
    **{(k, "failures"): NO_OWN_FAILURE for k in ("transit_gateway_route_table", "backup_vault")},
    ("dms_endpoint", "failures"): "a DMS endpoint is settings for reaching a database: its tasks fail with their "
                                  "replication instance, its database with its own kind",
    **{(k, "failures"): ALWAYS_UP for k in ("transit_gateway", "vpn_gateway", "dx_gateway")},
    **{(k, "failures"): ALWAYS_UP for k in ("kms_key", "secret", "ssm_parameter", "waf_web_acl", "waf_ip_set", "log_group")},
    # the audit services deliver records; chaos runs model no API calls or configuration items to record
    **{(k, "failures"): ALWAYS_UP for k in ("cloudtrail_trail", "config_recorder")},
    **{(k, "failures"): NO_OWN_FAILURE for k in ("flow_log", "config_rule", "dashboard")},
    # configuration a firewall reads (its endpoints fail, per AZ), and regional managed services
    **{(k, "failures"): NO_OWN_FAILURE for k in ("firewall_policy", "firewall_rule_group")},
    **{(k, "failures"): ALWAYS_UP for k in ("shield_protection", "guardduty_detector")},
    ("service_quota", "failures"): "an account's limit, not something that runs: nothing of it fails",
}

KINDS = sorted(catalogue.kinds())
load_facets()


@pytest.mark.parametrize("facet", sorted(facets.FACETS))
@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_has_every_facet(kind, facet):
    has = kind in facets.provided(facet)
    reason = NOT_APPLICABLE.get((kind, facet))
    if reason is None:
        assert has, f"kind '{kind}' has no '{facet}' facet ({facets.FACETS[facet]})"
    else:
        assert not has, f"kind '{kind}' now has '{facet}': remove it from NOT_APPLICABLE"


def test_facets_name_only_catalogue_kinds():
    for facet in facets.FACETS:
        assert set(facets.provided(facet)) <= set(KINDS), facet


def test_kinds_matrix_shows_every_kind_with_its_facets():
    result = CliRunner().invoke(main, ["kinds", "--matrix"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split() == ["kind", "modeled", "failures", "cloudformation", "diagram"]
    rows = {line.split()[0]: line.split()[1:] for line in lines[1:len(KINDS) + 1]}
    assert sorted(rows) == KINDS
    assert rows["autoscaling_group"] == ["yes", "yes", "yes", "yes"]
    assert rows["vpc"] == ["yes", "-", "yes", "yes"]
    assert f"{len(KINDS)} kinds:" in result.output
    as_json = CliRunner().invoke(main, ["kinds", "--matrix", "--format", "json"])
    import json
    doc = json.loads(as_json.output)
    assert doc["kinds"]["vpc"]["failures"] is False and doc["kinds"]["aurora"]["failures"] is True
