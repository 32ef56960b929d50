"""Properties of the language front end, checked with hypothesis.

- every string generated from the grammar parses, and resolving it never raises;
- random mutations of real files never raise: only diagnostics come back;
- `fmt` is idempotent and never changes meaning (the resolved graph is the same).
"""

from pathlib import Path

from hypothesis import given, settings, strategies as st
from hypothesis.extra.lark import from_lark
from lark import Lark

from archform.dsl.fmt import format_source
from archform.dsl.parser import GRAMMAR, KEYWORDS, parse
from archform.dsl.resolve import resolve_text

ROOT = Path(__file__).resolve().parents[2]
CORPUS = sorted((ROOT / "examples").rglob("*.arch")) + sorted((ROOT / "tests" / "dsl" / "invalid").glob("*.arch")) \
    + sorted((ROOT / "stdlib" / "modules").rglob("*.arch"))


def _pad(strategy):
    return strategy.map(lambda s: f" {s} ")


_names = st.from_regex(r"[a-z][a-z0-9_]{0,6}", fullmatch=True).filter(lambda s: s not in KEYWORDS)
_terminals = {
    "NAME": _pad(_names),
    "DIGIT_WORD": _pad(st.sampled_from(["2xlarge", "4xlarge", "16xlarge"])),
    "STRING": _pad(st.sampled_from(['"web"', '"us-east-1"', '"a-${1 + 2}"', '"x\\ty"', '""'])),
    "NUMBER": _pad(st.sampled_from(["0", "3", "42", "1.5"])),
    "QUANTITY": _pad(st.sampled_from(["30s", "5m", "7d", "10GiB", "256KB", "40%"])),
    "CIDR": _pad(st.sampled_from(["10.0.0.0/16", "10.0.1.0/24", "192.168.0.0/28"])),
    "IP": _pad(st.sampled_from(["10.0.0.5", "192.168.1.1"])),
    "PORT_RANGE": _pad(st.sampled_from(["80..443", "1024..65535"])),
    "BINOP": _pad(st.sampled_from(["==", "!=", "<", ">=", "+", "/", "%", "&&", "||", "and", "or"])),
    "NOT": _pad(st.sampled_from(["!", "not"])),
}
for _kw, _term in KEYWORDS.items():
    if _term not in ("BINOP", "NOT"):
        _terminals[_term] = _pad(st.just(_kw))

_lark = Lark(GRAMMAR.read_text() + "\n%import common.WS\n%ignore WS\n", parser="lalr", lexer="basic",
             start=["start"])
programs = from_lark(_lark, start="start", explicit=_terminals)


@settings(max_examples=150)
@given(programs)
def test_every_program_of_the_grammar_parses(text):
    module, diags = parse(text, "generated.arch")
    assert module is not None, [d.summary for d in diags]
    resolve_text(text, "generated.arch")  # must not raise


def _mutate(text: str, data) -> str:
    ops = data.draw(st.lists(st.sampled_from(["delete", "insert", "duplicate", "swap"]), min_size=1, max_size=4))
    for op in ops:
        if not text:
            break
        i = data.draw(st.integers(0, len(text) - 1))
        j = min(len(text), i + data.draw(st.integers(1, 12)))
        if op == "delete":
            text = text[:i] + text[j:]
        elif op == "insert":
            text = text[:i] + data.draw(st.sampled_from(["{", "}", "[", "]", "=", ",", '"', "${", "for x in",
                                                          " if ", "-", "..", "/", "#", "region", "10.0.0.0/99",
                                                          "5zz", ":", "(", ")"])) + text[i:]
        elif op == "duplicate":
            text = text[:j] + text[i:j] + text[j:]
        else:
            lines = text.split("\n")
            a = data.draw(st.integers(0, len(lines) - 1))
            b = data.draw(st.integers(0, len(lines) - 1))
            lines[a], lines[b] = lines[b], lines[a]
            text = "\n".join(lines)
    return text


@settings(max_examples=200)
@given(st.sampled_from(CORPUS), st.data())
def test_mutations_never_raise(path, data):
    text = _mutate(path.read_text(), data)
    desired, diags = resolve_text(text, path.name, modules=_neighbours(path))
    for d in diags:
        assert "internal error" not in d.summary, d.summary


def _neighbours(path: Path) -> dict[str, str]:
    out = {}
    for p in path.parent.rglob("*.arch"):
        if p != path:
            out[str(p.relative_to(path.parent))] = p.read_text()
    return out


# --- fmt -------------------------------------------------------------------------------------

_layouts = st.fixed_dictionaries({
    "sep": st.sampled_from(["\n    ", ", ", " ,\n    ", "\n\n    "]),
    "pad": st.sampled_from([" ", "  ", "\t"]),
    "comment": st.sampled_from(["", "  # note", " // note"]),
    "inline": st.booleans(),
})


@st.composite
def architectures(draw):
    """Valid architectures in varied layouts: same meaning, different text."""
    lay = draw(_layouts)
    sep, pad, comment = lay["sep"], lay["pad"], lay["comment"]
    if "\n" not in sep:
        comment = ""  # a comment would swallow the rest of the line
    zones = draw(st.lists(st.sampled_from(["a", "b", "c", "d"]), min_size=1, max_size=4, unique=True))
    n_vpcs = draw(st.integers(1, 3))
    parts = ["# generated", f'let zones{pad}={pad}[{", ".join(repr(z).replace(chr(39), chr(34)) for z in zones)}]']
    body = []
    for i in range(n_vpcs):
        attrs = [f"cidr{pad}={pad}cidrsubnet(10.0.0.0/8, 8, {i})", f'tags = {{ team = "t{i}", n = {i} }}{comment}']
        if draw(st.booleans()):
            attrs.append("enable_dns_hostnames = false")
        body.append(f"vpc v{i} {{\n    " + sep.join(attrs) + "\n  }")
        body.append(
            f"subnet s{i} for z in zones {{\n    vpc = v{i}{sep}cidr = cidrsubnet(v{i}.cidr, 8, index(zones, z))"
            f"{sep}az = z{comment}\n  }}")
    region = 'region "us-east-1" as primary {\n  ' + ("\n  " if lay["inline"] else "\n\n  ").join(body) + "\n}"
    parts.append(region)
    parts.append("output first = primary.v0.cidr")
    return "\n".join(parts) + "\n"


@settings(max_examples=60)
@given(architectures())
def test_fmt_is_idempotent_and_keeps_meaning(text):
    before, diags = resolve_text(text)
    assert not [d for d in diags if d.is_error], [d.summary for d in diags]
    formatted, _ = format_source(text, "main.arch")
    assert formatted is not None
    again, _ = format_source(formatted, "main.arch")
    assert again == formatted
    after, _ = resolve_text(formatted)
    assert after.json() == before.json()


@settings(max_examples=100)
@given(programs)
def test_fmt_keeps_the_meaning_of_any_program(text):
    formatted, diags = format_source(text, "g.arch")
    if formatted is None:
        return
    assert format_source(formatted, "g.arch")[0] == formatted
    a, da = resolve_text(text, "g.arch")
    b, db = resolve_text(formatted, "g.arch")
    assert (a.json() if a else None) == (b.json() if b else None)
    assert [d.summary for d in da] == [d.summary for d in db]


def test_fmt_is_idempotent_on_the_corpus():
    for path in CORPUS:
        text = path.read_text()
        formatted, _ = format_source(text, path.name)
        if formatted is None:
            continue
        assert format_source(formatted, path.name)[0] == formatted, path.name
