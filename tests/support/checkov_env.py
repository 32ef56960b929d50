"""Checkov, the real package, for the CloudFormation tests. It pins `networkx<2.7`, which
archform's environment cannot have, so it lives in a virtualenv of its own, `.venv-checkov/`
at the repository's root: `make test` makes it (`make checkov`), and `checkov()` makes it the
same way when a test run finds it missing."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
VENV = ROOT / ".venv-checkov"
EXECUTABLE = VENV / "bin" / "checkov"
VERSION = "3.3.30"


def checkov() -> Path | None:
    """The checkov executable, installed on first use; None when it cannot be installed."""
    if EXECUTABLE.exists():
        return EXECUTABLE
    try:
        subprocess.run(["make", "-C", str(ROOT), "checkov", f"PY={sys.executable}"], check=True,
                       capture_output=True, timeout=900)
    except (OSError, subprocess.SubprocessError):
        return None
    return EXECUTABLE if EXECUTABLE.exists() else None


def scan(folder: Path) -> list[tuple[str, str, str]]:
    """Checkov's failed checks on every template under `folder`, offline:
    (path relative to `folder`, check id, logical id), sorted."""
    exe = checkov()
    assert exe is not None, "checkov could not be installed (make checkov)"
    done = subprocess.run([str(exe), "-d", str(folder), "--framework", "cloudformation", "--quiet", "--compact",
                           "--skip-download", "-o", "json"], capture_output=True, text=True, timeout=600)
    found = json.loads(done.stdout) if done.stdout.strip() else []
    reports = found if isinstance(found, list) else [found]
    out = []
    for report in reports:
        if not isinstance(report, dict) or "results" not in report:
            continue
        for check in report["results"]["failed_checks"]:
            out.append((check["file_path"].lstrip("/"), check["check_id"], check["resource"].split(".")[-1]))
    return sorted(out)
