"""A planted secret appears nowhere: not in what any command prints, not in any file archform
writes (state, its history and backups, the modeled cloud, saved plans, caches, templates,
diagrams, reports) — and archform still plans and applies with it, and `output --raw` gives it
back to whoever holds the key.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner

from archform.planner.cli import main

SECRET = "Planted-S3cret-4711x"
CONFIG = """
sensitive param db_password: string
param cache_token: string = "no-secret-here-xyz1"

region "us-east-1" as primary {
  vpc main { cidr = 10.0.0.0/16 }
  subnet a { vpc = main, cidr = 10.0.1.0/24, az = "us-east-1a" }
  subnet b { vpc = main, cidr = 10.0.2.0/24, az = "us-east-1b" }
  rds db {
    engine = postgres
    instance_class = db.m5.large
    subnets = [a, b]
    master_password = db_password
    manage_master_password = false
  }
  elasticache cache {
    engine = redis
    node_type = cache.t3.micro
    subnets = [a]
    transit_encryption = true
    auth_token = "${db_password}-cache"
  }
}

let url = "postgres://archform:${db_password}@${primary.db.endpoint}/app"
output connection = url
output endpoint = primary.db.endpoint
"""


@pytest.fixture
def folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("ARCHFORM_CACHE", str(tmp_path / "cache"))
    monkeypatch.delenv("ARCHFORM_NO_CACHE", raising=False)  # the caches are written, and looked at
    monkeypatch.delenv("ARCHFORM_STATE_KEY", raising=False)
    (tmp_path / "main.arch").write_text(CONFIG)
    return tmp_path


def _run(*args, input=None):
    result = CliRunner().invoke(main, list(args), input=input)
    assert "Traceback" not in result.output, result.output
    return result


def test_a_planted_secret_appears_in_no_output_and_no_file(folder):
    p = ["-p", f"db_password={SECRET}"]
    printed = []

    def run(*args, ok=(0,)):
        result = _run(*args)
        assert result.exit_code in ok, (args, result.output)
        printed.append((" ".join(args), result.output))
        return result

    run("validate", "main.arch", *p)
    run("inspect", "main.arch", *p)
    run("plan", "main.arch", *p)
    run("plan", "main.arch", "--format", "json", *p)
    run("plan", "main.arch", "--out", "plan.bin", *p)
    run("apply", "plan.bin")
    run("output")
    run("output", "--json")
    run("output", "connection")
    run("state", "list")
    run("state", "show", "primary.db")
    run("state", "show", "primary.cache")
    run("state", "pull")
    run("state", "history")
    run("sim", "list")
    run("refresh", "main.arch", *p)
    run("plan", "main.arch", "--detailed-exitcode", *p)
    run("diagram", "main.arch", "-o", "d.svg", *p)
    run("diagram", "main.arch", "-o", "d.dot", *p)
    run("diagram", "main.arch", "-o", "d.drawio", *p)
    run("diagram", "main.arch", "--network", "-o", "n.dot", *p)
    run("report", "main.arch", "-o", "r.html", *p)
    run("cfn", "main.arch", "-o", "cfn", *p)
    run("chaos", "main.arch", "--fail", "az:us-east-1a", "--duration", "10m", *p, ok=(0, 3))
    for line in run("sim", "list", "--format", "json").output.splitlines():
        if '"id"' in line:
            run("sim", "show", line.split('"')[3])

    for what, text in printed:
        assert SECRET not in text, f"`archform {what}` printed the secret"
    for path in folder.rglob("*"):
        if path.is_file():
            assert SECRET.encode() not in path.read_bytes(), f"{path.relative_to(folder)} holds the secret"

    # and it is all still there for whoever holds the key
    raw = _run("output", "connection", "--raw")
    assert raw.exit_code == 0 and SECRET in raw.output
    again = _run("plan", "main.arch", "--detailed-exitcode", *p)
    assert again.exit_code == 0, again.output
    changed = _run("plan", "main.arch", "--detailed-exitcode", "-p", "db_password=Another-S3cret-0815")
    assert changed.exit_code == 2 and "master_password = (sensitive)" in changed.output, changed.output


TAGGED = """
sensitive param pw: string
region "us-east-1" as primary {
  vpc main {
    cidr = 10.0.0.0/16
    tags = { Name = "vpc-${pw}" }
  }
  subnet a { vpc = main, cidr = 10.0.1.0/24, az = "us-east-1a" }
  security_group sg {
    vpc         = main
    description = "token ${pw}"
  }
}
"""


def test_what_is_made_from_a_secret_is_drawn_and_reported_without_it(folder):
    """A VPC tagged `Name = "vpc-${pw}"` of a sensitive pw: the diagram's frame title (SVG, PNG,
    draw.io, DOT) and the HTML report quoted the secret, where the plan shows (sensitive)."""
    (folder / "tagged.arch").write_text(TAGGED)
    p = ["-p", f"pw={SECRET}"]
    for out in ("t.svg", "t.dot", "t.drawio", "t.png", "n.dot"):
        extra = ["--network"] if out == "n.dot" else []
        assert _run("diagram", "tagged.arch", "-o", out, *extra, *p).exit_code == 0
        assert SECRET.encode() not in (folder / out).read_bytes(), out
    assert _run("diagram", "tagged.arch", "--plan", "-o", "plan.dot", *p).exit_code == 0
    assert SECRET not in (folder / "plan.dot").read_text()
    assert _run("report", "tagged.arch", "-o", "r.html", *p).exit_code == 0
    assert SECRET not in (folder / "r.html").read_text()
    assert "VPC main" in (folder / "t.dot").read_text()  # the VPC is still drawn, by its address


def test_files_are_private(folder):
    _run("apply", "main.arch", "--auto-approve", "-p", f"db_password={SECRET}")
    archform = folder / ".archform"
    assert stat.S_IMODE(archform.stat().st_mode) == 0o700
    for path in archform.rglob("*"):
        mode = stat.S_IMODE(path.stat().st_mode)
        assert mode & 0o077 == 0, f"{path.relative_to(folder)} is readable by others ({oct(mode)})"
    key = folder / "config" / "archform" / "state.key"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600


def test_another_key_cannot_read_the_state(folder, monkeypatch):
    assert _run("apply", "main.arch", "--auto-approve", "-p", f"db_password={SECRET}").exit_code == 0
    monkeypatch.setenv("ARCHFORM_STATE_KEY", "a different passphrase of some length")
    plan = _run("plan", "main.arch", "-p", f"db_password={SECRET}")
    assert plan.exit_code == 1
    assert "encrypted with key" in plan.output and "ARCHFORM_STATE_KEY" in plan.output
    listed = _run("state", "list")  # listing needs no key
    assert listed.exit_code == 0 and "primary.db" in listed.output


def test_a_secret_in_a_diagnostic_is_not_echoed(folder):
    bad = _run("validate", "main.arch", "-p", "db_password=short")
    assert bad.exit_code == 1
    assert "short" not in bad.output.replace("db_password=short", "")


# --- following secrets through the language ---------------------------------------------------

from archform.dsl.resolve import resolve  # noqa: E402

MODULE = """
param password: string
param name: string
vpc main { cidr = 10.0.0.0/16 }
sensitive output token = "t-${name}"
output conn = "u:${password}"
output plain = name
output size = nonsensitive(length(password))
"""

FOLLOWED = """
use "./db.arch" as db
sensitive param pw: string
param names: list(string) = ["x", "y"]
let url = "x:${pw}"
let upper_url = upper(url)
let plain = "y"
region "us-east-1" as primary {
  db one { password = pw, name = "n" }
  vpc main { cidr = 10.0.0.0/16, tags = { who = plain, secret = upper_url } }
  vpc each for n in names { cidr = 10.1.0.0/16, tags = { n = n } }
}
output a = primary.one.token
output b = primary.one.conn
output c = primary.one.plain
output d = primary.one.size
output e = primary.main.tags
output f = primary.main.cidr
output g = plain
sensitive output h = plain
"""


def test_secrets_are_followed_through_lets_attributes_modules_and_outputs(tmp_path):
    (tmp_path / "db.arch").write_text(MODULE)
    (tmp_path / "main.arch").write_text(FOLLOWED)
    desired, diags = resolve(tmp_path / "main.arch", {"pw": SECRET})
    assert not [d for d in diags if d.is_error], diags
    assert desired.sensitive_params == {"pw"}
    # a, b: made from a secret (a declared sensitive in the module); e: tags hold one; h: declared
    assert desired.sensitive_outputs == {"a", "b", "e", "h"}
    assert desired.resources["primary.main"].sensitive == {"tags"}
    assert desired.resources["primary.each[x]"].sensitive == frozenset()
    assert desired.resources["primary.one.main"].sensitive == frozenset()
    assert desired.outputs["d"] == len(SECRET)  # nonsensitive: a length reveals nothing
    shown = desired.json()
    assert SECRET not in str(shown) and SECRET.upper() not in str(shown)
    assert shown["params"]["pw"] is None and shown["outputs"]["e"] is None and shown["outputs"]["c"] == "n"
    tags = next(r for r in shown["resources"] if r["address"] == "primary.main")
    assert tags["attributes"]["tags"] is None and tags["sensitive"] == ["tags"]


def test_a_secret_written_where_aws_keeps_plain_text_is_a_warning_at_its_place(tmp_path):
    """A tag made from a secret is kept in plain text by AWS (and by the modeled cloud, which
    keeps only the kind's own secrets as fingerprints): validate said nothing. Now a warning on
    the attribute, inside a module with the use that made it; a master password (the kind's own
    secret) and a nonsensitive() value are not warned."""
    (tmp_path / "tagged.arch").write_text('param label: string\nvpc main { cidr = 10.0.0.0/16, tags = { n = label } }\n')
    (tmp_path / "main.arch").write_text('''use "./tagged.arch" as tagged
sensitive param pw: string
region "us-east-1" as primary {
  vpc main { cidr = 10.0.0.0/16, tags = { secret = "x-${pw}" } }
  vpc fine { cidr = 10.1.0.0/16, tags = { size = nonsensitive(length(pw)) } }
  tagged inner { label = pw }
  subnet a { vpc = fine, cidr = 10.1.1.0/24, az = "us-east-1a" }
  subnet b { vpc = fine, cidr = 10.1.2.0/24, az = "us-east-1b" }
  rds db {
    engine = postgres
    instance_class = db.m5.large
    subnets = [a, b]
    master_password = pw
    manage_master_password = false
  }
}
''')
    desired, diags = resolve(tmp_path / "main.arch", {"pw": SECRET})
    assert not [d for d in diags if d.is_error], diags
    said = sorted((d.summary, d.span.start_line, [c.span.start_line for c in d.labels])
                  for d in diags if "plain text" in d.summary)
    assert said == [
        ("primary.inner.main: 'tags' is made from a secret, and AWS keeps it in plain text (anyone allowed to "
         "describe the resource reads it)", 2, [6]),
        ("primary.main: 'tags' is made from a secret, and AWS keeps it in plain text (anyone allowed to "
         "describe the resource reads it)", 4, []),
    ]
    assert all(SECRET not in d.summary + d.help for d in diags)


LEAKY = """
sensitive param pw: string
sensitive param n: number
region "us-east-1" as primary {
  vpc main { cidr = pw }
  subnet a { vpc = main, cidr = 10.0.1.0/24, az = pw }
}
let x = pw + 1
let y = upper(pw)[3]
let z = cidrsubnet(pw, 8, 1)
let w = { a = 1 }[pw]
"""


def test_mistakes_made_with_a_secret_do_not_quote_it(tmp_path):
    (tmp_path / "main.arch").write_text(LEAKY)
    result = _run("validate", str(tmp_path / "main.arch"), "-p", f"pw={SECRET}", "-p", "n=Planted-Number-99")
    assert result.exit_code == 1
    text = result.output
    for leaked in (SECRET, SECRET.upper(), "Planted-Number-99"):
        assert leaked not in text, text
    # each mistake is still reported, in its place, with what went wrong
    assert text.count("error:") == 7, text
    assert "cannot apply '+' to string (sensitive) and number 1" in text
    assert "az: (sensitive) is not an Availability Zone" in text
    assert "parameter 'n' (number, sensitive): the value given is not a number" in text
    as_json = _run("validate", str(tmp_path / "main.arch"), "--format", "json", "-p", f"pw={SECRET}", "-p", "n=1")
    assert SECRET not in as_json.output and SECRET.upper() not in as_json.output


def test_sensitive_is_a_word_only_before_param_and_output(tmp_path):
    from archform.dsl.fmt import format_source
    text = ('sensitive param pw: string\nparam sensitive: string = "s"\n\nsensitive output o = pw\n\n'
            'region "us-east-1" as primary {\n  sensitive output q = sensitive\n\n'
            '  vpc sensitive {\n    cidr = 10.0.0.0/16\n    tags = { sensitive = "yes" }\n  }\n}\n')
    assert format_source(text) == (text, [])
    (tmp_path / "main.arch").write_text(text)
    desired, diags = resolve(tmp_path / "main.arch", {"pw": SECRET})
    assert not [d for d in diags if d.is_error], diags
    assert "primary.sensitive" in desired.resources and desired.sensitive_outputs == {"o", "primary.q"}


def test_a_missing_secret_is_one_error_naming_it_and_a_bad_password_is_said_without_its_length(tmp_path):
    """A sensitive param given no value was read as the bare word of its name: a second error
    ('master_password must be 8–128 characters (it has 5)', the name's length) followed, and the
    first hid the name the user must pass as '(sensitive)'. A password's checks told its length
    and which of its characters were refused."""
    text = '''sensitive param pwabc: string
region "us-east-1" as east {
  vpc main { cidr = 10.0.0.0/16 }
  subnet a { vpc = main, cidr = 10.0.1.0/24, az = "us-east-1a" }
  subnet b { vpc = main, cidr = 10.0.2.0/24, az = "us-east-1b" }
  rds db {
    engine = postgres
    instance_class = db.m5.large
    subnets = [a, b]
    master_password = pwabc
    manage_master_password = false
  }
}
'''
    (tmp_path / "main.arch").write_text(text)
    _, diags = resolve(tmp_path / "main.arch", {})
    assert [(d.severity, d.summary) for d in diags] == [
        ("error", "parameter 'pwabc' has no default and no value was given")]
    _, diags = resolve(tmp_path / "main.arch", {"pwabc": "x@y"})
    assert sorted(d.summary for d in diags) == [
        "east.db: master_password may hold printable ASCII except / \" @ and spaces; this one holds one of those or "
        "a character outside printable ASCII",
        "east.db: master_password must be 8–128 characters for postgres; this one is shorter"]
