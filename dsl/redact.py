"""Diagnostics that never show a secret.

A diagnostic raised while an expression read a secret (a sensitive param, or a value made from
one) may quote what it was evaluating: `quoted_hidden` replaces every quoted value in its text
with (sensitive). `scrub` is the last guard over all diagnostics: the secrets' own texts, wherever
they appear, become (sensitive). The place (file:line:col) and the source snippet stay: they
show the configuration, not the value.
"""

from __future__ import annotations

import dataclasses
import re

from .diagnostics import Diagnostic, Label

HIDDEN = "(sensitive)"
_QUOTED = re.compile(r"""(?<![\w'"])('[^'\n]{3,}'|"[^"\n]{3,}")(?![\w'"])""")
SHORTEST = 4  # texts shorter than this are not looked for (they would hide ordinary words)


def _map(diag: Diagnostic, fn) -> Diagnostic:
    labels = tuple(Label(lab.span, fn(lab.message)) for lab in diag.labels)
    return dataclasses.replace(diag, summary=fn(diag.summary), detail=fn(diag.detail), help=fn(diag.help),
                               labels=labels)


def quoted_hidden(diag: Diagnostic) -> Diagnostic:
    """`diag` with each quoted value ('…' or "…", three characters or more) shown as (sensitive)."""
    return _map(diag, lambda text: _QUOTED.sub(HIDDEN, text) if text else text)


def secret_texts(value, out: set[str]) -> set[str]:
    """The strings inside a value (a string, number, list or map) worth looking for."""
    if isinstance(value, str):
        if len(value) >= SHORTEST:
            out.add(value)
    elif isinstance(value, dict):
        for item in value.values():
            secret_texts(item, out)
    elif isinstance(value, (list, tuple)):
        for item in value:
            secret_texts(item, out)
    elif value is not None and not isinstance(value, bool):
        text = str(value)
        if len(text) >= SHORTEST:
            out.add(text)
    return out


def only_parts(value, parts):
    """Of a block value (a map, or a list of them), only the fields named in `parts`; the whole
    value when `parts` is None. The texts of a secret param or let read into another field are
    looked for anyway, as the secret's own."""
    if parts is None:
        return value
    if isinstance(value, dict):
        return {k: item for k, item in value.items() if k in parts}
    if isinstance(value, (list, tuple)):
        return [only_parts(item, parts) for item in value]
    return value


def scrub(diags: list[Diagnostic], secrets: set[str]) -> list[Diagnostic]:
    """`diags` with every occurrence of a secret (in any letter case) shown as (sensitive)."""
    if not secrets or not diags:
        return diags
    pattern = re.compile("|".join(re.escape(s) for s in sorted(secrets, key=len, reverse=True)), re.IGNORECASE)

    def hide(text: str) -> str:
        return pattern.sub(HIDDEN, text) if text else text
    return [_map(d, hide) for d in diags if d is not None]
