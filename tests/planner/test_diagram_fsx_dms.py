"""Diagrams of FSx and DMS: a single-AZ file system drawn inside its AZ, a Multi-AZ one across
its two AZs, each with what matters to its availability (type, Multi-AZ or one AZ or scratch,
capacity and backups); a DMS task drawn as replication from its source database to its
target's, each endpoint to its database."""

from __future__ import annotations

import re
from pathlib import Path

from archform.dsl.resolve import resolve_text
from archform.planner.diagram import build_scene, items_of
from archform.planner.diagram.dot import to_dot

CASES = Path(__file__).resolve().parents[1] / "providers" / "chaos_cases"


def _scene(name: str, *changes: tuple[str, str]):
    text = (CASES / name).read_text()
    for change in changes:
        text = text.replace(*change)
    desired, diags = resolve_text(text, "main.arch")
    assert desired is not None and not [d for d in diags if d.is_error], [d.summary for d in diags]
    return build_scene(items_of(desired))


def _frame_of(dot: str, node: str) -> str:
    """The innermost cluster a node is declared in."""
    stack: list[str] = []
    for line in dot.splitlines():
        opened = re.match(r'\s*subgraph "([^"]+)"', line)
        if opened:
            stack.append(opened.group(1))
        elif line.strip() == "}" and stack:
            stack.pop()
        elif line.strip().startswith(f'"{node}" ['):
            return stack[-1] if stack else ""
    raise AssertionError(node)


def test_file_systems_sit_in_their_azs_with_their_availability():
    dot = to_dot(_scene("fsx_failures.arch"))
    assert _frame_of(dot, "primary.hpc") == "cluster_subnet_primary.data[a]"
    assert _frame_of(dot, "primary.shares") == "cluster_vpc_primary.main"
    for line in ("Windows File Server · Multi-AZ", "Lustre · one AZ", "Lustre · scratch", "OpenZFS · one AZ",
                 "2400GiB SSD · backups 1w", "in data (2 AZs)"):
        assert line in dot, line


def test_a_dms_task_is_replication_between_its_databases():
    dot = to_dot(_scene("dms_tasks.arch"))
    assert '"primary.to_orders" -> "primary.orders"' in dot and 'xlabel="target"' in dot
    assert 'xlabel="DMS' not in dot  # the source is a server elsewhere: nothing to draw it from
    on_aws = ('    server_name = "db.corp.example.com"\n    port        = 3306\n', "    database    = legacy\n")
    legacy = ("  dms_replication_instance single {", 'rds legacy {\n    engine = mysql, instance_class = db.m5.large\n'
              '    subnets = [data["a"], data["b"]], master_password = db_password\n  }\n\n'
              "  dms_replication_instance single {")
    dot = to_dot(_scene("dms_tasks.arch", on_aws, legacy))
    assert re.search(r'"primary.legacy" -> "primary.orders" \[[^]]*style="dashed"[^]]*xlabel="[^"]*DMS full load and cdc',
                     dot)
    assert "dms.t3.medium · 50 GB" in dot and "Multi-AZ" in dot and "full load and cdc" in dot
