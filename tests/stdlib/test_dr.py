"""Disaster recovery plans (notes §25.1)."""

from __future__ import annotations

from fractions import Fraction

import pytest
from pydantic import ValidationError

from archform.dsl import values as v
from archform.stdlib import catalogue
from archform.stdlib.schema import View, ViewGraph
from catalogue_bench import secs


def plan(**attrs) -> View:
    base = {"strategy": v.Word("warm_standby"), "primary": v.Word("primary"), "secondary": v.Word("standby"),
            "rpo": secs(5), "rto": secs(600)}
    model = catalogue.get("dr_plan").model_validate({**base, **attrs}, context={"region": None})
    return View("shop", "dr_plan", None, model)


def messages(me: View) -> list[str]:
    return [i.message for i in me.model.check(me, ViewGraph([me]))]


def test_a_plan():
    p = plan()
    assert (p.model.strategy, p.model.primary, p.model.secondary) == ("warm_standby", "primary", "standby")
    assert messages(p) == []
    assert catalogue.get("dr_plan").scope == "global"


def test_strategies_and_the_active_active_alias():
    assert plan(strategy=v.Word("active_active")).model.strategy == "multi_site"
    assert plan(strategy="pilot-light").model.strategy == "pilot_light"
    with pytest.raises(ValidationError, match="not a valid DR strategy"):
        plan(strategy=v.Word("cold_standby"))


def test_region_names_as_strings():
    assert messages(plan(primary="us-east-1", secondary="eu-west-1")) == []
    assert any("'eu-west-9' is not an AWS region" in m for m in messages(plan(primary="us-east-1",
                                                                              secondary="eu-west-9")))


def test_primary_and_secondary_differ():
    assert any("primary and secondary are the same scope" in m
               for m in messages(plan(secondary=v.Word("primary"))))


def test_rpo_and_rto_are_required_positive_durations():
    assert "rpo is a positive duration, got 0s" in messages(plan(rpo=secs(0)))
    with pytest.raises(ValidationError, match="expected a duration"):
        plan(rto=Fraction(10))
    with pytest.raises(ValidationError, match="rto"):
        catalogue.get("dr_plan").model_validate({"strategy": "multi_site", "primary": "a", "secondary": "b",
                                                 "rpo": secs(1)})


def test_scope_lists_resources():
    p = plan(scope=[v.ResourceRef("primary.orders", "aurora"), v.ResourceRef("primary.web", "load_balancer")])
    assert [r.address for r in p.model.covers] == ["primary.orders", "primary.web"]
    assert p.model.model_dump(by_alias=True, mode="json")["scope"] == [{"$ref": "primary.orders"},
                                                                      {"$ref": "primary.web"}]


def test_a_dr_configuration_used_as_a_module_names_its_own_region_scopes(tmp_path):
    """`primary = primary` in a DR plan means the module's own region block, whatever the
    instance is called (`shop.primary`): the scopes are read under the plan's own prefix, and
    without a `scope` it covers its own file's data stores, not a neighbouring module's."""
    from pathlib import Path

    from archform.dsl.resolve import resolve
    from archform.stdlib import dr_sites
    example = Path(__file__).resolve().parents[2] / "examples" / "dr_warm_standby.arch"
    (tmp_path / "dr.arch").write_text(example.read_text())
    # beside it, another module's data lake in the same region, which the DR plan does not cover
    pipeline = example.parent / "stream_pipeline.arch"
    (tmp_path / "pipeline.arch").write_text(pipeline.read_text())
    (tmp_path / "main.arch").write_text('use "./dr.arch" as dr\nuse "./pipeline.arch" as pipeline\n'
                                        'dr shop {}\npipeline lake {}\n')
    desired, diags = resolve(tmp_path / "main.arch")
    assert not [d for d in diags if d.is_error], [d.summary for d in diags if d.is_error]
    assert "shop.shop_dr" in desired.resources
    placed = [(a, r.region) for a, r in desired.resources.items()]
    assert dr_sites.scopes_of(placed, dr_sites.prefix_of("shop.shop_dr")) == {"primary": "us-east-1",
                                                                               "standby": "eu-west-1"}
