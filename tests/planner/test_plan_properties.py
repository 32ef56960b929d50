"""Planner properties (hypothesis), against the real modeled cloud and a real SQLite state:

- for random current/desired pairs: apply the plan, plan again → no changes;
- every order respects dependencies: creates and updates after what they depend on, deletes
  before what they depended on;
- diffing a configuration against the state it produced is all no-ops.
"""

import tempfile
from pathlib import Path

from hypothesis import given, settings, strategies as st

from archform.planner import graph as change_graph
from archform.planner.changes import Action
from workbench import Workbench

ZONES = ["a", "b", "c"]


@st.composite
def architectures(draw):
    """A region with VPCs, subnets, security groups (referencing each other), instances and
    volumes; every choice random, every name stable so two draws overlap and differ."""
    n_vpcs = draw(st.integers(1, 2))
    lines = ['region "us-east-1" as primary {']
    for v in range(n_vpcs):
        vpc = f"v{v}"
        cidr_block = draw(st.sampled_from([v, v + 10]))  # changing it forces replacement
        tag = draw(st.sampled_from(["blue", "green"]))
        lines.append(f"  vpc {vpc} {{\n    cidr = 10.{cidr_block}.0.0/16\n    tags = {{ colour = \"{tag}\" }}\n"
                     f"    lifecycle {{ create_before_destroy = true }}\n  }}")
        zones = draw(st.lists(st.sampled_from(ZONES), min_size=1, max_size=3, unique=True))
        for z in zones:
            lines.append(f"  subnet {vpc}_{z} {{\n    vpc  = {vpc}\n    cidr = cidrsubnet({vpc}.cidr, 8, "
                         f"{ZONES.index(z)})\n    az   = {z}\n    lifecycle {{ create_before_destroy = true }}\n  }}")
        groups = draw(st.integers(0, 2))
        for g in range(groups):
            sources = [f"{vpc}_sg{h}" for h in range(g)]
            src = draw(st.sampled_from(["internet"] + sources))
            port = draw(st.sampled_from([80, 443]))
            lines.append(f"  security_group {vpc}_sg{g} {{\n    vpc = {vpc}\n    ingress {{\n      port = {port}\n"
                         f"      from = {src}\n    }}\n    lifecycle {{ create_before_destroy = true }}\n  }}")
        for z in zones:
            if draw(st.booleans()):
                itype = draw(st.sampled_from(["t3.micro", "t3.small"]))
                sgs = ", ".join(f"{vpc}_sg{g}" for g in range(groups))
                lines.append(f"  instance {vpc}_{z}_web {{\n    ami = \"ami-0test\"\n    instance_type = {itype}\n"
                             f"    subnet = {vpc}_{z}\n    security_groups = [{sgs}]\n"
                             f"    lifecycle {{ create_before_destroy = true }}\n  }}")
                if draw(st.booleans()):
                    size = draw(st.sampled_from(["10GiB", "20GiB"]))
                    lines.append(f"  ebs_volume {vpc}_{z}_data {{\n    az = {z}\n    size = {size}\n"
                                 f"    attachments = [{vpc}_{z}_web]\n  }}")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _check_order(plan):
    """Every create/update runs after those of what it depends on; every delete before the
    deletes of what it depended on."""
    changes = [c for c in plan.changes if c.action is not Action.NOOP]
    g = change_graph.build(changes)
    wave_of = {str(op): i for i, wave in enumerate(plan.order) for op in wave}
    assert set(wave_of) == set(map(str, g.nodes))
    by_addr = {c.address: c for c in changes}
    for c in changes:
        mine = {Action.CREATE: "create", Action.UPDATE: "update", Action.REPLACE: "create"}.get(c.action)
        if mine:
            for dep in c.deps:
                d = by_addr.get(dep)
                if d is not None and d.action in (Action.CREATE, Action.REPLACE, Action.UPDATE):
                    theirs = "update" if d.action is Action.UPDATE else "create"
                    assert wave_of[f"{theirs}:{dep}"] < wave_of[f"{mine}:{c.address}"], (dep, c.address)
        if c.action in (Action.DELETE, Action.REPLACE):
            for dep in c.prior_deps:
                d = by_addr.get(dep)
                if d is not None and d.action in (Action.DELETE, Action.REPLACE):
                    assert wave_of[f"delete:{c.address}"] < wave_of[f"delete:{dep}"], (c.address, dep)


@settings(max_examples=40)
@given(architectures(), architectures())
def test_apply_then_plan_has_no_changes(current, desired):
    with tempfile.TemporaryDirectory() as tmp:
        bench = Workbench(Path(tmp))
        try:
            _, first = bench.apply(current)
            assert not first.failed, [r.error for r in first.failed]
            plan = bench.plan(desired)
            _check_order(plan)
            _, second = bench.apply(desired)
            assert not second.failed, [r.error for r in second.failed]
            again = bench.plan(desired)
            assert again.summary.empty, [(c.address, c.action, c.changed) for c in again.changes
                                         if c.action is not Action.NOOP]
            assert not again.drift
            # and destroying leaves nothing behind
            gone = bench.plan(None, destroy=True)
            _check_order(gone)
            _, third = bench.apply(None, destroy=True)
            assert not third.failed, [r.error for r in third.failed]
            assert bench.store.read().resources == {}
        finally:
            bench.close()


@settings(max_examples=40)
@given(architectures())
def test_a_configuration_against_its_own_state_is_all_no_ops(text):
    with tempfile.TemporaryDirectory() as tmp:
        bench = Workbench(Path(tmp))
        try:
            bench.apply(text)
            plan = bench.plan(text, refresh=False)
            assert {c.action for c in plan.changes} <= {Action.NOOP}
        finally:
            bench.close()


@settings(max_examples=40)
@given(architectures(), architectures())
def test_the_change_graph_orders_as_networkx_does(current, desired):
    """planner.dag stands in for networkx on the hot path; both must agree on every plan."""
    import networkx as nx
    with tempfile.TemporaryDirectory() as tmp:
        bench = Workbench(Path(tmp))
        try:
            bench.apply(current)
            plan = bench.plan(desired)
            g = change_graph.build([c for c in plan.changes if c.action is not Action.NOOP])
            ng = g.to_networkx()
            assert g.order() == list(nx.lexicographical_topological_sort(ng))
            assert g.generations() == [sorted(w) for w in nx.topological_generations(ng)]
            assert g.find_cycle() is None and nx.is_directed_acyclic_graph(ng)
        finally:
            bench.close()
