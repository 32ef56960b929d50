"""What a plan's text lists, as a reviewer reads it: a created resource shows what its author
wrote (defaults and computed ids are counted on its closing line, `--verbose` lists them), a
destroyed one what is set, and the instances of one `for` planned alike are one entry with the
values that differ side by side."""

from pathlib import Path

import pytest

from archform.planner import render
from workbench import Workbench

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"

NETWORK = """
region "us-east-1" as primary {
  vpc main { cidr = "10.0.0.0/16" }
  subnet app for az in ["us-east-1a", "us-east-1b"] {
    vpc = main
    az = az
    cidr = az == "us-east-1a" ? "10.0.1.0/24" : "10.0.2.0/24"
    tags = { tier = "app" }
  }
  subnet odd {
    vpc = main
    az = "us-east-1c"
    cidr = "10.0.9.0/24"
  }
}
"""


@pytest.fixture
def bench(tmp_path):
    b = Workbench(tmp_path)
    yield b
    b.close()


def _entry(text: str, headline: str) -> list[str]:
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(f"  # {headline}"))
    end = next(i for i in range(start, len(lines)) if lines[i].startswith("    }"))
    return lines[start:end + 1]


def test_a_create_lists_what_the_author_wrote_and_counts_the_rest(bench):
    text = render.text(bench.plan(NETWORK)).splitlines()
    at = text.index("  # primary.main will be created")
    # a short listing is one line
    assert text[at + 1] == '  + vpc "primary.main" { cidr = "10.0.0.0/16" }  (4 known after apply, 6 at their defaults: --verbose)'
    assert text[at + 2] == ""
    verbose = _entry(render.text(bench.plan(NETWORK), verbose=True), "primary.main will be created")
    listed = [line.split("=")[0].strip(" +") for line in verbose[2:-1]]
    assert {"arn", "id", "enable_dns_support", "instance_tenancy", "secondary_cidrs"} <= set(listed)
    assert len(listed) == 1 + 4 + 6


def test_instances_of_one_for_planned_alike_are_one_entry_with_their_differences_side_by_side(bench):
    text = render.text(bench.plan(NETWORK))
    entry = _entry(text, "primary.app[*]")
    assert entry[0] == "  # primary.app[*] will be created (2: us-east-1a, us-east-1b)"
    assert '      + az   = "us-east-1a" | "us-east-1b"' in entry
    assert '      + cidr = "10.0.1.0/24" | "10.0.2.0/24"' in entry
    assert '      + tags = { tier = "app" }' in entry  # the same for both: written once
    assert "primary.app[us-east-1a]" not in text
    # the summary line still counts resources, and the one-off subnet keeps its own entry
    assert "Plan: 4 to add" in text and "  # primary.odd will be created" in text
    # --verbose lists each instance on its own
    verbose = render.text(bench.plan(NETWORK), verbose=True)
    assert "  # primary.app[us-east-1a] will be created" in verbose and "[*]" not in verbose


def test_instances_that_list_different_attributes_stay_apart(bench):
    text = NETWORK.replace('tags = { tier = "app" }', 'tags = az == "us-east-1a" ? { tier = "app" } : {}')
    shown = render.text(bench.plan(text))
    assert "  # primary.app[us-east-1a] will be created" in shown
    assert "  # primary.app[us-east-1b] will be created" in shown


def test_a_destroy_lists_what_is_set(bench):
    bench.apply(NETWORK)
    text = render.text(bench.plan(NETWORK, destroy=True))
    vpc = _entry(text, "primary.main will be destroyed")
    assert '      - cidr                 = "10.0.0.0/16"' in vpc
    assert not any("secondary_cidrs" in line or "null" in line for line in vpc)
    assert vpc[-1].startswith("    }  (") and "unset: --verbose)" in vpc[-1]


def test_the_examples_plans_are_a_fraction_of_the_full_listing(bench):
    """The numbers behind the closing note: lines of the default text against --verbose."""
    for name in ("ha_web", "dr_warm_standby"):
        plan = bench.plan((EXAMPLES / f"{name}.arch").read_text())
        short, full = (len(render.text(plan, verbose=v).splitlines()) for v in (False, True))
        print(f"{name}: {len(plan.changes)} resources, {short} lines ({full} with --verbose)")
        assert short < full * 0.6


QUEUES = """
region "us-east-1" as primary {
  sqs_queue jobs for name in ["a", "b", "c", "d"] {
    encryption = "none"
  }
  sqs_queue other {
    encryption = "none"
  }
}
"""


