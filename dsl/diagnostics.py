"""Diagnostics: what archform tells a person about their file.

A diagnostic is a value: a severity, a one-line summary, an optional detail, the primary span
(the offending text, underlined), secondary labelled spans ("declared here") and an optional
help line (a did-you-mean or the rule's fix). Every stage returns a list of them; only the CLI
boundary turns them into an exit code. Rendering is deterministic: no colour unless asked.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, replace
from typing import Iterable

ERROR = "error"
WARNING = "warning"


class Source:
    """A file's text and where its lines start, shared by every span into it.

    The line starts are found once, the first time a position or a line is asked for, so
    reporting many diagnostics in a large file costs a lookup each, not a pass over the file.
    `quote` is False for text that is not `.arch` source (a `use` of some other file, a file
    named on the command line): diagnostics then give its position but never its lines."""

    __slots__ = ("file", "text", "quote", "_starts")

    def __init__(self, file: str, text: str, quote: bool = True):
        self.file = file
        self.text = text
        self.quote = quote
        self._starts: list[int] | None = None

    def _line_starts(self) -> list[int]:
        if self._starts is None:
            starts = [0]
            find = self.text.find
            i = find("\n")
            while i >= 0:
                starts.append(i + 1)
                i = find("\n", i + 1)
            self._starts = starts
        return self._starts

    def line_col(self, pos: int) -> tuple[int, int]:
        starts = self._line_starts()
        line = bisect_right(starts, pos)
        return line, pos - starts[line - 1] + 1

    def line(self, number: int) -> str | None:
        """The text of line `number` (1-based, without its newline), or None past the end."""
        starts = self._line_starts()
        if not 1 <= number <= len(starts):
            return None
        end = starts[number] - 1 if number < len(starts) else len(self.text)
        return self.text[starts[number - 1]:end]

    def __reduce__(self):
        return (Source, (self.file, self.text, self.quote))


class Span:
    """A range of source text, by offset; lines and columns (1-based, end exclusive) are
    computed when asked, so building spans while parsing costs almost nothing."""

    __slots__ = ("source", "start_pos", "end_pos")

    def __init__(self, source: Source, start_pos: int, end_pos: int):
        self.source = source
        self.start_pos = start_pos
        self.end_pos = end_pos

    @property
    def file(self) -> str:
        return self.source.file

    @property
    def start_line(self) -> int:
        return self.source.line_col(self.start_pos)[0]

    @property
    def start_col(self) -> int:
        return self.source.line_col(self.start_pos)[1]

    @property
    def end_line(self) -> int:
        return self.source.line_col(self.end_pos)[0]

    @property
    def end_col(self) -> int:
        return self.source.line_col(self.end_pos)[1]

    @property
    def text(self) -> str:
        return self.source.text[self.start_pos:self.end_pos]

    def __eq__(self, other):
        return (isinstance(other, Span) and self.start_pos == other.start_pos
                and self.end_pos == other.end_pos and self.source.file == other.source.file)

    def __hash__(self):
        return hash((self.source.file, self.start_pos, self.end_pos))

    def __repr__(self) -> str:
        return f"Span({self})"

    def __str__(self) -> str:
        line, col = self.source.line_col(self.start_pos)
        return f"{self.file}:{line}:{col}"

    def __reduce__(self):
        return (Span, (self.source, self.start_pos, self.end_pos))

    def to(self, other: "Span") -> "Span":
        """The span covering self up to the end of `other` (same file)."""
        return Span(self.source, self.start_pos, other.end_pos)

    def json(self) -> dict:
        sl, sc = self.source.line_col(self.start_pos)
        el, ec = self.source.line_col(self.end_pos)
        return {
            "filename": self.file,
            "start": {"line": sl, "column": sc, "byte": self.start_pos},
            "end": {"line": el, "column": ec, "byte": self.end_pos},
        }


@dataclass(frozen=True, slots=True)
class Label:
    span: Span
    message: str


@dataclass(frozen=True)
class Diagnostic:
    severity: str
    summary: str
    span: Span | None = None
    detail: str = ""
    help: str = ""
    labels: tuple[Label, ...] = ()
    code: str = ""

    @property
    def is_error(self) -> bool:
        return self.severity == ERROR

    def sort_key(self):
        s = self.span
        return (s.file, s.start_pos, s.start_line, s.start_col, self.summary) if s else ("", 0, 0, 0, self.summary)


SUMMARY_WIDTH = 300  # a summary quoting a huge value is cut in the middle


def _short(text: str) -> str:
    if len(text) <= SUMMARY_WIDTH:
        return text
    return f"{text[:200]}…({len(text) - 260:,} characters)…{text[-60:]}"


def error(summary: str, span: Span | None = None, *, detail: str = "", help: str = "",
          labels: Iterable[Label] = (), code: str = "") -> Diagnostic:
    return Diagnostic(ERROR, _short(summary), span, detail, _short(help), tuple(labels), code)


def warning(summary: str, span: Span | None = None, *, detail: str = "", help: str = "",
            labels: Iterable[Label] = (), code: str = "") -> Diagnostic:
    return Diagnostic(WARNING, _short(summary), span, detail, _short(help), tuple(labels), code)


class EvalError(Exception):
    """One mistake found while evaluating, as a diagnostic; None when it was already reported
    where it happened. Raised inside evaluation, caught by whoever reports it and moves on."""

    def __init__(self, diagnostic: Diagnostic | None):
        super().__init__(diagnostic.summary if diagnostic else "reported elsewhere")
        self.diagnostic = diagnostic


def caller_labels(span: Span | None, callers: tuple) -> list[Label]:
    """A label at each module instance (innermost first) whose block is in another file than
    `span`: the use of the module that made the resource the diagnostic is about."""
    if span is None:
        return []
    return [Label(call, f"in module instance {instance}") for instance, call in callers
            if call is not None and call.file != span.file]


def with_callers(d: Diagnostic, callers: tuple) -> Diagnostic:
    labels = caller_labels(d.span, callers)
    return replace(d, labels=(*d.labels, *labels)) if labels else d


class DiagnosticError(Exception):
    """Raised at a boundary that cannot continue; carries the diagnostics gathered so far."""

    def __init__(self, diagnostics: list[Diagnostic]):
        super().__init__("; ".join(d.summary for d in diagnostics))
        self.diagnostics = diagnostics


def has_errors(diags: Iterable[Diagnostic]) -> bool:
    return any(d.is_error for d in diags)


def sort_diagnostics(diags: Iterable[Diagnostic | None]) -> list[Diagnostic]:
    seen = set()
    out = []
    for d in sorted((d for d in diags if d is not None), key=Diagnostic.sort_key):
        key = (d.severity, d.summary, d.span, d.help)
        if key not in seen:
            seen.add(key)
            out.append(d)
    return out


# --- rendering ---------------------------------------------------------------------------

_COLOURS = {"error": "\x1b[1;31m", "warning": "\x1b[1;33m", "note": "\x1b[1;36m",
            "bold": "\x1b[1m", "blue": "\x1b[1;34m", "reset": "\x1b[0m"}


def _line_of(span: Span, line: int) -> str | None:
    """The source line a snippet shows, or None (past the end, or text that is not quoted)."""
    if not span.source.quote:
        return None
    text = span.source.line(line)
    return None if text is None else text.rstrip("\r").expandtabs(1)


def _underline(span: Span, line_text: str, line_no: int, mark: str) -> tuple[int, int]:
    start = span.start_col if span.start_line == line_no else 1
    end = span.end_col if span.end_line == line_no else len(line_text) + 1
    if end <= start:
        end = start + 1
    return start, end


SNIPPET_WIDTH = 160  # a longer line is shown as the part around its caret


def _window(text: str, start: int, end: int) -> tuple[str, int]:
    """(what to show of a long line, how many columns were cut before it) for columns
    start..end (1-based): the underlined text with some context, marked with `…` where cut."""
    if len(text) <= SNIPPET_WIDTH:
        return text, 0
    first = max(0, min(start - 1 - 40, len(text) - SNIPPET_WIDTH))
    shown = text[first:first + SNIPPET_WIDTH]
    lead = "…" if first > 0 else ""
    tail = "…" if first + SNIPPET_WIDTH < len(text) else ""
    return lead + shown + tail, first - len(lead)


def render(diag: Diagnostic, colour: bool = False) -> str:
    """Render one diagnostic as text, rustc-style."""
    c = _COLOURS if colour else {k: "" for k in _COLOURS}
    out = [f"{c[diag.severity]}{diag.severity}{c['reset']}{c['bold']}: {diag.summary}{c['reset']}"]
    spans = []
    if diag.span is not None:
        spans.append((diag.span, "", "^", True))
    for lab in diag.labels:
        spans.append((lab.span, lab.message, "-", False))
    width = max([len(str(s.end_line)) for s, *_ in spans] + [1])
    pad = " " * width
    current_file = None
    for span, message, mark, primary in spans:
        if span.file != current_file or not primary:
            arrow = "-->" if primary else ":::"
            out.append(f"{pad}{c['blue']}{arrow}{c['reset']} {span}")
            current_file = span.file
        text = _line_of(span, span.start_line)
        if text is None:
            if message:
                out.append(f"{pad} {c['blue']}={c['reset']} {message}")
            continue
        start, end = _underline(span, text, span.start_line, mark)
        text, cut = _window(text, start, end)
        start, end = max(1, start - cut), max(1, min(end - cut, len(text) + 1))
        if end <= start:
            end = start + 1
        out.append(f"{pad} {c['blue']}|{c['reset']}")
        out.append(f"{c['blue']}{str(span.start_line).rjust(width)} |{c['reset']} {text}")
        colour_mark = c[diag.severity] if primary else c["blue"]
        under = " " * (start - 1) + mark * (end - start)
        tail = f" {message}" if message else ""
        if span.end_line > span.start_line:
            tail += f" (to line {span.end_line})" if not message else ""
        out.append(f"{pad} {c['blue']}|{c['reset']} {colour_mark}{under}{tail}{c['reset']}")
    if diag.detail:
        for i, line in enumerate(diag.detail.split("\n")):
            lead = "= note:" if i == 0 else "       "
            out.append(f"{pad} {c['blue']}{lead}{c['reset']} {line}")
    if diag.help:
        out.append(f"{pad} {c['blue']}= help:{c['reset']} {diag.help}")
    return "\n".join(out)


def render_all(diags: Iterable[Diagnostic], colour: bool = False) -> str:
    diags = list(diags)
    parts = [render(d, colour) for d in diags]
    errors = sum(1 for d in diags if d.is_error)
    warnings = len(diags) - errors
    if diags:
        parts.append(summary_line(errors, warnings))
    return "\n\n".join(parts) + ("\n" if parts else "")


def summary_line(errors: int, warnings: int) -> str:
    bits = []
    if errors:
        bits.append(f"{errors} error{'s' if errors != 1 else ''}")
    if warnings:
        bits.append(f"{warnings} warning{'s' if warnings != 1 else ''}")
    return "found " + " and ".join(bits) if bits else "no problems found"


def to_json(diag: Diagnostic) -> dict:
    """The machine-readable form (shape follows `terraform validate -json`)."""
    out: dict = {"severity": diag.severity, "summary": diag.summary, "detail": diag.detail}
    if diag.code:
        out["code"] = diag.code
    if diag.help:
        out["help"] = diag.help
    if diag.span is not None:
        out["range"] = diag.span.json()
        text = _line_of(diag.span, diag.span.start_line)
        if text is not None:
            start = diag.span.start_col
            end = diag.span.end_col if diag.span.end_line == diag.span.start_line else len(text) + 1
            text, cut = _window(text, start, end)
            out["snippet"] = {
                "code": text,
                "start_line": diag.span.start_line,
                "highlight_start_offset": max(0, start - 1 - cut),
                "highlight_end_offset": min(max(end - 1, start) - cut, len(text)),
            }
    if diag.labels:
        out["labels"] = [{"message": lab.message, "range": lab.span.json()} for lab in diag.labels]
    return out
