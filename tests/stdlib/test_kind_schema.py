"""Each kind's compiled schema (stdlib/kind_schema.py): what the resolver, `archform kinds` and
editors (`archform kinds KIND --format json`) read of a kind, from one walk of its model."""

import json

from click.testing import CliRunner

from archform.dsl.kind_fields import field_for
from archform.planner.cli import main
from archform.stdlib import catalogue
from archform.stdlib.kind_schema import schema_of


def test_every_kind_has_a_schema_that_serialises():
    for name, cls in catalogue.kinds().items():
        schema = schema_of(cls)
        assert schema.kind == name
        assert schema.keys() == [f.alias or n for n, f in cls.model_fields.items() if n != "kind"], name
        json.dumps(schema.to_json())  # JSON all the way down: what an editor reads
        for f in schema.fields:
            assert field_for(cls, f.key) == f.name
            assert f.forces_replacement == (f.name in cls.force_new or f.key in cls.force_new)
            for kind in f.references:
                assert kind == "*" or kind in catalogue.kinds(), (name, f.key, kind)  # "*": any kind


def test_an_aliased_field_is_written_by_its_alias_only():
    found = [(cls, n, f.alias) for cls in catalogue.kinds().values() for n, f in cls.model_fields.items()
             if f.alias and f.alias != n]
    assert found, "some kind writes a field under another name (a Python keyword, say)"
    for cls, name, alias in found:
        assert field_for(cls, alias) == name
        assert field_for(cls, name) is None


def test_the_schema_says_what_an_editor_needs():
    rds = schema_of(catalogue.kinds()["rds"])
    assert rds.attribute("storage_type").choices == ("gp2", "gp3", "io1", "io2", "standard")
    assert rds.attribute("subnets").is_list and rds.attribute("subnets").references == ("subnet",)
    assert rds.attribute("master_password").sensitive
    assert rds.attribute("instance_class").required
    sg = schema_of(catalogue.kinds()["security_group"])
    ingress = sg.attribute("ingress")
    assert ingress.is_list and ingress.block is not None and "port" in ingress.block.keys()


def test_kinds_json():
    r = CliRunner().invoke(main, ["kinds", "security_group", "--format", "json"])
    assert r.exit_code == 0, r.output
    doc = json.loads(r.output)
    assert doc["title"] == "Security group" and doc["scope"] == "regional"
    assert doc["attributes"]["egress"]["block"]["attributes"]["protocol"] == {
        "choices": ["tcp", "udp", "icmp", "all"], "default": "tcp", "list": False, "required": False}
    assert doc["attributes"]["vpc"]["references"] == ["vpc"]
    # a default list of blocks is JSON, not Python's repr of the models (it was a string)
    assert doc["attributes"]["egress"]["default"] == [
        {"description": None, "port": None, "ports": None, "protocol": "all", "to": "0.0.0.0/0"}]
