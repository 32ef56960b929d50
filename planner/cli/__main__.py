"""`python -m archform.planner.cli`: the `archform` executable."""

from . import run

run()
