"""What the fuzzer feeds archform: programs generated from the grammar, and byte-level mutations
of every `.arch` file of the examples, the library and the tests.

Both are hypothesis strategies of bytes, each drawing a seed that a fast generator expands
(hypothesis' own `from_lark` takes a third of a second an example on this grammar; these take
a millisecond). `programs()` expands the rules of `dsl/grammar.lark` at random, bounded in
depth and size, with terminals drawn from ordinary and hostile spellings: the catalogue's kinds
and attributes where a block or an attribute begins, huge numbers, long and broken strings,
odd units, interpolations. `function_calls()` calls the function library on ordinary and
hostile arguments (empty separators, huge widths, long strings and lists). `mutants()` takes a corpus file and applies one to
eight byte-level edits drawn from a seed: bit flips, interesting bytes, deletions, insertions of
tokens and random bytes, duplications, a chunk repeated up to thousands of times (long chains,
deep nesting, big files), splices from another file, swapped lines, truncation. Mutants may
be invalid UTF-8 on purpose.
"""

from __future__ import annotations

import random
from functools import lru_cache
from pathlib import Path

from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parents[2]

KEYWORDS = ["use", "param", "let", "output", "region", "moved", "as", "for", "in", "if", "true", "false",
            "null", "not", "and", "or"]

# spellings a mutation inserts: the language's own, and the ones a hostile or careless hand writes
TOKENS = [kw.encode() for kw in KEYWORDS] + [t.encode() for t in [
    "{", "}", "[", "]", "(", ")", "=", ":", ",", ".", "?", "-", "*", "!", "->", "==", "!=", "<=", ">=", "<", ">",
    "+", "/", "%", "&&", "||", "..", '"', "${", "}\"", "\\", "#", "//", "/*", "*/", "\n", "\r\n", "\t", " ",
    "for x in ", " if ", "region ", 'region "us-east-1" as r { ', "vpc v { cidr = 10.0.0.0/16 }",
    "let a = ", "output o = ", "param p: ", "use \"./m\" as m\n", 'use "../../../etc/passwd" as p\n',
    'use "stdlib/network/three_tier" as t\n', 'file("main.arch")', 'file("/etc/passwd")', 'file("/dev/zero")',
    "range(10000)", "range(0, 1, 0)", "[for x in range(10000) : x]", '"${a}${a}"', "x[*]", "x[0]", ".id",
    "cidrsubnet(10.0.0.0/8, 8, 300)", "jsonencode(", "flatten(", "length(", "format(\"%s\", ", "split(\",\", ",
    "10.0.0.0/99", "10.0.0.300", "999.999.999.999/999", "1..0", "0..99999999999999999999", "5zz", "1e5",
    "99999999999999999999999999999999999999", "1" + "0" * 120, "0.000000000000000000001", "1/0", "-0",
    "65536", "40%", "1000%", "10GiB", "10PiB", "7d", "0s", "m5.large", "db.r6g.xlarge", "us-east-1a",
    "\u00e9", "\u202e", "\U0001f600", "\x00", "\xff",
]] + [b"\xff\xfe", b"\xc3", b"\xed\xa0\x80", b"\x00"]

_INTERESTING = b'\x00\xff\x7f"{}[]()$\\\n\r\t#/*.,=:-!?%&|<>'


@lru_cache(maxsize=1)
def corpus() -> tuple[tuple[str, bytes], ...]:
    """(path relative to the repository, bytes) of every .arch file of the examples, the library
    and the tests."""
    files = []
    for folder in ("examples", "stdlib", "tests"):
        for p in sorted((ROOT / folder).rglob("*.arch")):
            if ".venv" not in p.parts:
                files.append((p.relative_to(ROOT).as_posix(), p.read_bytes()))
    return tuple(files)


