"""Policy written in `.arch`: `check` blocks, `resources("kind")`, and a resource's lifecycle
`precondition` and `postcondition` blocks, as a user writing them sees them."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

from archform.dsl.conditions import failure
from archform.dsl.diagnostics import render_all
from archform.dsl.fmt import format_source
from archform.dsl.resolve import resolve, resolve_symbols, resolve_with_spans

BUCKETS = """
region "us-east-1" as primary {
  s3_bucket logs {
    bucket     = "acme-logs-1234"
    versioning = true
  }
  s3_bucket raw {
    bucket = "acme-raw-1234"
  }
}
"""

VERSIONED = """
check "buckets versioned" for b in resources("s3_bucket") {
  assert  = b.versioning
  message = "bucket ${b.bucket} keeps no versions"
}
"""


def run(tmp_path: Path, source: str):
    main = tmp_path / "main.arch"
    main.write_text(textwrap.dedent(source))
    return resolve(main)


def _line(source: str, needle: str) -> int:
    return next(i for i, t in enumerate(textwrap.dedent(source).splitlines(), 1) if needle in t)


def test_a_check_for_each_resource_fails_on_each_offender_at_its_block_with_its_message(tmp_path):
    source = BUCKETS + VERSIONED
    desired, diags = run(tmp_path, source)
    errors = [d for d in diags if d.is_error]
    assert len(errors) == 1, render_all(diags)
    d = errors[0]
    assert d.summary == 'primary.raw: check "buckets versioned" failed: bucket acme-raw-1234 keeps no versions'
    assert d.code == "ARCH-CHECK:buckets versioned"
    assert (d.span.start_line, d.span.start_col) == (_line(source, "s3_bucket raw"), 3)
    assert d.labels[0].span.text == "b.versioning"  # and where the check says so
    fixed = source.replace('bucket = "acme-raw-1234"', 'bucket = "acme-raw-1234"\n    versioning = true')
    _, diags = run(tmp_path, fixed)
    assert not [d for d in diags if d.is_error], render_all(diags)


def test_severity_low_is_a_warning_medium_and_high_are_errors(tmp_path):
    for severity, is_error in (("low", False), ("medium", True), ("high", True)):
        source = BUCKETS + VERSIONED.replace("  message", f"  severity = {severity}\n  message")
        _, diags = run(tmp_path, source)
        found = [d for d in diags if d.code.startswith("ARCH-CHECK:")]
        assert [d.is_error for d in found] == [is_error], render_all(diags)
        assert f"severity {severity}" in found[0].detail


def test_a_check_over_all_resources_at_once_points_at_its_name(tmp_path):
    source = BUCKETS + """
check "everything versioned" {
  assert  = alltrue([for b in resources("s3_bucket") : b.versioning])
  message = "${length([for b in resources("s3_bucket") : b if !b.versioning])} bucket(s) keep no versions"
}
check "few buckets" {
  assert  = length(resources("s3_bucket")) <= 2 && !anytrue([])
  message = "too many"
}
"""
    _, diags = run(tmp_path, source)
    [d] = [d for d in diags if d.is_error]
    assert d.summary == 'check "everything versioned" failed: 1 bucket(s) keep no versions'
    assert d.span.text == '"everything versioned"'


def test_if_filters_the_items_and_a_region_check_sees_its_region_only(tmp_path):
    source = BUCKETS + """
