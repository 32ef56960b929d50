"""The CloudFormation of KMS keys, secrets, parameters, WAF and CloudWatch: what each writes
and what CloudFormation cannot express (a SecureString parameter)."""

from __future__ import annotations

from pathlib import Path

from archform.providers.cloudformation import Options, generate
from arch_text import TWO_AZ_VPC

CASES = Path(__file__).parent / "test_cloudformation_cases"


def templates(text: str, tmp_path: Path):
    path = tmp_path / "main.arch"
    path.write_text(text)
    result = generate(path, {}, Options())
    found = {}
    for template, body in result.templates:
        found[template.region] = body
    return result, found


KEYS = '''
region "us-east-1" as east {
  kms_key data {
    multi_region = true
    aliases      = ["alias/orders"]
  }

  kms_key signer {
    spec  = RSA_2048
    usage = SIGN_VERIFY
  }

  sqs_queue jobs {
    encryption = kms
    kms_key    = data
  }
}

region "eu-west-1" as west {
  kms_key data {
    replica_of = east.data
  }
}
'''


def test_keys_replicas_and_aliases(tmp_path):
    result, found = templates(KEYS, tmp_path)
    assert result.ok, [d.summary for d in result.diagnostics]
    east = found["us-east-1"]["Resources"]
    key = east["EastData"]
    assert key["Type"] == "AWS::KMS::Key" and key["DeletionPolicy"] == "Delete"
    props = key["Properties"]
    assert props["EnableKeyRotation"] is True and props["MultiRegion"] is True and props["PendingWindowInDays"] == 30
    assert props["KeyPolicy"]["Statement"][0]["Action"] == "kms:*"
    assert "EnableKeyRotation" not in east["EastSigner"]["Properties"]  # CloudFormation refuses it for RSA keys
    assert east["EastDataAliasOrders"]["Properties"] == {"AliasName": "alias/orders", "TargetKeyId": {"Ref": "EastData"}}
    assert east["EastJobs"]["Properties"]["KmsMasterKeyId"] == {"Fn::GetAtt": ["EastData", "Arn"]}
    replica = found["eu-west-1"]["Resources"]["WestData"]
    assert replica["Type"] == "AWS::KMS::ReplicaKey" and "PrimaryKeyArn" in replica["Properties"]


SECRETS = '''
sensitive param token: string = "a-token-from-the-vault"

region "us-east-1" as east {
  secret api {
    value = "written-here-but-never-in-a-template"
  }

  secret db {
    generate {
      length = 40
    }
  }

  ssm_parameter url {
    name  = "/shop/url"
    value = "https://shop.example.com"
  }

  ssm_parameter key {
    name         = "/shop/key"
    type         = SecureString
    secure_value = token
  }
}
'''


def test_secret_values_are_noecho_parameters_and_a_secure_string_is_left_out_with_a_warning(tmp_path):
    result, found = templates(SECRETS, tmp_path)
    assert result.ok
    body = found["us-east-1"]
    assert "written-here" not in str(body)
    api = body["Resources"]["EastApi"]["Properties"]
    param = body["Parameters"][api["SecretString"]["Ref"]]
    assert param["NoEcho"] is True and "Default" not in param
    assert body["Resources"]["EastDb"]["Properties"]["GenerateSecretString"]["PasswordLength"] == 40
    assert body["Resources"]["EastUrl"]["Properties"] == {"Name": "/shop/url", "Type": "String",
                                                           "Value": "https://shop.example.com"}
    assert "EastKey" not in body["Resources"]
    warnings = [d.summary for d in result.diagnostics if d.severity == "warning"]
    assert any("SecureString" in w and "east.key" in w for w in warnings)


def lint(folder: Path, result) -> list:
    from cfnlint.api import ManualArgs, lint_file
    found = []
    for template, _ in result.templates:
        config = ManualArgs(regions=[template.region], include_checks=["I"])
        found += [(template.file, m.rule.id, m.message) for m in lint_file(folder / template.file, config=config)]
    return found


