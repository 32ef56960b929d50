"""Citations of the notes (`notes §7.2.1`) are the project's sources, not its users': the
report and the chaos run leave them out of what they show. `plain(text)` removes the usual
forms — "(notes §7.2.2)", "(…; notes §7.2.1)", "(notes §3.4: …)", "— notes §10.5" — and leaves
the sentence around them whole."""

from __future__ import annotations

import re

_NUM = r"§\d+(?:\.\d+)*"
_CITES = rf"notes {_NUM}(?:(?:,|, and| and| or)\s*{_NUM})*"
_PATTERNS = (
    (re.compile(rf"\s*\({_CITES}\)"), ""),           # " (notes §7.2.2)"
    (re.compile(rf"\({_CITES}:\s*"), "("),           # "(notes §3.4: security groups …)"
    (re.compile(rf"\s*[;,]\s*{_CITES}(?=\))"), ""),  # "(…, reads 3; notes §7.2.1)"
    (re.compile(rf"\s*[—–]\s*{_CITES}"), ""),        # " — notes §10.5"
)


def plain(text: str) -> str:
    if "notes §" not in text:
        return text
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text
