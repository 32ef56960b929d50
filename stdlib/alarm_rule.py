"""A composite alarm's rule (CloudWatch `AlarmRule`): `ALARM(name)`, `OK(name)`,
`INSUFFICIENT_DATA(name)`, `TRUE`, `FALSE`, combined with `AND`, `OR`, `NOT` and parentheses
(NOT binds tightest, then AND, then OR, as AWS evaluates them). A name is written bare
(`ALARM(cpu_high)`) or in double quotes (`ALARM("cpu-high")`).

`parse` gives a tree the catalogue checks (which alarms it names) and the chaos engine
evaluates (`holds`, from the member alarms' states). Pure functions."""

from __future__ import annotations

import re
from dataclasses import dataclass

STATES = ("ALARM", "OK", "INSUFFICIENT_DATA")
MAX_LENGTH = 10_240  # PutCompositeAlarm: AlarmRule is at most 10,240 characters
MAX_CHILDREN = 100  # PutCompositeAlarm: "as many as 100 'children' alarms"

_TOKEN = re.compile(r'\s*(?:(?P<open>\()|(?P<close>\))|(?P<quoted>"(?:[^"\\]|\\.)*")|(?P<word>[A-Za-z0-9_.:/\-]+))')


class RuleError(ValueError):
    """A rule AWS would refuse; `at` is the character offset where it went wrong."""

    def __init__(self, message: str, at: int):
        super().__init__(message)
        self.at = at


@dataclass(frozen=True)
class State:
    state: str  # ALARM | OK | INSUFFICIENT_DATA
    name: str


@dataclass(frozen=True)
class Op:
    op: str  # AND | OR | NOT | TRUE | FALSE
    args: tuple = ()


def _tokens(text: str) -> list[tuple[str, str, int]]:
    out, pos = [], 0
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise RuleError(f"unexpected '{text[pos:].strip()[:1]}' in the rule", pos)
        kind = m.lastgroup
        value = m.group(kind)
        out.append((kind, value, m.start(kind)))
        pos = m.end()
    return out


def parse(text: str):
    """The rule's tree; RuleError for a rule AWS would refuse."""
    if len(text) > MAX_LENGTH:
        raise RuleError(f"a composite alarm's rule is at most {MAX_LENGTH:,} characters, got {len(text):,}", 0)
    tokens = _tokens(text)
    if not tokens:
        raise RuleError("the rule is empty", 0)
    pos = 0

    def peek():
        return tokens[pos] if pos < len(tokens) else (None, None, len(text))

    def take():
        nonlocal pos
        tok = peek()
        pos += 1
        return tok

    def expr_or():
        left = expr_and()
        while peek()[0] == "word" and peek()[1] == "OR":
            take()
            left = Op("OR", (left, expr_and()))
        return left

    def expr_and():
        left = expr_not()
        while peek()[0] == "word" and peek()[1] == "AND":
            take()
            left = Op("AND", (left, expr_not()))
        return left

    def expr_not():
        if peek()[0] == "word" and peek()[1] == "NOT":
            take()
            return Op("NOT", (expr_not(),))
        return atom()

    def atom():
        kind, value, at = take()
        if kind == "open":
            inner = expr_or()
            if take()[0] != "close":
                raise RuleError("a '(' is not closed", at)
            return inner
        if kind == "word" and value in ("TRUE", "FALSE"):
            return Op(value)
        if kind == "word" and value in STATES:
            if take()[0] != "open":
                raise RuleError(f"{value} takes an alarm: {value}(name)", at)
            k, name, where = take()
            if k not in ("word", "quoted"):
                raise RuleError(f"{value}( names an alarm", where)
            if take()[0] != "close":
                raise RuleError(f"{value}(…) takes one alarm", where)
            return State(value, name[1:-1].replace('\\"', '"') if k == "quoted" else name)
        if kind is None:
            raise RuleError("the rule ends where an alarm state was expected", at)
        if kind == "word" and value.upper() in (*STATES, "AND", "OR", "NOT", "TRUE", "FALSE"):
            raise RuleError(f"'{value}' is written in capitals: {value.upper()}", at)
        raise RuleError(f"expected ALARM(…), OK(…), INSUFFICIENT_DATA(…), TRUE, FALSE, NOT or '(', got '{value}'", at)

    tree = expr_or()
    if pos < len(tokens):
        kind, value, at = tokens[pos]
        if kind == "word" and value.upper() in ("AND", "OR"):
            raise RuleError(f"'{value}' is written in capitals: {value.upper()}", at)
        raise RuleError(f"expected AND or OR, got '{value}'", at)
    return tree


def names(tree) -> list[str]:
    """The alarms the rule names, in order of first mention."""
    found: list[str] = []

    def walk(t):
        if isinstance(t, State):
            if t.name not in found:
                found.append(t.name)
        else:
            for a in t.args:
                walk(a)
    walk(tree)
    return found


def holds(tree, states: dict[str, str]) -> bool:
    """Whether the rule is true given each named alarm's state (a missing one: INSUFFICIENT_DATA)."""
    if isinstance(tree, State):
        return states.get(tree.name, "INSUFFICIENT_DATA") == tree.state
    if tree.op == "TRUE":
        return True
    if tree.op == "FALSE":
        return False
    if tree.op == "NOT":
        return not holds(tree.args[0], states)
    if tree.op == "AND":
        return holds(tree.args[0], states) and holds(tree.args[1], states)
    return holds(tree.args[0], states) or holds(tree.args[1], states)


def any_of(names_: list[str]) -> str:
    """The rule a composite alarm has when none is written: any member in ALARM."""
    return " OR ".join(f"ALARM({n})" for n in names_)