region "eu-west-1" as backup {
  s3_bucket copy {
    bucket = "acme-copy-1234"
  }
  check "only versioned buckets here" for b in resources("s3_bucket") {
    assert  = b.versioning
    message = "${b.bucket} keeps no versions"
  }
}
check "raw is versioned" for b in resources("s3_bucket") if b.bucket == "acme-logs-1234" {
  assert  = b.versioning
  message = "never shown: the filter keeps logs only"
}
"""
    _, diags = run(tmp_path, source)
    assert [d.summary for d in diags if d.is_error] == [
        'backup.copy: check "only versioned buckets here" failed: acme-copy-1234 keeps no versions']


def test_check_failures_carry_what_archform_check_reports(tmp_path):
    (tmp_path / "main.arch").write_text(BUCKETS + VERSIONED.replace("  message", "  severity = medium\n  message"))
    _, _, index = resolve_with_spans(tmp_path / "main.arch")
    [f] = index.check_failures
    assert (f.id, f.severity, f.address, f.message) == ("ARCH-CHECK:buckets versioned", "medium", "primary.raw",
                                                        "bucket acme-raw-1234 keeps no versions")
    assert f.check_at.endswith(f"main.arch:{_line(BUCKETS + VERSIONED, 'check')}:7")


def test_mistakes_in_checks_are_diagnostics_at_their_text(tmp_path):
    cases = {
        'assert = b.bucket': "a check's assert must be true or false, got string",
        'assert = b.versionin': "s3_bucket 'primary.logs' has no attribute 'versionin'",
        'assert = b.versioning == wanted': "'wanted' is not a name in scope",
        'assert = b.versioning\n  severity = urgent': "a check's severity is high, medium or low, got urgent",
        'assert = b.arn != null': "a check's assert is known only after apply",
    }
    for written, expected in cases.items():
        source = BUCKETS + VERSIONED.replace("assert  = b.versioning", written)
        _, diags = run(tmp_path, source)
        rendered = render_all(diags)
        assert expected in rendered, rendered
        d = next(d for d in diags if expected in d.summary)
        assert d.span is not None and d.span.file.endswith("main.arch")
    _, diags = run(tmp_path, BUCKETS + VERSIONED.replace('"s3_bucket"', '"s3_buckets"'))
    d = next(d for d in diags if d.is_error)
    assert (d.summary, d.help, d.span.text) == ("resources(): unknown kind 's3_buckets'", 'did you mean "s3_bucket"?',
                                                '"s3_buckets"')
    _, diags = run(tmp_path, BUCKETS + 'let all = resources("s3_bucket")\n')
    assert "resources() may be called in a `check` block or a lifecycle condition only" in render_all(diags)
    twice = 'check "x" {\n  assert = true\n}\ncheck "x" {\n  assert = true\n  message = ""\n}\n'
    _, diags = run(tmp_path, BUCKETS + twice)
    rendered = render_all(diags)
    assert "this check is missing 'message'" in rendered
    assert "check 'x' is declared twice in the same scope" in rendered


def test_a_precondition_is_decided_when_planning(tmp_path):
    source = """
let min_versions = true
region "us-east-1" as primary {
  s3_bucket raw {
    bucket = "acme-raw-1234"
    lifecycle {
      precondition {
        condition = self.versioning == min_versions
        message   = "${self.bucket} must keep versions"
      }
    }
  }
}
"""
    _, diags = run(tmp_path, source)
    [d] = [d for d in diags if d.is_error]
    assert d.summary == "primary.raw: precondition failed: acme-raw-1234 must keep versions"
    assert d.span.text == "self.versioning == min_versions"
    _, diags = run(tmp_path, source.replace("self.versioning == min_versions", "self.arn != null"))
    assert "a precondition is known only after apply" in render_all(diags)
    _, diags = run(tmp_path, source.replace("message  ", "error_message"))
    assert "Terraform's error_message is message here" in render_all(diags)


def test_a_postcondition_is_carried_to_the_apply_with_the_values_it_reads(tmp_path):
    source = """
