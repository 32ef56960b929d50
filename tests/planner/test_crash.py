"""SIGKILL `archform apply` at random points; every time, the state must open, agree with the
cloud, know of everything the cloud made for it, and the next run must converge.

Each episode starts from an empty state and modeled cloud: `archform apply
examples/ha_web.arch --auto-approve` (29 creates) runs in a subprocess and is killed once or
twice in a row (the second run reconciles the first's leftovers, and may die doing it), then
runs to the end; then one follow-up is killed two or three times and run to the end: ten
in-place updates (`-p env=staging`), a create-before-destroy replacement of the certificate
(create, the load balancer's update, delete of the old copy), or the removal of the DNS zone
and its records (three deletes). The modeled cloud gets an API latency
(`$ARCHFORM_SIM_LATENCY`: half before the cloud commits, half after) so kills land inside
provider calls and between the cloud's commit and archform's record of it, not only in the
planner. After every kill:

- the state database opens and reads cleanly, and SQLite finds it intact;
- every resource the state records exists in the cloud with the same id, kind and address,
  unless a pending delete says the cloud may just have removed it;
- every resource the cloud holds belongs to the configuration and is known to the state:
  recorded, or named by a pending create whose idempotency token made it — so the next run
  adopts it instead of making it twice;
- the lock, if left, names a process that was killed.

The run to the end (in this process, through the CLI) must not be blocked by the dead
process's lock — it releases it and says so, naming the pid — must say which resources it
adopted or forgot, and must leave state and cloud holding exactly the configuration's
resources, each once, with the same ids; `plan --detailed-exitcode` then exits 0.

Kill moments come from a seeded `random.Random` and are placed by what the process reports
(the lock taken, k operations done), not by the clock; where they land still depends on the
machine, so the test tallies the phases it hit, tops up with targeted kills (a few at most)
when the schedule missed one, and requires them all.
"""

from __future__ import annotations

import os
import random
import re
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from click.testing import CliRunner

from archform.dsl.resolve import resolve
from archform.planner.apply import apply_plan
from archform.planner.changes import Action
from archform.planner.cli import main
from archform.planner.planning import make_plan
from archform.planner.state import StateStore
from archform.providers.base import ProviderError
from archform.providers.simulated import SimulatedCloud

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "ha_web.arch"
SEED = 20260504
EPISODES = 12
LATENCY = "0.03"       # seconds per provider call, half before and half after the cloud commits
STALE_NOTE = "released a lock left by a process that no longer runs"
UPDATE = ("-p", "env=staging")  # in-place tag updates: the VPC and its nine subnets

# where a kill can land, as the state and the cloud show it afterwards
BEFORE_LOCK = "before the lock was taken"
NOTHING_PENDING = "with the lock held, nothing pending"
CREATE_PENDING = "a create pending, not made by the cloud"
CREATE_MADE = "a create made by the cloud, not yet recorded"
UPDATE_PENDING = "an update pending"
DELETE_PENDING = "a delete pending, the object still there"
DELETE_DONE = "a delete done by the cloud, not yet recorded"


@dataclass
class Tally:
    phases: Counter = field(default_factory=Counter)
    kills: int = 0

    def add(self, phase: str):
        self.phases[phase] += 1


# --- running archform --------------------------------------------------------------------------

def _cmd(*args: str) -> list[str]:
    return [sys.executable, "-m", "archform.planner.cli", *args]


def _peek(state: Path, pid: int | None = None) -> tuple[bool, set[str]]:
    """Whether process `pid` holds the state's lock, and the ids of the pending operations,
    read without taking any lock."""
    if not state.exists():
        return False, set()
    try:
        conn = sqlite3.connect(f"file:{state}?mode=ro", uri=True, timeout=5)
        try:
            row = conn.execute("SELECT pid FROM locks WHERE workspace='default'").fetchone()
            return (row is not None and row[0] == pid), {r[0] for r in conn.execute("SELECT op_id FROM pending")}
        finally:
            conn.close()
    except sqlite3.OperationalError:
        return False, set()


