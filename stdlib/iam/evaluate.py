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

What the configuration does not hold leaves an answer not certain (`Decision.complete` False),
and the steps say what would decide it: a condition this evaluator cannot decide (it is treated
as not matched, and the answer is worked out again as if it matched: an Allow a Deny so could
reverse, or a denial an Allow so could reverse, is not certain); an AWS managed policy it does not
hold (a denial it could change); a principal outside the configuration, given by ARN (its
identity policies are not known: a same-account request, or a cross-account one the resource's
policy allows, is not certain; a cross-account one the resource's policy does not allow is
denied); a resource outside the configuration whose own policy could matter (in another
account, or an S3 bucket, whose ARN names no account).

Pure: the same graph and request give the same Decision.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from archform.stdlib.schema import Graph, View

from . import sources
from .statements import Statement, Target, Where, applies, condition_state


@dataclass(frozen=True)
class Step:
    layer: str    # scp | resource policy | identity policy | permissions boundary | key policy | explicit deny
    verdict: str  # pass | block | note | open (what the configuration cannot decide, and could change the answer)
    text: str
    at: Where | None = None


@dataclass
class Decision:
    principal: str  # the role or user the request is made as (its address, or the ARN given)
    action: str
    resource: str   # the ARN
    allowed: bool   # the answer, what is not known taken as not there (an undecided condition as not matched)
    decided_by: Where | None
    reason: str
    steps: list[Step] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    complete: bool = True  # False when what the configuration does not hold might change the answer: not certain
    undecided_by: list = field(default_factory=list, repr=False)  # (Statement, [(key|op, name)]) undecided


# services whose resources can have a policy of their own (so a cross-account request needs it)
RESOURCE_POLICY_SERVICES = ("s3", "sqs", "sns", "kms", "lambda", "secretsmanager", "ecr", "glacier", "es", "logs",
                            "events", "backup", "kinesis", "dynamodb", "execute-api", "s3-object-lambda")


@dataclass(frozen=True)
class Who:
    """The principal of a request: a role or user of the configuration (`view`), or one given by
    ARN that the configuration does not hold (view None: its policies are not known)."""

    address: str
    arn: str
    account: str
    kind: str  # iam_role | iam_user | account | other
    view: View | None = None


def principal_by_arn(arn: str) -> Who | None:
    """A principal outside the configuration from its ARN (`arn:aws:iam::222233334444:role/partner`,
    a user, an assumed-role session, or an account's root); None when the text is no principal ARN."""
    parts = arn.split(":", 5)
    if len(parts) != 6 or parts[0] != "arn" or parts[2] not in ("iam", "sts") or not parts[4].isdigit():
        return None
    resource = parts[5]
    kind = "iam_role" if resource.startswith(("role/", "assumed-role/")) else "iam_user" \
        if resource.startswith("user/") else "account" if resource == "root" else "other"
    return Who(arn, arn, parts[4], kind)


def _who(graph: Graph, principal) -> Who:
    if isinstance(principal, Who):
        return principal
    return Who(principal.address, sources.arn_of(graph, principal.address), sources.ACCOUNT, principal.kind,
               principal)


class Request:
    def __init__(self, graph: Graph, principal, action: str, target: Target, target_view: View | None,
                 context: dict, assume: str = ""):
        self.graph, self.who, self.action, self.target = graph, _who(graph, principal), action, target
        self.principal = self.who.view
        self.target_view, self.context = target_view, context
        # what an undecided condition is taken as: "" not matched; "allow" matched on Allows (the most
        # the request could be granted); "deny" matched on Denies (the least)
        self.assume = assume
        self.notes: list[str] = []
        self.undecided: list[tuple[Statement, list[str]]] = []  # statements that applied but for a condition
        self.arn_of = lambda address: sources.arn_of(graph, address)

    def matching(self, statements: list[Statement], effect: str) -> Statement | None:
        found = None
        for st in statements:
            if st.effect != effect or not applies(st, self.action, self.target, self.arn_of):
                continue
            state, why = condition_state(st, self.context)
            if state is None:
                self.notes += why
                if not any(s is st for s, _ in self.undecided):
                    self.undecided.append((st, [("key" if w.startswith("condition key") else "op", w.split(" ")[2])
                                                for w in why]))
                state = self.assume == effect.lower()
            if state and found is None:
                found = st
        return found

    def names_principal(self, st: Statement) -> bool:
        """Whether a resource policy statement is about this principal (`*`, or its ARN; with
        NotPrincipal, everyone it does not name)."""
        if st.not_principals is not None:
            return not self._names(st.not_principals) and not self.names_account(
                Statement(st.effect, st.where, principals=st.not_principals))
        return self._names(st.principals or [])

    def _names(self, principals: list) -> bool:
        for kind, value in principals:
            if kind == "*" or (kind == "AWS" and value == "*"):
                return True
            if kind == "AWS" and self.principal is not None \
                    and getattr(value, "address", None) == self.principal.address:
                return True
            if kind == "AWS" and value == self.who.arn:
                return True
        return False

    def names_account(self, st: Statement) -> bool:
        account = self.who.account
        return any(kind == "AWS" and value in (account, f"arn:aws:iam::{account}:root")
                   for kind, value in st.principals or [])


