"""App Runner's figures, apart from the kind so the modeled cloud reads them without the typed
catalogue (pydantic): a refresh loads no kind."""

from __future__ import annotations

import re

# App Runner's instance configurations (vCPU → memory in GB)
INSTANCE_PAIRS: dict[str, tuple[float, ...]] = {"0.25": (0.5, 1.0), "0.5": (1.0,), "1": (2.0, 3.0, 4.0),
                                                "2": (4.0, 6.0), "4": (8.0, 10.0, 12.0)}
_PRIVATE_ECR = re.compile(r"^\d{12}\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com/")
