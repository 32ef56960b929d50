"""CloudFormation from the same source: templates an AWS engineer would accept in review.

`generate(path, params, Options(...))` resolves an architecture and returns its templates (one
stack per region, global stacks where AWS requires them, nested stacks beyond 500 resources),
a manifest with the deploy order and the parameters that carry values between regions, and
diagnostics. The passes are in `pipeline.py`; each kind's CloudFormation is in `mapping/`.
"""

from .pipeline import Options, Result, from_desired, generate

__all__ = ["generate", "from_desired", "Options", "Result"]
