"""Cognito user pools (notes §16.5): safe defaults, each rule a diagnostic (a snapshot each), the
modeled cloud's ids and refusal to delete a protected pool, the CloudFormation, and the pool as
an HTTP API's JWT issuer."""

from __future__ import annotations

from pathlib import Path

import pytest

from archform.dsl.diagnostics import render
from archform.dsl.resolve import resolve_text

ROOT = Path(__file__).resolve().parents[2]

BASE = '''region "eu-west-1" as primary {
  cognito_user_pool users {
%s
  }
}
'''


def diagnose(body: str):
    desired, diags = resolve_text(BASE % body, "main.arch")
    return desired, [d for d in diags if d.is_error or d.severity == "warning"]


def test_the_defaults_are_the_safe_ones():
    desired, found = diagnose('    client web {\n      callback_urls = ["https://app.example.com/cb"]\n'
                              '      oauth_flows   = [code]\n    }')
    assert found == []
    pool = desired.resources["primary.users"].model
    assert pool.mfa == "optional" and pool.deletion_protection is True and pool.sign_in == ["email"]
    assert pool.password.min_length == 12 and pool.password.symbols is True


CASES = {
    "password_floor": "    password { min_length = 5 }",
    "token_ceiling": "    client web { access_token = 2d }",
    "refresh_floor": "    client web { refresh_token = 30m }",
    "username_with_aliases": "    sign_in = [username, email]",
    "callback_needed": "    client web { oauth_flows = [code] }",
    "callback_https": '    client web {\n      callback_urls = ["http://app.example.com/cb"]\n      oauth_flows   = [code]\n    }',
    "credentials_alone": '    client api {\n      generate_secret = true\n      callback_urls   = ["https://a.example.com"]\n'
                         '      oauth_flows     = [code, client_credentials]\n    }',
    "credentials_secret": "    client api { oauth_flows = [client_credentials] }",
    "unknown_scope": '    client web {\n      scopes = ["openid", "orders"]\n    }',
    "sms_for_required_mfa": "    sign_in = [phone]\n    mfa     = required",
    "two_clients_one_name": "    client web {}\n    client web {}",
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_each_rule_is_one_diagnostic(name, snapshot):
    _, found = diagnose(CASES[name])
    errors = [d for d in found if d.is_error]
    assert len(errors) == 1, [d.summary for d in found]
    assert render(errors[0]) == snapshot


def test_weak_choices_are_warnings():
    _, found = diagnose('    mfa = off\n    client web {\n      callback_urls = ["https://a.example.com"]\n'
                        '      oauth_flows   = [implicit]\n    }')
    assert sorted(d.summary.split(": ", 1)[1].split(":")[0] for d in found) == [
        "mfa = off", "the implicit flow returns tokens in the URL"]
    assert all(d.severity == "warning" for d in found)


def test_the_modeled_cloud_refuses_to_delete_a_protected_pool(tmp_path):
    from workbench import Workbench
    bench = Workbench(tmp_path)
    try:
        text = BASE % '    client web {\n      callback_urls = ["https://a.example.com"]\n      oauth_flows   = [code]\n    }'
        _, result = bench.apply(text)
        assert not result.failed
        pool = bench.store.read().resources["primary.users"]
        assert pool.id.startswith("eu-west-1_") and len(pool.id) == len("eu-west-1_") + 9
        assert pool.outputs["issuer"] == f"https://cognito-idp.eu-west-1.amazonaws.com/{pool.id}"
        assert len(pool.outputs["client_id"]) == 26
        plan = bench.plan(None, destroy=True)  # refused at plan, not half-way through the apply
        (problem,) = [d.summary for d in plan.diagnostics if d.is_error]
        assert "primary.users has deletion protection on, and AWS refuses to delete it" in problem
        _, result = bench.apply(text.replace("  cognito_user_pool users {", "  cognito_user_pool users {\n"
                                                                        "    deletion_protection = false"))
        _, result = bench.apply(None, destroy=True)
        assert not result.failed
    finally:
        bench.close()


def test_templates_write_the_safe_defaults_and_the_api_checks_the_pool():
    from archform.providers.cloudformation import generate
    result = generate(ROOT / "examples" / "serverless_api.arch", {})
    assert result.ok
    res = {lid: r for _, body in result.templates for lid, r in body["Resources"].items()}
    pool = res["PrimaryShopUsers"]
    assert pool["DeletionPolicy"] == "Retain"
    props = pool["Properties"]
    assert props["MfaConfiguration"] == "OPTIONAL" and props["EnabledMfas"] == ["SOFTWARE_TOKEN_MFA"]
    assert props["DeletionProtection"] == "ACTIVE" and props["Policies"]["PasswordPolicy"]["MinimumLength"] == 12
    client = res["PrimaryShopUsersClientWeb"]["Properties"]
    assert client["PreventUserExistenceErrors"] == "ENABLED"
    assert client["ExplicitAuthFlows"] == ["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]
    jwt = res["PrimaryShopAuthorizerCustomers"]["Properties"]["JwtConfiguration"]
    assert jwt == {"Issuer": {"Fn::Sub": "https://${PrimaryShopUsers.ProviderURL}"},
                   "Audience": [{"Ref": "PrimaryShopUsersClientWeb"}]}
