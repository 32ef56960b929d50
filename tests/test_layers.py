"""Imports follow the layers: the command line (`planner/cli/`) is the top, which nothing else
imports; click is used there and nowhere else in the planner; the diagram package draws what
it is given (it knows no command, and opens no state or modeled cloud).

Each rule of RULES names the modules it covers (a package and everything under it, minus
what it exempts) and the imports they may not make (a module and everything under it). Every
import counts, at the top of a file or inside a function, absolute or relative. A new rule is
one more row.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FOLDERS = {"archform.dsl": "dsl", "archform.planner": "planner", "archform.providers": "providers",
           "archform.stdlib": "stdlib"}


@dataclass(frozen=True)
class Rule:
    covers: str                     # modules under this package…
    forbidden: tuple[str, ...]      # …import none of these (nor anything under them)
    why: str
    exempt: tuple[str, ...] = ()    # …except the modules under these

    def applies_to(self, module: str) -> bool:
        return _under(module, self.covers) and not any(_under(module, e) for e in self.exempt)

    def forbids(self, imported: str) -> bool:
        return any(_under(imported, f) for f in self.forbidden)


RULES = [
    Rule("archform", ("archform.planner.cli",), exempt=("archform.planner.cli",),
         why="the command line is the top layer: nothing outside planner/cli/ imports it"),
    Rule("archform.planner", ("click",), exempt=("archform.planner.cli",),
         why="click code lives in planner/cli/"),
    Rule("archform.planner.diagram", ("archform.planner.cli", "click"),
         why="the diagram package draws a Desired graph, a Plan and a chaos report; the command reads and writes"),
    Rule("archform.planner.diagram", ("archform.planner.session", "archform.planner.state", "archform.planner.apply",
                                      "archform.planner.rehearsal", "archform.providers.simulated.store",
                                      "archform.providers.simulated.console", "tempfile"),
         why="the diagram package is given what it draws: it opens no state, no modeled cloud, no temporary folder"),
]


def _under(name: str, package: str) -> bool:
    return name == package or name.startswith(package + ".")


def source_modules() -> dict[str, Path]:
    """Every module of the four code folders, by its dotted name."""
    found = {}
    for package, folder in FOLDERS.items():
        for path in sorted((ROOT / folder).rglob("*.py")):
            parts = path.relative_to(ROOT / folder).with_suffix("").parts
            if parts[-1] == "__init__":
                parts = parts[:-1]
            found[".".join((package, *parts))] = path
    return found


def imports_of(module: str, source: str, is_package: bool = False) -> list[tuple[int, str]]:
    """(line, module imported) for every import in `source`, relative ones made absolute.
    `from a import b` counts as importing `a` and `a.b` (b may be a module)."""
    package = module if is_package else module.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - (node.level - 1)]
                name = ".".join(base + ([node.module] if node.module else []))
            else:
                name = node.module or ""
            found.append((node.lineno, name))
            found += [(node.lineno, f"{name}.{alias.name}") for alias in node.names if alias.name != "*"]
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
              and node.func.attr == "import_module" and node.args and isinstance(node.args[0], ast.Constant)
              and isinstance(node.args[0].value, str)):
            found.append((node.lineno, node.args[0].value))  # importlib.import_module("a.b")
    return found


def violations(rule: Rule, modules: dict[str, tuple[str, str, bool]]) -> list[str]:
    """`modules`: name → (where, source, is_package). One line per import the rule forbids."""
    out = []
    for name, (where, source, is_package) in sorted(modules.items()):
        if not rule.applies_to(name):
            continue
        seen = set()
        for line, imported in imports_of(name, source, is_package):
            if rule.forbids(imported) and line not in seen:
                seen.add(line)
                out.append(f"{where}:{line}: {name} imports {imported}")
    return out


# The layers, bottom to top: a module imports only from its own layer and the layers below.
# Each layer is a list of packages (a package and everything under it); a module belongs to the
# layer of the longest package that holds it.
LAYERS: list[tuple[str, tuple[str, ...]]] = [
    ("values and diagnostics", ("archform.dsl.values", "archform.dsl.diagnostics", "archform.dsl.suggest",
                                "archform.dsl.record", "archform.dsl.__init__")),
    ("catalogue", ("archform.stdlib",)),
    ("parse, resolve, check", ("archform.dsl",)),
    ("plan and state", ("archform.planner", "archform.providers.base")),
    ("providers and views", ("archform.providers", "archform.planner.diagram", "archform.planner.session",
                             "archform.planner.rehearsal", "archform.planner.pytest_plugin")),
    ("command line", ("archform.planner.cli",)),
]


def layer_of(module: str) -> int | None:
    if module in ("archform.dsl", "archform.stdlib", "archform.planner", "archform.providers"):
        return 0 if module == "archform.dsl" else None  # an empty package marker (dsl's holds nothing)
    best, level = "", None
    for i, (_, packages) in enumerate(LAYERS):
        for package in packages:
            if _under(module, package) and len(package) > len(best):
                best, level = package, i
    return level


def layer_violations(modules: dict[str, tuple[str, str, bool]]) -> list[str]:
    known = set(modules)
    out = []
    for name, (where, source, is_package) in sorted(modules.items()):
        mine = layer_of(name)
        if mine is None:
            continue
        seen = set()
        for line, imported in imports_of(name, source, is_package):
            target = max((m for m in known if _under(imported, m)), key=len, default=None)
            theirs = layer_of(target) if target else None
            if theirs is not None and theirs > mine and (line, target) not in seen:
                seen.add((line, target))
                out.append(f"{where}:{line}: {name} ({LAYERS[mine][0]}) imports {target} ({LAYERS[theirs][0]})")
    return out


def test_imports_go_down_the_layers():
    found = layer_violations(_read_all())
    assert not found, ("a module imports only from its own layer and those below (" +
                       " → ".join(name for name, _ in LAYERS) + "):\n  " + "\n  ".join(found))


def test_every_module_has_a_layer():
    assert [m for m in source_modules() if layer_of(m) is None and m not in (
        "archform.stdlib", "archform.planner", "archform.providers")] == []


def test_a_layer_violation_is_named_with_both_layers():
    planted = {
        "archform.stdlib.types": ("stdlib/types.py", "from archform.dsl import values as v\n"
                                  "from archform.dsl.resolve import resolve\n", False),
        "archform.dsl.resolve": ("dsl/resolve.py", "from archform.stdlib import catalogue\n", False),
        "archform.dsl.values": ("dsl/values.py", "", False),
        "archform.stdlib": ("stdlib/__init__.py", "", True),
    }
    assert layer_violations(planted) == [
        "stdlib/types.py:2: archform.stdlib.types (catalogue) imports archform.dsl.resolve (parse, resolve, check)"]


def _read_all() -> dict[str, tuple[str, str, bool]]:
    return {name: (str(path.relative_to(ROOT)), path.read_text(encoding="utf-8"), path.name == "__init__.py")
            for name, path in source_modules().items()}


@pytest.mark.parametrize("rule", RULES, ids=lambda r: f"{r.covers}-not-{'+'.join(r.forbidden)}")
def test_imports_follow_the_layers(rule):
    found = violations(rule, _read_all())
    assert not found, f"{rule.why}:\n  " + "\n  ".join(found)


def test_the_rules_cover_real_modules():
    modules = source_modules()
    assert "archform.planner.cli" in modules and "archform.planner.diagram" in modules
    for rule in RULES:
        assert any(rule.applies_to(m) for m in modules), rule


def test_a_forbidden_import_is_named_with_its_place():
    planted = {
        "archform.planner.diagram.x": ("planner/diagram/x.py", "def f():\n    from ..cli.common import note\n", False),
        "archform.planner.y": ("planner/y.py", "import click\nfrom . import cli\n", False),
        "archform.dsl.z": ("dsl/z.py", "import importlib\nimportlib.import_module('archform.planner.cli')\n", False),
        "archform.planner.cli.ok": ("planner/cli/ok.py", "import click\nfrom . import common\n", False),
        "archform.planner.fine": ("planner/fine.py", "from . import clock\nfrom .cli_like import x\n", False),
    }
    assert violations(RULES[0], planted) == [
        "dsl/z.py:2: archform.dsl.z imports archform.planner.cli",
        "planner/diagram/x.py:2: archform.planner.diagram.x imports archform.planner.cli.common",
        "planner/y.py:2: archform.planner.y imports archform.planner.cli",
    ]
    assert violations(RULES[1], planted) == ["planner/y.py:1: archform.planner.y imports click"]
    assert violations(RULES[2], planted) == [
        "planner/diagram/x.py:2: archform.planner.diagram.x imports archform.planner.cli.common"]
