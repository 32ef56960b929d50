"""Queues, topics, functions and APIs during a run (notes §14, §16.1, §16.3).

- SQS and SNS: regional services AWS runs across AZs: unaffected by an AZ, unavailable with
  their region. A topic delivers to each subscribed queue or function that still answers, in
  its region or another (cross-region fan-out keeps delivering to the regions that are up).
- Lambda outside a VPC: regional, like SQS. In a VPC, it runs through a Hyperplane ENI in each
  of its subnets: losing an AZ loses that subnet's share of its capacity, and losing every
  AZ it has a subnet in stops it (notes §16.1, "Lambda in VPC").
- An event source mapping processes messages while its source (a queue, a Kinesis stream, a
  DynamoDB table's stream) and its function both answer.
- Kinesis streams: regional, their shards replicated across three AZs by AWS (notes §14.3):
  unaffected by an AZ, unavailable with their region.
- A Firehose delivery stream is regional too; it delivers while its source stream, its
  transform function and its destination bucket's region all answer, and its Redshift cluster
  or OpenSearch domain answers queries.
- API Gateway: regional, across AZs. It serves the share of its routes whose integration
  answers (a Lambda function that still runs; an HTTP endpoint outside the architecture is
  taken to answer); the others return 5xx.
- EventBridge buses and rules, Step Functions state machines, Cognito user and identity pools,
  Redshift Serverless workgroups, Glue databases and crawlers, Athena workgroups: regional, like
  SQS. So are Keyspaces keyspaces and tables and Timestream databases and tables (AWS keeps
  their data in three AZs): an AZ's loss leaves them serving. A rule delivers to the share of its targets that still answer (a bus in another region
  keeps receiving while its region is up: cross-region routing survives the rule's targets' AZs).
"""

from __future__ import annotations

from typing import Iterable

from archform.stdlib.facets import provides
from archform.stdlib.regions import az_region

from ..measure import Service
from ..world import Loop

KINDS = ("sqs_queue", "sns_topic", "lambda_function", "lambda_event_source", "api_gateway",
         "kinesis_stream", "firehose")
_MEASURES = {"sqs_queue": ("messages accepted", "queue"), "sns_topic": ("messages delivered", "subscriptions"),
             "lambda_function": ("invocations served", "subnet AZs"),
             "lambda_event_source": ("messages processed", "mapping"),
             "api_gateway": ("requests served", "routes"),
             "kinesis_stream": ("records accepted", "stream"), "firehose": ("records delivered", "delivery stream")}
KINDS += ("event_bus", "event_rule", "state_machine", "cognito_user_pool")
_MEASURES.update({"event_bus": ("events accepted", "bus"), "event_rule": ("events delivered", "targets"),
                  "state_machine": ("executions started", "state machine"),
                  "cognito_user_pool": ("sign-ins served", "user pool")})
# Analytics AWS runs across AZs (notes §19.1, §19.2.1, §19.6): regional, like SQS
KINDS += ("redshift_serverless", "glue_database", "glue_crawler", "athena_workgroup")
_MEASURES.update({"redshift_serverless": ("queries answered", "workgroup"), "glue_database": ("lookups answered", "database"),
                  "glue_crawler": ("crawls run", "crawler"), "athena_workgroup": ("queries answered", "workgroup")})
KINDS += ("cognito_identity_pool",)
_MEASURES["cognito_identity_pool"] = ("credentials issued", "identity pool")
# Serverless databases AWS replicates across three AZs (notes §18.9, §18.10): regional, like SQS
THREE_AZ_DATA = ("keyspaces_keyspace", "keyspaces_table", "timestream_database", "timestream_table")
KINDS += THREE_AZ_DATA
_MEASURES.update({"keyspaces_keyspace": ("queries answered", "keyspace"), "keyspaces_table": ("reads and writes served", "table"),
                  "timestream_database": ("queries answered", "database"),
                  "timestream_table": ("records written", "table")})


