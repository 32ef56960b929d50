"""Amazon MQ: a broker is one `AWS::AmazonMQ::Broker`.

Each user's password is a secret the template takes at deploy time: the root `param` it comes
from (made NoEcho by the pipeline), or a NoEcho parameter of its own without a default, so no
password is ever written in a template, a manifest or a parameter file. `PubliclyAccessible`
and `AutoMinorVersionUpgrade` are always written (the safe defaults, decided where a reviewer
sees them); encryption names the account's KMS key, or AWS's owned key.

CloudFormation requires `BrokerName`: without `name`, it is made from the address (brokers are
named per account and region, at most 50 characters).
"""

from __future__ import annotations

import re

from archform.stdlib.kinds.mq import DEFAULT_VERSION

from ..intrinsics import Att, Param, select
from ..logical_ids import camel
from .common import REF, getatt

_MODE = {"single_instance": "SINGLE_INSTANCE", "active_standby": "ACTIVE_STANDBY_MULTI_AZ",
         "cluster": "CLUSTER_MULTI_AZ"}


def _password(r, i: int):
    value = r.val("user", i, "password")
    if isinstance(value, Param) or (not isinstance(value, str) and value is not None):
        return value  # from a root param: the pipeline makes that parameter NoEcho
    user = r.peek("user", i, "name") or str(i + 1)
    return r.ctx.synthetic_param(f"secret:{r.address}:user.{i}.password",
                                 camel(r.address.replace(".", "_")) + camel(f"{user}_password"), "String", None,
                                 f"Password of broker user {user} of {r.address} (given at deploy time)",
                                 no_echo=True)


def _users(r) -> list[dict]:
    return [{"Username": r.val("user", i, "name"), "Password": _password(r, i),
             "ConsoleAccess": True if u.get("console_access") else None,
             "Groups": r.val("user", i, "groups") or None}
            for i, u in enumerate(r.peek("user") or [])]


def broker_name(address: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]", "-", address)[:50]


def mq_broker(r):
    engine = r.raw("engine") or "activemq"
    kms = r.val("kms_key")
    logs, window = r.peek("logs"), r.peek("maintenance")
    r.part("AWS::AmazonMQ::Broker", {
        "BrokerName": r.val("name") or broker_name(r.address),
        "EngineType": engine.upper(),
        "EngineVersion": r.val("engine_version") or DEFAULT_VERSION[engine],
        "HostInstanceType": r.val("instance_type"),
        "DeploymentMode": _MODE[r.raw("deployment") or "single_instance"],
        "SubnetIds": r.refs("subnets") or None,
        "SecurityGroups": r.refs("security_groups") or None,
        "PubliclyAccessible": bool(r.raw("publicly_accessible")),
        "AutoMinorVersionUpgrade": r.raw("auto_minor_version_upgrade") is not False,
        "Users": _users(r),
        "EncryptionOptions": {"UseAwsOwnedKey": kms is None, "KmsKeyId": kms},
        "Logs": {"General": True if logs.get("general") else None, "Audit": True if logs.get("audit") else None}
        if logs else None,
        "MaintenanceWindowStartTime": {"DayOfWeek": window["day"].upper(), "TimeOfDay": r.val("maintenance", "time"),
                                       "TimeZone": r.val("maintenance", "time_zone")} if window else None,
        "Tags": r.tags(),
    })


MAPPERS = {"mq_broker": mq_broker}

TYPES = {"mq_broker": ["AWS::AmazonMQ::Broker"]}

def _endpoints(src):
    """The wire-level endpoints: ActiveMQ's OpenWire (TLS) ones, or RabbitMQ's AMQPS one."""
    return Att(src.address, "", "AmqpEndpoints" if src.raw("engine") == "rabbitmq" else "OpenWireEndpoints")


def _console(src):
    """The web console: the first of the broker's console URLs (an active/standby pair has two)."""
    return select(0, Att(src.address, "", "ConsoleURLs"))


EXPORTS = {
    "mq_broker": {"id": REF, "arn": getatt("Arn"), "endpoints": _endpoints, "console_url": _console},
}