_DONE = re.compile(r": (created|updated) after \S+ \[|: destroyed after \S+$")


def _done_lines(path: Path) -> int:
    """Operations the child reported finished (a line per resource, written once it is recorded)."""
    try:
        text = path.read_text()
    except OSError:
        return 0
    return sum(1 for line in text.splitlines() if _DONE.search(line))


def killed_apply(work: Path, rng: random.Random, config: Path, params: tuple[str, ...], changes: int,
                 mode: str | None = None) -> Path:
    """Start an apply of `changes` provider operations and SIGKILL it at a random moment; the
    file its stderr went to (next to it, `.pid`, and `.rc` if it finished before the kill).

    The moment, by mode: `start-up` (importing, parsing: before the lock); `planning` (just
    after the lock was taken); `end` (after the last operation: outputs, history, unlock); or,
    mostly, `walk`: once k operations were reported done (k uniform over 0..changes-1; for 0,
    once the first call is in flight), plus up to 1.25 provider latencies: inside the next
    call, after its commit, or just past it. Kills are placed by what the process reports,
    not by the clock, so they spread over the walk however long start-up takes here."""
    state, cloud = work / "state.db", work / "cloud.db"
    parallelism = rng.choice(["1", "2", "10"])
    env = dict(os.environ, ARCHFORM_SIM_LATENCY=LATENCY)
    n = len(list(work.glob("killed-*.err")))
    out_path, err_path = work / f"killed-{n}.out", work / f"killed-{n}.err"
    _, earlier_ops = _peek(state)  # pending records of a killed run: not this run's calls
    roll = rng.random()
    mode = mode or ("start-up" if roll < 0.1 else "planning" if roll < 0.2 else "end" if roll > 0.95 else "walk")
    after = {"walk": rng.randint(0, max(0, changes - 1)), "end": changes}.get(mode, 0)
    delay = {"start-up": rng.uniform(0.0, 0.3), "planning": rng.uniform(0.0, 0.01),
             "end": rng.uniform(0.0, 0.05)}.get(mode, rng.uniform(0.0, 1.25 * float(LATENCY)))
    with open(out_path, "w") as out, open(err_path, "w") as err:
        proc = subprocess.Popen(_cmd("apply", str(config), "--auto-approve", "--state", str(state), "--cloud",
                                     str(cloud), "--parallelism", parallelism, *params),
                                stdout=out, stderr=err, env=env, cwd=work)
        try:
            deadline = time.monotonic() + 60
            while mode != "start-up" and time.monotonic() < deadline and proc.poll() is None:
                if after == 0:
                    locked, ops = _peek(state, proc.pid)
                    if locked and (mode == "planning" or ops - earlier_ops):
                        break
                elif _done_lines(err_path) >= after:
                    break
                time.sleep(0.001)
            time.sleep(delay)
            proc.send_signal(signal.SIGKILL)
        finally:
            proc.wait()
    err_path.with_suffix(".pid").write_text(str(proc.pid))
    if proc.returncode != -signal.SIGKILL:  # it got to the end before the kill: then it succeeded
        assert proc.returncode == 0, err_path.read_text()
        err_path.with_suffix(".rc").write_text("0")
    return err_path


def finishing_apply(work: Path, config: Path, params: tuple[str, ...] = ()):
    """The next run, to completion (in this process: the same command, without start-up time)."""
    result = CliRunner().invoke(main, ["apply", str(config), "--auto-approve", "--state", str(work / "state.db"),
                                       "--cloud", str(work / "cloud.db"), *params])
    return result.exit_code, result.stdout, result.stderr


def plan_exit_code(work: Path, config: Path, params: tuple[str, ...] = ()):
    result = CliRunner().invoke(main, ["plan", str(config), "--state", str(work / "state.db"), "--cloud",
                                       str(work / "cloud.db"), "--detailed-exitcode", *params])
    return result.exit_code, result.output