@provides("failures", *KINDS)
class Serverless(Loop):
    name = "serverless"

    def __init__(self, world):
        super().__init__(world)
        self.records: dict[str, object] = {}
        self.broken: dict[str, int] = {}

    def load(self):
        for kind in KINDS:
            for rec in self.world.of_kind(kind):
                self.records[rec.id] = rec
                self.broken[rec.id] = 0

    def services(self) -> Iterable[Service]:
        for rec in self.records.values():
            measure, unit = _MEASURES[rec.kind]
            yield Service(rec.address, rec.kind, rec.region, measure, unit, 1.0,
                          lambda r=rec: self.sample(r.id))

    def sample(self, id: str) -> tuple[float, float]:
        """(served, capacity): a function with a subnet left scales there and serves every
        request; a topic serves the share of subscriptions that still answer."""
        capacity = self.capacity(id)
        rec = self.records[id]
        served = capacity if rec.kind in ("sns_topic", "api_gateway", "event_rule") else (1.0 if capacity > 0 else 0.0)
        return served, capacity

    def _enis(self, rec) -> list:
        return [e for e in self.world.owned.get(rec.id, []) if e.kind == "lambda_eni"]

    def capacity(self, id: str | None) -> float:
        """The share of the resource that answers (0 to 1)."""
        w = self.world
        rec = self.records.get(id or "")
        if rec is None:
            other = w.records.get(id or "")  # a DynamoDB table's stream: there while its region is
            return 1.0 if other is not None and w.region_up(other.region) else 0.0
        if self.broken.get(rec.id):
            return 0.0
        if not w.region_up(rec.region):
            return 0.0
        if rec.kind == "lambda_function":
            zones = sorted({e.az for e in self._enis(rec)})
            return sum(w.zone_up(z) for z in zones) / len(zones) if zones else 1.0
        if rec.kind == "sns_topic":
            targets = [s.get("target") for s in rec.attrs.get("subscription") or [] if s.get("target")]
            return sum(self.capacity(t) > 0 for t in targets) / len(targets) if targets else 1.0
        if rec.kind == "api_gateway":
            routes = rec.attrs.get("route") or []
            answering = [r for r in routes if all(self.capacity(r[k]) > 0 if r[k] in self.records else True
                                                  for k in ("target", "send_to") if r.get(k))]
            return len(answering) / len(routes) if routes else 1.0
        if rec.kind == "event_rule":
            bus = rec.attrs.get("bus")
            if rec.attrs.get("enabled") is False or (bus in self.records and self.capacity(bus) == 0):
                return 0.0
            targets = [t.get("resource") for t in rec.attrs.get("target") or [] if t.get("resource")]
            return sum(self.capacity(t) > 0 for t in targets) / len(targets) if targets else 1.0
        if rec.kind == "lambda_event_source":
            if rec.attrs.get("enabled") is False:
                return 0.0
            both = self.capacity(rec.attrs.get("source")) > 0 and self.capacity(rec.attrs.get("function")) > 0
            return 1.0 if both else 0.0
        if rec.kind == "firehose":
            needs = [rec.attrs.get("source"), rec.attrs.get("transform")]
            bucket = w.records.get((rec.attrs.get("s3") or {}).get("bucket") or "")
            up = all(self.capacity(n) > 0 for n in needs if n)
            return 1.0 if up and (bucket is None or w.region_up(bucket.region)) and self._destination_answers(rec) \
                else 0.0
        return 1.0

    def _destination_answers(self, rec) -> bool:
        """A Redshift cluster or OpenSearch domain a delivery stream writes to: whether its own
        service (measured by its loop) answers now."""
        dest = (rec.attrs.get("redshift") or {}).get("cluster") or (rec.attrs.get("opensearch") or {}).get("domain")
        target = self.world.records.get(dest or "")
        if target is None:
            return True
        service = next((s for s in self.world.services if s.key == target.address), None)
        return service is None or service.sample()[0] > 0

    def zone_changed(self, az: str, up: bool):
        for rec in self.records.values():
            if rec.kind in THREE_AZ_DATA and not up and rec.region == az_region(az):
                self.sim.log(f"{rec.kind}.unaffected", rec.address, f"{az} is down: AWS keeps its data in three "
                             "AZs of the region, so it keeps serving", azs=[az])
            if rec.kind != "lambda_function":
                continue
            zones = sorted({e.az for e in self._enis(rec)})
            if az not in zones:
                continue
            left = [z for z in zones if self.world.zone_up(z)]
            detail = (f"its subnet in {az} is {'back' if up else 'lost'}: runs in "
                      f"{', '.join(left) if left else 'no AZ'} ({len(left)} of {len(zones)})")
            self.sim.log("lambda.available" if left else "lambda.unavailable", rec.address, detail, azs=[az])
        self.world.dirty = True

    def region_changed(self, region: str, up: bool):
        for rec in self.records.values():
            if rec.region == region:
                self.sim.log(f"{rec.kind}.{'available' if up else 'unavailable'}", rec.address,
                             f"{'available again' if up else 'unavailable with its region'} {region}")
        self.world.dirty = True

    def fail_part(self, rec, part, up) -> bool:
        if rec.id not in self.records:
            return False
        self.broken[rec.id] += -1 if up else 1
        self.world.dirty = True
        return True
