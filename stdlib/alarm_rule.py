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
    op: str  # AND | OR (two or more args) | NOT (one) | TRUE | FALSE (none)
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


MAX_DEPTH = 100  # nesting of NOT and parentheses this parser follows (the recursion stays shallow)


def parse(text: str):
    """The rule's tree; RuleError for a rule AWS would refuse."""
    if len(text) > MAX_LENGTH:
        raise RuleError(f"a composite alarm's rule is at most {MAX_LENGTH:,} characters, got {len(text):,}", 0)
    tokens = _tokens(text)
    if not tokens:
        raise RuleError("the rule is empty", 0)
    p = _Parser(tokens, len(text))
    tree = p.expr_or(0)
    if p.pos < len(tokens):
        kind, value, at = tokens[p.pos]
        if kind == "word" and value.upper() in ("AND", "OR"):
            raise RuleError(f"'{value}' is written in capitals: {value.upper()}", at)
        raise RuleError(f"expected AND or OR, got '{value}'", at)
    return tree


class _Parser:
    """Recursive descent over the tokens (a class, not closures: closures that call each other
    are reference cycles, left for the cycle collector that commands run without)."""

    def __init__(self, tokens: list, end: int):
        self.tokens, self.end, self.pos = tokens, end, 0

    def peek(self):
        return self.tokens[self.pos] if self.pos < len(self.tokens) else (None, None, self.end)

    def take(self):
        tok = self.peek()
        self.pos += 1
        return tok

    def keyword(self, word: str) -> bool:
        kind, value, _ = self.peek()
        return kind == "word" and value == word

    def expr_or(self, depth: int):  # a run of ORs is one node: a long rule stays shallow
        terms = [self.expr_and(depth)]
        while self.keyword("OR"):
            self.take()
            terms.append(self.expr_and(depth))
        return terms[0] if len(terms) == 1 else Op("OR", tuple(terms))

    def expr_and(self, depth: int):
        terms = [self.expr_not(depth)]
        while self.keyword("AND"):
            self.take()
            terms.append(self.expr_not(depth))
        return terms[0] if len(terms) == 1 else Op("AND", tuple(terms))

    def expr_not(self, depth: int):
        if depth > MAX_DEPTH:
            raise RuleError(f"the rule nests NOT and parentheses more than {MAX_DEPTH} deep", self.peek()[2])
        if self.keyword("NOT"):
            self.take()
            return Op("NOT", (self.expr_not(depth + 1),))
        return self.atom(depth)

    def atom(self, depth: int):
        kind, value, at = self.take()
        if kind == "open":
            inner = self.expr_or(depth + 1)
            if self.take()[0] != "close":
                raise RuleError("a '(' is not closed", at)
            return inner
        if kind == "word" and value in ("TRUE", "FALSE"):
            return Op(value)
        if kind == "word" and value in STATES:
            if self.take()[0] != "open":
                raise RuleError(f"{value} takes an alarm: {value}(name)", at)
            k, name, where = self.take()
            if k not in ("word", "quoted"):
                raise RuleError(f"{value}( names an alarm", where)
            if self.take()[0] != "close":
                raise RuleError(f"{value}(…) takes one alarm", where)
            return State(value, name[1:-1].replace('\\"', '"') if k == "quoted" else name)
        if kind is None:
            raise RuleError("the rule ends where an alarm state was expected", at)
        if kind == "word" and value.upper() in (*STATES, "AND", "OR", "NOT", "TRUE", "FALSE"):
            raise RuleError(f"'{value}' is written in capitals: {value.upper()}", at)
        raise RuleError(f"expected ALARM(…), OK(…), INSUFFICIENT_DATA(…), TRUE, FALSE, NOT or '(', got '{value}'", at)


def names(tree) -> list[str]:
    """The alarms the rule names, in order of first mention."""
    found: list[str] = []
    todo = [tree]
    while todo:
        t = todo.pop()
        if isinstance(t, State):
            if t.name not in found:
                found.append(t.name)
        else:
            todo.extend(reversed(t.args))
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
        return all(holds(a, states) for a in tree.args)
    return any(holds(a, states) for a in tree.args)


def any_of(names_: list[str]) -> str:
    """The rule a composite alarm has when none is written: any member in ALARM."""
    return " OR ".join(f"ALARM({n})" for n in names_)
