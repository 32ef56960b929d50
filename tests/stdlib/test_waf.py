"""WAF (notes §23.6): each of AWS's rules for web ACLs and IP sets is one diagnostic at the
text at fault (its rendering kept as a snapshot): a CLOUDFRONT ACL in us-east-1 only, layer 7
resources only, a rate limit of at least 10, the 1,500 WCU capacity."""

from __future__ import annotations

import pytest

from archform.dsl.diagnostics import render
from archform.dsl.resolve import resolve_text

BASE = '''region "us-east-1" as east {
  vpc main {
    cidr = 10.0.0.0/16
  }

  internet_gateway igw {
    vpc = main
  }

  subnet a {
    vpc    = main
    cidr   = 10.0.1.0/24
    az     = a
    public = true
  }

  subnet b {
    vpc    = main
    cidr   = 10.0.2.0/24
    az     = b
    public = true
  }

  security_group web_sg {
    vpc = main
  }

  load_balancer web {
    subnets         = [a, b]
    security_groups = [web_sg]
  }

  load_balancer tcp {
    type    = network
    subnets = [a, b]
  }

  waf_ip_set blocked {
    addresses = [203.0.113.7/32]
  }

  waf_web_acl edge_acl {
    scope = CLOUDFRONT
  }
%s
}

region "eu-west-1" as west {
%s
}

cloudfront cdn {
  web_acl = %s

  origin site {
    target = "shop.example.com"
  }
}
'''

ACL = '''
  waf_web_acl shop {
    resources = [web]

    rule blocklist {
      priority = 0
      ip_set   = blocked
    }

    rule common {
      priority = 1
      managed  = AWSManagedRulesCommonRuleSet
    }

    rule per_client {
      priority   = 2
      rate_limit = 2000
    }
  }'''


def diagnose(east: str = ACL, west: str = "", cdn_acl: str = "east.edge_acl"):
    desired, diags = resolve_text(BASE % (east, west, cdn_acl), "main.arch")
    return desired, [d for d in diags if d.is_error or d.severity == "warning"]


def test_a_regional_acl_on_an_alb_and_a_cloudfront_acl_validate():
    desired, found = diagnose()
    assert found == []
    shop = desired.resources["east.shop"].model
    assert shop.capacity() == 1 + 700 + 2 and shop.default_action == "allow"


LIMITS = {
    "rate_limit_below_minimum": (ACL.replace("2000", "5"), ""),
    "rate_window_not_allowed": (ACL.replace("rate_limit = 2000", "rate_limit = 2000\n      window     = 3m"), ""),
    "duplicate_priority": (ACL.replace("priority   = 2", "priority   = 1"), ""),
    "rule_with_two_statements": (ACL.replace("ip_set   = blocked", "ip_set   = blocked\n      rate_limit = 100"), ""),
    "rule_with_no_statement": (ACL.replace("      ip_set   = blocked\n", ""), ""),
    "over_capacity": (ACL.replace("rate_limit = 2000", "managed = AWSManagedRulesSQLiRuleSet").replace(
        "priority = 0\n      ip_set   = blocked", "priority = 0\n      managed  = AWSManagedRulesKnownBadInputsRuleSet")
        + '\n\n  waf_web_acl more {\n' + "".join(
            f"    rule r{i} {{\n      priority = {i}\n      managed  = AWSManagedRulesCommonRuleSet\n    }}\n"
            for i in range(3)) + "  }", ""),
    "network_load_balancer": (ACL.replace("[web]", "[tcp]"), ""),
    "unknown_managed_group": (ACL.replace("AWSManagedRulesCommonRuleSet", "AWSManagedRulesCommonRules"), ""),
    "action_on_a_managed_group": (ACL.replace("managed  = AWSManagedRulesCommonRuleSet",
                                              "managed  = AWSManagedRulesCommonRuleSet\n      action   = count"), ""),
    "ip_set_of_another_scope": (ACL.replace("ip_set   = blocked", "ip_set   = edge_set") +
                                "\n\n  waf_ip_set edge_set {\n    scope     = CLOUDFRONT\n"
                                "    addresses = [203.0.113.8/32]\n  }", ""),
    "country_code": (ACL.replace("ip_set   = blocked", 'countries = ["North Korea"]'), ""),
    "cloudfront_acl_outside_us_east_1": (ACL, '\n  waf_web_acl global {\n    scope = CLOUDFRONT\n  }'),
    "ipv6_range_in_ipv4_set": (ACL + '\n\n  waf_ip_set v6 {\n    addresses = ["2001:db8::/32"]\n  }', ""),
    "slash_zero": (ACL + '\n\n  waf_ip_set everyone {\n    addresses = [0.0.0.0/0]\n  }', ""),
    "cloudfront_acl_on_an_alb": (ACL + '\n\n  waf_web_acl wrong {\n    scope     = CLOUDFRONT\n'
                                       '    resources = [web]\n  }', ""),
}


@pytest.mark.parametrize("case", sorted(LIMITS) + ["regional_acl_on_cloudfront"])
def test_each_rule_is_one_diagnostic(case, snapshot):
    if case == "regional_acl_on_cloudfront":
        _, found = diagnose(cdn_acl="east.shop")
    else:
        east, west = LIMITS[case]
        _, found = diagnose(east, west)
    errors = [d for d in found if d.is_error]
    assert len(errors) == 1, [d.summary for d in found]
    assert render(errors[0]) == snapshot


POOL = '''
  cognito_user_pool members {
    sign_in = [email]
  }'''


def test_a_regional_acl_protects_a_cognito_user_pool_and_is_associated_with_its_arn(tmp_path):
    """Notes §23.6.1: WAF can be deployed on an ALB, API Gateway, CloudFront and a Cognito user
    pool; a REGIONAL ACL names the pool in `resources` and the template associates it by ARN."""
    from archform.providers.cloudformation import generate
    east = ACL.replace("resources = [web]", "resources = [web, members]") + POOL
    _, found = diagnose(east)
    assert found == [], [d.summary for d in found]
    source = tmp_path / "waf.arch"
    source.write_text(BASE % (east, "", "east.edge_acl"))
    result = generate(source, {})
    assert result.ok, [d.summary for d in result.diagnostics if d.is_error]
    resources = {k: v for _, body in result.templates for k, v in body["Resources"].items()}
    associations = [r["Properties"]["ResourceArn"] for r in resources.values()
                    if r["Type"] == "AWS::WAFv2::WebACLAssociation"]
    assert {"Fn::GetAtt": ["EastMembers", "Arn"]} in associations and len(associations) == 2
