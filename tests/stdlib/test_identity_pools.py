"""Cognito identity pools (notes §16.5, "Federated Identities"): each of AWS's rules as one
diagnostic (snapshots), the roles' web-identity trust (the pool's id as `aud`, the users as
`amr`), the pool's role attachment in CloudFormation without a loop between role and pool, and
the modeled cloud's ids, client check and roles."""

from __future__ import annotations

import json

import pytest

from archform.dsl.diagnostics import render
from archform.dsl.resolve import resolve_text

BASE = '''region "eu-west-1" as primary {
  cognito_user_pool customers {
    client web {
      callback_urls = ["https://shop.example.com/callback"]
      oauth_flows   = [code]
    }
  }

  cognito_user_pool partners {}

  cognito_identity_pool players {
%s
  }
}

iam_role player {
  web_identity {
    identity_pool = primary.players
  }
}
%s'''

POOL = '''    provider {
      user_pool = customers
      client    = "web"
    }'''

GUEST_ROLE = '''
iam_role guest {
  web_identity {
    identity_pool = primary.players
    users         = unauthenticated
  }
}
'''


def diagnose(pool: str, extra: str = ""):
    desired, diags = resolve_text(BASE % (pool, extra), "main.arch")
    return desired, [d for d in diags if d.is_error or d.severity == "warning"]


def test_a_pool_of_a_user_pool_client_with_its_role_validates_with_safe_defaults():
    desired, found = diagnose(POOL)
    assert found == []
    pool = desired.resources["primary.players"].model
    assert pool.allow_unauthenticated is False and pool.allow_classic_flow is False
    assert pool.provider[0].server_side_token_check is True


def test_guests_are_a_warning_and_need_the_pool_to_allow_them():
    _, found = diagnose(POOL + "\n    allow_unauthenticated = true", GUEST_ROLE)
    assert [(d.severity, d.summary) for d in found] == [
        ("warning", "primary.players: guests get AWS credentials without signing in: keep the unauthenticated "
                    "role's permissions to what any visitor may do")]


def test_a_pool_without_a_role_for_signed_in_users_is_warned():
    desired, diags = resolve_text((BASE % (POOL, "")).replace("iam_role player {\n  web_identity {\n    "
                                                               "identity_pool = primary.players\n  }\n}\n", ""),
                                  "main.arch")
    assert [d.summary for d in diags if d.severity == "warning"] == [
        "primary.players: no IAM role is for this pool's signed-in users: they get no AWS credentials"]


LIMITS = {
    "name": POOL + '\n    name = "players/prod"',
    "developer_provider": POOL + '\n    developer_provider = "login example com"',
    "unknown_login": POOL + '\n    logins = { "login.example.com" = "app" }',
    "no_provider": "    tags = { team = \"games\" }",
    "client_not_in_user_pool": POOL.replace('"web"', '"mobile"'),
    "client_of_a_pool_without_clients": POOL.replace("customers", "partners"),
    "client_twice": POOL + "\n\n" + POOL,
    "two_authenticated_roles": (POOL, "\niam_role other {\n  web_identity {\n    identity_pool = primary.players\n"
                                      "  }\n}\n"),
    "guest_role_without_guests": (POOL, GUEST_ROLE),
    "role_without_any_trust": (POOL, "\niam_role nobody {\n  max_session = 2h\n}\n"),
}


@pytest.mark.parametrize("case", sorted(LIMITS))
def test_each_rule_is_one_diagnostic(case, snapshot):
    pool, extra = LIMITS[case] if isinstance(LIMITS[case], tuple) else (LIMITS[case], "")
    _, found = diagnose(pool, extra)
    errors = [d for d in found if d.is_error]
    assert len(errors) == 1, [d.summary for d in found]
    assert render(errors[0]) == snapshot


# --- CloudFormation ------------------------------------------------------------------------------

def _generate(tmp_path, text: str):
    from archform.providers.cloudformation import generate
    source = tmp_path / "pool.arch"
    source.write_text(text)
    return generate(source, {})


def _resources(result) -> dict:
    out = {}
    for _, body in result.templates:
        out.update(body["Resources"])
    return out


def test_the_roles_trust_names_the_pool_and_the_attachment_names_the_roles(tmp_path):
    result = _generate(tmp_path, BASE % (POOL + "\n    allow_unauthenticated = true", GUEST_ROLE))
    assert result.ok, [d.summary for d in result.diagnostics if d.is_error]
    assert len(result.templates) == 1  # the global roles go in the stack of the pool they name
    res = _resources(result)
    (trust,) = res["Player"]["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    assert trust == {
        "Effect": "Allow", "Principal": {"Federated": "cognito-identity.amazonaws.com"},
        "Action": "sts:AssumeRoleWithWebIdentity",
        "Condition": {"StringEquals": {"cognito-identity.amazonaws.com:aud": {"Ref": "PrimaryPlayers"}},
                      "ForAnyValue:StringLike": {"cognito-identity.amazonaws.com:amr": "authenticated"}}}
    guest = res["Guest"]["Properties"]["AssumeRolePolicyDocument"]["Statement"][0]
    assert guest["Condition"]["ForAnyValue:StringLike"] == {"cognito-identity.amazonaws.com:amr": "unauthenticated"}
    pool = res["PrimaryPlayers"]
    assert pool["Type"] == "AWS::Cognito::IdentityPool"
    assert "Roles" not in json.dumps(pool)  # the pool reads no role: no loop
    assert pool["Properties"]["CognitoIdentityProviders"] == [{
        "ClientId": {"Ref": "PrimaryCustomersClientWeb"},
        "ProviderName": {"Fn::GetAtt": ["PrimaryCustomers", "ProviderName"]}, "ServerSideTokenCheck": True}]
    attachment = res["PrimaryPlayersRoles"]
    assert attachment["Type"] == "AWS::Cognito::IdentityPoolRoleAttachment"
    assert attachment["Properties"] == {"IdentityPoolId": {"Ref": "PrimaryPlayers"}, "Roles": {
        "authenticated": {"Fn::GetAtt": ["Player", "Arn"]}, "unauthenticated": {"Fn::GetAtt": ["Guest", "Arn"]}}}


