"""Amazon MQ brokers: named per region, known by a `b-` id; what CreateBroker refuses (a
deployment mode of the other engine, the wrong number of subnets for the mode, subnets of two
VPCs, an active/standby pair in one AZ); the broker instances (owned `mq_instance` records, one
per AZ, which the chaos run fails with their AZ) and the wire-level endpoints AWS gives.

Users are sensitive: the modeled cloud keeps only fingerprints of them (as of a database's
password), so their rules are the catalogue's."""

from __future__ import annotations

from archform.providers.base import InvalidParameter

from .. import ids
from ..operation import Op
from ..store import Record
from .base import Named, require
from .common import by_az, check_groups_in_vpc, subnets_vpc

MODE = {"single_instance": "SINGLE_INSTANCE", "active_standby": "ACTIVE_STANDBY_MULTI_AZ",
        "cluster": "CLUSTER_MULTI_AZ"}
ENGINE_MODES = {"activemq": ("single_instance", "active_standby"), "rabbitmq": ("single_instance", "cluster")}
# ActiveMQ's wire-level protocols over TLS, with AWS's ports (Amazon MQ developer guide)
ACTIVEMQ_PROTOCOLS = (("ssl", 61617), ("amqp+ssl", 5671), ("stomp+ssl", 61614), ("mqtt+ssl", 8883), ("wss", 61619))
CLUSTER_NODES = 3


def host(rec: Record, suffix: str = "") -> str:
    return f"{rec.id}{suffix}.mq.{rec.region}.amazonaws.com"


def instance_suffixes(rec: Record) -> list[str]:
    """ActiveMQ's brokers are `-1` (and `-2`, the standby); a RabbitMQ broker has one endpoint."""
    if rec.attrs.get("engine") == "rabbitmq":
        return [""]
    return ["-1", "-2"] if rec.attrs.get("deployment") == "active_standby" else ["-1"]


class MqBroker(Named):
    service = "mq"
    name_max = 50
    name_taken_code = "ConflictException"
    id_is_name = False

    def explicit_name(self, rec: Record) -> str | None:
        return rec.attrs.get("name")

    def taken_message(self, name: str, taken: Record) -> str:
        return f"Broker with name {name} already exists."

    def make_id(self, op: Op, rec: Record, n: int) -> str:
        return "b-" + ids.uuid(op.seed, n, "mq")

    def arn(self, rec: Record) -> str:
        return ids.arn("mq", rec.region, f"broker:{rec.name}:{rec.id}")

    def validate(self, op: Op, rec: Record, old: Record | None):
        at = rec.attrs
        engine, mode = at.get("engine") or "activemq", at.get("deployment") or "single_instance"
        require(mode in ENGINE_MODES.get(engine, ()), f"Broker engine type [{engine.upper()}] does not support "
                f"deployment mode [{MODE.get(mode, mode)}].", "BadRequestException")
        subnets = at.get("subnets") or []
        public_rabbit = engine == "rabbitmq" and at.get("publicly_accessible")
        wanted = {"single_instance": 1, "active_standby": 2}.get(mode)
        if public_rabbit:
            require(not subnets and not at.get("security_groups"), "Publicly accessible RabbitMQ brokers do not "
                    "support subnets or security groups.", "BadRequestException")
        elif wanted is not None:
            require(len(subnets) == wanted, f"Specify {wanted} subnet{'s' if wanted > 1 else ''} for deployment "
                    f"mode [{MODE[mode]}]; {len(subnets)} given.", "BadRequestException")
        else:
            require(bool(subnets), "Specify at least one subnet for a private broker.", "BadRequestException")
        if subnets:
            vpc = subnets_vpc(op, subnets, "broker", code="BadRequestException")
            check_groups_in_vpc(op, at.get("security_groups") or [], vpc, "the broker's subnets",
                                code="BadRequestException")
            if mode == "active_standby" and len(by_az(op, subnets)) < 2:
                raise InvalidParameter("The subnets of an ACTIVE_STANDBY_MULTI_AZ broker must be in different "
                                       "Availability Zones.", code="BadRequestException")

    def create(self, op: Op, rec: Record):
        """The broker instances, each in an AZ: ActiveMQ's one per subnet, a RabbitMQ cluster's
        three over three AZs (its subnets' first, then the region's)."""
        at = rec.attrs
        zones = list(by_az(op, at.get("subnets") or []))
        if at.get("deployment") == "cluster":
            zones += [z for z in op.zones(rec.region) if z not in zones]
            roles = [("node", zones[i % len(zones)] if zones else None) for i in range(CLUSTER_NODES)]
        elif at.get("deployment") == "active_standby":
            roles = [("active", zones[0] if zones else None), ("standby", zones[-1] if zones else None)]
        else:
            roles = [("active", zones[0] if zones else (op.zones(rec.region) or [None])[0])]
        for i, (role, az) in enumerate(roles):
            op.add_owned(rec, "mq_instance", role, {"name": f"{rec.name}-{i + 1}"}, az=az, id=f"{rec.id}-{i + 1}")

    def outputs(self, op: Op, rec: Record) -> dict:
        at = rec.attrs
        if at.get("engine") == "rabbitmq":
            endpoints = [f"amqps://{host(rec)}:5671"]
            console = f"https://{host(rec)}"
        else:
            endpoints = [f"{proto}://{host(rec, s)}:{port}" for s in instance_suffixes(rec)
                         for proto, port in ACTIVEMQ_PROTOCOLS]
            console = f"https://{host(rec, '-1')}:8162"
        out = {"id": rec.id, "arn": self.arn(rec), "name": rec.name, "endpoints": endpoints, "console_url": console,
               "deployment_mode": MODE.get(at.get("deployment") or "single_instance"), "state": "RUNNING"}
        if at.get("deployment") == "active_standby":
            # the URL clients give ActiveMQ's failover transport: the pair, reconnecting to the live one
            out["failover_url"] = "failover:(" + ",".join(f"ssl://{host(rec, s)}:61617"
                                                          for s in instance_suffixes(rec)) + ")"
        return out


BEHAVIOURS = {"mq_broker": MqBroker()}
