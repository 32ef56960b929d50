"""CloudFormation's byte limits (issue 14, item 5): no template archform writes passes the
1,000,000 bytes CloudFormation reads from S3 — a stack that would is split into nested stacks by
bytes as well as by resources — and the manifest gives every template's size and says which
must be uploaded to S3 (over the 51,200 bytes a request holds, and every nested template)."""

from __future__ import annotations

import json
import random
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from archform.providers.cloudformation import Options, generate, sizes
from archform.providers.cloudformation.split import chunks
from archform.providers.cloudformation.write import write

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(Path(__file__).parent))
from test_cloudformation import KEPT_WARNINGS, lint  # noqa: E402 (the cfn-lint run and its exceptions)


def servers(count: int, user_data_bytes: int) -> str:
    """`count` instances, each with `user_data_bytes` of user data (under the 16 KB EC2 takes)."""
    rng = random.Random(count)
    lines = ['region "us-east-1" as east {', "  vpc main {", "    cidr = 10.0.0.0/16", "  }",
             "  subnet app {", "    vpc  = main", "    cidr = 10.0.1.0/24", '    az   = "a"', "  }",
             "  security_group web {", "    vpc         = main", '    description = "web"', "  }"]
    for i in range(count):
        body = "".join(rng.choice("abcdefghij ") for _ in range(user_data_bytes))
        lines += [f"  instance server{i:03d} {{", '    ami             = "ami-0abcdef1234567890"',
                  "    instance_type   = t3.micro", "    subnet          = app", "    security_groups = [web]",
                  f'    user_data       = "#!/bin/sh\\necho {body}\\n"', "  }"]
    return "\n".join(lines + ["}"]) + "\n"


def _measured(folder: Path, result) -> dict:
    """File → bytes, as written."""
    return {t.file: (folder / t.file).stat().st_size for t, _ in result.templates}


def _manifest_bytes(manifest: dict) -> dict:
    found = {}
    for stack in manifest["stacks"]:
        found[stack["template"]] = stack["bytes"]
        found.update(stack.get("nested_bytes", {}))
    return found


@pytest.mark.parametrize("fmt", ["yaml", "json"])
def test_a_stack_over_a_megabyte_is_split_by_bytes(tmp_path, fmt):
    """The issue's reproduction: 130 instances with 10 KB of user data made one 1.4 MB
    template (CloudFormation refuses it). Now: nested stacks, each under 1,000,000 bytes,
    valid for cfn-lint, with their sizes in the manifest."""
    source = tmp_path / "big.arch"
    source.write_text(servers(130, 10_000))
    result = generate(source, {}, Options(extension=fmt))
    assert result.ok, [d.summary for d in result.diagnostics if d.is_error]
    out = tmp_path / "out"
    write(result, out, fmt)
    measured = _measured(out, result)
    assert sum(measured.values()) > 1_300_000  # the content is all there
    assert max(measured.values()) <= sizes.S3_BYTES, measured
    parent, children = result.templates[0], result.templates[1:]
    assert len(children) >= 2
    assert {r["Type"] for r in parent[1]["Resources"].values()} == {"AWS::CloudFormation::Stack"}
    manifest = json.loads((out / "manifest.json").read_text())
    assert _manifest_bytes(manifest) == measured
    (stack,) = manifest["stacks"]
    assert stack["nested"] == [t.file for t, _ in children]
    assert stack["via"] == "inline"  # the parent is small; its children go through S3 (nested)
    # every instance is in exactly one child
    placed = [lid for _, body in children for lid in body["Resources"]]
    assert len(placed) == len(set(placed)) and sum(lid.startswith("EastServer") for lid in placed) == 130
    if fmt == "yaml":
        found = lint(out, result)
        assert [f for f in found if f[1][0] == "E"] == []
        assert {f[1] for f in found} <= KEPT_WARNINGS


def test_a_template_over_51200_bytes_is_marked_for_s3(tmp_path):
    """Too big for a request, small enough for S3: one template, and both the manifest and the
    command say it deploys from S3."""
    source = tmp_path / "mid.arch"
    source.write_text(servers(8, 10_000))
    out = tmp_path / "out"
    run = subprocess.run([sys.executable, "-m", "archform.planner.cli", "cfn", str(source), "-o", str(out)],
                         capture_output=True, text=True, cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    manifest = json.loads((out / "manifest.json").read_text())
    (stack,) = manifest["stacks"]
    size = (out / stack["template"]).stat().st_size
    assert sizes.INLINE_BYTES < size <= sizes.S3_BYTES
    assert stack["bytes"] == size and stack["via"] == "s3" and "nested" not in stack
    assert f"{size:,} bytes, over the 51,200 a request holds: deploy it from S3" in run.stderr


@pytest.mark.parametrize("path", sorted((ROOT / "examples").glob("*.arch")), ids=lambda p: p.stem)
def test_every_example_states_its_sizes(path, tmp_path):
    result = generate(path, {})
    assert result.ok
    write(result, tmp_path, "yaml")
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert _manifest_bytes(manifest) == _measured(tmp_path, result)
    for stack in manifest["stacks"]:
        assert stack["via"] == ("s3" if stack["bytes"] > sizes.INLINE_BYTES else "inline")


def test_any_architecture_splits_under_a_lower_limit(tmp_path, monkeypatch):
    """The split by bytes is general: with the limit lowered to 12,000 bytes, ha_web (23 KB in
    one template) becomes nested stacks that each keep under it, lint clean, each child reading
    only from earlier ones."""
    monkeypatch.setattr(sizes, "S3_BYTES", 12_000)
    result = generate(ROOT / "examples" / "ha_web.arch", {})
    assert result.ok, [d.summary for d in result.diagnostics if d.is_error]
    write(result, tmp_path, "yaml")
    measured = _measured(tmp_path, result)
    assert len(measured) >= 3 and max(measured.values()) <= 12_000, measured
    found = lint(tmp_path, result)
    assert [f for f in found if f[1][0] == "E"] == []
    order = [t.lid for t, _ in result.templates[1:]]
    for lid, resource in result.templates[0][1]["Resources"].items():
        for value in resource["Properties"].get("Parameters", {}).values():
            if "Fn::GetAtt" in value:
                assert order.index(value["Fn::GetAtt"][0]) < order.index(lid)


def test_a_resource_no_template_can_hold_is_an_error_naming_it(tmp_path, monkeypatch):
    monkeypatch.setattr(sizes, "S3_BYTES", 6_000)
    source = tmp_path / "one.arch"
    source.write_text(servers(3, 8_000))
    result = generate(source, {})
    assert not result.ok and result.templates == []
    messages = [d.summary for d in result.diagnostics if d.is_error]
    assert len(messages) == 3 and all("alone takes" in m and "bytes of template" in m for m in messages), messages
    assert "'east.server000'" in messages[0]


@dataclass(frozen=True)
class _Part:
    address: str
    size: int


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 3), st.integers(0, 400)), min_size=1, max_size=60),
       st.integers(1, 50), st.integers(300, 2000))
