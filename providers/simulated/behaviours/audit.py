"""CloudTrail trails, VPC Flow Logs and AWS Config, as their APIs answer.

- A trail is known by its name (per region); its ARN is
  `arn:aws:cloudtrail:REGION:ACCOUNT:trail/NAME`. CreateTrail refuses a sixth trail in a region
  (MaximumNumberOfTrailsExceededException), a name outside AWS's pattern
  (InvalidTrailNameException), and a multi-region trail without the global services' events
  (InvalidParameterCombinationException). It starts logging when `logging` is on.
- A flow log's id is `fl-…`; CreateFlowLogs refuses an aggregation interval other than 60 or
  600 s, and a second flow log of the same resource, traffic type and destination
  (FlowLogAlreadyExists).
- A trail's id is its ARN (a name is per region). A configuration recorder is known by its name
  ("default") and its ARN `arn:aws:config:REGION:ACCOUNT:configuration-recorder/NAME/ID`; a second one in a region is refused
  (MaxNumberOfConfigurationRecordersExceededException: one per region per account). It records
  from the start.
- A Config rule is known by its name, with an id `config-rule-xxxxxx` and an ARN
  `arn:aws:config:REGION:ACCOUNT:config-rule/ID`; PutConfigRule refuses a managed rule without
  its required parameters (InvalidParameterValueException).
"""

from __future__ import annotations

import re

from archform.providers.base import LimitExceeded
from archform.stdlib.kinds._config_rules import MANAGED_RULES

from .. import ids
from ..operation import Op
from ..store import Record
from .base import Behaviour, Named, require
from .messaging import seconds

_TRAIL_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{2,127}$")


class CloudtrailTrail(Named):
    service = "cloudtrail"
    name_max = 128
    letter_first = True
    name_taken_code = "TrailAlreadyExistsException"
    id_is_name = False  # a name is per region; the ARN is the account's (and AWS's own trail id)

    def make_id(self, op: Op, rec: Record, n: int) -> str:
        return self.arn(rec)

    def explicit_name(self, rec: Record) -> str | None:
        return rec.attrs.get("name")

    def taken_message(self, name: str, taken: Record) -> str:
        return f"Trail {name} already exists for customer: {ids.ACCOUNT}"

    def arn(self, rec: Record) -> str:
        return ids.arn("cloudtrail", rec.region, f"trail/{rec.name}")

    def validate(self, op: Op, rec: Record, old: Record | None):
        at = rec.attrs
        name = at.get("name")
        require(name is None or bool(_TRAIL_NAME.match(name)), f"Trail name {name} is not valid",
                "InvalidTrailNameException")
        require(not (at.get("multi_region", True) and at.get("include_global_events") is False),
                "Multi-Region trail must include global service events.", "InvalidParameterCombinationException")
        if old is None:
            trails = [t for t in op.tx.query("kind = ? AND region = ?", ("cloudtrail_trail", rec.region))
                      if t.id != rec.id]
            if len(trails) >= 5:
                raise LimitExceeded(f"User: {ids.ACCOUNT} already has 5 trails in {rec.region}.",
                                    code="MaximumNumberOfTrailsExceededException")

    def outputs(self, op: Op, rec: Record) -> dict:
        at = rec.attrs
        return {"name": rec.name, "is_logging": at.get("logging", True) is not False,
                "is_multi_region": at.get("multi_region", True) is not False,
                "log_file_validation": at.get("log_file_validation", True) is not False,
                "home_region": rec.region}


