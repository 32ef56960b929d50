"""`archform check`: each rule finds what it is for (and not its fix), suppressions need a
reason and are reported when stale, the exit status follows --fail-on, the examples carry no
high finding, and the SARIF is valid against the SARIF 2.1.0 JSON schema."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from archform.planner.cli import main
from archform.stdlib import checks

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"

NET = """
  vpc v { cidr = "10.0.0.0/16" }
  subnet a { vpc = v, az = "us-east-1a", cidr = "10.0.1.0/24" }
  subnet b { vpc = v, az = "us-east-1b", cidr = "10.0.2.0/24" }
  security_group sg { vpc = v }
"""

# rule id: (the architecture's body inside the region, the text that breaks it, its fix)
CASES = {
    "AF-SEC-001": ("security_group ssh {\n vpc = v\n ingress { port = 22, from = internet }\n}",
                   "port = 22, from = internet", "port = 22, from = 10.0.0.0/16"),
    "AF-SEC-002": ("rds db {\n engine = postgres\n instance_class = db.t3.micro\n subnets = [a, b]\n multi_az = true\n"
                   " publicly_accessible = true\n}", "publicly_accessible = true", "publicly_accessible = false"),
    "AF-SEC-003": ("ebs_volume data {\n az = \"us-east-1a\"\n size = 10GiB\n encrypted = false\n}",
                   "encrypted = false", "encrypted = true"),
    "AF-SEC-004": ("s3_bucket site {\n versioning = true\n access_logging = logs\n block_public_access = false\n}\n"
                   "s3_bucket logs { versioning = true }",
                   "block_public_access = false", "block_public_access = true"),
    "AF-SEC-005": ("instance web {\n ami = \"ami-0a1b2c3d4e5f60718\"\n instance_type = t3.micro\n subnet = a\n"
                   " metadata { http_tokens = optional }\n}", "http_tokens = optional", "http_tokens = required"),
    "AF-SEC-006": ('iam_policy admin {\n document = { Version = "2012-10-17", Statement = [{ Effect = "Allow", '
                   'Action = "*", Resource = "*" }] }\n}', 'Action = "*"', 'Action = "s3:GetObject"'),
    "AF-SEC-007": ("s3_bucket data {\n access_logging = logs\n versioning = false\n}\ns3_bucket logs { versioning = true }",
                   "versioning = false\n", "versioning = true\n"),
    "AF-SEC-008": ("s3_bucket data { versioning = true }", "s3_bucket data { versioning = true }",
                   "s3_bucket data {\n versioning = true\n access_logging = logs\n}\ns3_bucket logs { versioning = true }"),
    "AF-SEC-009": ("target_group tg { vpc = v, port = 80, protocol = HTTP }\nload_balancer web {\n subnets = [a, b]\n"
                   " security_groups = [sg]\n listener http { port = 80, forward = tg }\n}",
                   "forward = tg", "redirect = https"),
    "AF-SEC-010": ("elasticache cache {\n engine = redis\n node_type = cache.t3.micro\n subnets = [a, b]\n"
                   " replicas_per_shard = 1\n automatic_failover = true\n multi_az = true\n transit_encryption = false\n}",
                   "transit_encryption = false", "transit_encryption = true"),
    "AF-SEC-011": ("load_balancer web {\n subnets = [a, b]\n security_groups = [sg]\n}\n# no web ACL yet",
                   "# no web ACL yet", "waf_web_acl shield { resources = [web] }"),
    "AF-SEC-012": ("s3_bucket trail_logs {\n versioning = true\n access_logging = logs\n}\ns3_bucket logs { versioning = true }\n"
                   "cloudtrail_trail audit {\n bucket = trail_logs\n multi_region = false\n}",
                   "multi_region = false", "multi_region = true"),
    "AF-SEC-013": ("# no flow log yet", "# no flow log yet", "log_group flows {}\nflow_log v_rejects { resource = v, "
                   "destination = flows, traffic = REJECT }"),
    "AF-SEC-014": ("s3_bucket trail_logs { versioning = true }\ncloudtrail_trail audit {\n bucket = trail_logs\n"
                   " log_file_validation = false\n}", "log_file_validation = false", "log_file_validation = true"),
    "AF-SEC-015": ("sqs_queue jobs {}\nsqs_queue other {}\nlambda_function worker {\n runtime = python3.12\n"
                   " handler = \"w.handle\"\n role = worker_role\n code { file = \"w.zip\" }\n}\n"
                   "lambda_event_source feed { source = jobs, function = worker }\n"
                   "iam_role worker_role {\n assumed_by = [lambda]\n inline_policies = { read = { Version = \"2012-10-17\", "
                   "Statement = [{ Effect = \"Allow\", Action = [\"sqs:ReceiveMessage\", \"sqs:DeleteMessage\", "
                   "\"sqs:GetQueueAttributes\"], Resource = other.arn }] } }\n}",
                   "Resource = other.arn", "Resource = jobs.arn"),
    "AF-SEC-016": ("iam_role app { assumed_by = [ec2] }\niam_role deployer {\n assumed_by = [ec2]\n"
                   " inline_policies = { pass = { Version = \"2012-10-17\", Statement = [{ Effect = \"Allow\", "
                   "Action = \"iam:PassRole\", Resource = \"*\" }] } }\n}", 'Resource = "*"', "Resource = app.arn"),
    "AF-REL-001": ("rds db {\n engine = postgres\n instance_class = db.t3.micro\n subnets = [a, b]\n multi_az = false\n}",
                   "multi_az = false", "multi_az = true"),
    "AF-REL-002": ("aurora db {\n engine = aurora-postgresql\n instance_class = db.r6g.large\n subnets = [a, b]\n"
                   " instances = 1\n}", "instances = 1", "instances = 2"),
    "AF-REL-003": ("autoscaling_group web {\n subnets = [a]\n min = 1\n max = 2\n desired = 1\n"
                   " launch { ami = \"ami-0a1b2c3d4e5f60718\", instance_type = t3.micro }\n}",
                   "subnets = [a]", "subnets = [a, b]"),
    "AF-REL-004": ("internet_gateway igw { vpc = v }\nsubnet pub { vpc = v, az = \"us-east-1a\", cidr = \"10.0.9.0/24\", "
                   "public = true }\nnat_gateway nat { subnet = pub }\nroute_table private {\n vpc = v\n"
                   " route { destination = internet, target = nat }\n subnets = [a, b]\n}",
                   "subnets = [a, b]\n}", "subnets = [a]\n}"),
    "AF-REL-005": ("dynamodb_table t {\n hash_key = id\n point_in_time_recovery = false\n}",
                   "point_in_time_recovery = false", "point_in_time_recovery = true"),
    "AF-REL-006": ("elasticache cache {\n engine = redis\n node_type = cache.t3.micro\n subnets = [a, b]\n"
                   " automatic_failover = false\n}", "automatic_failover = false",
                   "replicas_per_shard = 1\n automatic_failover = true\n multi_az = true"),
    "AF-COST-001": ("ebs_volume data {\n az = \"us-east-1a\"\n size = 10GiB\n type = gp2\n}", "type = gp2", "type = gp3"),
    "AF-COST-002": ("elastic_ip spare {}", "elastic_ip spare {}",
                    "elastic_ip spare { instance = web }\ninstance web {\n ami = \"ami-0a1b2c3d4e5f60718\"\n"
                    " instance_type = t3.micro\n subnet = a\n}"),
}


def _arch(body: str) -> str:
    return f'region "us-east-1" as primary {{\n{NET}\n{body}\n}}\n'


def _check(tmp_path: Path, text: str, *args: str):
    (tmp_path / "main.arch").write_text(text)
    return CliRunner().invoke(main, ["check", str(tmp_path / "main.arch"), "--format", "json", *args])


def _rules_found(result) -> set[str]:
    return {f["rule"] for f in json.loads(result.stdout)["findings"] if f["suppressed"] is None}


def test_every_rule_has_a_case():
    assert sorted(CASES) == sorted(r.id for r in checks.rules())


@pytest.mark.parametrize("rule_id", sorted(CASES))
def test_each_rule_finds_its_case_and_not_its_fix(rule_id, tmp_path):
    body, bad, good = CASES[rule_id]
    result = _check(tmp_path, _arch(body))
    assert result.exit_code in (0, 1), result.output
    assert rule_id in _rules_found(result), result.output
    fixed = body.replace(bad, good)
    again = _check(tmp_path, _arch(fixed))
    assert rule_id not in _rules_found(again), again.output


def test_a_finding_points_at_what_broke_the_rule(tmp_path):
    text = _arch(CASES["AF-SEC-001"][0])
    result = _check(tmp_path, text)
    finding = next(f for f in json.loads(result.stdout)["findings"] if f["rule"] == "AF-SEC-001")
    assert finding["address"] == "primary.ssh" and finding["severity"] == "high"
    line = next(i for i, t in enumerate(text.splitlines(), 1) if "ingress {" in t)
    assert (finding["location"]["line"], finding["location"]["column"]) == (line, 2), finding  # the ingress block


def test_suppressions_need_a_reason_cover_their_resource_and_are_reported_when_stale(tmp_path):
    body = ('# archform:ignore AF-SEC-001 "the office VPN terminates on it"\n' + CASES["AF-SEC-001"][0] + "\n"
            '# archform:ignore AF-REL-002\n' + CASES["AF-REL-002"][0] + "\n"
            '# archform:ignore AF-COST-001 "nothing here uses gp2"\n' + 'elastic_ip spare {}')
    (tmp_path / "main.arch").write_text(_arch(body))
    text = CliRunner().invoke(main, ["check", str(tmp_path / "main.arch")])
    data = _check(tmp_path, _arch(body))
    findings = json.loads(data.stdout)["findings"]
    ssh = next(f for f in findings if f["rule"] == "AF-SEC-001")
    assert ssh["suppressed"]["reason"] == "the office VPN terminates on it"
    assert next(f for f in findings if f["rule"] == "AF-REL-002")["suppressed"] is None  # no reason: no effect
    assert "warning: a suppression needs a reason, in double quotes" in text.stderr
    assert [u["rules"] for u in json.loads(data.stdout)["unused_suppressions"]] == [["AF-COST-001"]]
    assert "this suppression of AF-COST-001 suppresses nothing" in text.stdout
    assert text.exit_code == 0  # the one high finding is suppressed; --fail-on high by default


def test_a_region_without_a_trail_is_found_once_and_a_multi_region_trail_covers_every_region(tmp_path):
    two = ('region "us-east-1" as primary {\n  s3_bucket trail_logs { versioning = true }\n%s}\n'
           'region "eu-west-1" as ireland {\n  sqs_queue jobs {}\n}\n')
    found = [f for f in json.loads(_check(tmp_path, two % "").stdout)["findings"] if f["rule"] == "AF-SEC-012"]
    # about the region, not a resource in it: placed on the region's block
    assert [(f["address"], f["message"], f["location"]["line"]) for f in found] == [
        ("", "no CloudTrail trail records the API calls made in eu-west-1", 4),
        ("", "no CloudTrail trail records the API calls made in us-east-1", 1)]
    one = _check(tmp_path, two % "  cloudtrail_trail audit { bucket = trail_logs }\n")
    assert "AF-SEC-012" not in _rules_found(one)
    single = _check(tmp_path, two % "  cloudtrail_trail audit {\n bucket = trail_logs\n multi_region = false\n}\n")
    found = [f["address"] for f in json.loads(single.stdout)["findings"] if f["rule"] == "AF-SEC-012"]
    assert found == ["", "primary.audit"]


def test_the_exit_status_follows_fail_on(tmp_path):
    text = _arch(CASES["AF-REL-002"][0])  # a medium finding
    assert _check(tmp_path, text).exit_code == 0
    assert _check(tmp_path, text, "--fail-on", "medium").exit_code == 1
    assert _check(tmp_path, text, "--fail-on", "low").exit_code == 1
    assert _check(tmp_path, _arch(CASES["AF-SEC-002"][0])).exit_code == 1
    assert _check(tmp_path, _arch(CASES["AF-SEC-002"][0]), "--fail-on", "none").exit_code == 0
    broken = _check(tmp_path, 'region "us-east-1" as p {\n  vpc v { cidr = 10.0.0.0/33 }\n}\n')
    assert broken.exit_code == 1 and "error" in broken.stderr


@pytest.mark.parametrize("fmt", ["text", "json", "sarif"])
def test_a_configuration_that_does_not_parse_prints_only_its_errors(tmp_path, fmt):
    (tmp_path / "main.arch").write_text('region "us-east-1" as p {\n  vpc main { cidr = \n}\n')
    result = CliRunner().invoke(main, ["check", str(tmp_path / "main.arch"), "--format", fmt])
    assert result.exit_code == 1
    assert "is not closed" in result.stderr
    assert result.stdout == ""  # no "0 findings" report as if the file had been checked


def test_no_example_has_a_high_finding():
    result = CliRunner().invoke(main, ["check", str(EXAMPLES), "--format", "json", "--fail-on", "high"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["counts"]["high"] == 0
    assert all(f["suppressed"]["reason"] for f in data["findings"] if f["suppressed"])
    print("examples:", data["counts"], "suppressed:", sum(1 for f in data["findings"] if f["suppressed"]))


SARIF_SCHEMA = Path(__file__).resolve().parents[2] / ".tools" / "sarif-2.1.0.json"


def test_the_sarif_is_valid_against_the_sarif_2_1_0_schema(tmp_path):
    if not SARIF_SCHEMA.exists():
        pytest.skip("the SARIF schema is fetched by `make test` (make sarif-schema)")
    import jsonschema
    schema = json.loads(SARIF_SCHEMA.read_text())
    validator = jsonschema.validators.validator_for(schema)(schema)
    out = tmp_path / "check.sarif"
    result = CliRunner().invoke(main, ["check", str(EXAMPLES), "--format", "sarif", "-o", str(out)])
    assert result.exit_code == 0, result.output
    data = json.loads(out.read_text())
    assert [e.message for e in validator.iter_errors(data)] == []
    run = data["runs"][0]
    ids = [r["id"] for r in run["tool"]["driver"]["rules"]]
    assert ids == sorted(r.id for r in checks.rules())
    for found in run["results"]:
        assert ids[found["ruleIndex"]] == found["ruleId"]
        assert found["locations"][0]["physicalLocation"]["region"]["startLine"] >= 1
    assert any(r.get("suppressions") for r in run["results"])  # the DR example's justified one
    # the check is not vacuous: a property the spec lacks, or a level it does not know, is caught
    run["results"][0]["severity"] = "high"
    run["results"][0]["level"] = "fatal"
    assert len(list(validator.iter_errors(data))) == 2


def _fingerprints(tmp_path: Path, text: str) -> dict[str, str]:
    (tmp_path / "main.arch").write_text(text)
    out = tmp_path / "check.sarif"
    CliRunner().invoke(main, ["check", str(tmp_path / "main.arch"), "--format", "sarif", "-o", str(out)])
    results = json.loads(out.read_text())["runs"][0]["results"]
    prints = [r["partialFingerprints"]["archformAddress/v1"] for r in results]
    assert len(prints) == len(set(prints)), prints  # code scanning merges results that share one
    return {r["message"]["text"]: p for r, p in zip(results, prints)}


def test_sarif_fingerprints_are_unique_and_stay_when_resources_are_added(tmp_path):
    body = "security_group open {\n vpc = v\n ingress { protocol = all, from = internet }\n}\n"
    before = _fingerprints(tmp_path, _arch(body))
    ssh = "primary.open: SSH (port 22) is open to the whole internet (0.0.0.0/0)"
    rdp = "primary.open: RDP (port 3389) is open to the whole internet (0.0.0.0/0)"
    trail = "no CloudTrail trail records the API calls made in us-east-1"
    assert before[ssh] != before[rdp]
    # a rule before the open one, and resources whose addresses sort first
    more = body.replace(" ingress {", " ingress { port = 443, from = 10.0.0.0/8 }\n ingress {") \
        + "s3_bucket aaa { versioning = true }\nsqs_queue aab {}\n"
    after = _fingerprints(tmp_path, _arch(more))
    assert {k: after[k] for k in (ssh, rdp, trail)} == {k: before[k] for k in (ssh, rdp, trail)}
    assert "primary" not in before[trail]  # the region's, not a resource's


PLUGIN = '''
from archform.stdlib.checks import rule


@rule("ACME-SEC-001", "high", "Buckets are named for their team", "ACME's tagging standard, section 2",
      "tag the bucket: tags = { team = ... }")
def team_tag(graph):
    for b in graph.of_kind("s3_bucket"):
        if "team" not in b.model.tags:
            yield b.address, ("tags",), "ACME buckets carry a team tag"
'''


def _plugin(tmp_path: Path, module: str, body: str) -> dict:
    """A package installed the way pip would leave it: the module and a dist-info with its entry point."""
    import os
    site = tmp_path / "site"
    (site / f"{module}-1.0.dist-info").mkdir(parents=True)
    (site / f"{module}.py").write_text(body)
    (site / f"{module}-1.0.dist-info" / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {module}\nVersion: 1.0\n")
    (site / f"{module}-1.0.dist-info" / "entry_points.txt").write_text(f"[archform.rules]\n{module} = {module}\n")
    return {**os.environ, "PYTHONPATH": str(site)}


def _run(tmp_path: Path, env: dict, *args: str):
    import subprocess
    import sys
    return subprocess.run([sys.executable, "-m", "archform.planner.cli", "check", *args], capture_output=True,
                          text=True, env=env, cwd=tmp_path, timeout=120)


def test_a_plugin_rule_fails_a_bad_architecture_with_its_own_message(tmp_path):
    env = _plugin(tmp_path, "acme_rules", PLUGIN)
    (tmp_path / "main.arch").write_text('region "us-east-1" as primary {\n  s3_bucket data { versioning = true }\n}\n')
    result = _run(tmp_path, env, "main.arch")
    assert result.returncode == 1, result.stderr
    assert "high[ACME-SEC-001]: primary.data: ACME buckets carry a team tag" in result.stdout
    assert "ACME's tagging standard, section 2" in result.stdout
    (tmp_path / "main.arch").write_text('region "us-east-1" as primary {\n  s3_bucket data {\n    versioning = true\n'
                                        '    tags = { team = "data" }\n  }\n}\n')
    assert "ACME-SEC-001" not in _run(tmp_path, env, "main.arch").stdout
    listed = _run(tmp_path, env, "--list").stdout
    assert "ACME-SEC-001" in listed and "AF-SEC-001" in listed


def test_a_broken_plugin_is_one_line_and_the_other_rules_still_run(tmp_path):
    env = _plugin(tmp_path, "broken_rules", "import no_such_module\n")
    (tmp_path / "main.arch").write_text(_arch(CASES["AF-SEC-001"][0]))
    result = _run(tmp_path, env, "main.arch")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert ("error: rule plugin 'broken_rules' (broken_rules) could not be loaded: ModuleNotFoundError: No module "
            "named 'no_such_module'") in result.stderr
    assert "high[AF-SEC-001]" in result.stdout
    taken = _plugin(tmp_path / "t", "taken_rules", PLUGIN.replace("ACME-SEC-001", "AF-SEC-999"))
    result = _run(tmp_path, taken, "main.arch")
    assert "the id AF-SEC-999 is archform's" in result.stderr and "AF-SEC-999" not in result.stdout


POLICY = '''
check "databases in two AZs" for db in resources("rds") {
  assert   = db.multi_az
  message  = "${db.engine} runs in one AZ: the ACME policy wants two"
  severity = medium
}
'''
SINGLE_AZ = ("rds db {\n engine = postgres\n instance_class = db.t3.micro\n"
             " subnets = [a, b]\n multi_az = false\n}")


def test_a_check_block_fails_a_bad_architecture_with_its_own_message(tmp_path):
    text = _arch(SINGLE_AZ) + POLICY
    result = _check(tmp_path, text, "--fail-on", "medium")
    assert result.exit_code == 1, result.output
    data = json.loads(result.stdout)
    [found] = [f for f in data["findings"] if f["rule"].startswith("ARCH-CHECK:")]
    assert found["rule"] == "ARCH-CHECK:databases in two AZs" and found["severity"] == "medium"
    assert found["address"] == "primary.db"
    assert found["message"] == "postgres runs in one AZ: the ACME policy wants two"
    line = next(i for i, t in enumerate(text.splitlines(), 1) if t.startswith("rds db"))
    assert (found["location"]["line"], found["location"]["column"]) == (line, 1)  # the offending block
    shown = CliRunner().invoke(main, ["check", str(tmp_path / "main.arch")])
    assert "medium[ARCH-CHECK:databases in two AZs]: primary.db: postgres runs in one AZ" in shown.stdout
    assert "# archform:ignore ARCH-CHECK:databases-in-two-AZs" in shown.stdout  # how to suppress it
    validate = CliRunner().invoke(main, ["validate", str(tmp_path / "main.arch")])
    assert validate.exit_code == 1
    assert 'error: primary.db: check "databases in two AZs" failed: postgres runs in one AZ' in validate.output
    fixed = _check(tmp_path, _arch(SINGLE_AZ.replace("multi_az = false", "multi_az = true")) + POLICY)
    assert not [f for f in json.loads(fixed.stdout)["findings"] if f["rule"].startswith("ARCH-CHECK:")]


def test_a_check_block_finding_is_in_the_sarif_and_can_be_suppressed(tmp_path):
    text = _arch(SINGLE_AZ) + POLICY
    (tmp_path / "main.arch").write_text(text)
    sarif = json.loads(CliRunner().invoke(main, ["check", str(tmp_path / "main.arch"), "--format", "sarif"]).stdout)
    run = sarif["runs"][0]
    rules = [r["id"] for r in run["tool"]["driver"]["rules"]]
    [result] = [r for r in run["results"] if r["ruleId"] == "ARCH-CHECK:databases in two AZs"]
    assert rules[result["ruleIndex"]] == result["ruleId"] and result["level"] == "warning"
    assert result["message"]["text"] == "primary.db: postgres runs in one AZ: the ACME policy wants two"
    if SARIF_SCHEMA.exists():
        import jsonschema
        schema = json.loads(SARIF_SCHEMA.read_text())
        assert [e.message for e in jsonschema.validators.validator_for(schema)(schema).iter_errors(sarif)] == []
    quiet = _arch('# archform:ignore ARCH-CHECK:databases-in-two-AZs "orders is rebuilt from the stream"\n'
                  + SINGLE_AZ) + POLICY
    data = json.loads(_check(tmp_path, quiet, "--fail-on", "medium").stdout)
    [found] = [f for f in data["findings"] if f["rule"].startswith("ARCH-CHECK:")]
    assert found["suppressed"]["reason"] == "orders is rebuilt from the stream"
    assert data["unused_suppressions"] == []
