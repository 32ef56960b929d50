"""Run one input through archform in isolation and judge the outcome.

`Harness.check(data)` writes `data` as `main.arch` in a scratch folder and forks the warmed-up
process; the child runs what a user would — `archform validate` (one input in four with
`--format json` instead), `fmt --check`, `symbols` for one in four, and when the file is
valid `inspect` (and for one in four `cfn`) — picked by the input's hash, so a run repeats
exactly; output is discarded,
under an address-space limit, and reports how it ended. The parent waits at most `timeout`
seconds and reads the child's peak memory from the kernel (wait4). An outcome is one of:

  ok         every command ended with success or diagnostics (any exit code from the CLI)
  traceback  an exception escaped a command (the text is kept)
  memory     MemoryError, or a peak beyond `max_mb` (what a fresh process would have used:
             the growth over the warmed-up parent plus a fresh `archform validate`'s start)
  hang       still running after `timeout` seconds (killed)
  crash      ended by a signal (a segfault, say)

Forking costs a few milliseconds, where starting Python and importing archform costs a few
hundred, and each input starts from the same clean state.
"""

from __future__ import annotations

import hashlib
import os
import resource
import select
import signal
import tempfile
import time
import traceback
from dataclasses import dataclass
from pathlib import Path

FRESH_START_MB = 35  # a fresh `archform validate` process before it reads anything (max RSS)
AS_HEADROOM = 3 * 2**30  # address space a child may add: beyond it, allocations fail (MemoryError)
EXIT_TRACEBACK, EXIT_MEMORY = 70, 71
_warmed: list[bool] = []


@dataclass
class Outcome:
    kind: str  # ok | traceback | memory | hang | crash
    seconds: float
    peak_mb: float  # what a fresh process would have peaked at
    detail: str = ""

    @property
    def failed(self) -> bool:
        return self.kind != "ok"


def _rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def _vm_bytes() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")


class Harness:
    """`runner(name)` runs the commands on the file `name` in the current folder (default:
    `run_commands`; a test gives another to see that each kind of failure is caught)."""

    def __init__(self, timeout: float = 20.0, max_mb: float = 200.0, work: Path | None = None, runner=None):
        self.timeout = timeout
        self.max_mb = max_mb
        self.runner = runner or run_commands
        self.work = Path(work or tempfile.mkdtemp(prefix="archform-fuzz-"))
        self.work.mkdir(parents=True, exist_ok=True)
        if not _warmed:
            self._warm()
            _warmed.append(True)

    def _warm(self):
        """Run every command once here, in the parent, on each example, so that what they
        import and build (the CLI, the parser's tables, the catalogue, the CloudFormation
        generator) is already in every child."""
        import contextlib
        import io

        from archform.stdlib import catalogue
        examples = sorted((Path(__file__).resolve().parents[2] / "examples").glob("*.arch"))
        for kind in list(catalogue.LAZY):
            catalogue.LAZY[kind]  # every family of kinds, imported
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            for example in examples:
                for args in (["validate", str(example)], ["validate", "--format", "json", str(example)],
                             ["fmt", "--check", str(example)], ["inspect", str(example)]):
                    _run(args)
            from archform.providers.cloudformation import generate
            generate(str(examples[0]), {})
        import gc
        gc.enable()  # a command turns the cycle collector off for its run; the fuzzer runs on

    def check(self, data: bytes) -> Outcome:
        path = self.work / "main.arch"
        path.write_bytes(data)
        read_end, write_end = os.pipe()
        base_mb = _rss_mb()
        start = time.monotonic()
        pid = os.fork()
        if pid == 0:  # the child: never returns
            os.close(read_end)
            _child(path, self.work, write_end, self.runner)
        os.close(write_end)
        chunks, hung = [], False
        deadline = start + self.timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                hung = True
                os.kill(pid, signal.SIGKILL)
                break
            ready, _, _ = select.select([read_end], [], [], left)
            if ready:
                chunk = os.read(read_end, 65536)
                if not chunk:
                    break  # the child has ended (its end of the pipe closed)
                chunks.append(chunk)
        os.close(read_end)
        _, status, usage = os.wait4(pid, 0)
        seconds = time.monotonic() - start
        peak = max(0.0, usage.ru_maxrss / 1024 - base_mb) + FRESH_START_MB
        detail = b"".join(chunks).decode("utf-8", "replace")
        if hung:
            return Outcome("hang", seconds, peak, f"still running after {self.timeout:g} s")
        if os.WIFSIGNALED(status):
            return Outcome("crash", seconds, peak, f"killed by signal {os.WTERMSIG(status)}")
        code = os.WEXITSTATUS(status)
        if code == EXIT_TRACEBACK:
            return Outcome("traceback", seconds, peak, detail)
        if code == EXIT_MEMORY:
            return Outcome("memory", seconds, peak, "MemoryError: " + detail)
        if peak > self.max_mb:
            return Outcome("memory", seconds, peak, f"peak {peak:.0f} MB, over {self.max_mb:g} MB")
        return Outcome("ok", seconds, peak)


def _child(path: Path, work: Path, report: int, runner):
    """Run the commands on `path`; exit 0 whatever the commands said, EXIT_TRACEBACK when an
    exception escaped one (its traceback written to `report`), EXIT_MEMORY on MemoryError."""
    code = 0
    try:
        resource.setrlimit(resource.RLIMIT_AS, (_vm_bytes() + AS_HEADROOM, resource.RLIM_INFINITY))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        os.dup2(devnull, 2)
        os.chdir(work)
        os.environ["ARCHFORM_NO_CACHE"] = "1"  # every input parsed for real; nothing written
        runner(path.name)
    except MemoryError:
        code = EXIT_MEMORY
        _say(report, "MemoryError")
    except BaseException:
        code = EXIT_TRACEBACK
        _say(report, traceback.format_exc())
    os._exit(code)


def run_commands(name: str):
    """What a user runs on a file, as the fuzzer runs it (see the module's docstring)."""
    pick = hashlib.sha256(Path(name).read_bytes()).digest()[0]
    valid = _run(["validate", name] + (["--format", "json"] if pick % 4 == 0 else [])) == 0
    _run(["fmt", "--check", name])
    if pick % 4 == 2:
        _run(["symbols", name])  # binds and reads names even when the file has errors
    if valid:
        _run(["inspect", name])
        if pick % 4 == 1:
            _run(["cfn", name, "-o", "cfn"])


def _run(args) -> int:
    """One command as the `archform` executable runs it; its exit code. Exceptions escape."""
    import click

    from archform.planner.cli import main
    try:
        main(args, prog_name="archform", standalone_mode=False)
    except SystemExit as e:
        return e.code if isinstance(e.code, int) else 1
    except (click.ClickException, click.Abort):
        return 1
    return 0


def _say(fd: int, text: str):
    data = text.encode("utf-8", "replace")
    while data:
        try:
            n = os.write(fd, data)
        except OSError:
            return
        data = data[n:]