class FlowLog(Behaviour):
    service = "ec2"

    def identity(self, op: Op, rec: Record) -> None:
        n = op.number()
        rec.seq = n
        rec.id = f"fl-{ids.hex17(op.seed, n)}"

    def arn(self, rec: Record) -> str:
        return ids.arn("ec2", rec.region, f"vpc-flow-log/{rec.id}")

    def validate(self, op: Op, rec: Record, old: Record | None):
        at = rec.attrs
        interval = seconds(at.get("aggregation_interval"), 600)
        require(interval in (60, 600), f"Invalid MaxAggregationInterval: {interval:g}. Valid values are 60 and 600.",
                "InvalidParameterValue")
        if old is None:
            for other in op.tx.query("kind = ? AND region = ?", ("flow_log", rec.region)):
                oa = other.attrs
                same = (other.id != rec.id and oa.get("resource") == at.get("resource")
                        and (oa.get("traffic") or "ALL") == (at.get("traffic") or "ALL")
                        and oa.get("destination") == at.get("destination"))
                require(not same, "FlowLogAlreadyExists: a flow log with the same resource, traffic type and "
                        "destination already exists", "FlowLogAlreadyExists")
        dest = op.get(at.get("destination"))
        if dest is not None and dest.kind == "firehose":
            require(not dest.attrs.get("source"), f"The delivery stream {dest.id} reads a Kinesis stream: flow logs "
                    "are delivered to Direct PUT streams only", "InvalidParameter")

    def outputs(self, op: Op, rec: Record) -> dict:
        dest = op.get(rec.attrs.get("destination"))
        delivery = {"s3_bucket": "s3", "firehose": "kinesis-data-firehose"}.get(dest.kind if dest else "",
                                                                               "cloud-watch-logs")
        return {"delivery": delivery,
                "status": "ACTIVE"}


class ConfigRecorder(Named):
    service = "config"
    name_max = 256
    name_taken_code = "MaxNumberOfConfigurationRecordersExceededException"
    id_is_name = False  # "default" in every region: the ARN tells them apart

    def make_id(self, op: Op, rec: Record, n: int) -> str:
        return self.arn(rec, ids.base36(op.seed, n, 8, "configuration-recorder"))

    def arn(self, rec: Record, suffix: str | None = None) -> str:
        if suffix is None:
            return rec.id
        return ids.arn("config", rec.region, f"configuration-recorder/{rec.name}/{suffix}")

    def explicit_name(self, rec: Record) -> str | None:
        return rec.attrs.get("name") or "default"

    def taken_message(self, name: str, taken: Record) -> str:
        return "Failed to put configuration recorder because you have reached the limit for the maximum number " \
               "of customer managed configuration records: (1)"

    def validate(self, op: Op, rec: Record, old: Record | None):
        if old is None:
            others = [r for r in op.tx.query("kind = ? AND region = ?", ("config_recorder", rec.region))
                      if r.id != rec.id]
            if others:
                raise LimitExceeded(self.taken_message("", others[0]),
                                    code="MaxNumberOfConfigurationRecordersExceededException")

    def outputs(self, op: Op, rec: Record) -> dict:
        return {"name": rec.name, "recording": True, "last_status": "SUCCESS"}


class ConfigRule(Named):
    service = "config"
    name_max = 128
    name_taken_code = "ResourceInUseException"
    id_is_name = False

    def explicit_name(self, rec: Record) -> str | None:
        return rec.attrs.get("name")

    def make_id(self, op: Op, rec: Record, n: int) -> str:
        return f"config-rule-{ids.base36(op.seed, n, 6, 'config-rule')}"

    def arn(self, rec: Record) -> str:
        return ids.arn("config", rec.region, f"config-rule/{rec.id}")

    def validate(self, op: Op, rec: Record, old: Record | None):
        at = rec.attrs
        identifier = at.get("identifier")
        require(identifier in MANAGED_RULES, f"The sourceIdentifier {identifier} is invalid. Please refer to the "
                "documentation for a list of valid sourceIdentifiers that can be used when AWS is the Owner.",
                "InvalidParameterValueException")
        missing = [p for p in MANAGED_RULES[identifier] if p not in (at.get("parameters") or {})]
        require(not missing, f"Blank or missing value in input parameters for key: {', '.join(missing)}",
                "InvalidParameterValueException")

    def outputs(self, op: Op, rec: Record) -> dict:
        return {"name": rec.name, "state": "ACTIVE", "compliance": "INSUFFICIENT_DATA"}


BEHAVIOURS = {"cloudtrail_trail": CloudtrailTrail(), "flow_log": FlowLog(), "config_recorder": ConfigRecorder(),
              "config_rule": ConfigRule()}
