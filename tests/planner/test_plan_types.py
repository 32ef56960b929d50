"""The typed plan model: keys, operations, enums and the one codec of a change — and that plans
and states written before it read the same."""

from __future__ import annotations

import base64
import json

import pytest
from hypothesis import given, strategies as st

from archform.dsl.desired import Lifecycle
from archform.planner import planfile, render
from archform.planner.changes import Action, Change, Op, PlanMode, Reason
from archform.planner.state import ObjectKey, StateStore, Status, _dumps
from archform.planner.state_integrity import row_digest

KEY = base64.b64encode(bytes(range(32))).decode()

addresses = st.from_regex(r"[a-z]{1,3}(\.[a-z_]{1,4}){1,2}(\[[a-z0-9~\"]{1,4}\])?", fullmatch=True)


@given(addresses, st.booleans())
def test_an_object_key_reads_back_from_its_text(address, deposed):
    key = ObjectKey(address).deposed_copy() if deposed else ObjectKey(address)
    assert ObjectKey.parse(str(key)) == key
    assert str(key) == (f"{address}~deposed" if deposed else address)


@given(st.sampled_from([Action.CREATE, Action.UPDATE, Action.DELETE]), addresses,
       st.sampled_from([Action.CREATE, Action.UPDATE, Action.DELETE]), addresses)
def test_operations_sort_as_their_text_and_read_back_from_it(a1, addr1, a2, addr2):
    x, y = Op(a1, addr1), Op(a2, addr2)
    assert Op.parse(str(x)) == x
    assert (x < y) == (str(x) < str(y)) and (x == y) == (str(x) == str(y))


def test_the_enums_are_written_as_their_values():
    assert json.dumps([Action.NOOP, Reason.DELETE_DEPOSED, PlanMode.REFRESH_ONLY, Status.TAINTED]) == \
        '["no-op", "delete_because_deposed", "refresh-only", "tainted"]'
    assert f"{Action.CREATE} {Reason.REPLACE_TAINTED} {PlanMode.DESTROY} {Status.DEPOSED}" == \
        "create replace_because_tainted destroy deposed"


def test_change_is_keyword_only():
    with pytest.raises(TypeError):
        Change("primary.vpc", "vpc", Action.CREATE)


CHANGES = [
    Change(address="primary.vpc", kind="vpc", action=Action.CREATE, name="vpc", region="us-east-1",
           after={"cidr": "10.0.0.0/16"}, changed=("cidr",), after_unknown=("id",),
           lifecycle=Lifecycle(create_before_destroy=True), create_before_destroy=True),
    Change(address="primary.db", kind="database", action=Action.REPLACE, name="db", key=None,
           before={"engine": "mysql", "master_password": "s3cret-s3cret"},
           after={"engine": "postgres", "master_password": "s3cret-s3cret"}, changed=("engine",),
           replace_paths=(("engine",),), reason=Reason.REPLACE_CANNOT_UPDATE, deps=("primary.vpc",),
           prior_id="db-1", prior_deps=("primary.vpc",), sensitive=("master_password",),
           lifecycle=Lifecycle(ignore_changes=("tags",), replace_triggered_by=("primary.vpc",))),
    Change(address="primary.site", deposed="deposed", kind="certificate", action=Action.DELETE,
           before={"domain": "example.com"}, reason=Reason.DELETE_DEPOSED, prior_id="cert-1",
           deps=("primary.zone",), prior_deps=("primary.zone",)),
    Change(address="primary.web[a]", key="a", kind="instance", action=Action.UPDATE, previous_address="primary.web",
           before={"size": "small"}, after={"size": "large"}, changed=("size",), drifted=("size",)),
]


def test_a_change_reads_back_from_its_codec(monkeypatch):
    monkeypatch.setenv("ARCHFORM_STATE_KEY", KEY)
    for c in CHANGES:
        doc = json.loads(json.dumps(c.json()))
        assert Change.from_json(doc) == c
    deposed = CHANGES[2].json()
    assert (deposed["address"], deposed["deposed"]) == ("primary.site~deposed", True)
    assert "s3cret" not in json.dumps(CHANGES[1].json())


