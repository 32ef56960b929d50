"""Issue 16's databases end to end, through the command line: `databases_more.arch` (a
DocumentDB and a Neptune cluster, an Aurora cluster behind an RDS Proxy, an MSK cluster)
validates, applies to the modeled cloud with nothing left to change, fails an AZ under
`archform chaos`, is drawn, and generates CloudFormation that cfn-lint passes."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from archform.planner.cli import main

CASE = Path(__file__).parent / "chaos_cases" / "databases_more.arch"


def run(*args):
    result = CliRunner().invoke(main, [str(a) for a in args])
    return result


def test_validate_apply_plan_chaos_diagram_and_cfn(tmp_path):
    assert run("validate", CASE).exit_code == 0
    where = ["--state", tmp_path / "state.db", "--cloud", tmp_path / "cloud.db"]
    applied = run("apply", CASE, "--auto-approve", *where)
    assert applied.exit_code == 0, applied.output
    assert "Resources: 10 added" in applied.output
    again = run("plan", CASE, "--detailed-exitcode", *where)
    assert again.exit_code == 0, again.output  # nothing left to change

    chaos = run("chaos", CASE, "--fail", "az:us-east-1a", "--for", "20m", "--format", "json", *where)
    assert chaos.exit_code == 0, chaos.output
    doc = json.loads(chaos.output)
    seen = {e["event"] for e in doc["timeline"]}
    assert {"documentdb.failover_complete", "neptune.failover_complete", "rds_proxy.clients_moved",
            "msk.under_replicated", "msk.recovered"} <= seen

    dot = run("diagram", CASE, "--format", "dot")
    assert dot.exit_code == 0 and '"primary.orders_pool" -> "primary.orders"' in dot.output

    out = tmp_path / "cfn"
    generated = run("cfn", CASE, "-o", out, "--format", "json")
    assert generated.exit_code == 0, generated.output
    (template,) = [p for p in out.glob("*.json") if p.name != "manifest.json"]
    body = json.loads(template.read_text())
    types = {r["Type"] for r in body["Resources"].values()}
    assert {"AWS::DocDB::DBCluster", "AWS::DocDB::DBInstance", "AWS::Neptune::DBCluster", "AWS::RDS::DBProxy",
            "AWS::RDS::DBProxyTargetGroup", "AWS::MSK::Cluster"} <= types
    proxy = body["Resources"]["PrimaryOrdersPool"]["Properties"]
    assert proxy["RequireTLS"] is True and proxy["Auth"][0]["IAMAuth"] == "REQUIRED"
    msk = body["Resources"]["PrimaryEvents"]["Properties"]
    assert msk["EncryptionInfo"]["EncryptionInTransit"] == {"ClientBroker": "TLS", "InCluster": True}
    assert msk["NumberOfBrokerNodes"] == 6
    from cfnlint.api import ManualArgs, lint_file
    found = [(m.rule.id, m.message) for m in lint_file(template, config=ManualArgs(regions=["us-east-1"],
                                                                                  include_checks=["I"]))
             if m.rule.id != "W3010"]  # the subnets' AZs are written on purpose
    assert found == []


def test_a_documentdb_password_of_the_author_s_reaches_neither_state_nor_cloud(tmp_path):
    """master_password is sensitive: a plan shows it as such, the state and the modeled cloud
    keep no copy of it, and CloudFormation takes it as a NoEcho parameter."""
    secret = "a-docdb-secret-9x"
    src = tmp_path / "docs.arch"
    src.write_text(CASE.read_text().replace(
        "    security_groups = [db_sg]\n  }\n\n  neptune_cluster",
        "    security_groups = [db_sg]\n    manage_master_password = false\n"
        f"    master_password = \"{secret}\"\n  }}\n\n  neptune_cluster", 1))
    where = ["--state", tmp_path / "state.db", "--cloud", tmp_path / "cloud.db"]
    applied = run("apply", src, "--auto-approve", *where)
    assert applied.exit_code == 0, applied.output
    assert "(sensitive)" in applied.output and secret not in applied.output
    for db in ("state.db", "cloud.db"):
        assert secret.encode() not in (tmp_path / db).read_bytes(), db
    out = tmp_path / "cfn"
    assert run("cfn", src, "-o", out, "--format", "json").exit_code == 0
    (template,) = [p for p in out.glob("*.json") if p.name != "manifest.json"]
    body = json.loads(template.read_text())
    assert secret not in template.read_text()
    password = body["Resources"]["PrimaryDocs"]["Properties"]["MasterUserPassword"]
    assert body["Parameters"][password["Ref"]]["NoEcho"] is True