# --- what state and cloud hold -------------------------------------------------------------------

def read_state(work: Path):
    store = StateStore(work / "state.db")
    try:
        snapshot = store.read()
        holder = store.lock_holder()
        integrity = store._conn.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        store.close()
    assert integrity == "ok"
    return snapshot, holder


def read_cloud(work: Path) -> list[tuple[str, str, str | None, str | None]]:
    """(id, kind, address, idempotency token) of every top-level record the cloud holds."""
    cloud = SimulatedCloud(work / "cloud.db")
    try:
        assert cloud.store.integrity() == "ok"
        with cloud.store.reading() as tx:
            return [(r.id, r.kind, r.address, tx.token_for(r.id)) for r in tx.query("owner IS NULL")]
    finally:
        cloud.close()


def _base(address: str) -> str:
    return address.split("~", 1)[0]  # `ADDR~deposed`: the old copy of a create-before-destroy replacement


def check_after_kill(work: Path, killed: list[Path], tally: Tally, expected: set[str]):
    """`killed`: the stderr files of the processes killed since the state last converged."""
    snapshot, holder = read_state(work)
    records = read_cloud(work)
    by_id = {r[0]: r for r in records}
    deleting = {p.provider_id: p for p in snapshot.pending if p.action == "delete"}
    for address, res in snapshot.resources.items():
        if res.id not in by_id:
            assert res.id in deleting, f"{address} is recorded as {res.id}, which the cloud does not hold"
            continue
        _, kind, cloud_address, _ = by_id[res.id]
        assert (kind, cloud_address) == (res.kind, _base(address))
    creating = {p.token: p for p in snapshot.pending if p.action == "create" and p.token}
    known_ids = {r.id for r in snapshot.resources.values()}
    for id, kind, address, token in records:
        assert address in expected, f"the cloud holds {kind} {id} for {address}, not in the configuration"
        if id not in known_ids:
            assert token in creating, (f"the cloud made {address} ({id}) but the state neither records it nor "
                                       "has a pending create for it: the next run would make it twice")
            assert _base(creating[token].address) == address
    if holder is not None:  # left by this process, or by an earlier one this one never got to release
        assert str(holder.pid) in {k.with_suffix(".pid").read_text() for k in killed}, holder

    # where the kill landed (each phase counted once per kill)
    tally.kills += 1
    made = {r[3] for r in records}
    phases = set()
    for p in snapshot.pending:
        if p.action == "create":
            phases.add(CREATE_MADE if p.token in made else CREATE_PENDING)
        elif p.action == "delete":
            phases.add(DELETE_PENDING if p.provider_id in by_id else DELETE_DONE)
        else:
            phases.add(UPDATE_PENDING)
    last = killed[-1]
    pid = int(last.with_suffix(".pid").read_text())
    if not snapshot.pending and holder is not None and holder.pid == pid:
        phases.add(NOTHING_PENDING)
    if last.with_suffix(".rc").exists():
        phases.add("too late: the apply had finished")
    elif holder is None or holder.pid != pid:
        phases.add("after the lock was released" if _done_lines(last) else BEFORE_LOCK)
    for phase in phases:
        tally.add(phase)


def before_next_run(work: Path) -> tuple[int | None, set[str], set[str]]:
    """What the next run must tell the user: the dead holder's pid (if it left the lock), the
    creates the cloud committed but the state has pending (adopted), and the deletes likewise
    (forgotten)."""
    snapshot, holder = read_state(work)
    records = read_cloud(work)
    made, ids = {r[3] for r in records}, {r[0] for r in records}
    adopted = {_base(p.address) for p in snapshot.pending if p.action == "create" and p.token in made}
    removed = {p.detail.get("address", p.address) for p in snapshot.pending
               if p.action == "delete" and p.provider_id not in ids
               and snapshot.resources.get(p.detail.get("address", p.address)) is not None}
    return (holder.pid if holder else None), adopted, removed