# a saved plan as archform wrote it before plans were typed (the format is unchanged)
OLD_PLAN = {
    "format": "archform-plan", "version": 1, "workspace": "default", "lineage": "l-1", "serial": 3,
    "source_hash": "abc", "files": ["main.arch"], "mode": "normal", "params": {}, "targets": [],
    "sensitive_params": [], "sensitive_outputs": [],
    "changes": [
        {"address": "primary.web", "kind": "load_balancer", "action": "update", "name": "web", "key": None,
         "region": "us-east-1", "previous_address": None, "before": {"cert": "cert-1"},
         "after": {"cert": {"$ref": "primary.site"}}, "sensitive": [], "changed": ["cert"], "replace_paths": [],
         "reason": None, "create_before_destroy": False, "after_unknown": [], "drifted": [],
         "deps": ["primary.site"], "prior_id": "lb-1", "deposed": False, "prior_deps": ["primary.site"],
         "lifecycle": {"prevent_destroy": False, "create_before_destroy": False, "ignore_changes": [],
                       "replace_triggered_by": []}},
        {"address": "primary.site~deposed", "kind": "certificate", "action": "delete", "name": "site", "key": None,
         "region": "us-east-1", "previous_address": None, "before": {"domain": "example.com"}, "after": None,
         "sensitive": [], "changed": [], "replace_paths": [], "reason": "delete_because_deposed",
         "create_before_destroy": False, "after_unknown": [], "drifted": [], "deps": [], "prior_id": "cert-1",
         "deposed": True, "prior_deps": [],
         "lifecycle": {"prevent_destroy": False, "create_before_destroy": True, "ignore_changes": [],
                       "replace_triggered_by": []}},
    ],
    "drift": [], "outputs": {"url": ["https://a", "https://b"]},
    "order": [["update:primary.web"], ["delete:primary.site~deposed"]],
}


def test_a_plan_saved_before_the_typed_model_loads_and_saves_back_the_same(tmp_path):
    old = dict(OLD_PLAN, checksum=planfile._checksum(OLD_PLAN))
    (tmp_path / "old.plan").write_text(json.dumps(old))
    plan = planfile.load(tmp_path / "old.plan")
    web, site = plan.changes
    assert site.object_key == ObjectKey("primary.site", "deposed") and site.reason is Reason.DELETE_DEPOSED
    assert web.object_key == ObjectKey("primary.web") and web.lifecycle == Lifecycle()
    assert plan.order == [[Op(Action.UPDATE, "primary.web")], [Op(Action.DELETE, "primary.site~deposed")]]
    assert plan.mode is PlanMode.NORMAL
    planfile.save(plan, tmp_path / "again.plan")
    assert json.loads((tmp_path / "again.plan").read_text()) == old
    text = render.text(plan)
    assert "# primary.site~deposed will be destroyed (delete_because_deposed)" in text
    assert '- certificate "primary.site~deposed" {' in text
    doc = render.to_json(plan)
    assert [c["address"] for c in doc["resource_changes"]] == ["primary.web", "primary.site~deposed"]
    assert doc["order"] == OLD_PLAN["order"] and doc["plan_mode"] == "normal"


def test_a_state_written_before_the_typed_model_reads_into_its_types(tmp_path):
    """Rows as earlier versions wrote them: an empty lifecycle, a deposed copy under its text,
    a pending delete."""
    store = StateStore(tmp_path / "state.db")
    store.read()
    docs = {
        ("primary.site", "ok"): {"region": "us-east-1", "name": "site", "key": None, "config": {"d": 1},
                                 "applied": {"d": 1}, "outputs": {}, "deps": [], "lifecycle": {}},
        ("primary.site~deposed", "deposed"): {
            "region": "us-east-1", "name": "site", "key": None, "config": {"d": 0}, "applied": {"d": 0},
            "outputs": {}, "deps": [], "lifecycle": {"prevent_destroy": True, "create_before_destroy": True,
                                                     "ignore_changes": ["tags"], "replace_triggered_by": []}},
    }
    with store._tx() as conn:
        count, total = 0, 0
        for (address, status), doc in docs.items():
            text = _dumps(doc)
            digest = row_digest(address, "certificate", f"id-{status}", status, text)
            conn.execute("INSERT INTO resources VALUES (?,?,?,?,?,?,?)",
                         ("default", address, "certificate", f"id-{status}", status, text, digest))
            count, total = count + 1, total ^ digest
        conn.execute("UPDATE workspaces SET records=?, digest=? WHERE name='default'", (count, total))
        conn.execute("INSERT INTO pending VALUES (?,?,?,?,?,?,?,?)",
                     ("default", "op1", "primary.site~deposed", "certificate", "delete", None, "id-deposed",
                      json.dumps({"address": "primary.site~deposed"})))
    snap = store.read()
    site, old = snap.resources["primary.site"], snap.resources["primary.site~deposed"]
    assert site.lifecycle == Lifecycle() and site.status is Status.OK and site.object_key == ObjectKey("primary.site")
    assert old.status is Status.DEPOSED and old.object_key == ObjectKey("primary.site", "deposed")
    assert old.lifecycle == Lifecycle(prevent_destroy=True, create_before_destroy=True, ignore_changes=("tags",))
    assert [(p.address, p.action) for p in snap.pending] == [("primary.site~deposed", Action.DELETE)]
    store.close()
