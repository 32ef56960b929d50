"""Amazon MSK clusters: named per region and known by their ARN (`cluster/NAME/UUID-N`, as
AWS's); what CreateCluster and UpdateBrokerCount/UpdateBrokerStorage refuse (not two or three
client subnets in distinct AZs, a broker count that is not a multiple of them, fewer brokers
or less storage than before); the brokers, owned `msk_broker` records spread round robin over
the AZs (broker 1 in the first), which the chaos run fails with their AZ; and the bootstrap
broker strings per client authentication."""

from __future__ import annotations

from archform.providers.base import InvalidParameter

from .. import ids
from ..chaos.units import size_bytes
from ..operation import Op
from ..store import Record
from .base import Named, require
from .common import add_node, by_az, check_groups_in_vpc, subnets_vpc
from .database import region_hash

GIB = 1 << 30
# The listeners AWS opens per authentication (Amazon MSK developer guide, "Port information").
PORTS = {"plaintext": 9092, "tls": 9094, "sasl_scram": 9096, "iam": 9098}


class MskCluster(Named):
    service = "kafka"
    name_max = 64
    letter_first = True
    name_taken_code = "ConflictException"
    id_is_name = False

    def make_id(self, op: Op, rec: Record, n: int) -> str:
        return ids.arn("kafka", rec.region, f"cluster/{rec.name}/{ids.uuid(op.seed, n, 'msk')}-{1 + n % 25}")

    def taken_message(self, name: str, taken: Record) -> str:
        return f"A cluster with the name {name} already exists."

    def arn(self, rec: Record) -> str:
        return rec.id

    def validate(self, op: Op, rec: Record, old: Record | None):
        at = rec.attrs
        subnets = at.get("subnets") or []
        require(len(subnets) in (2, 3), "Specify either two or three client subnets.", "BadRequestException")
        zones = by_az(op, subnets)
        require(len(zones) == len(subnets), "The client subnets must be in different Availability Zones.",
                "BadRequestException")
        vpc = subnets_vpc(op, subnets, "cluster", code="BadRequestException")
        check_groups_in_vpc(op, at.get("security_groups") or [], vpc, "the cluster's subnets",
                            code="BadRequestException")
        brokers = int(at.get("brokers") or len(subnets))
        require(brokers % len(zones) == 0, "The number of broker nodes must be a multiple of Availability Zones in "
                "the Client Subnets parameter.", "BadRequestException")
        gib = (size_bytes(at.get("storage"), 100 * GIB) or 0) / GIB
        require(1 <= gib <= 16384, "Volume size must be between 1 and 16384 GiB.", "BadRequestException")
        if old is not None:
            before = int(old.attrs.get("brokers") or len(old.attrs.get("subnets") or []))
            if brokers < before:
                raise InvalidParameter(f"The number of broker nodes can't be decreased ({before} to {brokers}).",
                                       code="BadRequestException")
            if gib < (size_bytes(old.attrs.get("storage"), 100 * GIB) or 0) / GIB:
                raise InvalidParameter("The storage volume of a broker can only be increased.",
                                       code="BadRequestException")

    def create(self, op: Op, rec: Record):
        self._brokers(op, rec)

    def update(self, op: Op, rec: Record, old: Record):
        self._brokers(op, rec)

    def _brokers(self, op: Op, rec: Record):
        zones = by_az(op, rec.attrs.get("subnets") or [])
        have = len(op.tx.owned(rec.id, "msk_broker"))
        wanted = int(rec.attrs.get("brokers") or len(zones))
        suffix = rec.id.rsplit("/", 1)[-1][:8]
        for i in range(have, wanted):
            az = list(zones)[i % len(zones)]
            add_node(op, rec, "msk_broker", "broker", zones[az][0], attrs={"name": f"b-{i + 1}", "broker_id": i + 1},
                     id=f"{rec.name}-{suffix}-b-{i + 1}")

    def outputs(self, op: Op, rec: Record) -> dict:
        at = rec.attrs
        h = region_hash(op, rec.region, "kafka")[:6]
        brokers = sorted(op.tx.owned(rec.id, "msk_broker"), key=lambda b: b.attrs.get("broker_id") or 0)
        host = f"{rec.name}.{h}.c{1 + rec.seq % 25}.kafka.{rec.region}.amazonaws.com"
        out = {"name": rec.name, "state": "ACTIVE", "kafka_version": at.get("kafka_version"),
               "brokers": [{"id": b.attrs.get("broker_id"), "az": b.az, "private_ip": b.attrs.get("private_ip"),
                            "endpoint": f"b-{b.attrs.get('broker_id')}.{host}"} for b in brokers],
               "zookeeper_connect": ",".join(f"z-{k}.{host}:2181" for k in (1, 2, 3))}
        transit = at.get("in_transit") or "tls"
        auths = list(at.get("client_auth") or [])
        listeners = {"plaintext": transit in ("plaintext", "tls_plaintext") and "unauthenticated" in auths,
                     "tls": transit != "plaintext" and ("unauthenticated" in auths or "tls" in auths),
                     "sasl_scram": "sasl_scram" in auths, "iam": "iam" in auths}
        for listener, on in listeners.items():
            key = "bootstrap_brokers" + ("" if listener == "plaintext" else f"_{listener}")
            hosts = (f"b-{b.attrs.get('broker_id')}.{host}:{PORTS[listener]}" for b in brokers)
            out[key] = ",".join(hosts) if on else None
        return out


BEHAVIOURS = {"msk_cluster": MskCluster()}
