"""Service quotas: CloudFormation has no resource type that requests a quota increase, so a
`service_quota` is left out of the template with a warning naming the request to make before
deploying (the stack would fail on the limit otherwise), and `manifest.json` lists that command
under `before_deploy`. What other resources read of it is
known without AWS: its ARN, its codes and the value asked for."""

from __future__ import annotations

from archform.stdlib.quota_facts import QUOTAS

from ..intrinsics import arn


def service_quota(r):
    q = QUOTAS.get(r.raw("quota"))
    if q is None:
        return
    command = (f"aws service-quotas request-service-quota-increase --region {r.region} --service-code {q.service} "
               f"--quota-code {q.code} --desired-value {r.raw('value')}")
    r.unsupported(f"quota = {q.name}", "a Service Quotas increase: CloudFormation has no resource type for it",
                  help=f"request it before deploying (manifest.json lists it under before_deploy): {command}")
    r.ctx.before_deploy.append(command)


def _quota(src):
    return QUOTAS[src.raw("quota")]


MAPPERS = {"service_quota": service_quota}

TYPES: dict = {"service_quota": []}

EXPORTS = {
    "service_quota": {
        "id": lambda src: arn("servicequotas", f"{_quota(src).service}/{_quota(src).code}"),
        "arn": lambda src: arn("servicequotas", f"{_quota(src).service}/{_quota(src).code}"),
        "value": lambda src: src.raw("value"),
        "default_value": lambda src: _quota(src).default,
        "quota_code": lambda src: _quota(src).code,
        "service_code": lambda src: _quota(src).service,
    },
}