def can(graph: Graph, principal, action: str, target: Target, context: dict | None = None) -> Decision:
    """Whether `principal` (an iam_role or iam_user, or a `Who` outside the configuration from
    `principal_by_arn`) may make `action` on `target`."""
    who = _who(graph, principal)
    if who.view is None:
        return _outsider(graph, who, action, target, context or {})
    first = _decide(graph, who, action, target, context or {}, "")
    if first.allowed:
        other = _decide(graph, who, action, target, context or {}, "deny")
        if not other.allowed:  # a Deny whose condition is undecided would reverse it
            first.complete = False
            for st, keys in other.undecided_by:
                if st.effect == "Deny":
                    first.steps.append(Step("explicit deny", "open", _undecided(st, keys, "denies"), st.where))
        if first.complete:
            _outside_resource(graph, first, target)
    else:
        other = _decide(graph, who, action, target, context or {}, "allow")
        if other.allowed:  # an Allow whose condition is undecided would reverse it
            first.complete = False
            for st, keys in other.undecided_by:
                if st.effect == "Allow":
                    first.steps.append(Step(_layer(st), "open", _undecided(st, keys, "allows"), st.where))
    return first


def _undecided(st: Statement, keys: list[tuple[str, str]], verb: str) -> str:
    given = [name for what, name in keys if what == "key"]
    ops = [name for what, name in keys if what == "op"]
    how = "; ".join(([f"pass {' '.join(f'--context {k}=VALUE' for k in given)}"] if given else [])
                    + ([f"the operator {', '.join(ops)} is not evaluated"] if ops else []))
    return f"the {st.where.what} {verb} it when its condition holds, which archform cannot decide: {how}"


def _layer(st: Statement) -> str:
    what = st.where.what
    return "scp" if what.startswith("scp ") else "permissions boundary" if what.startswith("permissions boundary") \
        else "resource policy" if st.principals is not None or st.not_principals is not None else "identity policy"


def _region_of(target: Target, view: View | None) -> str | None:
    """The region a request about the target is sent to, when known: its ARN's, or its block's."""
    parts = target.arn.split(":", 5)
    if len(parts) == 6 and parts[3] and "*" not in parts[3] and "?" not in parts[3]:
        return parts[3]
    return view.region if view is not None and view.region else None


def _context(graph: Graph, who: Who, target: Target, view: View | None, extra: dict) -> dict:
    base = {"aws:PrincipalArn": who.arn, "aws:PrincipalAccount": who.account}
    region = _region_of(target, view)
    if region is not None:
        base["aws:RequestedRegion"] = region
    if who.view is not None:
        base.update(sources.context_of(graph, who.view, view, {}))
    else:
        base["aws:SecureTransport"] = "true"
    base.update(extra)
    return base


def _decide(graph: Graph, who: Who, action: str, target: Target, context: dict, assume: str) -> Decision:
    principal = who.view
    view = graph.get(target.address) if target.address else None
    req = Request(graph, who, action, target, view, _context(graph, who, target, view, context), assume)
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
        decision.undecided_by = req.undecided
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


def _account_of(arn: str) -> str:
    parts = arn.split(":", 5)
    return parts[4] if len(parts) == 6 else ""


