"""IAM evaluation: may a role or user make an action on a resource, and which statement decided.

`can(graph, principal, action, target)` applies AWS's policy evaluation logic (`evaluate`) to
the policies the configuration holds (`sources`: identity policies, permissions boundaries,
bucket, queue, topic and key policies, SCPs), matching statements with IAM's wildcards,
NotAction/NotResource and the conditions the catalogue can decide (`statements`). Used by
`archform iam can` and by the check pack.
"""

from .evaluate import Decision, Step, can
from .sources import arn_of, principal_of
from .statements import CONDITION_KEYS, Target, Where

__all__ = ["CONDITION_KEYS", "Decision", "Step", "Target", "Where", "arn_of", "can", "principal_of"]
