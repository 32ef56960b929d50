"""Small immutable records: the syntax tree's nodes and the language's values.

`@record` turns a class with annotated fields (and optional defaults) into a slotted class
with an __init__, compared, hashed and printed by its fields: what
`@dataclass(frozen=True, slots=True)` gave, built cheaper. Every command imports these
classes and the parse cache loads whole files of them: the dataclass way cost 14 ms at
import and an `object.__setattr__` call per field per object on load. Records are not
frozen by force; nothing assigns to one after it is built (the code was written against
frozen dataclasses, where it could not).
"""

from __future__ import annotations

from typing import dataclass_transform


class Record:
    __slots__ = ()
    __match_args__: tuple[str, ...] = ()

    def __reduce__(self):  # pickles as a constructor call: fast to load
        return (self.__class__, tuple(getattr(self, n) for n in self.__match_args__))

    def __eq__(self, other):
        if other.__class__ is not self.__class__:
            return NotImplemented
        return all(getattr(self, n) == getattr(other, n) for n in self.__match_args__)

    def __hash__(self):
        return hash(tuple(getattr(self, n) for n in self.__match_args__))

    def __repr__(self):
        fields = ", ".join(f"{n}={getattr(self, n)!r}" for n in self.__match_args__)
        return f"{self.__class__.__qualname__}({fields})"


@dataclass_transform()  # type checkers read a record's fields as a dataclass's
def record(cls):
    """Make `cls` a slotted Record whose fields are its annotations, in order."""
    names = tuple(cls.__dict__.get("__annotations__", {}))
    defaults = {n: cls.__dict__[n] for n in names if n in cls.__dict__}
    namespace = {k: v for k, v in cls.__dict__.items() if k not in names and k not in ("__dict__", "__weakref__")}
    params = ", ".join(f"{n}=_defaults[{n!r}]" if n in defaults else n for n in names)
    body = "".join(f"\n    self.{n} = {n}" for n in names) or "\n    pass"
    scope = {"_defaults": defaults}
    exec(f"def __init__(self, {params}):{body}", scope)
    scope["__init__"].__qualname__ = f"{cls.__qualname__}.__init__"
    namespace.update(__slots__=names, __match_args__=names, __init__=scope["__init__"])
    bases = cls.__bases__ if issubclass(cls, Record) else (Record,) + tuple(b for b in cls.__bases__ if b is not object)
    return type(cls.__name__, bases, namespace)
