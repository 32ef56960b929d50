"""AWS's policy evaluation logic for one request within one account (IAM User Guide, "Policy
evaluation logic"; notes §22.1.4):

1. An explicit Deny that applies, in any policy (SCPs, the resource's policy, identity policies,
   the permissions boundary), denies.
2. SCPs: at each root, OU or account they are attached to, one attached SCP must allow the
   request. A target with no Allow statement among the configuration's SCPs keeps AWS's
   FullAWSAccess (attached everywhere by default), so deny-list SCPs only deny; every SCP of the
   configuration is taken to apply to the principal's account.
3. The resource's policy (bucket, queue, topic, key) naming the principal allows on its own in
   the same account — for a user, and for a role within its permissions boundary (a boundary
   limits what a resource policy grants to the role's ARN).
4. Otherwise an identity policy (the role's, or the user's and its groups') must allow, within
   the permissions boundary if one is set. A KMS key whose key policy does not let the account
   delegate to IAM (the default policy does) ignores identity policies.
5. Anything else is an implicit deny.

Pure: the same graph and request give the same Decision.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from archform.stdlib.schema import Graph, View

from . import sources
from .statements import Statement, Target, Where, applies, conditions_hold


@dataclass(frozen=True)
class Step:
    layer: str    # scp | resource policy | identity policy | permissions boundary | key policy | explicit deny
    verdict: str  # pass | block | note
    text: str
    at: Where | None = None


@dataclass
class Decision:
    principal: str  # the role or user the request is made as
    action: str
    resource: str   # the ARN
    allowed: bool
    decided_by: Where | None
    reason: str
    steps: list[Step] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    complete: bool = True  # False when a policy this evaluator cannot read might change the answer


class Request:
    def __init__(self, graph: Graph, principal: View, action: str, target: Target, target_view: View | None,
                 context: dict):
        self.graph, self.principal, self.action, self.target = graph, principal, action, target
        self.target_view, self.context = target_view, context
        self.notes: list[str] = []
        self.arn_of = lambda address: sources.arn_of(graph, address)

    def matching(self, statements: list[Statement], effect: str) -> Statement | None:
        for st in statements:
            if st.effect == effect and applies(st, self.action, self.target, self.arn_of) \
                    and conditions_hold(st, self.context, self.notes):
                return st
        return None

    def names_principal(self, st: Statement) -> bool:
        """Whether a resource policy statement is about this principal (`*`, or its ARN; with
        NotPrincipal, everyone it does not name)."""
        if st.not_principals is not None:
            return not self._names(st.not_principals) and not self.names_account(
                Statement(st.effect, st.where, principals=st.not_principals))
        return self._names(st.principals or [])

    def _names(self, principals: list) -> bool:
        mine = self.arn_of(self.principal.address)
        for kind, value in principals:
            if kind == "*" or (kind == "AWS" and value == "*"):
                return True
            if kind == "AWS" and getattr(value, "address", None) == self.principal.address:
                return True
            if kind == "AWS" and value == mine:
                return True
        return False

    def names_account(self, st: Statement) -> bool:
        return any(kind == "AWS" and value in (sources.ACCOUNT, f"arn:aws:iam::{sources.ACCOUNT}:root")
                   for kind, value in st.principals or [])


def can(graph: Graph, principal: View, action: str, target: Target, context: dict | None = None) -> Decision:
    """Whether `principal` (an iam_role or iam_user) may make `action` on `target`."""
    view = graph.get(target.address) if target.address else None
    req = Request(graph, principal, action, target, view, sources.context_of(graph, principal, view, context or {}))
    identity = sources.identity_of(graph, principal)
    resource_sts, _ = sources.resource_policy(graph, view)
    resource_sts = [st for st in resource_sts if req.names_principal(st) or req.names_account(st)]
    groups = sources.scps(graph)
    decision = Decision(principal.address, action, target.arn, False, None, "")

    def done(allowed: bool, reason: str, by: Where | None) -> Decision:
        decision.allowed, decision.reason, decision.decided_by = allowed, reason, by
        decision.notes = sorted(set(req.notes)) + [f"policy {p} is not in the configuration: its statements are "
                                                   "not known" for p in identity.unknown]
        decision.complete = allowed or not identity.unknown
        return decision

    # 1. explicit deny anywhere
    every = [st for _, pairs in sorted(groups.items()) for _, sts in pairs for st in sts] + resource_sts \
        + identity.statements + (identity.boundary or [])
    deny = req.matching(every, "Deny")
    if deny is not None:
        decision.steps.append(Step("explicit deny", "block", f"denied by a statement of the {deny.where.what}",
                                   deny.where))
        return done(False, "explicit deny", deny.where)
    # 2. SCPs
    for name, pairs in sorted(groups.items()):
        allow_lists = [(v, sts) for v, sts in pairs if any(st.effect == "Allow" for st in sts)]
        if not allow_lists:
            decision.steps.append(Step("scp", "pass", f"{name}: no SCP here allows a list of actions, so AWS's "
                                       "FullAWSAccess allows it", Where(pairs[0][0].address, ("targets",), "")))
            continue
        hit = req.matching([st for _, sts in allow_lists for st in sts], "Allow")
        if hit is None:
            at = Where(allow_lists[0][0].address, ("document",), f"scp {allow_lists[0][0].address}")
            decision.steps.append(Step("scp", "block", f"no SCP attached to {name} allows it", at))
            return done(False, "no SCP allows it", at)
        decision.steps.append(Step("scp", "pass", f"{name}: allowed by the {hit.where.what}", hit.where))
    # 3. the resource's own policy
    boundary_hit = req.matching(identity.boundary, "Allow") if identity.boundary is not None else None
    within = identity.boundary is None or boundary_hit is not None
    granted = req.matching([st for st in resource_sts if req.names_principal(st)], "Allow")
    if granted is not None:
        decision.steps.append(Step("resource policy", "pass", f"allowed by the {granted.where.what}", granted.where))
        if principal.kind == "iam_user" or within:
            if identity.boundary is not None and not within:
                decision.steps.append(Step(
                    "permissions boundary", "note", f"the permissions boundary of {principal.address} does not "
                    "allow it, but AWS does not apply a user's boundary to what a resource-based policy grants "
                    "the user's ARN in the same account", identity.boundary_at))
            elif identity.boundary is not None:
                decision.steps.append(_boundary_step(identity, boundary_hit, principal))
            return done(True, "allowed by the resource's policy", granted.where)
        decision.steps.append(_boundary_step(identity, boundary_hit, principal))
        return done(False, "outside the permissions boundary", identity.boundary_at)
    # 4. identity policies within the boundary
    allow = req.matching(identity.statements, "Allow")
    if allow is None:
        decision.steps.append(Step("identity policy", "block", f"no policy of {principal.address} allows it",
                                   Where(principal.address, (), "")))
        return done(False, "no policy allows it (implicit deny)", None)
    decision.steps.append(Step("identity policy", "pass", f"allowed by the {allow.where.what}", allow.where))
    if identity.boundary is not None:
        decision.steps.append(_boundary_step(identity, boundary_hit, principal))
        if boundary_hit is None:
            return done(False, "outside the permissions boundary", identity.boundary_at)
    if view is not None and view.kind == "kms_key" and view.get("policy") is not None:
        delegates = req.matching([st for st in sources.resource_policy(graph, view)[0] if req.names_account(st)],
                                 "Allow")
        if delegates is None:
            at = Where(view.address, ("policy",), f"key policy of {view.address}")
            decision.steps.append(Step("key policy", "block", "the key policy does not let the account's IAM "
                                       "policies grant access to the key", at))
            return done(False, "the key policy does not delegate to IAM", at)
        decision.steps.append(Step("key policy", "pass", "the key policy lets IAM policies grant access",
                                   delegates.where))
    return done(True, "allowed by an identity policy", allow.where)


def _boundary_step(identity, hit: Statement | None, principal: View) -> Step:
    if hit is not None:
        return Step("permissions boundary", "pass", f"within the boundary ({hit.where.what})", hit.where)
    return Step("permissions boundary", "block", f"the permissions boundary of {principal.address} does not allow it",
                identity.boundary_at)