def check_converged(work: Path, config: Path, params: tuple[str, ...], expected: set[str]):
    stale_pid, adopted, removed = before_next_run(work)
    code, out, err = finishing_apply(work, config, params)
    assert code == 0, out + err
    if stale_pid is not None:
        assert STALE_NOTE in err and f"pid {stale_pid} " in err, err
    else:
        assert STALE_NOTE not in err, err
    for address in adopted:
        assert f"note: {address} was created by an interrupted apply" in err, err
    for address in removed:
        assert f"note: {address} was destroyed by an interrupted apply" in err, err
    snapshot, holder = read_state(work)
    assert holder is None and snapshot.pending == []
    records = read_cloud(work)
    assert sorted(r[2] for r in records) == sorted(expected), "each resource of the configuration, once"
    assert {r[2]: r[0] for r in records} == {a: res.id for a, res in snapshot.resources.items()}
    code, output = plan_exit_code(work, config, params)
    assert code == 0 and "No changes" in output, output


# --- the test ------------------------------------------------------------------------------------

def _edited(folder: Path, name: str, edit) -> Path:
    path = folder / f"{name}.arch"
    path.write_text(edit(EXAMPLE.read_text()))
    return path


def _new_certificate(text: str) -> str:
    """The certificate replaced create-before-destroy (a new alternative name): one create, the
    load balancer's update onto the new certificate, the delete of the old one."""
    edited = text.replace('alternative_names = ["www.${domain}"]',
                          'alternative_names = ["www.${domain}", "api.${domain}"]')
    edited = edited.replace("    validation        = dns\n",
                            "    validation        = dns\n\n    lifecycle {\n      create_before_destroy = true\n    }\n")
    assert edited.count("create_before_destroy") == 1 and "api." in edited
    return edited


def _without_dns(text: str) -> str:
    """The Route 53 zone and its two records gone: three deletes, the records before the zone."""
    start, end = text.index("dns_zone shop {"), text.index("output url")
    return text[:start] + text[end:]


def _desired(config: Path, params: tuple[str, ...]):
    desired, diags = resolve(config, dict(p.split("=", 1) for p in params[1::2]))
    assert desired is not None, diags
    return desired


def operations_to_do(work: Path, config: Path, params: tuple[str, ...]) -> int:
    """How many provider operations an apply would make now (a replacement is two)."""
    store, cloud = StateStore(work / "state.db"), SimulatedCloud(work / "cloud.db")
    try:
        plan, _ = make_plan(_desired(config, params), store.read(), cloud)
    finally:
        store.close()
        cloud.close()
    counts = {Action.CREATE: 1, Action.UPDATE: 1, Action.DELETE: 1, Action.REPLACE: 2}
    return sum(counts.get(c.action, 0) for c in plan.changes)


REQUIRED = {  # where kills must have landed, and the scenario and mode that land there
    BEFORE_LOCK: ("create", "start-up"),
    NOTHING_PENDING: ("create", "planning"),
    CREATE_PENDING: ("create", "walk"),
    CREATE_MADE: ("create", "walk"),
    UPDATE_PENDING: ("update", "walk"),
    DELETE_PENDING: ("delete", "walk"),
    DELETE_DONE: ("delete", "walk"),
}
TOP_UPS = 6  # extra targeted kills allowed when the seeded schedule missed a phase


