"""Hostile and careless input to the language: each ends in a diagnostic on the expression at
fault (or in success), never in a Python exception, runaway memory or a read outside the
configuration's folder."""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

import pytest

from archform.dsl.diagnostics import render_all
from archform.dsl.resolve import resolve


def run(tmp_path: Path, source: str, files=None, name="main.arch", allow=()):
    for fname, text in (files or {}).items():
        p = tmp_path / fname
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(textwrap.dedent(text)) if isinstance(text, str) else p.write_bytes(text)
    main = tmp_path / name
    main.parent.mkdir(parents=True, exist_ok=True)
    main.write_text(textwrap.dedent(source) if len(source) < 100_000 else source)
    return resolve(main, allow=allow)


def error_of(tmp_path, source, **kw):
    """The one error the source gives, rendered as a user sees it."""
    _, diags = run(tmp_path, source, **kw)
    errors = [d for d in diags if d.is_error]
    assert len(errors) == 1, render_all(diags)
    return errors[0], render_all(errors)


def outputs(tmp_path, source, **kw):
    desired, diags = run(tmp_path, source, **kw)
    assert not [d for d in diags if d.is_error], render_all(diags)
    return desired.outputs


# --- memory bombs -------------------------------------------------------------------------------

def test_strings_doubled_forty_times_stop_at_the_string_limit(tmp_path):
    lines = ['let s0 = "ab"'] + [f'let s{i} = "${{s{i - 1}}}${{s{i - 1}}}"' for i in range(1, 41)]
    diag, text = error_of(tmp_path, "\n".join(lines + ["output x = length(s40)"]) + "\n")
    assert diag.summary == "this string is 2,097,152 characters long; the limit is 1,048,576"
    assert (diag.span.start_line, diag.span.start_col) == (21, 11)  # the interpolation of s20
    assert 'ARCHFORM_LIMITS="string=' in text


def test_lists_doubled_forty_times_stop_at_the_value_limit(tmp_path):
    lines = ['let l0 = ["ab"]'] + [f"let l{i} = [l{i - 1}, l{i - 1}]" for i in range(1, 41)]
    diag, _ = error_of(tmp_path, "\n".join(lines + ["output x = length(l40)"]) + "\n")
    assert diag.summary.startswith("this value is larger than the limit of 1,000,000")
    assert diag.span.start_line == 20  # l19: two l18 of 786,431 each


def test_a_ten_megabyte_string_literal_is_over_the_string_limit(tmp_path):
    diag, text = error_of(tmp_path, 'output x = "' + "a" * 10_000_000 + '"\n')
    assert diag.summary == "this string is 10,000,000 characters long; the limit is 1,048,576"
    snippet = text.splitlines()[3]
    assert len(snippet) < 200 and snippet.endswith("…")  # the line is shown around the caret, not whole


def test_loops_that_make_millions_of_values_stop(tmp_path):
    diag, _ = error_of(tmp_path, "output x = [for a in range(10000) : [for b in range(10000) : b]]\n")
    assert "have made more than 2,000,000 values" in diag.summary
    diag, _ = error_of(tmp_path, "output x = range(100000)\n")
    assert diag.summary == "range(): 100,000 elements, over the limit of 10,000"


def test_evaluation_steps_are_limited(tmp_path, monkeypatch):
    monkeypatch.setenv("ARCHFORM_LIMITS", "steps=100000")
    diag, text = error_of(tmp_path, "output x = [for a in range(1000) : [for b in range(1000) : a + b > 0]]\n")
    assert diag.summary.startswith("evaluation stopped here after 100,000 steps")
    assert 'ARCHFORM_LIMITS="steps=400000"' in text


def test_a_limit_is_raised_for_a_real_need(tmp_path, monkeypatch):
    source = 'let a = "${join("", [for i in range(3000) : "0123456789"])}"\noutput n = length("${a}${a}")\n'
    diag, _ = error_of(tmp_path, source.replace("3000", "60000"))
    assert diag.summary == "range(): 60,000 elements, over the limit of 10,000"
    monkeypatch.setenv("ARCHFORM_LIMITS", "string=4MiB, range=100k")
    assert outputs(tmp_path, source.replace("3000", "60000")) == {"n": 1_200_000}


def test_a_malformed_limits_setting_is_one_error(tmp_path, monkeypatch):
    monkeypatch.setenv("ARCHFORM_LIMITS", "strng=4MiB")
    diag, _ = error_of(tmp_path, "output x = 1\n")
    assert diag.summary == "ARCHFORM_LIMITS: 'strng=4MiB' is not name=value with a known limit (did you mean 'string'?)"


# --- what used to raise -------------------------------------------------------------------------

@pytest.mark.parametrize("expr, expected", [
    (" + ".join(["1"] * 500), 500),
    (" && ".join(["true"] * 600), True),
    (" || ".join(["false"] * 600), False),
    (" - ".join(["1000"] * 300), 1000 - 299 * 1000),
    ("1 + " + " * ".join(["1"] * 400) + " == 2 && " + " || ".join(["false"] * 300 + ["true"]), True),
    (" + ".join(["1s"] * 500) + " == 500s", True),
], ids=["sum", "and", "or", "difference", "mixed", "durations"])
def test_long_operator_chains_are_evaluated(tmp_path, expr, expected):
    assert outputs(tmp_path, f"output x = {expr}\n") == {"x": expected}


