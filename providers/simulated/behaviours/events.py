"""EventBridge buses and rules, and Step Functions state machines, as their APIs answer.

A bus is known by its ARN (`arn:aws:events:REGION:ACCOUNT:event-bus/NAME`) and named per
region; `default` is every region's own bus and cannot be created. A rule is named per bus
(`rule/NAME` on the default bus, `rule/BUS/NAME` on another) and holds up to 5 targets; its
targets are in its region except an event bus, which may be in another (cross-region routing).
A state machine is known by its ARN (`stateMachine:NAME`); its definition is validated as
Step Functions validates it.
"""

from __future__ import annotations

from archform.providers.base import Conflict, DependencyViolation, InvalidParameter, LimitExceeded, NotFound

from .. import ids
from ..operation import Op
from ..store import Record
from .base import Named, require
from .messaging import seconds


def bus_name_of(op: Op, rec: Record) -> str:
    """The name of the bus a rule is on."""
    bus = rec.attrs.get("bus")
    found = op.get(bus)
    if found is not None:
        return found.name
    return bus if isinstance(bus, str) else "default"


class EventBus(Named):
    service = "events"
    name_max = 256
    name_taken_code = "ResourceAlreadyExistsException"
    id_is_name = False

    def explicit_name(self, rec: Record) -> str | None:
        name = rec.attrs.get("name")
        if name == "default":
            raise Conflict("Event bus default already exists.", code="ResourceAlreadyExistsException")
        if isinstance(name, str) and name.startswith("aws."):
            raise NotFound(f"Event source {name} does not exist.", code="ResourceNotFoundException")
        return name

    def make_id(self, op: Op, rec: Record, n: int) -> str:
        return self.arn(rec)

    def taken_message(self, name: str, taken: Record) -> str:
        return f"Event bus {name} already exists."

    def arn(self, rec: Record) -> str:
        return ids.arn("events", rec.region, f"event-bus/{rec.name}")

    def outputs(self, op: Op, rec: Record) -> dict:
        archive = rec.attrs.get("archive")
        return {"name": rec.name, "encryption": "CUSTOMER_MANAGED_KMS_KEY" if rec.attrs.get("kms_key")
                else "AWS_OWNED_KMS_KEY",
                "archive": None if archive is None else {
                    "arn": ids.arn("events", rec.region, f"archive/{rec.name[:48]}"),
                    "retention_days": int(seconds(archive.get("retention")) // 86400)}}

    def check_delete(self, op: Op, rec: Record):
        rules = [r for r in op.tx.query("kind = 'event_rule' AND region = ? AND owner IS NULL", (rec.region,))
                 if r.attrs.get("bus") == rec.id]
        if rules:
            raise DependencyViolation(f"Cannot delete event bus {rec.name} because it still has rules: "
                                      f"{', '.join(r.name for r in rules[:5])}", code="ValidationException")


def _validation(message: str):
    return InvalidParameter(message, code="ValidationException")


class EventRule(Named):
    service = "events"
    name_max = 64
    name_taken_code = "ResourceAlreadyExistsException"
    id_is_name = False

    def identity(self, op: Op, rec: Record):
        """Rule names are unique per bus, not per region."""
        n = op.number()
        rec.seq = n
        name = rec.attrs.get("name") or ids.generated_name(rec.address, rec.kind, ids.base36(op.seed, n, 8, "name"),
                                                           self.name_max)
        bus = bus_name_of(op, rec)
        for other in op.tx.query("kind = 'event_rule' AND region = ? AND owner IS NULL", (rec.region,)):
            if other.name == name and bus_name_of(op, other) == bus:
                raise Conflict(f"Rule {name} already exists on event bus {bus}.", code=self.name_taken_code)
        rec.name = name
        rec.id = self.arn(rec, bus)

    def arn(self, rec: Record, bus: str | None = None) -> str:
        """`rule/NAME` on the default bus, `rule/BUS/NAME` on another (the id, once made)."""
        if bus is None and isinstance(rec.id, str) and rec.id.startswith("arn:"):
            return rec.id
        bus = bus or "default"
        return ids.arn("events", rec.region, f"rule/{rec.name}" if bus == "default" else f"rule/{bus}/{rec.name}")

    def validate(self, op: Op, rec: Record, old: Record | None):
        from archform.stdlib.kinds.events import MAX_TARGETS, pattern_issues, schedule_problem
        at = rec.attrs
        bus = at.get("bus")
        if isinstance(bus, str) and bus != "default" and op.get(bus) is None:
            if not any(b.name == bus for b in op.tx.query("kind = 'event_bus' AND region = ? AND owner IS NULL",
                                                          (rec.region,))):
                raise NotFound(f"Event bus {bus} does not exist.", code="ResourceNotFoundException")
        pattern, schedule = at.get("pattern"), at.get("schedule")
        require(pattern is not None or schedule is not None,
                "Parameter(s) EventPattern or ScheduleExpression must be specified.", "ValidationException")
        if pattern is not None:
            problem = next(iter(pattern_issues(pattern, ())), None)
            if problem is not None:
                raise InvalidParameter(f"Event pattern is not valid. Reason: {problem.message}",
                                       code="InvalidEventPatternException")
        if schedule is not None:
            require(schedule_problem(schedule) is None, "Parameter ScheduleExpression is not valid.",
                    "ValidationException")
            require(bus_name_of(op, rec) == "default", "ScheduleExpression is supported only on the default event bus.",
                    "ValidationException")
        targets = at.get("target") or []
        if len(targets) > MAX_TARGETS:
            raise LimitExceeded(f"The requested resource exceeds the maximum number allowed ({MAX_TARGETS} "
                                "targets per rule).", code="LimitExceededException")
        for t in targets:
            self._validate_target(op, rec, t)

    def _validate_target(self, op: Op, rec: Record, t: dict):
        from archform.stdlib.kinds.events import _ROLE_NEEDED, default_target_id
        target = op.the(t["resource"])
        tid = t.get("name") or default_target_id(target.address or target.name or "")
        if target.kind in _ROLE_NEEDED:
            require(t.get("role") is not None, f"RoleArn is required for target {tid}.", "ValidationException")
        elif target.region != rec.region:
            raise _validation(f"Target {tid}: {target.kind} {target.name} is in {target.region}; only an event bus "
                              f"may be a target in another region than the rule ({rec.region}).")
        if target.kind == "sqs_queue":
            fifo = bool(target.attrs.get("fifo"))
            require(not fifo or t.get("message_group_id"),
                    f"Parameter(s) SqsParameters must be specified for target: {tid}.", "ValidationException")
        retry = t.get("retry") or {}
        age = seconds(retry.get("max_age"), 86400)
        require(60 <= age <= 86400, f"MaximumEventAgeInSeconds of target {tid} must be between 60 and 86400.",
                "ValidationException")
        dlq = op.get(t.get("dead_letter"))
        if dlq is not None:
            require(not dlq.attrs.get("fifo"), f"Dead-letter queue of target {tid}: FIFO queues are not supported.",
                    "ValidationException")
            require(dlq.region == rec.region, f"Dead-letter queue of target {tid} must be in the rule's region.",
                    "ValidationException")

    def outputs(self, op: Op, rec: Record) -> dict:
        targets = []
        for t in rec.attrs.get("target") or []:
            target = op.get(t.get("resource"))
            if target is None:
                continue
            from archform.stdlib.kinds.events import default_target_id

            from . import behaviour
            targets.append({"id": t.get("name") or default_target_id(target.address or target.name or ""),
                            "arn": behaviour(target.kind).arn(target)})
        return {"name": rec.name, "event_bus": bus_name_of(op, rec),
                "state": "DISABLED" if rec.attrs.get("enabled") is False else "ENABLED", "targets": targets}


def role_may(op: Op, role: Record | None, action: str) -> bool:
    """Whether a role's policies allow `action`. A managed policy whose text the cloud does not
    hold (an AWS managed one, or one made elsewhere) is taken to allow it: the model refuses
    only what it can see is missing."""
    from archform.stdlib.kinds.serverless import _allows
    if role is None:
        return True
    if any(_allows(doc, action) for doc in (role.attrs.get("inline_policies") or {}).values()):
        return True
    for arn in role.attrs.get("policies") or []:
        policy = op.get(arn)
        if policy is not None:
            if _allows(policy.attrs.get("document"), action):
                return True
        else:
            return True
    return False


class StateMachine(Named):
    service = "states"
    name_max = 80
    name_taken_code = "StateMachineAlreadyExists"
    id_is_name = False

    def explicit_name(self, rec: Record) -> str | None:
        return rec.attrs.get("name")

    def make_id(self, op: Op, rec: Record, n: int) -> str:
        return self.arn(rec)

    def taken_message(self, name: str, taken: Record) -> str:
        return f"State Machine Already Exists: '{self.arn(taken)}'"

    def arn(self, rec: Record) -> str:
        return ids.arn("states", rec.region, f"stateMachine:{rec.name}")

    def validate(self, op: Op, rec: Record, old: Record | None):
        from archform.stdlib.kinds.workflows import definition_issues
        at = rec.attrs
        problems = list(definition_issues(at.get("definition"), at.get("type") or "standard", ()))
        if problems:
            raise InvalidParameter("Invalid State Machine Definition: '" + "; ".join(
                f"SCHEMA_VALIDATION_FAILED: {p.message}" for p in problems[:5]) + "'", code="InvalidDefinition")
        role = op.get(at.get("role"))
        if role is not None:
            principals = role.attrs.get("assumed_by") or []
            require(not principals or any(p in ("states.amazonaws.com", "*") or not isinstance(p, str)
                                          or p.startswith("arn:") for p in principals),
                    "Neither the global service principal states.amazonaws.com, nor the regional one is authorized "
                    "to assume the provided role.", "AccessDeniedException")
        logging = at.get("logging") or {}
        if logging and logging.get("level") != "off":
            require(role_may(op, role, "logs:CreateLogDelivery"),
                    "The state machine IAM Role is not authorized to access the Log Destination",
                    "AccessDeniedException")

    def outputs(self, op: Op, rec: Record) -> dict:
        logging = rec.attrs.get("logging") or {}
        return {"name": rec.name, "type": (rec.attrs.get("type") or "standard").upper(), "status": "ACTIVE",
                "logging_level": (logging.get("level") or "error").upper() if logging else "OFF",
                "tracing": bool(rec.attrs.get("tracing"))}


BEHAVIOURS = {"event_bus": EventBus(), "event_rule": EventRule(), "state_machine": StateMachine()}
