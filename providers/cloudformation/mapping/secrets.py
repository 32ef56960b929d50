"""Secrets Manager and Parameter Store: a secret is one `AWS::SecretsManager::Secret` (with an
`AWS::SecretsManager::RotationSchedule` and the `lambda:InvokeFunction` permission its rotation
function needs, and an `AWS::SecretsManager::ResourcePolicy` when it has a policy); a
parameter is one `AWS::SSM::Parameter`.

A secret's `value` is never written in a template: it comes from the root `param` it was
given by (made NoEcho by the pipeline) or from a NoEcho parameter of its own without a default.
Without a value, Secrets Manager generates the password (`GenerateSecretString`).

CloudFormation cannot create SecureString parameters (AWS::SSM::Parameter takes String and
StringList only): such a parameter is left out with a warning naming how to make it, and
templates read it with a `{{resolve:ssm-secure:NAME}}` dynamic reference.
"""

from __future__ import annotations

from ..intrinsics import Param
from ..logical_ids import camel
from ..units import days
from .common import REF, policy_document


def _value(r):
    value = r.val("value")
    if isinstance(value, Param) or (not isinstance(value, str) and value is not None):
        return value  # from a root param: the pipeline makes that parameter NoEcho
    return r.ctx.synthetic_param(f"secret:{r.address}:value", camel(r.address.replace(".", "_")) + "Value", "String",
                                 None, f"Value of the secret {r.address} (given at deploy time)", no_echo=True)


def _generate(r) -> dict:
    g = r.peek("generate") or {}
    return {
        "PasswordLength": g.get("length", 32),
        "ExcludeCharacters": r.val("generate", "exclude_characters"),
        "ExcludePunctuation": True if g.get("exclude_punctuation") else None,
        "IncludeSpace": True if g.get("include_space") else None,
        "RequireEachIncludedType": g.get("require_each_type", True),
        "SecretStringTemplate": r.val("generate", "template"),
        "GenerateStringKey": r.val("generate", "key"),
    }


def secret(r):
    has_value = r.peek("value") is not None
    r.part("AWS::SecretsManager::Secret", {
        "Name": r.val("name"),
        "Description": r.val("description"),
        "KmsKeyId": r.val("kms_key"),
        "SecretString": _value(r) if has_value else None,
        "GenerateSecretString": None if has_value else _generate(r),
        "ReplicaRegions": [{"Region": region} for region in r.raw("replica_regions") or []] or None,
        "Tags": r.tags(),
    }, deletion="Delete")
    rotation = r.peek("rotation")
    if rotation:
        function = r.ref("rotation", "function", export="arn")
        permission = None
        if r.ctx.same_stack(r.target("rotation", "function"), r.address):
            permission = r.att("RotationPermission")
            r.part("AWS::Lambda::Permission", {
                "Action": "lambda:InvokeFunction", "FunctionName": function,
                "Principal": "secretsmanager.amazonaws.com", "SourceArn": r.att(),
            }, suffix="RotationPermission")
        else:
            r.warn("the rotation function is in another stack: give it a lambda:InvokeFunction permission for "
                   "secretsmanager.amazonaws.com there", ("rotation", "function"))
        r.part("AWS::SecretsManager::RotationSchedule", {
            "SecretId": r.att(),
            "RotationLambdaARN": function,
            "RotationRules": {"AutomaticallyAfterDays": days(rotation.get("every")) or 30},
            "RotateImmediatelyOnUpdate": rotation.get("rotate_now", True),
        }, suffix="Rotation", depends=[permission])
    policy = r.val("policy")
    if policy:
        r.part("AWS::SecretsManager::ResourcePolicy", {"SecretId": r.att(), "ResourcePolicy": policy_document(policy),
                                                       "BlockPublicPolicy": True}, suffix="Policy")


def ssm_parameter(r):
    kind = r.raw("type") or "String"
    if kind == "SecureString":
        if not isinstance(r.raw("name"), str):
            r.error("a SecureString parameter is made outside CloudFormation, so templates find it by name: give it "
                    "a name", ("name",), help='e.g. name = "/app/prod/token"')
        r.unsupported("type = SecureString", "CloudFormation creates String and StringList parameters only",
                      help="create it with `aws ssm put-parameter --type SecureString` (archform apply does, in the "
                           "modeled cloud); templates read it with {{resolve:ssm-secure:NAME}}")
        return
    value = r.val("value")
    r.part("AWS::SSM::Parameter", {
        "Name": r.val("name"),
        "Type": kind,
        "Value": ",".join(value) if isinstance(value, list) and all(isinstance(x, str) for x in value) else value,
        "Tier": r.raw("tier") if r.raw("tier") not in (None, "Standard") else None,
        "Description": r.val("description"),
        "AllowedPattern": r.val("allowed_pattern"),
        "DataType": r.raw("data_type") if r.raw("data_type") not in (None, "text") else None,
        "Tags": r.val("tags") or None,
    })


def _parameter_name(src):
    name = src.raw("name")
    return name if isinstance(name, str) else src.att()


def _secret_name(src):
    """The secret's name as written; CloudFormation returns only its ARN (which every API that
    takes a secret's name also takes)."""
    name = src.raw("name")
    return name if isinstance(name, str) else src.att()


def _parameter_arn(src):
    from ..intrinsics import ACCOUNT, PARTITION, REGION, sub
    name = _parameter_name(src)
    if isinstance(name, str):
        return sub("arn:", PARTITION, ":ssm:", REGION, ":", ACCOUNT, ":parameter/" + name.lstrip("/"))
    return sub("arn:", PARTITION, ":ssm:", REGION, ":", ACCOUNT, ":parameter/", name)


MAPPERS = {"secret": secret, "ssm_parameter": ssm_parameter}

TYPES = {
    "secret": ["AWS::SecretsManager::Secret", "AWS::SecretsManager::RotationSchedule", "AWS::Lambda::Permission",
               "AWS::SecretsManager::ResourcePolicy"],
    "ssm_parameter": ["AWS::SSM::Parameter"],
}

EXPORTS = {
    "secret": {"id": REF, "arn": REF, "name": _secret_name},
    "ssm_parameter": {"id": _parameter_name, "arn": _parameter_arn, "name": _parameter_name},
}
