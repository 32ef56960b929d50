"""Security: ACM certificates, IAM managed policies, roles, users, groups and instance profiles,
Organizations SCPs; IAM managed policies and roles (with the instance profile that
instances and launch templates use, made when an instance, template or Auto Scaling group
launches with the role, or when EC2 may assume it).

A certificate validated by DNS whose names lie in a hosted zone of the architecture (its
`validation_zone`, or the zone that holds them) gets its validation records written there
(`DomainValidationOptions`), so the stack completes without anyone copying CNAMEs by hand;
the zone is placed in a stack deployed no later than the certificate's. Otherwise a warning
says the stack waits for them.
"""

from __future__ import annotations

from ..units import seconds
from .common import REF, getatt, policy_document

_LAUNCHERS = ("instance", "launch_template", "autoscaling_group")


def _validation_zone(r) -> str | None:
    """Its `validation_zone`, or the public zone of the architecture holding all its names
    (placement puts that zone in a stack deployed no later than the certificate's)."""
    return r.ctx.placement.validation.get(r.address)


def certificate(r):
    dns = r.raw("validation") == "dns"
    zone = _validation_zone(r) if dns else None
    options = None
    if zone:
        zone_ref = r.ctx.out(zone, "id", r)
        names = [r.val("domain")] + [r.val("alternative_names", i) for i in range(len(r.peek("alternative_names") or []))]
        options = [{"DomainName": n, "HostedZoneId": zone_ref} for n in names]
    elif dns:
        r.warn(f"certificate '{r.address}' is validated by DNS, and no hosted zone of the architecture holds its names: "
               f"the stack waits until the validation records ACM lists are created",
               help="set validation_zone = <a dns_zone> to have them written for you")
    algorithm = r.raw("key_algorithm")
    r.part("AWS::CertificateManager::Certificate", {
        "DomainName": r.val("domain"),
        "SubjectAlternativeNames": r.val("alternative_names") or None,
        "ValidationMethod": "DNS" if dns else "EMAIL",
        "DomainValidationOptions": options,
        "KeyAlgorithm": algorithm if algorithm != "RSA_2048" else None,
        "Tags": r.tags(),
    })


def iam_policy(r):
    r.part("AWS::IAM::ManagedPolicy", {
        "PolicyDocument": policy_document(r.val("document")),
        "Description": r.val("description"),
    })
    if r.raw("tags"):
        r.unsupported("tags", "IAM managed policies take no tags in CloudFormation")


def _principals(r) -> dict:
    services, others = [], []
    for i, p in enumerate(r.raw("assumed_by") or []):
        if type(p) is dict:
            others.append(r.ref("assumed_by", i, export="arn"))
        elif isinstance(p, str) and p.endswith(".amazonaws.com"):
            services.append(r.val("assumed_by", i))
        else:
            others.append(r.val("assumed_by", i))
    out = {}
    if services:
        out["Service"] = services if len(services) > 1 else services[0]
    if others:
        out["AWS"] = others if len(others) > 1 else others[0]
    return out


def _trust(r) -> list:
    """Who may assume the role: the `assumed_by` principals, and a Cognito identity pool's users
    (its id as the token's audience, authenticated or guests as its `amr`), notes §16.5."""
    out = [{"Effect": "Allow", "Principal": _principals(r), "Action": "sts:AssumeRole"}] if r.raw("assumed_by") else []
    if r.peek("web_identity") is not None:
        out.append({"Effect": "Allow", "Principal": {"Federated": "cognito-identity.amazonaws.com"},
                    "Action": "sts:AssumeRoleWithWebIdentity",
                    "Condition": {
                        "StringEquals": {"cognito-identity.amazonaws.com:aud": r.ref("web_identity", "identity_pool")},
                        "ForAnyValue:StringLike": {"cognito-identity.amazonaws.com:amr":
                                                   r.raw("web_identity", "users")}}})
    return out


def needs_profile(r) -> bool:
    if any(r.ctx.kind(a) == "instance_profile" for a in r.ctx.referrers(r.address)):
        return False  # the architecture's own instance_profile holds the role
    if any(p == "ec2.amazonaws.com" for p in r.raw("assumed_by") or []):
        return True
    for a in r.ctx.referrers(r.address):
        if r.ctx.kind(a) in _LAUNCHERS:
            return True
    return False