def test_sigkill_at_random_points_never_loses_or_doubles_anything(tmp_path):
    scenarios = {  # name: (configuration, params)
        "create": (EXAMPLE, ()),
        "update": (EXAMPLE, UPDATE),
        "replace": (_edited(tmp_path, "new_certificate", _new_certificate), ()),
        "delete": (_edited(tmp_path, "without_dns", _without_dns), ()),
    }
    expected = set(_desired(EXAMPLE, ()).resources)
    assert len(expected) == 29
    rng = random.Random(SEED)
    tally = Tally()
    episodes = iter(range(10_000))

    def crash(work: Path, scenario: str, kills: int, mode: str | None = None):
        """Kill applies of `scenario` `kills` times in a row, then run it to the end."""
        config, params = scenarios[scenario]
        killed = []
        for _ in range(kills):
            ops = operations_to_do(work, config, params)
            if not ops:
                break
            killed.append(killed_apply(work, rng, config, params, ops, mode))
            check_after_kill(work, killed, tally, expected)
        check_converged(work, config, params, set(_desired(config, params).resources))

    follow_ups = ("delete", "replace", "update")
    for episode in range(EPISODES):
        work = tmp_path / f"episode-{next(episodes)}"
        work.mkdir()
        crash(work, "create", rng.choice([1, 2]))
        crash(work, follow_ups[episode % len(follow_ups)], rng.choice([2, 3]))

    for _ in range(TOP_UPS):
        missing = [phase for phase in REQUIRED if not tally.phases[phase]]
        if not missing:
            break
        scenario, mode = REQUIRED[missing[0]]
        work = tmp_path / f"episode-{next(episodes)}"
        work.mkdir()
        if scenario != "create":
            crash(work, "create", 0)
        crash(work, scenario, 1, mode)

    print(f"\n{tally.kills} kills landed:")
    for phase, n in sorted(tally.phases.items()):
        print(f"  {n:3d}  {phase}")
    for phase in REQUIRED:
        assert tally.phases[phase], f"no kill landed {phase}: {dict(tally.phases)}"


class _RefusingUpdates:
    """The modeled cloud, refusing every update (the apply stops after the creates)."""

    def __init__(self, cloud):
        self._cloud = cloud

    def __getattr__(self, name):
        return getattr(self._cloud, name)

    def update(self, kind, id, attrs, changed=()):
        raise ProviderError("the test refuses updates", code="Throttling")


def test_the_users_of_an_interrupted_replacement_move_before_its_old_copy_goes(tmp_path):
    """A create-before-destroy replacement stopped after the new certificate was recorded (the
    old one kept as `primary.site~deposed`) but before the load balancer moved onto it: the
    next plan moves the load balancer, then destroys the old certificate — not the reverse,
    which the cloud refuses (the certificate is in use)."""
    state, cloud_path = tmp_path / "state.db", tmp_path / "cloud.db"
    new_certificate = _edited(tmp_path, "new_certificate", _new_certificate)
    code, out, err = finishing_apply(tmp_path, EXAMPLE)
    assert code == 0, out + err
    store, cloud = StateStore(state), SimulatedCloud(cloud_path)
    try:
        plan, _ = make_plan(_desired(new_certificate, ()), store.read(), cloud)
        result = apply_plan(plan, store, _RefusingUpdates(cloud))
        assert [r.address for r in result.failed] == ["primary.web"]
        recorded = store.read().resources
        assert recorded["primary.site~deposed"].status == "deposed"
        old_id = recorded["primary.site~deposed"].id
        assert old_id in str(recorded["primary.web"].applied["listener"])

        plan, diags = make_plan(_desired(new_certificate, ()), store.read(), cloud)
        assert not [d for d in diags if d.is_error]
        planned = {c.object_address: c.action for c in plan.changes if c.action is not Action.NOOP}
        assert planned == {"primary.web": Action.UPDATE, "primary.site~deposed": Action.DELETE}
        web = next(c for c in plan.changes if c.address == "primary.web")
        assert web.changed == ("listener",) and old_id in str(web.before["listener"])
        order = [str(op) for wave in plan.order for op in wave]
        assert order.index("update:primary.web") < order.index("delete:primary.site~deposed")
    finally:
        store.close()
        cloud.close()
    code, out, err = finishing_apply(tmp_path, new_certificate)
    assert code == 0, out + err
    assert plan_exit_code(tmp_path, new_certificate)[0] == 0
