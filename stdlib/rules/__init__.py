"""Rules across many resources, run after every resource has been checked on its own.

Each rule is one module of this package exporting one function of the same name,
`rule(graph) -> Iterable[Issue]`, whose issues carry the `address` they are about. Rules are
discovered in module-name order and are pure functions of the resolved graph.
"""

from __future__ import annotations

import importlib
import pkgutil
from functools import lru_cache


@lru_cache(maxsize=1)
def rules() -> tuple:
    found = []
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name):
        module = importlib.import_module(f"{__name__}.{info.name}")
        found.append(getattr(module, info.name))
    return tuple(found)
