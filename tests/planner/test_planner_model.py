"""A short run of the model-based test of the whole planner (tests/support/planner_model.py):
a few random series of edits, applies (failing, killed), drift, refresh, import, state edits
and destroy, with the state and the modeled cloud compared after every step. The long run is
`python tests/support/planner_model.py --steps 10000`."""

from hypothesis import HealthCheck, Phase, settings

from planner_model import PlannerModel

TestPlannerModel = PlannerModel.TestCase
TestPlannerModel.settings = settings(max_examples=6, stateful_step_count=40, deadline=None, derandomize=True,
                                     database=None, suppress_health_check=list(HealthCheck),
                                     phases=[Phase.explicit, Phase.generate])  # no shrinking: bounded time