def test_warnings_follow_the_plan_counted_in_its_summary_and_a_for_repeats_once(tmp_path):
    from click.testing import CliRunner

    from archform.planner.cli import main
    (tmp_path / "main.arch").write_text(QUEUES)
    result = CliRunner().invoke(main, ["plan", str(tmp_path / "main.arch"), "--state", str(tmp_path / "s.db"),
                                       "--cloud", str(tmp_path / "c.db")])
    assert result.exit_code == 0, result.output
    assert result.stdout.rstrip().endswith("Plan: 5 to add, 0 to change, 0 to replace, 0 to destroy. "
                                           "5 warnings, below.")
    warnings = [line for line in result.stderr.splitlines() if line.startswith("warning:")]
    assert warnings == ["warning: primary.jobs[a]: this queue is not encrypted at rest",
                        "warning: primary.other: this queue is not encrypted at rest"]
    assert "  = the same for 3 more: primary.jobs[b], primary.jobs[c], primary.jobs[d]" in result.stderr


def test_a_plan_of_a_hundred_resources_reads_in_under_seven_hundred_lines(tmp_path):
    """Issue 19's measure: four examples used as modules (a warm-standby DR pair, a hybrid hub,
    an Elastic IP fleet and an MQ broker) make one plan of over a hundred resources; its default
    text lists what the authors wrote, blocks included, in under 700 lines."""
    from click.testing import CliRunner

    from archform.planner.cli import main
    parts = {"dr": "dr_warm_standby", "hybrid": "hybrid_network", "eip": "ha_ec2_eip", "mq": "mq_broker"}
    for name in parts.values():
        (tmp_path / f"{name}.arch").write_text((EXAMPLES / f"{name}.arch").read_text())
    (tmp_path / "all.arch").write_text("".join(f'use "./{f}.arch" as {a}\n' for a, f in parts.items()) +
                                       "dr shop {}\nhybrid hub {}\neip edge {}\nmq more {}\n")
    r = CliRunner().invoke(main, ["plan", str(tmp_path / "all.arch"), "--state", str(tmp_path / "s.db")])
    assert r.exit_code == 0, r.output
    lines = r.output.splitlines()
    added = int(lines[-1].split("Plan: ")[1].split(" to add")[0])
    print(f"{added} resources: {len(lines)} lines")
    assert added > 100 and len(lines) < 700
    assert "      + launch" in r.output and "hibernation" not in r.output  # a block lists what was written


def test_outputs_are_planned_as_values_and_what_the_apply_makes_is_known_after_apply(bench):
    """An output of a resource's id is not known until the apply: the text says so as it does
    for a resource's attribute, and the JSON marks it after_unknown (it gave an internal
    `{"$ref": ...}` as its value, before and after). Once applied the JSON gives the values; an
    output whose resource is replaced changes, to a value known after apply."""
    src = NETWORK + 'output vpc_id = primary.main.id\noutput cidr = primary.main.cidr\n'
    plan = bench.plan(src)
    text = render.text(plan).splitlines()
    assert "  + vpc_id = primary.main.id (known after apply)" in text
    assert '  + cidr = "10.0.0.0/16"' in text
    outputs = render.to_json(plan)["output_changes"]
    assert outputs["vpc_id"] == {"actions": ["create"], "before": None, "after": None, "after_unknown": True}
    assert outputs["cidr"] == {"actions": ["create"], "before": None, "after": "10.0.0.0/16",
                               "after_unknown": False}
    bench.apply(src)
    again = render.to_json(bench.plan(src))["output_changes"]
    vpc_id = again["vpc_id"]["before"]
    assert vpc_id.startswith("vpc-")
    assert again["vpc_id"] == {"actions": ["no-op"], "before": vpc_id, "after": vpc_id, "after_unknown": False}
    # a new CIDR replaces the VPC: both outputs change, the id to what the apply makes
    moved = src.replace('cidr = "10.0.0.0/16"', 'cidr = "10.1.0.0/16"').replace('"10.0.', '"10.1.')
    plan = bench.plan(moved)
    outputs = render.to_json(plan)["output_changes"]
    assert outputs["vpc_id"] == {"actions": ["update"], "before": vpc_id, "after": None, "after_unknown": True}
    text = render.text(plan).splitlines()
    assert f'  ~ vpc_id = "{vpc_id}" → primary.main.id (known after apply)' in text
    # the same value written another way is said to be the same
    literal = src.replace("output vpc_id = primary.main.id", f'output vpc_id = "{vpc_id}"')
    text = render.text(bench.plan(literal)).splitlines()
    assert f'  ~ vpc_id = "{vpc_id}" (the same value, from a new expression)' in text