def mutate(data: bytes, rng: random.Random, others: tuple[bytes, ...] = ()) -> bytes:
    """One to eight byte-level edits of `data`."""
    buf = bytearray(data)
    for _ in range(rng.randint(1, 8)):
        op = rng.randrange(10)
        n = len(buf)
        i = rng.randrange(n + 1)
        j = min(n, i + rng.randint(1, 64))
        if op == 0 and n:  # flip a bit
            k = rng.randrange(n)
            buf[k] ^= 1 << rng.randrange(8)
        elif op == 1 and n:  # an interesting byte
            buf[rng.randrange(n)] = rng.choice(_INTERESTING)
        elif op == 2:  # delete
            del buf[i:j]
        elif op == 3:  # insert a token
            buf[i:i] = rng.choice(TOKENS)
        elif op == 4:  # insert random bytes
            buf[i:i] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 16)))
        elif op == 5:  # duplicate a range
            buf[j:j] = buf[i:j]
        elif op == 6:  # repeat a small chunk many times: long chains, deep nesting, big files
            chunk = bytes(buf[i:min(n, i + rng.randint(1, 8))]) or rng.choice(TOKENS)
            buf[i:i] = chunk * rng.choice([10, 100, 600, 2000])
        elif op == 7 and others:  # splice a piece of another file
            other = rng.choice(others)
            a = rng.randrange(len(other) + 1)
            buf[i:j] = other[a:a + rng.randint(1, 400)]
        elif op == 8:  # swap two lines
            lines = bytes(buf).split(b"\n")
            if len(lines) > 1:
                a, b = rng.randrange(len(lines)), rng.randrange(len(lines))
                lines[a], lines[b] = lines[b], lines[a]
                buf = bytearray(b"\n".join(lines))
        elif op == 9 and n:  # truncate
            del buf[rng.randrange(n):]
    return bytes(buf)


def mutants() -> st.SearchStrategy[bytes]:
    """A corpus file with byte-level edits, drawn from a seed (so hypothesis stays fast)."""
    files = corpus()
    everything = tuple(data for _, data in files)

    def build(choice):
        index, seed = choice
        return mutate(files[index][1], random.Random(seed), everything)
    return st.tuples(st.integers(0, len(files) - 1), st.integers(0, 2**63)).map(build)


_STRINGS = ['"web"', '"us-east-1"', '"us-east-1a"', '"a-${1 + 2}"', '"x\\ty"', '""', '"${a}${a}"', '"${"',
            '"\\q"', '"' + "s" * 300 + '"', '"${x.y[*].z}"', '"10.0.0.0/16"', '"stdlib/network/three_tier"',
            '"../outside.arch"', '"/etc/passwd"', '"ami-0a1b2c3d4e5f60718"', '"${region}"', '"m5.large"']
_SAMPLES = {
    "DIGIT_WORD": ["2xlarge", "4xlarge", "16xlarge", "9" * 200],
    "STRING": _STRINGS,
    "NUMBER": ["0", "1", "2", "3", "42", "1.5", "443", "65536", "9" * 40, "9" * 120, "0.0001"],
    "QUANTITY": ["30s", "5m", "7d", "10GiB", "256KB", "40%", "5zz", "9" * 60 + "s", "0s", "100%"],
    "CIDR": ["10.0.0.0/16", "10.0.1.0/24", "192.168.0.0/28", "10.0.0.1/16", "1.2.3.4/99", "0.0.0.0/0"],
    "IP": ["10.0.0.5", "192.168.1.1", "300.1.1.1"],
    "PORT_RANGE": ["80..443", "1024..65535", "9..1", "0..99999999"],
    "BINOP": ["==", "!=", "<", "<=", ">", ">=", "+", "/", "%", "&&", "||", "and", "or"],
    "NOT": ["!", "not"],
}
_NAMES = ["a", "b", "x", "web", "main", "net", "primary", "zones", "tags", "name", "cidr", "az", "vpc", "id",
          "range", "file", "length", "join", "format", "cidrsubnet", "region", "each", "key", "value"]
_FUNCTIONS = ["cidrsubnet", "cidrsubnets", "cidrhost", "length", "concat", "flatten", "range", "join", "split",
              "format", "jsonencode", "file", "lookup", "merge", "zipmap", "min", "max", "sum", "tostring",
              "tonumber", "replace", "substr", "upper", "sort", "distinct", "keys", "values", "coalesce", "zones"]
MAX_TOKENS = 400