def test_the_templates_pass_cfn_lint_with_informational_rules(tmp_path):
    from cfnlint.api import ManualArgs, lint_file
    from archform.providers.cloudformation.write import write
    result = _generate(tmp_path, BASE % (POOL + "\n    allow_unauthenticated = true", GUEST_ROLE) +
                       "\noutput pool = primary.players.id\noutput pool_arn = primary.players.arn\n")
    assert result.ok
    out = tmp_path / "cfn"
    write(result, out, "yaml")
    for template, _ in result.templates:
        found = lint_file(out / template.file, config=ManualArgs(regions=[template.region], include_checks=["I"]))
        assert [(m.rule.id, m.message) for m in found if m.rule.id != "W3010"] == []


def test_a_role_another_region_uses_too_is_an_error_not_a_broken_template(tmp_path):
    text = BASE % (POOL, "") + '''
region "us-east-1" as other {
  lambda_function fn {
    runtime = "python3.12"
    handler = "app.handle"
    role    = player
    code {
      file = "fn.zip"
    }
  }
}
'''
    result = _generate(tmp_path, text)
    errors = [d.summary for d in result.diagnostics if d.is_error]
    assert not result.ok
    assert errors == ["CloudFormation: 'player' cannot be placed in a stack: it is used by regional resources and "
                      "uses regional resources of several regions, so no stack can be deployed before the other"]


# --- the modeled cloud ---------------------------------------------------------------------------

def test_the_modeled_cloud_gives_aws_ids_and_reads_the_pools_roles(tmp_path):
    import re
    from workbench import Workbench
    bench = Workbench(tmp_path)
    try:
        plan, result = bench.apply(BASE % (POOL + "\n    allow_unauthenticated = true", GUEST_ROLE))
        assert not result.failed, result.failed
        records = bench.store.read().resources
        pool = records["primary.players"]
        assert re.fullmatch(r"eu-west-1:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", pool.id)
        assert pool.outputs["arn"] == f"arn:aws:cognito-identity:eu-west-1:123456789012:identitypool/{pool.id}"
        roles = bench.cloud.read("cognito_identity_pool", pool.id).outputs["roles"]
        assert roles == {"authenticated": records["player"].outputs["arn"],
                         "unauthenticated": records["guest"].outputs["arn"]}
        assert bench.plan(BASE % (POOL + "\n    allow_unauthenticated = true", GUEST_ROLE)).summary.empty
    finally:
        bench.close()


def test_the_modeled_cloud_refuses_a_client_its_user_pool_does_not_have(tmp_path):
    from archform.providers.base import InvalidParameter
    from archform.providers.simulated.behaviours.identity_pools import CognitoIdentityPool
    from archform.providers.simulated.store import Record

    class Op:
        def get(self, id):
            return Record("eu-west-1_AAAA", "cognito_user_pool", "eu-west-1", {}, {"clients": {"web": "abc"}})
    rec = Record("p", "cognito_identity_pool", "eu-west-1",
                 {"provider": [{"user_pool": "eu-west-1_AAAA", "client": "mobile"}]}, {})
    with pytest.raises(InvalidParameter, match="has no client 'mobile'"):
        CognitoIdentityPool().validate(Op(), rec, None)


def test_a_diagram_draws_the_pool_with_its_user_pool_and_its_roles():
    from archform.planner.diagram import build_scene, items_of
    from archform.planner.diagram.dot import to_dot
    desired, _ = resolve_text(BASE % (POOL + "\n    allow_unauthenticated = true", GUEST_ROLE), "main.arch")
    text = to_dot(build_scene(items_of(desired)))
    assert "Cognito identity pool" in text
    for edge in ('"primary.customers" -> "primary.players" [color', '"player" -> "primary.players" [color',
                 '"guest" -> "primary.players" [color'):
        assert edge in text, edge


def test_a_guest_role_that_allows_wildcard_actions_is_warned():
    guest = GUEST_ROLE.replace("    users         = unauthenticated\n  }\n",
                               "    users         = unauthenticated\n  }\n  inline_policies = {\n    all = {\n"
                               "      Version   = \"2012-10-17\"\n      Statement = [{ Effect = \"Allow\", "
                               "Action = [\"s3:*\", \"dynamodb:GetItem\"], Resource = \"*\" }]\n    }\n  }\n")
    _, found = diagnose(POOL + "\n    allow_unauthenticated = true", guest)
    assert [(d.severity, d.summary) for d in found if d.summary.startswith("guest")] == [
        ("warning", "guest: this role is for guests of an identity pool, anyone who has the app: it allows s3:*")]