def test_a_long_chain_of_string_additions_is_the_usual_diagnostic(tmp_path):
    diag, _ = error_of(tmp_path, "output x = " + " + ".join(['"a"'] * 500) + "\n")
    assert diag.summary == "strings are not added with '+'"
    assert diag.span.start_col == 12


@pytest.mark.parametrize("source, column, what", [
    ("output x = " + "[" * 500 + "]" * 500 + "\n", 112, "brackets and braces open more than 100 levels"),
    ("output x = " + "(" * 1000 + "1" + ")" * 1000 + "\n", 112, "brackets and braces open more than 100 levels"),
    ("output x = " + "!" * 1000 + "true\n", None, "operators and brackets nest more than 100 levels"),
    ("output x = a" + ".b" * 1000 + "\n", 12, "'.name' and '[key]' chain more than 100 levels"),
], ids=["lists", "parentheses", "negations", "attributes"])
def test_deep_nesting_is_one_diagnostic_where_it_happens(tmp_path, source, column, what):
    diag, text = error_of(tmp_path, source)
    assert diag.summary == f"nesting too deep: {what} deep here"
    assert diag.span.start_line == 1 and (column is None or diag.span.start_col == column)
    assert "ARCHFORM_LIMITS=\"nesting=200\"" in text


def test_nesting_within_the_limit_is_fine(tmp_path):
    assert outputs(tmp_path, "output x = length(" + "[" * 90 + "]" * 90 + ")\n") == {"x": 1}


def test_values_nested_through_lets_stop_at_the_nesting_limit(tmp_path):
    lines = ["let v0 = []"] + [f"let v{i} = [v{i - 1}]" for i in range(1, 150)]
    diag, _ = error_of(tmp_path, "\n".join(lines + ["output x = v149"]) + "\n")
    assert diag.summary == "this value nests lists and maps more than 100 levels deep"
    assert diag.span.start_line == 101


def test_lets_and_resources_used_before_they_are_declared_resolve_at_any_reasonable_depth(tmp_path):
    lets = "".join(f"let a{i} = a{i + 1} + 1\n" for i in range(1000)) + "let a1000 = 0\noutput x = a0\n"
    assert outputs(tmp_path, lets) == {"x": 1000}
    body = "".join(f"  vpc v{i} {{ cidr = v{i + 1}.cidr }}\n" for i in range(300))
    quota = "  service_quota vpcs { quota = vpcs, value = 301 }\n"  # past 5 VPCs a region is an error without it
    desired, diags = run(tmp_path, f'region "us-east-1" as r {{\n{quota}{body}  vpc v300 {{ cidr = 10.0.0.0/16 }}\n}}\n')
    assert not [d for d in diags if d.is_error]
    assert desired.resources["r.v0"].attrs["cidr"] == "10.0.0.0/16"


def test_a_chain_longer_than_the_limit_is_one_diagnostic(tmp_path):
    lets = "".join(f"let a{i} = a{i + 1} + 1\n" for i in range(2500)) + "let a2500 = 0\noutput x = a0\n"
    diag, _ = error_of(tmp_path, lets)
    assert diag.summary == "more than 2,000 names wait on each other here: 'let a0' needs 'let a1' needs … 'let a2000'"
    assert diag.span.start_line == 2000


@pytest.mark.parametrize("literal", ["9" * 100_000, "9" * 5000 + "s", "1.5" + "0" * 200, "1.." + "9" * 5000],
                         ids=["number", "quantity", "decimal", "port range"])
def test_numbers_with_absurdly_many_digits_are_a_diagnostic(tmp_path, literal):
    diag, _ = error_of(tmp_path, f"output x = {literal}\n")
    assert diag.summary.endswith("digits; a number has at most 100")


def test_arithmetic_that_grows_numbers_without_bound_stops(tmp_path):
    diag, _ = error_of(tmp_path, "output x = " + " * ".join(["99999999999999999999"] * 100) + "\n")
    assert diag.summary.startswith("this number is too large")


# --- reading files ------------------------------------------------------------------------------

@pytest.mark.parametrize("path", ["/dev/zero", "/etc/shadow", "/proc/self/environ", "../outside.txt", "/bin/ls"])
def test_file_outside_the_configuration_is_refused(tmp_path, path):
    (tmp_path / "outside.txt").write_text("secret")
    diag, text = error_of(tmp_path, f'output x = file("{path}")\n', name="project/main.arch")
    assert diag.summary == f"file(): '{path}' is outside the configuration's folder"
    assert "--allow-path" in diag.help and "secret" not in text


def test_an_allowed_folder_may_be_read(tmp_path):
    (tmp_path / "shared").mkdir()
    (tmp_path / "shared" / "note.txt").write_text("shared note")
    source = 'output x = file("../shared/note.txt")\n'
    assert outputs(tmp_path, source, name="project/main.arch", allow=[tmp_path / "shared"]) == {"x": "shared note"}