def _partitioned(value):
    """An AWS managed policy ARN written for the `aws` partition, made to work in every partition
    (`arn:${AWS::Partition}:iam::aws:policy/...`: GovCloud and China have their own)."""
    from ..intrinsics import PARTITION, sub
    if isinstance(value, str) and value.startswith("arn:aws:iam::aws:policy/"):
        return sub("arn:", PARTITION, value[len("arn:aws"):])
    return value


def _managed(r) -> list | None:
    policies = []
    for i, p in enumerate(r.raw("policies") or []):
        policies.append(r.ref("policies", i) if type(p) is dict else _partitioned(r.val("policies", i)))
    return policies or None


def _inline(r) -> list | None:
    inline = r.raw("inline_policies") or {}
    return [{"PolicyName": name, "PolicyDocument": policy_document(r.val("inline_policies", name))}
            for name in sorted(inline)] or None


def _boundary(r):
    boundary = r.raw("permissions_boundary")
    if boundary is None:
        return None
    return r.ref("permissions_boundary") if type(boundary) is dict else _partitioned(r.val("permissions_boundary"))


def iam_role(r):
    r.part("AWS::IAM::Role", {
        "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": _trust(r)},
        "ManagedPolicyArns": _managed(r),
        "Policies": _inline(r),
        "PermissionsBoundary": _boundary(r),
        "MaxSessionDuration": seconds(r.get("max_session")) if r.raw("max_session") != "1h" else None,
        "Tags": r.tags(),
    })
    if needs_profile(r):
        r.part("AWS::IAM::InstanceProfile", {"Roles": [r.att()]}, suffix="Profile")


def iam_user(r):
    """A user without a login profile or access keys: a console password and access keys are
    secrets a template would hold, so they are made outside it (a warning says so)."""
    r.part("AWS::IAM::User", {
        "ManagedPolicyArns": _managed(r),
        "Policies": _inline(r),
        "PermissionsBoundary": _boundary(r),
        "Tags": r.tags(),
    })
    if r.raw("console_password"):
        r.unsupported("console_password", "a password in a template is a secret in the stack",
                      help="set the first password with `aws iam create-login-profile --password-reset-required`")
    if r.raw("access_keys"):
        r.unsupported("access_keys", "an access key's secret would be readable from the stack",
                      help="create keys with `aws iam create-access-key`, or better give software a role")


def iam_group(r):
    r.part("AWS::IAM::Group", {"ManagedPolicyArns": _managed(r), "Policies": _inline(r)})
    if r.raw("members"):
        r.part("AWS::IAM::UserToGroupAddition", {"GroupName": r.att(), "Users": r.refs("members")},
               suffix="Members")


def instance_profile(r):
    r.part("AWS::IAM::InstanceProfile", {"InstanceProfileName": r.val("name"), "Roles": [r.ref("role")]})


def scp(r):
    r.part("AWS::Organizations::Policy", {
        "Name": r.address.replace(".", "-"),
        "Type": "SERVICE_CONTROL_POLICY",
        "Content": policy_document(r.val("document")),
        "Description": r.val("description"),
        "TargetIds": r.val("targets") or None,
        "Tags": r.tags(),
    })


MAPPERS = {"certificate": certificate, "iam_policy": iam_policy, "iam_role": iam_role, "iam_user": iam_user,
           "iam_group": iam_group, "instance_profile": instance_profile, "scp": scp}

TYPES = {
    "certificate": ["AWS::CertificateManager::Certificate"],
    "iam_policy": ["AWS::IAM::ManagedPolicy"],
    "iam_role": ["AWS::IAM::Role", "AWS::IAM::InstanceProfile"],
    "iam_user": ["AWS::IAM::User"],
    "iam_group": ["AWS::IAM::Group", "AWS::IAM::UserToGroupAddition"],
    "instance_profile": ["AWS::IAM::InstanceProfile"],
    "scp": ["AWS::Organizations::Policy"],
}

EXPORTS = {
    "certificate": {"id": REF, "arn": REF},
    "iam_policy": {"id": REF, "arn": REF},
    "iam_role": {"id": REF, "arn": getatt("Arn"), "name": REF,
                 "profile_arn": getatt("Arn", "Profile"), "profile_name": ("Profile", None)},
    "iam_user": {"id": REF, "arn": getatt("Arn"), "name": REF},
    "iam_group": {"id": REF, "arn": getatt("Arn"), "name": REF},
    "instance_profile": {"id": REF, "arn": getatt("Arn"), "name": REF, "profile_arn": getatt("Arn"),
                         "profile_name": REF},
    "scp": {"id": REF, "arn": getatt("Arn")},
}