WAF = '''
region "us-east-1" as east {
  waf_ip_set blocked {
    scope     = CLOUDFRONT
    addresses = [203.0.113.7/32]
  }

  waf_web_acl edge_acl {
    scope          = CLOUDFRONT
    default_action = allow

    rule blocklist {
      priority = 0
      ip_set   = blocked
    }

    rule common {
      priority = 1
      managed  = AWSManagedRulesCommonRuleSet
      override = count
    }

    rule geo {
      priority  = 2
      countries = ["KP"]
      action    = block
    }
  }
}

cloudfront cdn {
  web_acl = east.edge_acl

  origin site {
    target = "shop.example.com"
  }
}
'''


def test_a_cloudfront_web_acl_is_named_by_the_distribution_and_lints_clean(tmp_path):
    from archform.providers.cloudformation.write import write
    result, found = templates(WAF, tmp_path)
    assert result.ok, [d.summary for d in result.diagnostics]
    everything = {k: v for body in found.values() for k, v in body["Resources"].items()}
    acl = everything["EastEdgeAcl"]["Properties"]
    assert acl["Scope"] == "CLOUDFRONT" and acl["DefaultAction"] == {"Allow": {}}
    rules = {rule["Name"]: rule for rule in acl["Rules"]}
    assert rules["blocklist"]["Action"] == {"Block": {}}
    assert rules["blocklist"]["Statement"] == {"IPSetReferenceStatement": {"Arn": {"Fn::GetAtt": ["EastBlocked", "Arn"]}}}
    assert rules["common"]["OverrideAction"] == {"Count": {}}
    assert rules["geo"]["Statement"] == {"GeoMatchStatement": {"CountryCodes": ["KP"]}}
    config = everything["Cdn"]["Properties"]["DistributionConfig"]
    assert "WebACLId" in config
    out = tmp_path / "out"
    write(result, out, "yaml")
    assert [f for f in lint(out, result) if f[1][0] in "EW" and f[1] != "W3010"] == []


def test_a_database_reads_its_master_password_from_a_secret_at_deploy_time(tmp_path):
    text = '''
region "us-east-1" as east {
''' + TWO_AZ_VPC + '''
  secret db_password {
    generate {
      template = "{\\"username\\":\\"app\\"}"
      key      = "password"
    }
  }

  rds orders {
    engine                 = postgres
    instance_class         = db.t3.micro
    subnets                = [a, b]
    master_password_secret = db_password
  }
}
'''
    result, found = templates(text, tmp_path)
    assert result.ok, [d.summary for d in result.diagnostics]
    props = found["us-east-1"]["Resources"]["EastOrders"]["Properties"]
    assert props["MasterUserPassword"] == {
        "Fn::Sub": "{{resolve:secretsmanager:${EastDbPassword}:SecretString:password}}"}
    assert "ManageMasterUserPassword" not in props


def test_a_key_policy_lets_cloudwatch_and_cloudtrail_use_the_keys_of_log_groups_trails_and_alarm_topics(tmp_path):
    result = generate(CASES / "every_kind.arch", {}, Options())
    every = {k: v for _, body in result.templates for k, v in body["Resources"].items()}
    sids = [s["Sid"] for s in every["PrimaryDataKey"]["Properties"]["KeyPolicy"]["Statement"]]
    # the app log group is encrypted with it, and the audit trail's log files
    assert sids == ["EnableIamPolicies", "CloudWatchLogs", "CloudTrailEncrypt", "CloudTrailDescribe"]
    result = generate(Path(__file__).parent / "chaos_cases" / "alarms.arch", {}, Options())
    alarms = {k: v for _, body in result.templates for k, v in body["Resources"].items()}
    statements = alarms["PrimaryOpsKey"]["Properties"]["KeyPolicy"]["Statement"]
    assert statements[-1]["Principal"] == {"Service": "cloudwatch.amazonaws.com"}