class Grammar:
    """Random programs of `dsl/grammar.lark`: each nonterminal expands by a rule chosen at
    random until a depth or size is reached, then by the rule that ends soonest. No
    recursion: an explicit stack, so deep programs cost nothing to make."""

    def __init__(self):
        from lark import Lark

        from archform.dsl.parser import GRAMMAR
        from archform.stdlib import catalogue
        lark = Lark(GRAMMAR.read_text() + "\n%import common.WS\n%ignore WS\n", parser="lalr", lexer="basic",
                    start=["start"])
        self.rules: dict[str, list[list[tuple[str, bool]]]] = {}
        for rule in lark.rules:
            self.rules.setdefault(rule.origin.name, []).append([(sym.name, sym.is_term) for sym in rule.expansion])
        self.fixed = {t.name: t.pattern.value for t in lark.terminals if t.pattern.type == "str"}
        self.kinds = sorted(catalogue.LAZY)
        attrs = set()
        for kind in self.kinds:
            model = catalogue.LAZY[kind]
            attrs.update(f.alias or n for n, f in model.model_fields.items() if n != "kind")
            attrs.update(getattr(model, "children", {}) or {})
        self.attributes = sorted(attrs)
        self.height = self._heights()

    def _heights(self) -> dict[str, int]:
        """How many levels each nonterminal needs at least to end in terminals."""
        height = {name: 10**6 for name in self.rules}
        changed = True
        while changed:
            changed = False
            for name, alternatives in self.rules.items():
                for expansion in alternatives:
                    h = 1 + max((0 if term else height[sym] for sym, term in expansion), default=0)
                    if h < height[name]:
                        height[name], changed = h, True
        return height

    def program(self, rng: random.Random) -> str:
        max_depth = rng.choice([6, 10, 16, 30])
        out: list[str] = []
        stack: list[tuple[str, bool, int, str, int]] = [("start", False, 0, "", 0)]
        while stack:
            sym, term, depth, parent, position = stack.pop()
            if term:
                out.append(self._terminal(sym, parent, position, rng))
                continue
            alternatives = self.rules[sym]
            if depth >= max_depth or len(out) > MAX_TOKENS:
                best = min(1 + max((0 if t else self.height[s] for s, t in e), default=0) for e in alternatives)
                alternatives = [e for e in alternatives
                                if 1 + max((0 if t else self.height[s] for s, t in e), default=0) == best]
            expansion = rng.choice(alternatives)
            for i in range(len(expansion) - 1, -1, -1):
                s, t = expansion[i]
                stack.append((s, t, depth + 1, sym, i))
        return " ".join(out) + "\n"

    def _terminal(self, name: str, parent: str, position: int, rng: random.Random) -> str:
        if name == "NAME":
            if parent == "block" and position == 0:
                return rng.choice(self.kinds) if rng.random() < 0.8 else rng.choice(_NAMES)
            if parent in ("attribute", "attr_key") or (parent == "block" and position == 1 and rng.random() < 0.2):
                return rng.choice(self.attributes) if rng.random() < 0.7 else rng.choice(_NAMES)
            if parent == "primary" and rng.random() < 0.3:
                return rng.choice(_FUNCTIONS)
            return rng.choice(_NAMES)
        if name in _SAMPLES:
            return rng.choice(_SAMPLES[name])
        return self.fixed.get(name, name.lower())


@lru_cache(maxsize=1)
def grammar() -> Grammar:
    return Grammar()


def programs() -> st.SearchStrategy[bytes]:
    """Programs of the grammar (dsl/grammar.lark), with ordinary and hostile terminals."""
    g = grammar()
    return st.integers(0, 2**63).map(lambda seed: g.program(random.Random(seed)).encode())


_ARGUMENTS = ['0', '1', '-1', '3', '1.5', '1/3', '9' * 30, '"a"', '""', '"a,b,c"', '"%s"', '"%5d"', '"%1000s"',
              '"%' + '9' * 50 + 's"', '[]', '[1, 2]', '["b", "a"]', '[[1], [2, [3]]]', '{}', '{ a = 1 }',
              '10.0.0.0/16', '10.0.0.0/32', '0.0.0.0/0', '30s', '10GiB', '40%', 'true', 'null', 'm5.large',
              '[1, "a", true]', '[null]', '65536', '[for x in range(10000) : "${x}"]', 'range(10000)',
              'join("", [for x in range(10000) : "aaaaaaaaaa"])', '"${"x"}${"y"}"', 'file("main.arch")']


def calls(rng: random.Random) -> str:
    """`output o = f(...)`: a function of the library on ordinary and hostile arguments, the
    arguments themselves sometimes calls."""
    from archform.dsl.functions import FUNCTIONS
    names = sorted(FUNCTIONS)

    def call(depth: int) -> str:
        args = [call(depth + 1) if depth < 2 and rng.random() < 0.2 else rng.choice(_ARGUMENTS)
                for _ in range(rng.choice([0, 1, 1, 2, 2, 2, 3, 4]))]
        return f"{rng.choice(names)}({', '.join(args)})"
    return f"output o = {call(0)}\n"


def function_calls() -> st.SearchStrategy[bytes]:
    return st.integers(0, 2**63).map(lambda seed: calls(random.Random(seed)).encode())


def inputs() -> st.SearchStrategy[bytes]:
    return st.one_of(programs(), mutants(), function_calls())
