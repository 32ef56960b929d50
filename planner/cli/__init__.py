"""The `archform` command line: the command group, and one module per group of commands
(`validate`, `fmt`, `kinds`, `plan`, `state`, `sim`, `chaos`, `cfn`, `diagram`), with what
they share in `common` and `options`. Nothing outside this package imports it.

Commands import what they need when they run, so `archform --help` stays fast. A user's
mistake ends in diagnostics and a non-zero exit, never a traceback.
"""

from __future__ import annotations

import os
import sys

import click

from .common import Context, use_colour


class _Archform(click.Group):
    """The command group, and the boundary where a failure the user can act on — a damaged or
    unreachable state, a bad plan file, a file that cannot be written — becomes one line
    saying what and what to do, and exit code 1, never a traceback."""

    def invoke(self, ctx):
        from ..planfile import PlanFileError
        from ..state_integrity import StateError
        try:
            return super().invoke(ctx)
        except StateError as e:
            _fail(f"error: {e}", e.hint)
        except PlanFileError as e:
            _fail(f"error: {e}", "make a new plan: archform plan --out FILE")
        except BrokenPipeError:
            raise
        except OSError as e:
            where = f" {e.filename}" if getattr(e, "filename", None) else ""
            _fail(f"error: cannot use{where}: {e.strerror or e}")


def _fail(message: str, hint: str = ""):
    click.echo(message, err=True)
    if hint:
        click.echo(f"  {hint}", err=True)
    sys.exit(1)


@click.group(cls=_Archform, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(package_name="archform", prog_name="archform")
@click.option("--no-color", is_flag=True, help="Plain text even on a terminal.")
@click.option("--chdir", type=click.Path(file_okay=False), help="Work from this directory.")
@click.pass_context
def main(ctx, no_color, chdir):
    """Typed cloud architectures: validate, plan, apply, diagram, break on purpose."""
    _tune_runtime()
    if chdir:
        os.chdir(chdir)
    ctx.obj = Context(colour=use_colour(no_color))


def _tune_runtime():
    """A command runs once and exits; what it builds (the resolved graph, the plan, the state)
    lives until the end and holds almost no reference cycles. Python's cycle collector would
    only walk those structures again and again (a single pass after resolving 5,000
    resources took 0.3 s), so a command runs without it; memory is still freed by reference
    counting as usual. pydantic needs no plugin discovery here."""
    import gc
    gc.disable()
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")


def _register_commands():
    """The commands, each group defined in its own module."""
    import importlib
    for name in ("validate", "fmt", "kinds", "plan", "state", "sim", "chaos", "cfn", "diagram", "reach", "check", "symbols"):
        importlib.import_module(f"{__name__}.{name}").register(main)


_register_commands()


def run():
    """The `archform` executable: run a command, then leave without tearing down the heap.

    A plan of 10,000 resources builds a few million small objects; handing each back to the
    allocator when the interpreter shuts down took 0.5 s, a third of the whole command, to
    free memory the operating system reclaims at once anyway. So once the command has
    finished (its state committed and closed, its output written) the process flushes its
    streams, runs the exit handlers and waits for its threads as a normal exit would, and
    then ends with os._exit. Code that calls `main` in-process (tests, the pytest plugin)
    keeps Python's normal shutdown."""
    try:
        main()  # click's standalone mode always ends in SystemExit
        code = 0
    except SystemExit as e:
        code = _exit_code(e.code)
    except MemoryError:  # the machine's limit (ulimit -v), not a bug: one line, not a traceback
        sys.stderr.write("error: archform ran out of memory (a limit on this process's memory is lower "
                         "than this command needs)\n")
        code = 1
    except Exception as e:  # a bug of archform's: say so in one line; the traceback on request
        code = _internal_error(e)
    _leave(code)


INTERNAL_ERROR = 70  # EX_SOFTWARE


def _internal_error(e: Exception) -> int:
    """One line for a bug (not the user's mistake), and how to get the traceback for a report."""
    import os
    if os.environ.get("ARCHFORM_TRACEBACK"):
        import traceback
        traceback.print_exception(e, file=sys.stderr)
    else:
        where = e.__traceback__
        while where is not None and where.tb_next is not None:
            where = where.tb_next
        at = f" at {os.path.basename(where.tb_frame.f_code.co_filename)}:{where.tb_lineno}" if where else ""
        sys.stderr.write(f"error: internal error in archform (a bug, not a mistake in your input): "
                         f"{type(e).__name__}: {e}{at}\n"
                         "  = help: run again with ARCHFORM_TRACEBACK=1 for the traceback to report\n")
    return INTERNAL_ERROR


def _exit_code(code) -> int:
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    sys.stderr.write(f"{code}\n")  # what Python prints for sys.exit("message")
    return 1


def _leave(code: int):
    import atexit
    import threading
    try:
        for thread in threading.enumerate():
            if thread is not threading.main_thread() and not thread.daemon:
                thread.join()
        atexit._run_exitfuncs()
        sys.stdout.flush()
        sys.stderr.flush()
    except BrokenPipeError:  # `archform plan | head`: the reader left; nothing more to say
        code = code or 1
    except BaseException:
        raise SystemExit(code)  # fall back to the interpreter's own shutdown
    os._exit(code)

