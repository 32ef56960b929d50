"""The symbol table a resolution leaves behind (dsl/symbols.py) and `archform symbols`: every
declared name with where it is declared and every place that uses it, as an editor needs."""

import glob
import json
import textwrap
from pathlib import Path

from click.testing import CliRunner

from archform.dsl.resolve import resolve_symbols
from archform.planner.cli import main

ROOT = Path(__file__).resolve().parents[2]

MODULE = """\
param cidr: string
param zones: list(string) = ["a", "b"]
let halves = [for z in zones : cidrsubnet(cidr, 1, index(zones, z))]
vpc v { cidr = cidr }
output vpc_id = v.id
output halves = halves
"""

MAIN = """\
use "./net.arch" as net
param env: string = "dev"
let unused_let = 3
let tags = { env = env }
region "us-east-1" as primary {
  net core { cidr = "10.0.0.0/16" }
  let ids = [for k, val in tags : "${k}-${val}"]
  security_group sg for name in ["a", "b"] {
    vpc = core.vpc_id
    description = "${name} ${env}"
  }
}
output first = primary.ids
"""


def table(tmp_path, main=MAIN, module=MODULE):
    (tmp_path / "net.arch").write_text(module)
    (tmp_path / "main.arch").write_text(main)
    return resolve_symbols(tmp_path / "main.arch")


def where(span):
    return (Path(span.file).name, span.start_line, span.start_col)


def by_name(t, name, kind=None):
    found = [s for s in t.symbols() if s.name == name and (kind is None or s.kind.value == kind)]
    assert len(found) == 1, found
    return found[0]


def test_every_kind_of_name_is_declared_where_it_is_written(tmp_path):
    t, diags = table(tmp_path)
    assert not [d for d in diags if d.is_error]
    kinds = {(s.name, s.kind.value): where(s.span) for s in t.symbols()}
    assert kinds[("net", "module")] == ("main.arch", 1, 21)
    assert kinds[("env", "param")] == ("main.arch", 2, 7)
    assert kinds[("tags", "let")] == ("main.arch", 4, 5)
    assert kinds[("primary", "region")] == ("main.arch", 5, 23)
    assert kinds[("core", "module instance")] == ("main.arch", 6, 7)
    assert kinds[("sg", "resource")] == ("main.arch", 8, 18)
    assert kinds[("name", "loop variable")] == ("main.arch", 8, 25)
    assert kinds[("k", "loop variable")] == ("main.arch", 7, 18)
    assert kinds[("cidr", "param")] == ("net.arch", 1, 7)
    assert kinds[("vpc_id", "output")] == ("net.arch", 5, 8)
    assert kinds[("z", "loop variable")] == ("net.arch", 3, 19)


def test_references_are_every_use_once(tmp_path):
    t, _ = table(tmp_path)
    # `env` read in a let and in a block expanded twice: the block's use is one reference
    assert [where(r) for r in t.references(by_name(t, "env"))] == [("main.arch", 4, 20), ("main.arch", 10, 30)]
    # a module's output, read through the instance; the instance itself; the `use` alias as block type
    assert [where(r) for r in t.references(by_name(t, "vpc_id"))] == [("main.arch", 9, 16)]
    assert [where(r) for r in t.references(by_name(t, "core"))] == [("main.arch", 9, 11)]
    assert [where(r) for r in t.references(by_name(t, "net"))] == [("main.arch", 6, 3)]
    # a module param set by the caller, and read inside the module
    assert [where(r) for r in t.references(by_name(t, "cidr", "param"))] == [
        ("main.arch", 6, 14), ("net.arch", 3, 43), ("net.arch", 4, 16)]
    # a region alias, then a name inside it
    assert [where(r) for r in t.references(by_name(t, "primary"))] == [("main.arch", 13, 16)]
    assert [where(r) for r in t.references(by_name(t, "ids"))] == [("main.arch", 13, 24)]


def test_unused_names(tmp_path):
    """`halves` is only read by a module output nobody reads: never evaluated, still used."""
    t, _ = table(tmp_path)
    assert [s.name for s in t.unused()] == ["unused_let"]
    assert [where(r) for r in t.references(by_name(t, "halves", "let"))] == [("net.arch", 6, 17)]
    for s in t.symbols():
        for span in [s.span] + t.references(s):
            assert span.source.text[span.start_pos:span.end_pos] == s.name


def test_a_configuration_with_errors_still_has_its_names(tmp_path):
    broken = MAIN.replace('description = "${name} ${env}"', 'description = "${name} ${env}"\n    colour = 3')
    t, diags = table(tmp_path, main=broken)
    assert any(d.is_error for d in diags)
    assert [where(r) for r in t.references(by_name(t, "tags"))] == [("main.arch", 7, 28)]


def test_every_example_name_is_written_where_the_table_says():
    """An invariant over every example and the library modules they use: the text at each
    declaration and each reference is the name itself (what a rename would replace)."""
    checked = 0
    for f in sorted(glob.glob(str(ROOT / "examples" / "*.arch"))):
        t, _ = resolve_symbols(f)
        for s in t.symbols():
            for span in [s.span] + t.references(s):
                assert span.source.text[span.start_pos:span.end_pos] == s.name, (f, s, where(span))
                checked += 1
    assert checked > 1000


def test_symbols_command(tmp_path):
    table(tmp_path)
    runner = CliRunner()
    main_arch = str(tmp_path / "main.arch")
    r = runner.invoke(main, ["symbols", main_arch])
    assert r.exit_code == 0, r.output
    assert "let              tags" in r.output and r.output.rstrip().endswith("names")
    r = runner.invoke(main, ["symbols", main_arch, "--at", f"{main_arch}:10:30"])
    assert r.exit_code == 0, r.output
    first, uses = r.output.splitlines()[:2]
    assert first.startswith("param env: declared at ") and first.endswith("main.arch:2:7") and uses == "2 uses:"
    r = runner.invoke(main, ["symbols", main_arch, "--at", f"{main_arch}:3:1", "--format", "json"])
    assert r.exit_code == 1 and "no declared name" in r.output
    r = runner.invoke(main, ["symbols", main_arch, "--unused", "--format", "json"])
    assert [e["name"] for e in json.loads(r.output)] == ["unused_let"]
    r = runner.invoke(main, ["symbols", main_arch, "--at", "nonsense"])
    assert r.exit_code == 2 and "FILE:LINE:COL" in r.output
