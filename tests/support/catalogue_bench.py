"""Small builders for catalogue tests: language values and validated models by hand."""

from __future__ import annotations

from fractions import Fraction

from archform.dsl import values as v
from archform.stdlib import catalogue
from archform.stdlib.schema import View

REGION = "us-east-1"


def ref(address: str, kind: str) -> v.ResourceRef:
    return v.ResourceRef(address, kind)


def w(text: str) -> v.Word:
    return v.Word(text)


def secs(n) -> v.Duration:
    return v.Duration(Fraction(n))


def build(kind: str, attrs: dict, region: str | None = REGION):
    """The kind's model validated as the resolver would (with the region as context)."""
    return catalogue.get(kind).model_validate(attrs, context={"region": region})


def view(address: str, kind: str, attrs: dict, region: str | None = REGION) -> View:
    return View(address, kind, region, build(kind, attrs, region))
