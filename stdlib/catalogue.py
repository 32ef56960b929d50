"""The catalogue: every resource kind archform knows, by name.

Kinds are discovered from the modules of `stdlib/kinds/` (one per service family) in name
order, so adding a family is adding a file. `ResourceModel` is the discriminated union on
`kind` (pydantic), for reading any resource back from its JSON form.
"""

from __future__ import annotations

import importlib
import pkgutil
from functools import lru_cache
from typing import Annotated, Union

from pydantic import Field, TypeAdapter

from archform.stdlib import kinds as _kinds_pkg
from archform.stdlib.schema import Kind


@lru_cache(maxsize=1)
def kinds() -> dict[str, type[Kind]]:
    found: dict[str, type[Kind]] = {}
    for info in sorted(pkgutil.iter_modules(_kinds_pkg.__path__), key=lambda i: i.name):
        module = importlib.import_module(f"{_kinds_pkg.__name__}.{info.name}")
        for obj in vars(module).values():
            if (isinstance(obj, type) and issubclass(obj, Kind) and obj is not Kind
                    and "kind" in obj.model_fields and obj.__module__ == module.__name__):
                name = obj.kind_name()
                if name in found and found[name] is not obj:
                    raise RuntimeError(f"kind '{name}' defined twice: {found[name]} and {obj}")
                found[name] = obj
    return dict(sorted(found.items()))


def get(kind: str) -> type[Kind] | None:
    return kinds().get(kind)


@lru_cache(maxsize=1)
def adapter() -> TypeAdapter:
    """Validates any resource's attributes (with `kind`) into its model."""
    models = tuple(kinds().values())
    union = Annotated[Union[models], Field(discriminator="kind")]  # type: ignore[valid-type]
    return TypeAdapter(union)