def test_chunks_keep_every_run_within_both_limits(resources, limit, budget):
    """Runs are consecutive, cut between resources, within `limit` parts and `budget` bytes —
    except a resource bigger than either alone, which is a run of its own."""
    ordered = [_Part(f"r{i}", size) for i, (n, size) in enumerate(resources) for _ in range(n)]
    runs = chunks(ordered, limit, lambda p: p.size, budget)
    assert [p for run in runs for p in run] == ordered
    for before, after in zip(runs, runs[1:]):
        assert before[-1].address != after[0].address  # a resource is never cut
    for run in runs:
        if len({p.address for p in run}) > 1:
            assert len(run) <= limit and sum(p.size for p in run) <= budget


# --- nested stacks keep their resources (issue 14, item 6) -------------------------------------

ADDITION = '''
  security_group aaa_extra {
    vpc         = net.vpc
    description = "an addition that sorts first"

    ingress {
      port = 22
      from = app_sg
    }
  }
'''


def _with_addition(tmp_path: Path) -> Path:
    text = (ROOT / "examples" / "ha_web.arch").read_text()
    marker = "  security_group alb_sg {"
    assert marker in text
    grown = tmp_path / "ha_web.arch"
    grown.write_text(text.replace(marker, ADDITION.strip("\n") + "\n\n" + marker, 1))
    return grown


def _children(result) -> dict:
    return {f"{p.key[0]}#{p.key[1]}": t.lid for t, _ in result.templates if t.parent is not None for p in t.parts}


def test_an_addition_moves_nothing_between_nested_stacks(tmp_path, monkeypatch):
    """A resource moved from one nested stack to another is deleted and made again. Given the
    previous manifest, every part stays in its child; the newcomer finds room after what it
    reads. Without it, the same addition shifts the cuts (what the manifest prevents)."""
    monkeypatch.chdir(ROOT)
    before = generate("examples/ha_web.arch", {}, Options(limit=12))
    assert before.ok and before.manifest["nested_parts"] == _children(before)
    grown = _with_addition(tmp_path)
    fresh = generate(grown, {}, Options(limit=12, name="ha-web"))
    assert fresh.ok
    shifted = {k for k, label in _children(before).items() if _children(fresh).get(k) != label}
    assert shifted, "the addition must shift a fresh layout, or this test shows nothing"
    kept = generate(grown, {}, Options(limit=12, name="ha-web", previous=before.manifest))
    assert kept.ok, [d.summary for d in kept.diagnostics if d.is_error]
    now = _children(kept)
    assert {k: now[k] for k in _children(before)} == _children(before)
    assert {k for k in now if k.startswith("primary.aaa_extra#")}
    assert not [d for d in kept.diagnostics if "move" in d.summary]
    for t, body in kept.templates[1:]:
        assert len(body["Resources"]) <= 12
    # children deploy in an order where each reads only from those before it
    order = [t.lid for t, _ in kept.templates[1:]]
    for lid, resource in kept.templates[0][1]["Resources"].items():
        for value in resource["Properties"].get("Parameters", {}).values():
            if "Fn::GetAtt" in value:
                assert order.index(value["Fn::GetAtt"][0]) < order.index(lid)
    out = tmp_path / "out"
    write(kept, out, "yaml")
    found = lint(out, kept)
    assert [f for f in found if f[1][0] == "E"] == []


def test_a_stack_growing_into_nested_stacks_warns_of_the_move(monkeypatch):
    monkeypatch.chdir(ROOT)
    single = generate("examples/ha_web.arch", {})
    assert single.ok and "nested_parts" not in single.manifest
    split = generate("examples/ha_web.arch", {}, Options(limit=12, previous=single.manifest))
    assert split.ok
    (moved,) = [d.summary for d in split.diagnostics if "now needs nested stacks" in d.summary]
    assert "move into them" in moved and "primary.alb_sg" in moved


def test_a_tampered_manifest_cannot_name_files(tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)
    before = generate("examples/ha_web.arch", {}, Options(limit=12))
    manifest = json.loads(json.dumps(before.manifest))
    manifest["nested_parts"] = {k: "../../etc/Part01" for k in manifest["nested_parts"]}
    result = generate("examples/ha_web.arch", {}, Options(limit=12, previous=manifest))
    assert result.ok
    assert all("/" not in t.file for t, _ in result.templates)
