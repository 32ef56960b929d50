"""An apply's progress lines: a counter and a duration on each finished operation, a live line
of what is running on a terminal (none into a pipe), colour only on a terminal, and the slowest
operations at the end."""

import io

from click.testing import CliRunner

from archform.planner.cli import main
from archform.planner.cli.progress import Progress


class Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


def _feed(progress: Progress, clock: Clock):
    progress("total", "", "3")
    progress("start", "a.vpc", "creating")
    clock.now += 2.0
    progress("start", "a.db", "creating")
    clock.now += 0.5
    progress("done", "a.vpc", "created [id=vpc-1]")
    clock.now += 480.0
    progress("done", "a.db", "created [id=db-1]")
    progress("error", "a.web", "InvalidParameter: no")


def test_into_a_pipe_each_finished_operation_is_a_line_with_its_count_and_time():
    out, clock = io.StringIO(), Clock()
    progress = Progress(out, tty=False, clock=clock)
    _feed(progress, clock)
    progress.flush()
    assert out.getvalue().splitlines() == [
        "[1/3] a.vpc: created after 2.5s [id=vpc-1]",
        "[2/3] a.db: created after 8m00s [id=db-1]",
        "[3/3] a.web: failed: InvalidParameter: no",
    ]
    assert "\x1b" not in out.getvalue()
    assert progress.summary() == "Slowest: a.db created after 8m00s, a.vpc created after 2.5s"


def test_on_a_terminal_a_live_line_names_what_runs_and_for_how_long():
    out, clock = io.StringIO(), Clock()
    progress = Progress(out, tty=True, clock=clock)
    progress("total", "", "2")
    progress("start", "a.vpc", "creating")
    progress("start", "a.db", "creating")
    clock.now += 12.0
    progress("done", "a.vpc", "created [id=vpc-1]")
    text = out.getvalue()
    assert text.endswith("\r\x1b[K[1/2] a.vpc: \x1b[32mcreated\x1b[0m after 12.0s [id=vpc-1]\nrunning: a.db 12.0s")
    progress.flush()
    assert out.getvalue().endswith("\r\x1b[K")  # the live line is gone when the apply ends


def test_the_command_prints_counts_and_the_slowest(tmp_path):
    (tmp_path / "main.arch").write_text('region "us-east-1" as primary {\n'
                                         '  vpc a { cidr = "10.0.0.0/16" }\n'
                                         '  vpc b { cidr = "10.1.0.0/16" }\n}\n')
    result = CliRunner().invoke(main, ["apply", str(tmp_path / "main.arch"), "--state", str(tmp_path / "s.db"),
                                       "--cloud", str(tmp_path / "c.db"), "--auto-approve"])
    assert result.exit_code == 0, result.output
    lines = result.stderr.splitlines()
    done = [line for line in lines if line.startswith("[")]
    assert sorted(line.split(" ")[0] for line in done) == ["[1/2]", "[2/2]"]
    assert sorted(line.split(" ")[1] for line in done) == ["primary.a:", "primary.b:"]
    assert all(" created after " in line for line in done)
    assert any(line.startswith("Slowest: ") for line in lines)
