"""A model-based test of the whole planner: random architectures, random edits, applies that
fail or are killed, drift, refresh, import, state edits and destroy — and after every step,
the state and the modeled cloud must agree.

The machine (a hypothesis `RuleBasedStateMachine`) keeps a small model of the configuration:
a VPC with its internet gateway, and a changing set of subnets, security groups, instances,
EBS volumes, S3 buckets, target groups, Elastic IPs and IAM roles, each with attributes that
update in place and attributes that force a replacement, references between them, and
lifecycle options. Its rules edit the model (update in place, force a replacement, toggle
create_before_destroy, rename with `moved`, add, remove, prevent_destroy, ignore_changes),
apply it (in this process through a provider that refuses chosen calls or loses their
answers, with parallelism 1 or 10; or in a subprocess killed with SIGKILL at a random moment),
drift the modeled cloud behind archform's back, refresh, `state rm` then `import`,
`state mv` with the matching rename, and destroy everything.

Invariants, checked after every step:
- the cloud's objects and the state's records are the same set, each object once: no orphan
  (except what the test forgot on purpose with `state rm`), no dangling record, no
  duplicate — allowing, after a killed or interrupted apply, for pending operations the next
  run settles (a create the cloud made is named by its pending create's token; a recorded
  object the cloud deleted, by a pending delete);
- after a successful apply, the next plan has no changes;
- after drift (and after a refresh of it), the next plan reverts it, unless ignore_changes
  covers it;
- after a failed or killed apply, a clean re-apply converges.

Run a short series in the test suite (tests/planner/test_planner_model.py); run a long one
with `python tests/support/planner_model.py --steps 10000`, which prints the steps taken and
every violation found.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from hypothesis import settings, strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from archform.dsl.resolve import resolve_text
from archform.planner.apply import apply_plan, record_drift
from archform.planner.changes import Action
from archform.planner.importing import import_resource
from archform.planner.planning import PlanRequest, make_plan, persist_reconcile, reconcile
from archform.planner.state import StateStore
from archform.providers.base import OutcomeUnknown, ProviderError
from archform.providers.simulated import SimulatedCloud
from archform.providers.simulated import console

AZS = ["us-east-1a", "us-east-1b", "us-east-1c"]
KINDS = ["subnet", "security_group", "instance", "ebs_volume", "s3_bucket", "target_group", "elastic_ip",
         "iam_role"]
STEPS = {"count": 0}
LOG: list[str] = []  # what the current series did, step by step (printed with a violation)
RULES: "Counter[str]" = __import__("collections").Counter()  # rule name → runs, and what applies did


@dataclass
class Res:
    """One resource of the model: its kind, name, attributes (references as uids) and lifecycle."""

    uid: int
    kind: str
    name: str
    attrs: dict
    cbd: bool = False
    prevent_destroy: bool = False
    ignore_tags: bool = False

    @property
    def address(self) -> str:
        return self.name if self.kind == "iam_role" else f"primary.{self.name}"


@dataclass
class Model:
    seed: int
    resources: dict[int, Res] = field(default_factory=dict)
    moved: list[tuple[str, str]] = field(default_factory=list)
    counter: int = 0

    def new_uid(self) -> int:
        self.counter += 1
        return self.counter

    def of_kind(self, kind: str) -> list[Res]:
        return [r for r in self.resources.values() if r.kind == kind]

    def users_of(self, uid: int) -> list[Res]:
        return [r for r in self.resources.values() if uid in _refs(r.attrs)]

    def render(self) -> str:
        out = ['region "us-east-1" as primary {',
               "  vpc main { cidr = 10.0.0.0/16 }",
               "  internet_gateway igw { vpc = main }"]
        roles = []
        for r in sorted(self.resources.values(), key=lambda r: r.uid):
            text = self._block(r)
            (roles if r.kind == "iam_role" else out).append(text)
        out.append("}")
        out.extend(roles)
        for old, new in self.moved:
            out.append(f"moved {old} -> {new}")
        return "\n".join(out) + "\n"

    def _block(self, r: Res) -> str:
        lines = [f"{r.kind} {r.name} {{"]
        for k, v in sorted(r.attrs.items()):
            if k == "ingress":  # nested blocks, one per port
                lines.extend(f"  ingress {{ port = {port}, from = 10.0.0.0/8 }}" for port in v)
            else:
                lines.append(f"  {k} = {self._value(v)}")
        life = []
        if r.cbd:
            life.append("create_before_destroy = true")
        if r.prevent_destroy:
            life.append("prevent_destroy = true")
        if r.ignore_tags:
            life.append("ignore_changes = [tags]")
        if life:
            lines.append("  lifecycle { " + ", ".join(life) + " }")
        lines.append("}")
        return "\n".join("  " + x for x in lines) if r.kind != "iam_role" else "\n".join(lines)

    def _value(self, v) -> str:
        if isinstance(v, Ref):
            return self.resources[v.uid].name
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, (int, float)):
            return str(v)
        if isinstance(v, Raw):
            return v.text
        if isinstance(v, str):
            return f'"{v}"'
        if isinstance(v, list):
            return "[" + ", ".join(self._value(x) for x in v) + "]"
        if isinstance(v, dict):
            return "{ " + ", ".join(f"{k} = {self._value(x)}" for k, x in sorted(v.items())) + " }"
        raise TypeError(v)


@dataclass(frozen=True)
class Ref:
    uid: int


@dataclass(frozen=True)
class Raw:
    text: str


def _refs(value) -> set[int]:
    if isinstance(value, Ref):
        return {value.uid}
    if isinstance(value, list):
        return set().union(*(_refs(v) for v in value)) if value else set()
    if isinstance(value, dict):
        return set().union(*(_refs(v) for v in value.values())) if value else set()
    return set()


class Flaky:
    """The modeled cloud, refusing some calls before they happen and losing the answer of some
    after they happened (as a timeout does), chosen by a seeded random generator."""

    def __init__(self, cloud: SimulatedCloud, rng: random.Random, refuse: float, lose: float):
        self._cloud, self._rng, self._refuse, self._lose = cloud, rng, refuse, lose
        self._lock = __import__("threading").Lock()

    def __getattr__(self, name):
        return getattr(self._cloud, name)

    def _roll(self) -> float:
        with self._lock:
            return self._rng.random()

    def _call(self, fn, *args):
        if self._roll() < self._refuse:
            raise ProviderError("the test refuses this call", code="InternalError")
        result = fn(*args)
        if self._roll() < self._lose:
            raise OutcomeUnknown("the test lost the answer to this call")
        return result

    def create(self, kind, address, region, attrs, token):
        return self._call(self._cloud.create, kind, address, region, attrs, token)

    def update(self, kind, id, attrs, changed=()):
        return self._call(self._cloud.update, kind, id, attrs, changed)

    def delete(self, kind, id):
        return self._call(self._cloud.delete, kind, id)


class Violation(AssertionError):
    pass


def check(condition: bool, message: str):
    if not condition:
        raise Violation(message)


class PlannerModel(RuleBasedStateMachine):
    """See the module's documentation. `kill_rate`: how often an apply runs in a subprocess and
    is killed (each costs a process start)."""

    kill_rate = 0.1

    def __init__(self):
        super().__init__()
        LOG.clear()
        self.folder = Path(tempfile.mkdtemp(prefix="archform-model-"))
        self.config = self.folder / "main.arch"
        self.store = StateStore(self.folder / "state.db")
        self.cloud = SimulatedCloud(self.folder / "cloud.db")
        self.model = Model(seed=random.randrange(10**6))
        self.vanished: set[str] = set()          # recorded ids the test deleted behind archform's back
        self.drifted: set[str] = set()           # addresses drifted outside archform, not yet reverted
        self.gens = 0

    def teardown(self):
        self.store.close()
        self.cloud.close()
        import shutil
        shutil.rmtree(self.folder, ignore_errors=True)

    # --- helpers ------------------------------------------------------------------------------
    def _desired(self):
        text = self.model.render()
        self.config.write_text(text)
        desired, diags = resolve_text(text, str(self.config))
        errors = [d for d in diags if d.is_error]
        assert desired is not None and not errors, (text, [d.summary for d in errors])
        return desired

    def _plan(self, desired=None, destroy=False, targets=()):
        snapshot = self.store.read()
        if snapshot.pending:
            persist_reconcile(self.store, reconcile(snapshot, self.cloud))
            snapshot = self.store.read()
        return make_plan(desired, snapshot, self.cloud, PlanRequest(targets=tuple(targets), destroy=destroy))

    def _edited(self):
        pass  # the configuration changed: the next plan may have changes

    def _renamed(self, old: str, new: str):
        if old in self.drifted:
            self.drifted.discard(old)
            self.drifted.add(new)

    def _name(self, kind: str) -> str:
        self.gens += 1
        return f"{kind.replace('_', '')[:6]}{self.gens}"

    def _ids_of_cloud(self) -> dict[str, tuple[str, str | None]]:
        """id → (address the cloud was told, idempotency token) of every top-level object."""
        with self.cloud.store.reading() as tx:
            return {r.id: (r.address, tx.token_for(r.id)) for r in tx.query("owner IS NULL")}

    # --- invariants --------------------------------------------------------------------------
    @invariant()
    def count_steps(self):
        STEPS["count"] += 1

    @invariant()
    def state_and_cloud_agree(self):
        snapshot = self.store.read()
        cloud = self._ids_of_cloud()
        recorded: dict[str, str] = {}
        for address, r in snapshot.resources.items():
            check(r.id not in recorded, f"{address} and {recorded.get(r.id)} are both recorded as {r.id}")
            recorded[r.id] = address
        deleting = {p.provider_id for p in snapshot.pending if p.action == "delete"}
        creating = {p.token for p in snapshot.pending if p.action == "create" and p.token}
        self.vanished &= set(recorded)
        for id, address in recorded.items():
            check(id in cloud or id in deleting or id in self.vanished, f"dangling record: {address} is recorded as {id}, which the "
                                                 "cloud does not hold")
        pending_made = set()  # what the pending creates made (a bucket's id, its name, can be reused)
        for token in creating:
            remote = self.cloud.find_by_token(token)
            if remote is not None:
                pending_made.add(remote.id)
        for id, (address, token) in cloud.items():
            if id in recorded:
                continue
            check(id in pending_made, f"orphan: the cloud holds {id} (made for {address}) and the state neither "
                                      "records it nor has a pending create for it")

    # --- edits of the configuration ----------------------------------------------------------
    @initialize(data=st.data(), kinds=st.lists(st.sampled_from(KINDS), min_size=8, max_size=24))
    def architecture(self, data, kinds):
        """A random architecture of a few dozen resources, applied."""
        for kind in ["subnet", "security_group", *kinds]:
            self.add(kind, data)
        ok = self._apply_once(self.cloud, 10)
        check(ok is not False, f"the first apply failed: {getattr(self, 'last_errors', None)}")
        if ok:
            self._after_success()

    @rule(kind=st.sampled_from(KINDS), data=st.data())
    def add(self, kind, data):
        RULES["add"] += 1
        m = self.model
        if len(m.resources) >= 30:
            return
        name = self._name(kind)
        attrs = self._fresh_attrs(kind, data)
        if attrs is None:
            return
        m.resources[m.new_uid()] = Res(0, kind, name, attrs)
        r = m.resources[m.counter]
        r.uid = m.counter
        LOG.append(f"add {r.address}")
        self._edited()

    def _fresh_attrs(self, kind: str, data) -> dict | None:
        m = self.model
        tags = {"gen": f"g{self.gens}"}
        if kind == "subnet":
            used = {r.attrs["cidr"].text for r in m.of_kind("subnet")}
            free = [f"10.0.{i}.0/24" for i in range(1, 60) if f"10.0.{i}.0/24" not in used]
            if not free:
                return None
            return {"vpc": Raw("main"), "cidr": Raw(data.draw(st.sampled_from(free))),
                    "az": data.draw(st.sampled_from(AZS)), "tags": tags}
        if kind == "security_group":
            return {"vpc": Raw("main"), "description": f"group {self.gens}",
                    "ingress": [data.draw(st.sampled_from([22, 80, 443, 8080]))], "tags": tags}
        if kind == "instance":
            subnets = m.of_kind("subnet")
            if not subnets:
                return None
            subnet = data.draw(st.sampled_from(subnets))
            groups = m.of_kind("security_group")
            chosen = data.draw(st.lists(st.sampled_from(groups), max_size=2, unique_by=lambda g: g.uid)) \
                if groups else []
            return {"subnet": Ref(subnet.uid), "ami": "ami-0a1b2c3d4e5f60718",
                    "instance_type": Raw(data.draw(st.sampled_from(["t3.micro", "t3.small", "m5.large"]))),
                    "security_groups": [Ref(g.uid) for g in chosen], "tags": tags}
        if kind == "ebs_volume":
            return {"az": data.draw(st.sampled_from(AZS)), "size": Raw(f"{data.draw(st.integers(8, 40))}GiB"),
                    "encrypted": data.draw(st.booleans()), "tags": tags}
        if kind == "s3_bucket":
            return {"bucket": f"archform-model-{m.seed}-{self.gens}", "versioning": data.draw(st.booleans()),
                    "tags": tags}
        if kind == "target_group":
            return {"vpc": Raw("main"), "port": data.draw(st.sampled_from([80, 8080, 9090])),
                    "protocol": Raw("HTTP"), "tags": tags}
        if kind == "elastic_ip":
            instances = [i for i in m.of_kind("instance")
                         if not any(e.attrs.get("instance") == Ref(i.uid) for e in m.of_kind("elastic_ip"))]
            if len(m.of_kind("elastic_ip")) >= 4:
                return None
            target = data.draw(st.sampled_from(instances)) if instances and data.draw(st.booleans()) else None
            return {"instance": Ref(target.uid) if target else Raw("null"), "tags": tags}
        if kind == "iam_role":
            return {"assumed_by": ["ec2.amazonaws.com"], "tags": tags}
        raise AssertionError(kind)

    def _pick(self, data, kinds=None) -> Res | None:
        pool = [r for r in self.model.resources.values() if kinds is None or r.kind in kinds]
        r = data.draw(st.sampled_from(sorted(pool, key=lambda r: r.uid))) if pool else None
        if r is not None:
            LOG.append(f"{sys._getframe(1).f_code.co_name} {r.address}")
        return r

    @rule(data=st.data())
    def update_in_place(self, data):
        RULES["update_in_place"] += 1
        r = self._pick(data)
        if r is None:
            return
        self.gens += 1
        self.drifted.discard(r.address)  # the configuration may now agree with what drifted
        choice = data.draw(st.integers(0, 1))
        if choice == 0 or r.kind in ("subnet", "target_group", "elastic_ip", "iam_role"):
            r.attrs["tags"] = {"gen": f"g{self.gens}"}
        elif r.kind == "security_group":
            r.attrs["ingress"] = [data.draw(st.sampled_from([22, 80, 443, 8080]))]
        elif r.kind == "instance":
            r.attrs["instance_type"] = Raw(data.draw(st.sampled_from(["t3.micro", "t3.small", "m5.large"])))
        elif r.kind == "ebs_volume":
            size = int(r.attrs["size"].text[:-3])
            r.attrs["size"] = Raw(f"{size + data.draw(st.integers(1, 8))}GiB")  # volumes only grow
        elif r.kind == "s3_bucket":
            r.attrs["versioning"] = not r.attrs["versioning"]
        self._edited()

    @rule(data=st.data())
    def force_replacement(self, data):
        RULES["force_replacement"] += 1
        r = self._pick(data, {"subnet", "security_group", "instance", "ebs_volume", "s3_bucket", "target_group"})
        if r is None:
            return
        self.gens += 1
        if r.kind == "subnet":  # a new AZ (its instances are replaced with it), and a new block so
            # that a create-before-destroy copy does not overlap the old one
            r.attrs["az"] = data.draw(st.sampled_from([a for a in AZS if a != r.attrs["az"]]))
            used = {x.attrs["cidr"].text for x in self.model.of_kind("subnet")}
            free = [f"10.0.{i}.0/24" for i in range(1, 250) if f"10.0.{i}.0/24" not in used]
            r.attrs["cidr"] = Raw(data.draw(st.sampled_from(free)))
        elif r.kind == "security_group":
            r.attrs["description"] = f"group {self.gens}"
        elif r.kind == "instance":
            r.attrs["ami"] = data.draw(st.sampled_from(["ami-0a1b2c3d4e5f60718", "ami-0123456789abcdef0"]))
        elif r.kind == "ebs_volume":
            r.attrs["encrypted"] = not r.attrs["encrypted"]
        elif r.kind == "s3_bucket":
            r.attrs["bucket"] = f"archform-model-{self.model.seed}-{self.gens}"
        elif r.kind == "target_group":
            r.attrs["port"] = data.draw(st.sampled_from([p for p in (80, 8080, 9090) if p != r.attrs["port"]]))
        self._edited()

    @rule(data=st.data())
    def toggle_create_before_destroy(self, data):
        RULES["toggle_create_before_destroy"] += 1
        r = self._pick(data, {"security_group", "instance", "ebs_volume", "target_group", "subnet"})
        if r is not None:
            r.cbd = not r.cbd
            self._edited()

    @rule(data=st.data())
    def toggle_prevent_destroy(self, data):
        RULES["toggle_prevent_destroy"] += 1
        r = self._pick(data)
        if r is not None:
            r.prevent_destroy = not r.prevent_destroy
            self._edited()

    @rule(data=st.data())
    def toggle_ignore_tags(self, data):
        RULES["toggle_ignore_tags"] += 1
        r = self._pick(data)
        if r is not None:
            r.ignore_tags = not r.ignore_tags
            if r.ignore_tags:  # drifted tags are no longer reverted
                self.drifted.discard(r.address)
            self._edited()

    @rule(data=st.data())
    def rename_with_moved(self, data):
        RULES["rename_with_moved"] += 1
        r = self._pick(data)
        if r is None:
            return
        old = r.address
        r.name = self._name(r.kind)
        self.model.moved.append((old, r.address))  # chains (a -> b, b -> c) stay as written
        self._renamed(old, r.address)

    @rule(data=st.data())
    def remove(self, data):
        RULES["remove"] += 1
        r = self._pick(data)
        if r is None:
            return
        gone = {r.uid}
        stack = [r.uid]
        while stack:  # what needs it goes too (an instance with its subnet); a list just drops it
            uid = stack.pop()
            for user in self.model.users_of(uid):
                if user.uid in gone:
                    continue
                if user.kind == "instance" and Ref(uid) in user.attrs.get("security_groups", []):
                    user.attrs["security_groups"] = [g for g in user.attrs["security_groups"] if g != Ref(uid)]
                elif user.kind == "elastic_ip":
                    user.attrs["instance"] = Raw("null")
                else:
                    gone.add(user.uid)
                    stack.append(user.uid)
        LOG.append("  removed " + ", ".join(sorted(self.model.resources[u].address for u in gone)))
        ended = {self.model.resources[u].address for u in gone}
        for uid in gone:
            del self.model.resources[uid]
        while True:  # `moved` statements into what is gone go with it (a target must be declared)
            left = [(a, b) for a, b in self.model.moved if b not in ended]
            ended |= {a for a, b in self.model.moved if b in ended}
            if left == self.model.moved:
                break
            self.model.moved = left
        self._edited()

    # --- applying -------------------------------------------------------------------------------
    @rule(seed=st.integers(0, 2**32 - 1))
    def apply(self, seed):
        RULES["apply"] += 1
        rng = random.Random(seed)  # the chances below are real frequencies, not hypothesis's edge cases
        if rng.random() < self.kill_rate:
            self._killed_apply(rng)
            return
        refuse = rng.choice([0.0, 0.0, 0.05, 0.2])
        lose = rng.choice([0.0, 0.0, 0.05, 0.15])
        LOG.append(f"apply seed={seed} refuse={refuse} lose={lose}")
        provider = Flaky(self.cloud, rng, refuse, lose)
        ok = self._apply_once(provider, rng.choice([1, 10]))
        if ok is None:
            return  # the plan was refused (prevent_destroy): nothing ran
        if not ok and not refuse and not lose and self._follow_in_use_hint():
            ok = self._apply_once(self.cloud, 10)
        if not ok:
            RULES["applies that failed"] += 1
            self.state_and_cloud_agree()
            # after a failed apply, a clean re-apply converges
            self._converge()
        else:
            self._after_success()

    def _apply_once(self, provider, parallelism: int, destroy=False) -> bool | None:
        desired = None if destroy else self._desired()
        plan, diags = self._plan(desired, destroy=destroy)
        if plan is None or plan.errored:
            check(any("prevent_destroy" in d.summary for d in diags),
                  f"plan failed: {[d.summary for d in diags]}")
            return None
        # replacements the plan warned would be refused while in use (the user gets a hint)
        self.warned_in_use = {d.summary.split(" ", 1)[0] for d in diags
                              if "will be destroyed before its replacement exists" in d.summary}
        planned = sorted(f"{c.symbol.strip()}{c.address}" for c in plan.changes if c.action is not Action.NOOP)
        LOG.append(f"  {'destroy' if destroy else 'apply'} (parallelism {parallelism}, "
                   f"{type(provider).__name__}): {' '.join(planned)}")
        result = apply_plan(plan, self.store, provider, parallelism)
        RULES["operations applied"] += sum(1 for r in result.results if r.ok)
        RULES["operations failed"] += len(result.failed)
        self.last_errors = [f"{r.action} {r.address}: {r.error}" for r in result.failed]
        if self.last_errors or result.skipped:
            LOG.append(f"    failed: {self.last_errors}; skipped {len(result.skipped)}")
        return not result.failed and not result.skipped

    def _converge(self):
        ok = self._apply_once(self.cloud, 10)
        if ok is False and self._follow_in_use_hint():
            ok = self._apply_once(self.cloud, 10)
        if ok is None:
            return
        check(ok, f"a clean re-apply after a failed one failed: {self.last_errors}")
        self._after_success()

    def _follow_in_use_hint(self) -> bool:
        """The cloud refused to delete something still in use, as the plan warned it would: do
        what the warning says (create_before_destroy on it), as a user would."""
        refused = {e.split(" ", 2)[1].rstrip(":") for e in self.last_errors if "DependencyViolation" in e}
        if not refused or not refused <= self.warned_in_use:
            return False
        for r in self.model.resources.values():
            if r.address in refused:
                r.cbd = True
        RULES["in-use hints followed"] += 1
        return True

    def _after_success(self):
        self.model.moved = []  # the renames are done: the statements can go, as a user would
        self.drifted.clear()
        plan, diags = self._plan(self._desired())
        check(plan is not None and not plan.errored, f"plan after apply: {[d.summary for d in diags]}")
        pending = [c.address for c in plan.changes if c.action is not Action.NOOP]
        check(not pending, f"after a successful apply the next plan still changes {pending}")
        check(not plan.output_changes(), "after a successful apply the outputs still change")

    def _killed_apply(self, rng: random.Random):
        """`archform apply` in a subprocess, SIGKILLed at a random moment; then a clean re-apply."""
        RULES["applies killed"] += 1
        self._desired()  # writes the configuration file
        env = dict(os.environ, ARCHFORM_SIM_LATENCY="0.02")
        proc = subprocess.Popen([sys.executable, "-m", "archform.planner.cli", "apply", str(self.config),
                                 "--auto-approve", "--state", str(self.folder / "state.db"), "--cloud",
                                 str(self.folder / "cloud.db"), "--parallelism", str(rng.choice([1, 10]))],
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env, cwd=self.folder)
        delay = rng.uniform(0.3, 1.5)  # start-up takes about 0.3 s
        LOG.append(f"apply in a subprocess, killed after {delay:.2f}s")
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        _, err = proc.communicate()
        if proc.returncode not in (0, -signal.SIGKILL):
            check("prevent_destroy" in err.decode(), f"the apply failed before the kill: {err.decode()[-500:]}")
            return
        self.state_and_cloud_agree()
        self._converge()

    @rule(seed=st.integers(0, 99))
    def destroy(self, seed):
        if seed >= 15:
            return  # rarely: everything is built again afterwards
        RULES["destroy"] += 1
        ok = self._apply_once(self.cloud, 10, destroy=True)
        if ok is None:
            return
        check(ok, f"destroy failed: {self.last_errors}")
        snapshot = self.store.read()
        check(not snapshot.resources, f"after destroy the state still records {sorted(snapshot.resources)}")
        self.model.moved = []

    @rule(data=st.data())
    def destroy_targeted(self, data):
        """`destroy --target X`: X and what depends on it go, nothing X depends on, nothing else."""
        if self.model.moved:  # a rename not applied yet: the record's address is not the target's
            return
        before = self.store.read().resources
        pool = sorted(a for a, r in before.items() if r.status == "ok" and "~" not in a)
        if not pool:
            return
        RULES["destroy_targeted"] += 1
        target = data.draw(st.sampled_from(pool))
        doomed, todo = {target}, [target]
        while todo:  # what depends on the target, as recorded
            a = todo.pop()
            for other, r in before.items():
                if a in r.deps and other not in doomed:
                    doomed.add(other)
                    todo.append(other)
        plan, diags = self._plan(self._desired(), destroy=True, targets=(target,))
        if plan is None or plan.errored:
            check(any("prevent_destroy" in d.summary for d in diags), f"plan failed: {[d.summary for d in diags]}")
            return
        planned = {c.object_address for c in plan.changes if c.action is not Action.NOOP}
        check(planned <= {a for a in doomed} | {f"{a}~deposed" for a in doomed},
              f"destroy --target {target} plans {sorted(planned - doomed)}, which do not depend on it")
        LOG.append(f"  destroy --target {target}: {sorted(planned)}")
        result = apply_plan(plan, self.store, self.cloud, 10)
        if result.failed or result.skipped:
            self.last_errors = [f"{r.action} {r.address}: {r.error}" for r in result.failed]
            LOG.append(f"    failed: {self.last_errors}")
            return
        after = self.store.read().resources
        gone = set(before) - set(after)
        check(gone <= doomed, f"destroy --target {target} removed {sorted(gone - doomed)}")
        self.state_and_cloud_agree()
        self._converge()

    # --- outside archform --------------------------------------------------------------------
    def _recorded(self, kinds) -> list:
        snapshot = self.store.read()
        return [r for a, r in sorted(snapshot.resources.items())
                if r.kind in kinds and r.status == "ok" and r.id not in self.vanished]

    @rule(data=st.data())
    def drift(self, data):
        RULES["drift"] += 1
        pool = self._recorded({"s3_bucket", "ebs_volume", "security_group", "instance", "subnet"})
        if not pool:
            return
        r = data.draw(st.sampled_from(pool))
        wanted = self._model_of(r.address)
        LOG.append(f"drift {r.address} ({r.id})")
        if r.kind == "s3_bucket":  # the opposite of what the configuration asks (not of the record)
            wanted_versioning = wanted.attrs["versioning"] if wanted is not None else r.applied.get("versioning")
            console.set_attributes(self.cloud, r.id, {"versioning": not wanted_versioning})
            covered = False
        else:
            console.set_attributes(self.cloud, r.id, {"tags": {"drift": "yes"}})
            covered = wanted is not None and wanted.ignore_tags
        if not covered and wanted is not None:
            self.drifted.add(r.address)
            self._drift_is_reverted()

    def _model_of(self, address: str) -> Res | None:
        for r in self.model.resources.values():
            if r.address == address:
                return r
        return None

    def _drift_is_reverted(self):
        plan, diags = self._plan(self._desired())
        if plan is None or plan.errored:
            return
        planned = {c.address for c in plan.changes if c.action is not Action.NOOP}
        self.drifted = {a for a in self.drifted if self._model_of(a) is not None}  # still configured
        missing = self.drifted - planned
        check(not missing, f"drift of {sorted(missing)} is not reverted by the next plan")

    @rule(data=st.data())
    def delete_outside(self, data):
        RULES["delete_outside"] += 1
        pool = self._recorded({"s3_bucket", "ebs_volume", "iam_role", "target_group"})
        if not pool:
            return
        r = data.draw(st.sampled_from(pool))
        LOG.append(f"delete outside {r.address} ({r.id})")
        console.remove(self.cloud, r.id)
        self.vanished.add(r.id)
        if self._model_of(r.address) is not None:
            self.drifted.add(r.address)
            self._drift_is_reverted()
        else:  # not configured any more: the next plan forgets it
            self.drifted.discard(r.address)

    @rule()
    def refresh(self):
        RULES["refresh"] += 1
        desired = self._desired()
        snapshot = self.store.read()
        if snapshot.pending:
            persist_reconcile(self.store, reconcile(snapshot, self.cloud))
        snapshot = self.store.read()
        plan, _ = make_plan(desired, snapshot, self.cloud, PlanRequest(refresh_only=True))
        if plan.drift:
            LOG.append(f"refresh: {sorted(d.address for d in plan.drift)}")
            record_drift(plan, self.store, snapshot)
        self.drifted = {a for a in self.drifted if self._model_of(a) is not None}
        self._drift_is_reverted()

    @rule(data=st.data())
    def state_rm_then_maybe_import(self, data):
        RULES["state_rm_then_maybe_import"] += 1
        snapshot = self.store.read()
        pool = [r for a, r in sorted(snapshot.resources.items()) if r.status == "ok"]
        if not pool:
            return
        r = data.draw(st.sampled_from(pool))
        LOG.append(f"state rm {r.address} ({r.id})")
        with self.store.edit("state rm") as edit:
            edit.remove(r.address)
        if data.draw(st.booleans()) and self._model_of(r.address) is not None and r.id not in self.vanished:
            message, ok = import_resource(self.store, self.cloud, self._desired(), r.address, r.id)
            check(ok, message)
        else:  # forgotten: whoever it was handed to removes it (or it would keep what it uses busy)
            LOG.append("  and removed from the cloud")
            console.remove(self.cloud, r.id)
        self._edited()

    @rule(data=st.data())
    def state_mv_with_the_matching_rename(self, data):
        RULES["state_mv_with_the_matching_rename"] += 1
        snapshot = self.store.read()
        pool = [self._model_of(a) for a in sorted(snapshot.resources)]
        pool = [r for r in pool if r is not None and not any(b == r.address for _, b in self.model.moved)]
        if not pool:
            return
        r = data.draw(st.sampled_from(pool))
        old = r.address
        r.name = self._name(r.kind)
        LOG.append(f"state mv {old} {r.address}")
        with self.store.edit("state mv") as edit:
            edit.rename(old, r.address)
        self._renamed(old, r.address)


def main(argv=None) -> int:
    import argparse
    from hypothesis import HealthCheck, Phase
    from hypothesis.stateful import run_state_machine_as_test
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=10_000, help="stop after this many steps (default 10,000)")
    parser.add_argument("--per-run", type=int, default=40, help="steps per random series (a fresh state and cloud)")
    parser.add_argument("--kill-rate", type=float, default=PlannerModel.kill_rate,
                        help="share of applies run in a subprocess and killed (default %(default)s)")
    parser.add_argument("--verbose", action="store_true", help="print the steps that led to each violation")
    args = parser.parse_args(argv)
    PlannerModel.kill_rate = args.kill_rate
    violations = batches = 0
    start = time.monotonic()
    while STEPS["count"] < args.steps:
        batches += 1
        try:
            run_state_machine_as_test(PlannerModel, settings=settings(
                max_examples=10, stateful_step_count=args.per_run, deadline=None, database=None,
                suppress_health_check=list(HealthCheck), phases=[Phase.generate]))
        except Violation as e:
            violations += 1
            print(f"VIOLATION: {e}", flush=True)
            if args.verbose:
                print("  " + "\n  ".join(LOG[-60:]), flush=True)
        except Exception as e:  # anything else is a failure of the planner too
            violations += 1
            print(f"ERROR: {type(e).__name__}: {e}", flush=True)
        print(f"{STEPS['count']} steps, {violations} violations, {time.monotonic() - start:.0f}s", flush=True)
    print(f"done: {STEPS['count']} steps, {violations} violations, {time.monotonic() - start:.0f}s")
    for name, n in sorted(RULES.items()):
        print(f"  {n:7d}  {name}")
    return 1 if violations else 0


if __name__ == "__main__":
    sys.exit(main())