let expected = "sse-s3"
region "us-east-1" as primary {
  s3_bucket raw {
    bucket = "acme-raw-1234"
    lifecycle {
      postcondition {
        condition = self.arn != null && self.encryption == expected
        message   = "${self.bucket} has no arn"
      }
    }
  }
}
"""
    desired, diags = run(tmp_path, source)
    assert not [d for d in diags if d.is_error], render_all(diags)
    [pc] = desired.resources["primary.raw"].lifecycle.postconditions
    assert pc.condition == "self.arn != null && self.encryption == expected"
    assert json.loads(pc.values) == {"expected": "sse-s3"}
    assert pc.where.endswith(f"main.arch:{_line(source, 'condition =')}:21")
    assert desired.resources["primary.raw"].json()["lifecycle"]["postconditions"][0]["message"] == \
        '"${self.bucket} has no arn"'
    applied = {"bucket": "acme-raw-1234", "encryption": "sse-s3", "arn": None}
    assert failure(pc, applied) == f"postcondition failed ({pc.where}): acme-raw-1234 has no arn"
    assert failure(pc, {**applied, "arn": "arn:aws:s3:::acme-raw-1234"}) is None
    # one that can be decided now is decided now
    _, diags = run(tmp_path, source.replace("self.arn != null && ", ""). replace('"sse-s3"', '"sse-kms"'))
    assert "primary.raw: postcondition fails already: acme-raw-1234 has no arn" in render_all(diags)
    # another resource is compared in a precondition
    _, diags = run(tmp_path, source.replace("&& self.encryption == expected", "&& primary.raw.bucket != \"\""))
    assert "'primary' is not one" in render_all(diags)
    # nor a secret: the plan and the state would hold it in clear
    secret = "sensitive param token: string = \"hunter2-hunter2\"\n" + source.replace("== expected", "!= token")
    _, diags = run(tmp_path, secret)
    assert "a postcondition cannot read the secret 'token'" in render_all(diags)
    assert "hunter2" not in render_all(diags)


def test_fmt_lays_out_the_new_blocks_and_symbols_see_their_names(tmp_path):
    messy = ('let wanted = true\nregion "us-east-1" as primary {\n  s3_bucket raw { bucket = "acme-raw-1234"\n'
             '  lifecycle { precondition { condition = self.versioning == wanted, message = "x" } } }\n}\n'
             'check "v"   for b in resources("s3_bucket") { assert = b.versioning == wanted\n message = "m" }\n')
    text, diags = format_source(messy, "main.arch")
    assert text == (
        'let wanted = true\n\nregion "us-east-1" as primary {\n  s3_bucket raw {\n    bucket = "acme-raw-1234"\n\n'
        '    lifecycle {\n      precondition {\n        condition = self.versioning == wanted\n'
        '        message   = "x"\n      }\n    }\n  }\n}\n\n'
        'check "v" for b in resources("s3_bucket") {\n  assert  = b.versioning == wanted\n  message = "m"\n}\n')
    assert format_source(text, "main.arch")[0] == text
    (tmp_path / "main.arch").write_text(text)
    table, _ = resolve_symbols(tmp_path / "main.arch")
    wanted = next(s for s in table.symbols() if s.name == "wanted")
    assert len(table.references(wanted)) == 2
    b = next(s for s in table.symbols() if s.name == "b")
    assert len(table.references(b)) == 1


def test_after_apply_a_postcondition_that_cannot_be_read_fails_with_why():
    from archform.dsl.desired import Postcondition
    where = "main.arch:3:17"
    assert failure(Postcondition("self.a.b == 1", '"m"', where), {"a": 3}) == \
        f"postcondition at {where} could not be evaluated: number has no attributes ('.b')"
    assert failure(Postcondition("self.a", '"m"', where), {"a": 4}) == \
        f"postcondition at {where} is not true or false after apply (number)"
    assert failure(Postcondition("self.missing == null", '"m"', where), {"a": 4}) is None  # not reported: null
    pc = Postcondition("length(self.tags) <= limit", '"${length(self.tags)} tags, over ${limit}"', where, '{"limit": 1}')
    assert failure(pc, {"tags": {"a": "1", "b": "2"}}) == f"postcondition failed ({where}): 2 tags, over 1"
    assert Postcondition.from_json(pc.json()) == pc