def _outside_resource(graph: Graph, d: Decision, target: Target) -> None:
    """An allowed request about a resource the configuration does not hold: its own policy is
    not known. In another account (or an S3 bucket: its ARN names none) access needs that policy to
    allow too, so the answer is not certain; in the account, a Deny there would still deny (a note)."""
    if target.address is not None:
        return
    parts = target.arn.split(":", 5)
    service = parts[2] if len(parts) == 6 else ""
    account = _account_of(target.arn)
    elsewhere = account not in ("", sources.ACCOUNT) and "*" not in account and "?" not in account
    if elsewhere or (service in RESOURCE_POLICY_SERVICES and account != sources.ACCOUNT):
        where = f"in account {account}" if elsewhere else "perhaps in another account (its ARN names none)"
        d.complete = False
        d.steps.append(Step("resource policy", "open", f"{target.arn} is not in the configuration and is {where}: "
                            "a cross-account request needs the resource's own policy to allow it too, and that "
                            "policy is not known"))
    elif service in RESOURCE_POLICY_SERVICES:
        d.notes.append(f"{target.arn} is not in the configuration: a Deny in its own policy, if it has one, "
                       "is not known")


def _outsider(graph: Graph, who: Who, action: str, target: Target, context: dict) -> Decision:
    """A principal given by ARN that the configuration does not hold: its identity policies (and
    boundary) are not known, so only the resource's policy decides — its Deny, and, across
    accounts, the absence of its Allow (both must allow). SCPs are taken to apply to the design's
    own account only."""
    view = graph.get(target.address) if target.address else None
    own = who.account == sources.ACCOUNT
    decision = Decision(who.address, action, target.arn, False, None, "")
    out: dict = {}
    for assume in ("", "deny", "allow"):
        req = Request(graph, who, action, target, view, _context(graph, who, target, view, context), assume)
        sts, has_policy = sources.resource_policy(graph, view)
        about = [st for st in sts if req.names_principal(st) or req.names_account(st)]
        scp_sts = [st for _, pairs in sorted(sources.scps(graph).items()) for _, group in pairs for st in group] \
            if own else []
        deny = req.matching(scp_sts + about, "Deny")
        allow = req.matching([st for st in about if req.names_principal(st) or req.names_account(st)], "Allow")
        out[assume] = (deny, allow, req)
    deny, allow, req = out[""]
    decision.notes = sorted(set(req.notes))
    kind = {"iam_role": "role", "iam_user": "user", "account": "account"}.get(who.kind, "principal")
    unknown = f"the {kind} is not in the configuration: its identity policies (account {who.account}) are not known"
    if deny is not None:
        decision.steps.append(Step("explicit deny", "block", f"denied by a statement of the {deny.where.what}",
                                   deny.where))
        decision.reason, decision.decided_by = "explicit deny", deny.where
        return decision
    if out["deny"][0] is not None:
        st = out["deny"][0]
        keys = next((k for s, k in out["deny"][2].undecided if s is st), [])
        decision.steps.append(Step("explicit deny", "open", _undecided(st, keys, "denies"), st.where))
    if view is None:
        decision.steps.append(Step("resource policy", "open", f"{target.arn} is not in the configuration: its "
                                   "own policy is not known"))
        decision.steps.append(Step("identity policy", "open", unknown))
        decision.reason, decision.complete = "neither the principal's policies nor the resource's are known", False
        return decision
    if allow is None and out["allow"][1] is not None:
        st = out["allow"][1]
        keys = next((k for s, k in out["allow"][2].undecided if s is st), [])
        decision.steps.append(Step("resource policy", "open", _undecided(st, keys, "allows"), st.where))
        decision.complete = False
    if allow is None and not own:
        at = Where(view.address, ("policy",) if has_policy else (), f"{view.kind} {view.address}")
        said = "no statement of its policy allows" if has_policy else "it has no policy that allows"
        decision.steps.append(Step("resource policy", "block", f"{said} account {who.account}: a cross-account "
                                   "request needs the resource's policy to allow it", at))
        decision.reason, decision.decided_by = "the resource's policy does not allow the other account", at
        return decision
    if allow is not None:
        decision.steps.append(Step("resource policy", "pass", f"allowed by the {allow.where.what}", allow.where))
        decision.decided_by = allow.where
    # across accounts both must allow; in the account, a policy naming the principal's ARN allows on its own
    needs_identity = not own or allow is None or not req._names(allow.principals or [])
    decision.steps.append(Step("identity policy", "open", unknown + (
        ": they must allow it too" if needs_identity else ": a Deny there (or a role's permissions boundary) "
        "would still deny it")))
    decision.allowed = not needs_identity
    decision.reason = ("allowed by the resource's policy, unless the principal's own policies deny it"
                       if not needs_identity else
                       "allowed by the resource's policy, if the principal's own policies allow it too"
                       if allow is not None else "no policy of the resource allows it; the principal's own may")
    decision.complete = False
    return decision