def test_a_symbolic_link_that_leads_out_is_outside(tmp_path):
    (tmp_path / "project").mkdir()
    os.symlink("/etc/passwd", tmp_path / "project" / "passwd")
    diag, text = error_of(tmp_path, 'output x = file("passwd")\n', name="project/main.arch")
    assert diag.summary == "file(): 'passwd' is outside the configuration's folder"
    assert "root:" not in text


def test_binary_oversized_and_special_files_are_diagnostics(tmp_path):
    files = {"ls.bin": Path("/bin/ls").read_bytes()[:4096], "big.txt": "x" * (2**20 + 1)}
    diag, _ = error_of(tmp_path, 'output x = file("ls.bin")\n', files=files)
    assert diag.summary.startswith("file(): cannot read 'ls.bin': not UTF-8 text (byte ")
    diag, text = error_of(tmp_path, 'output x = file("big.txt")\n')
    assert diag.summary == "file(): cannot read 'big.txt': 1,048,577 bytes, over the limit of 1,048,576 (file)"
    os.mkfifo(tmp_path / "fifo")  # opening it for reading would wait for a writer forever
    diag, _ = error_of(tmp_path, 'output x = file("fifo")\n')
    assert diag.summary == "file(): cannot read 'fifo': not a regular file"
    diag, _ = error_of(tmp_path, 'output x = file("missing.txt")\n')
    assert diag.summary == "file(): cannot read 'missing.txt': No such file or directory"


def test_use_of_a_file_that_is_not_arch_source_never_shows_its_contents(tmp_path):
    diag, text = error_of(tmp_path, 'use "../../../../../../etc/passwd" as p\n')
    assert diag.summary == "module '../../../../../../etc/passwd' not found"
    assert diag.help == "a module is an .arch file"
    assert "root:" not in text


def test_use_of_a_module_outside_the_folder_needs_it_allowed(tmp_path):
    files = {"lib/net.arch": "output n = 7\n"}
    diag, _ = error_of(tmp_path, 'use "../lib/net" as net\nnet n1 {}\n', files=files, name="project/main.arch")
    assert diag.summary == "module '../lib/net' is outside the configuration's folder"
    source = 'use "../lib/net" as net\nnet n1 {}\noutput x = n1.n\n'
    assert outputs(tmp_path, source, name="project/main.arch", allow=[tmp_path / "lib"]) == {"x": 7}


def test_a_root_file_that_is_not_arch_source_is_located_but_not_quoted(tmp_path):
    secret = tmp_path / "notes.txt"
    secret.write_text("password: hunter2\n")
    _, diags = resolve(secret)
    text = render_all(diags)
    assert "notes.txt:1:" in text and "hunter2" not in text


def test_instances_multiplied_by_loops_and_modules_stop(tmp_path, monkeypatch):
    files = {"twice0.arch": 'vpc v { cidr = 10.0.0.0/16 }\n'}
    for i in range(1, 30):  # each module uses the one below twice: 2^29 VPCs from 30 small files
        files[f"twice{i}.arch"] = f'use "./twice{i - 1}" as t\nt a {{}}\nt b {{}}\n'
    source = 'use "./twice29" as t\nregion "us-east-1" as r {\n  t top {}\n}\n'
    diag, text = error_of(tmp_path, source, files=files)
    assert diag.summary == "`for` loops and modules make more than 50,000 instances here, the limit"
    assert 'ARCHFORM_LIMITS="instances=200000"' in text
    monkeypatch.setenv("ARCHFORM_LIMITS", "instances=500")
    source = 'region "us-east-1" as r {\n  vpc v for i in range(1000) { cidr = 10.0.0.0/16 }\n}\n'
    diag, _ = error_of(tmp_path, source)
    assert diag.summary == "`for` loops and modules make more than 500 instances here, the limit"
    assert diag.span.start_line == 2


@pytest.mark.parametrize("call, message", [
    ('replace(s, "a", s)', "replace(): the result would be 10,000,000,000 characters long; the limit is 1,048,576"),
    ("join(s, range(10000))", "join(): the result would be 999,938,890 characters long; the limit is 1,048,576"),
    ('split("", s)', "split(): the separator is empty"),
    ('format("%' + "9" * 5000 + 's", 1)', "format(): a width of 1000000 is more than the limit of 1000"),
], ids=["replace", "join", "split", "format"])
def test_functions_refuse_results_over_the_limits_before_making_them(tmp_path, call, message):
    source = f'let s = join("", [for i in range(10000) : "aaaaaaaaaa"])\noutput o = length({call})\n'
    diag, _ = error_of(tmp_path, source)
    assert diag.summary == message


def test_distinct_of_a_long_list_is_quick_and_keeps_first_occurrences(tmp_path):
    source = 'output o = distinct(concat(range(10000), range(10000), [[1], [1], "1", 1, "a"]))\n'
    out = outputs(tmp_path, source)["o"]
    assert len(out) == 10003 and out[-3:] == [[1], "1", "a"]
