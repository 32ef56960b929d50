"""What a plan of unchanged sources loads: the resolved architecture is reused (no parser, no
resolver), refresh reads the cloud without the typed catalogue (no pydantic), and a plan
against an empty state opens no cloud at all. Start-up is most of a plan's time at 1,000
resources, so these keep `archform plan` fast; the output is the same either way."""

import json
import subprocess
import sys
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"

PROBE = """
import json, sys
from click.testing import CliRunner
from archform.planner.cli import main
r = CliRunner().invoke(main, sys.argv[1:])
heavy = ["pydantic", "archform.dsl.resolve", "archform.dsl.parser", "archform.stdlib.catalogue",
         "archform.providers.simulated.provider"]
print(json.dumps({"code": r.exit_code, "output": r.output, "loaded": [m for m in heavy if m in sys.modules]}))
"""


def probe(tmp_path, *args, cache=True):
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "ARCHFORM_CACHE": str(tmp_path / "cache"),
           "NO_COLOR": "1"}
    if not cache:
        env["ARCHFORM_NO_CACHE"] = "1"
    out = subprocess.run([sys.executable, "-c", PROBE, *args], capture_output=True, text=True, timeout=300,
                         env=env, cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def test_plans_of_unchanged_sources_load_little_and_say_the_same(tmp_path):
    src = str(EXAMPLES / "ha_web.arch")
    where = ["--state", str(tmp_path / "state.db"), "--cloud", str(tmp_path / "cloud.db")]
    first = probe(tmp_path, "plan", src, *where)
    assert first["code"] == 0
    assert "archform.dsl.resolve" in first["loaded"]          # nothing kept yet: resolved
    assert "archform.providers.simulated.provider" not in first["loaded"]
    assert not (tmp_path / "cloud.db").exists()                # an empty state asks no cloud

    again = probe(tmp_path, "plan", src, *where)
    assert again["output"] == first["output"]
    assert again["loaded"] == []                               # reused: no parser, resolver, pydantic

    applied = probe(tmp_path, "apply", src, "--auto-approve", *where)
    assert applied["code"] == 0, applied["output"]
    noop = probe(tmp_path, "plan", src, "--detailed-exitcode", *where)
    assert noop["code"] == 0, noop["output"]
    assert "No changes." in noop["output"]
    assert noop["loaded"] == ["archform.providers.simulated.provider"]  # refresh reads without pydantic

    cold = probe(tmp_path, "plan", src, "--detailed-exitcode", *where, cache=False)
    assert cold["code"] == 0 and cold["output"] == noop["output"]
    assert "pydantic" in cold["loaded"]
