"""Text → AST.

The grammar lives in `grammar.lark`; lark compiles it to LALR(1) tables once (cached on disk
by grammar hash). The tables are driven here by a small loop and a contextual lexer of our
own: lark's own front end builds a `Token` object per token and runs one callback per
precedence level, which measured 5.1 s for 10,000 resources on the reference machine; this
loop with tuple tokens, flat binary chains and the same tables takes a fraction of that.

The lexer is contextual the way lark's is: a word is typed by what the parser state accepts
(`region` is a keyword where a statement may begin and a name where an attribute may), a
digit-led word after `.` is a name (`m5.2xlarge`).

`parse(text, file)` returns `(Module | None, diagnostics)`. A syntax error does not stop the
search: the file is cut into its top-level items and each is parsed on its own, so every
broken item is reported in one run, each with a message a person can act on.

The parse uses no recursion, whatever the input: the driver keeps its own stack, and the
lexer's patterns match a long string or comment in one step rather than one per character
(10 MB of string took 1.2 GB of backtracking state). Nesting is what later stages walk by
recursion, so it is bounded here: more than `nesting` brackets open at once (or a run of
prefix operators and `? :` as deep), or a chain of `.name`/`[key]` as long, is one
diagnostic, "nesting too deep", at the place it happens.
"""

from __future__ import annotations

import hashlib
import os
import re
from functools import lru_cache
from pathlib import Path

from . import ast, collector
from .diagnostics import Diagnostic, Label, Source, Span, error
from .transform import Builder

GRAMMAR = Path(__file__).with_name("grammar.lark")

KEYWORDS = {"use": "USE", "param": "PARAM", "let": "LET", "output": "OUTPUT", "region": "REGION",
            "moved": "MOVED", "sensitive": "SENSITIVE", "as": "AS", "for": "FOR", "in": "IN", "if": "IF", "true": "TRUE",
            "false": "FALSE", "null": "NULL", "not": "NOT", "and": "BINOP", "or": "BINOP"}

_PUNCT = {"{": "LBRACE", "}": "RBRACE", "[": "LSQB", "]": "RSQB", "(": "LPAR", ")": "RPAR",
          "=": "EQUAL", ":": "COLON", ",": "COMMA", ".": "DOT", "?": "QMARK", "-": "MINUS",
          "*": "STAR", "!": "NOT", "->": "ARROW"}
for _op in ("==", "!=", "<=", ">=", "<", ">", "+", "/", "%", "&&", "||"):
    _PUNCT[_op] = "BINOP"

_LEX = re.compile(r"""[ \t\r\n\f]*(?:
  (?P<COMMENT>(?:\#|//)[^\n]*+|/\*(?:[^*]++|\*(?!/))*+\*/)
| (?P<STRING>"(?:(?:[^"\\\n$]|\\.|\$(?!\{))++|\$\{[^}\n]*+\})*+")
| (?P<CIDR>[0-9]{1,3}(?:\.[0-9]{1,3}){3}/[0-9]{1,3})
| (?P<IP>[0-9]{1,3}(?:\.[0-9]{1,3}){3})
| (?P<PORT_RANGE>[0-9]+\.\.[0-9]+)
| (?P<QUANTITY>[0-9]+(?:\.[0-9]+)?(?:[A-Za-z][A-Za-z0-9_]*|%))
| (?P<NUMBER>[0-9]+(?:\.[0-9]+)?)
| (?P<NAME>[A-Za-z_][A-Za-z0-9_]*(?:-[A-Za-z0-9_]+)*)
| (?P<PUNCT>==|!=|<=|>=|&&|\|\||->|[-{}\[\]()=:,.?*!<>+/%])
| (?P<BAD>.)
| (?P<EOF>$)
)""", re.VERBOSE)

_DESCRIBE = {
    "LBRACE": "'{'", "RBRACE": "'}'", "LSQB": "'['", "RSQB": "']'", "LPAR": "'('", "RPAR": "')'",
    "EQUAL": "'='", "COMMA": "','", "COLON": "':'", "DOT": "'.'", "QMARK": "'?'", "ARROW": "'->'",
    "MINUS": "'-'", "STAR": "'*'", "NOT": "'!'", "BINOP": "an operator",
    "NAME": "a name", "STRING": "a string", "NUMBER": "a number", "QUANTITY": "a quantity",
    "CIDR": "a CIDR block", "IP": "an IP address", "PORT_RANGE": "a port range",
    "DIGIT_WORD": "a name", "$END": "the end of the file",
}


def _describe(tok_type: str) -> str:
    return _DESCRIBE.get(tok_type) or f"'{tok_type.lower()}'"


class ParseError(Exception):
    def __init__(self, token, expected: set[str]):
        super().__init__(f"unexpected {token}")
        self.token = token  # (type, text, start, end)
        self.expected = {t for t in expected if t.isupper() or t == "$END"}


class NestingError(Exception):
    """The input nests deeper than the limit; carries the diagnostic. The parse stops there."""

    def __init__(self, diagnostic: Diagnostic):
        super().__init__(diagnostic.summary)
        self.diagnostic = diagnostic


def nesting_error(source: Source, start: int, end: int, nesting: int, what: str) -> NestingError:
    return NestingError(error(
        f"nesting too deep: {what} more than {nesting} levels deep here", Span(source, start, end), code="limit",
        help=f"name an inner part with a `let`, or raise the limit: ARCHFORM_LIMITS=\"nesting={nesting * 2}\""))


_OPENING = frozenset(("LBRACE", "LSQB", "LPAR"))
_CLOSING = frozenset(("RBRACE", "RSQB", "RPAR"))


# --- tables --------------------------------------------------------------------------------

class _Tables:
    """LALR tables from lark, flattened into plain dicts for a fast driver loop."""

    def __init__(self):
        from lark import Lark
        from lark.lexer import Lexer
        from lark.parsers.lalr_analysis import Shift

        class _NoLexer(Lexer):  # lark needs a lexer class; ours runs in `_drive`
            def __init__(self, conf):
                pass

            def lex(self, *a):  # pragma: no cover - never called
                raise NotImplementedError

        lark = Lark(GRAMMAR.read_text(), parser="lalr", lexer=_NoLexer, keep_all_tokens=True,
                    start=["start", "expr"], maybe_placeholders=False)
        table = lark.parser.parser.parser.parse_table
        rules = {}
        actions = {}
        for state, acts in table.states.items():
            row = {}
            for sym, (action, arg) in acts.items():
                sym = str(sym)
                if action is Shift:
                    row[sym] = arg  # int: shift/goto target
                else:
                    rid = id(arg)
                    if rid not in rules:
                        origin = str(arg.origin.name)
                        name = str(arg.alias) if arg.alias else origin
                        inline = origin.startswith("_")
                        expand1 = bool(arg.options.expand1) and not arg.alias
                        splice = any(not sym.is_term and sym.name.startswith("_") for sym in arg.expansion)
                        rules[rid] = (origin, len(arg.expansion), name, inline, expand1, splice)
                    row[sym] = -1 - list(rules).index(rid)  # negative: reduce by rule index
            actions[state] = row
        self.rules = list(rules.values())
        self.actions = actions
        self.start_states = {str(k): v for k, v in table.start_states.items()}
        self.end_states = {str(k): v for k, v in table.end_states.items()}


@lru_cache(maxsize=1)
def _tables() -> _Tables:
    """The tables, kept in the cache folder (authenticated like every cache file) by the hash
    of the grammar and of this module."""
    from . import cache_files
    cache_dir = Path(os.environ.get("ARCHFORM_CACHE", Path.home() / ".cache" / "archform"))
    digest = hashlib.sha256(GRAMMAR.read_bytes() + Path(__file__).read_bytes()).hexdigest()[:16]
    path = cache_dir / f"tables-{digest}{cache_files.SUFFIX}"
    tables = cache_files.read(path)
    if type(tables) is _Tables:
        return tables
    tables = _Tables()
    cache_files.write(path, tables)
    return tables


class _Inline(list):
    """Children of an inlined rule (`_rule`), spliced into the parent's children."""

    __slots__ = ()


# --- lexer + driver ------------------------------------------------------------------------

def _drive(source: Source, start: str, begin: int, end: int, builder: Builder):
    """Parse source.text[begin:end] from start symbol `start`; returns the built value."""
    tables = _tables()
    actions = tables.actions
    rules = tables.rules
    end_state = tables.end_states[start]
    callbacks = [getattr(builder, name, None) for (_, _, name, _, _, _) in rules]
    states = [tables.start_states[start]]
    values: list = []
    keywords = KEYWORDS
    punct = _PUNCT
    Inline = _Inline
    row = actions[states[-1]]
    nesting = builder.nesting
    max_stack = 4 * nesting + 100  # prefix operators and `? :` nest without brackets
    depth = 0  # brackets open
    kind: str
    group: str
    for m in _LEX.finditer(source.text, begin, end):
        kind = group = m.lastgroup  # type: ignore[assignment]  # every alternative is a named group
        # contextual typing
        if kind == "NAME":
            value = m.group(kind)
            kw = keywords.get(value)
            if kw is not None and kw in row:
                kind = kw
        elif kind == "PUNCT":
            value = m.group(kind)
            kind = punct[value]
            if kind in _OPENING:
                depth += 1
                if depth > nesting:
                    raise nesting_error(source, m.start(group), m.end(group), nesting, "brackets and braces open")
            elif kind in _CLOSING:
                depth -= 1
        elif kind == "COMMENT":
            continue
        elif kind == "EOF":
            kind, value = "$END", ""
        else:
            value = m.group(kind)
            if kind == "QUANTITY" or kind == "NUMBER":
                if "DIGIT_WORD" in row and kind not in row:
                    kind = "DIGIT_WORD"
            elif kind == "BAD":
                raise ParseError((kind, value, m.start(group), m.end(group)), set(row))
        tok = (kind, value, m.start(group), m.end(group))
        while True:
            act = row.get(kind)
            if act is None:
                raise ParseError(tok, set(row))
            if act >= 0:
                states.append(act)
                values.append(tok)
                row = actions[act]
                if len(states) > max_stack:
                    raise nesting_error(source, tok[2], tok[3], nesting, "operators and brackets nest")
                break
            rule_no = -1 - act
            origin, size, name, inline, expand1, splice = rules[rule_no]
            if size == 1 and expand1:
                # unit reduction (`?rule` with one child): the value stays as it is
                del states[-1]
            else:
                if size:
                    children = values[-size:]
                    del values[-size:]
                    del states[-size:]
                else:
                    children = []
                if splice:
                    first = children[0]
                    if inline and type(first) is Inline:
                        # left-recursive repetition (`x*`): grow the list in place, not O(n²)
                        flat: list = first
                        for c in children[1:]:
                            if type(c) is Inline:
                                flat.extend(c)
                            else:
                                flat.append(c)
                        values.append(flat)
                        goto = actions[states[-1]][origin]
                        states.append(goto)
                        row = actions[goto]
                        continue
                    flat = []
                    for c in children:
                        if type(c) is Inline:
                            flat.extend(c)
                        else:
                            flat.append(c)
                    children = flat
                if inline:
                    values.append(Inline(children))
                elif expand1 and len(children) == 1:
                    values.append(children[0])
                else:
                    cb = callbacks[rule_no]
                    values.append(cb(children) if cb is not None else Inline(children))
            goto = actions[states[-1]][origin]
            states.append(goto)
            if kind == "$END" and goto == end_state:
                return values[-1]
            row = actions[goto]
        if kind == "$END":
            break
    raise AssertionError("parser ended without accepting")  # pragma: no cover


def parse_interpolation(source: Source, begin: int, end: int, diagnostics: list[Diagnostic], nesting: int = 100):
    """Parse the expression inside `${...}` (source.text[begin:end])."""
    builder = Builder(source, parse_interpolation, nesting)
    if not source.text[begin:end].strip():
        diagnostics.append(error("empty interpolation '${}'", Span(source, begin - 2, end + 1),
                                 help="put an expression inside: \"${name}\""))
        return None
    try:
        expr = _drive(source, "expr", begin, end, builder)
    except ParseError as e:
        diagnostics.append(_syntax_diagnostic(e, source, in_interpolation=True))
        return None
    diagnostics.extend(builder.diagnostics)
    return expr


def parse(text: str, file: str, source_hash: str | None = None, nesting: int = 100,
          quote: bool = True, partial: bool = False) -> tuple[ast.Module | None, list[Diagnostic]]:
    """Parse a whole `.arch` file (`source_hash`: the hash of `text`, when the caller has it;
    `nesting`: how deep it may nest; `quote`: False for text that is not `.arch` source, whose
    lines diagnostics must not show). A file with syntax errors gives None and a diagnostic per
    mistake; with `partial`, it gives the tree of what parses — every good item, inside regions
    too — with an `ErrorItem` where each bad one was, beside the same diagnostics."""
    source = Source(file, text, quote)
    source_hash = source_hash or hashlib.sha256(text.encode()).hexdigest()
    builder = Builder(source, parse_interpolation, nesting)
    try:
        with collector.paused():
            items = _drive(source, "start", 0, len(text), builder)
    except NestingError as e:
        return None, [e.diagnostic]
    except ParseError:
        try:
            recovered, diags = _recover(source, nesting)
        except NestingError as e:
            return None, [e.diagnostic]
        if not partial:
            return None, diags
        return ast.Module(file, tuple(recovered), tuple(comments(source)), source_hash), diags
    return ast.Module(file, items, tuple(comments(source)), source_hash), builder.diagnostics


# --- comments (for fmt) ----------------------------------------------------------------------

_COMMENT_SCAN = re.compile(r'"(?:[^"\\\n]|\\.)*+"|(?:#|//)[^\n]*+|/\*(?:[^*]++|\*(?!/))*+\*/')


def comments(source: Source):
    text = source.text
    if "#" not in text and "/" not in text:
        return
    for m in _COMMENT_SCAN.finditer(text):
        if m.group(0).startswith('"'):
            continue
        yield ast.Comment(m.group(0), Span(source, m.start(), m.end()))


# --- error recovery --------------------------------------------------------------------------

_TOP_START = re.compile(
    r"(use|param|let|output|region|moved|sensitive)\b|[A-Za-z_][\w-]*(\.[A-Za-z_][\w-]*)?[ \t]+[A-Za-z_\"][^=\n]*\{")


def _scan_items(text: str):
    """Cut text into top-level items by brace depth, outside strings and comments.

    Yields (start, end, unclosed): `unclosed` is the offset of a `{` still open when a new
    top-level item began at column 1 (a missing `}`), else None.
    """
    i, n = 0, len(text)
    depth = 0
    opens: list[int] = []
    item_start = None
    line_start = True
    in_region = False
    while i < n:
        ch = text[i]
        if line_start:
            line_start = False
            if depth > 0 and _TOP_START.match(text, i) and not (in_region and depth == 1):
                if item_start is not None:
                    yield item_start, i, opens[0] if opens else None
                depth, opens, item_start, in_region = 0, [], None, False
            elif depth == 0 and item_start is not None and _TOP_START.match(text, i):
                yield item_start, i, None  # a statement without braces ends where the next begins
                item_start, in_region = None, False
        if ch == '"':
            j = i + 1
            while j < n and text[j] != '"' and text[j] != "\n":
                j += 2 if text[j] == "\\" else 1
            i = j + 1
            continue
        if ch == "#" or text.startswith("//", i):
            j = text.find("\n", i)
            i = n if j < 0 else j
            continue
        if text.startswith("/*", i):
            j = text.find("*/", i + 2)
            i = n if j < 0 else j + 2
            continue
        if ch == "\n":
            line_start = True
            i += 1
            continue
        if not ch.isspace() and item_start is None:
            item_start = i
            in_region = text.startswith("region", i)
        if ch == "{":
            depth += 1
            opens.append(i)
        elif ch == "}":
            depth -= 1
            if opens:
                opens.pop()
            if depth <= 0:
                depth = 0
                yield item_start if item_start is not None else i, i + 1, None
                item_start, in_region = None, False
        i += 1
    if item_start is not None:
        yield item_start, n, opens[0] if opens else None


def _recover(source: Source, nesting: int) -> tuple[list, list[Diagnostic]]:
    """After a failed parse: (the items that parse, with an ErrorItem for each that does not;
    one diagnostic per mistake)."""
    text = source.text
    unclosed = _unclosed_by_indentation(text)
    if unclosed:
        return ([ast.ErrorItem(Span(source, 0, len(text)))],
                [_unclosed_diagnostic(source, open_pos, next_pos) for open_pos, next_pos in unclosed])
    diags: list[Diagnostic] = []
    items: list = []
    for start, end, open_at in _scan_items(text):
        if open_at is not None:
            diags.append(_unclosed_diagnostic(source, open_at, end if end < len(text) else None))
            items.append(ast.ErrorItem(Span(source, start, end)))
            continue
        parsed, found = _parse_item(source, start, end, nesting)
        items.extend(parsed)
        diags.extend(found)
    if not diags:
        try:
            _drive(source, "start", 0, len(text), Builder(source, parse_interpolation, nesting))
        except ParseError as e:
            diags.append(_syntax_diagnostic(e, source))
    return items, diags


def _parse_item(source: Source, start: int, end: int, nesting: int) -> tuple[list, list[Diagnostic]]:
    """One top-level item: its nodes and diagnostics. A region that fails is parsed again item
    by item inside, so one bad block keeps the region and its other blocks."""
    builder = Builder(source, parse_interpolation, nesting)
    try:
        return list(_drive(source, "start", start, end, builder)), builder.diagnostics
    except ParseError as e:
        first = _syntax_diagnostic(e, source)
    region = _region_parts(source.text, start, end)
    if region is None:
        return [ast.ErrorItem(Span(source, start, end))], [first]
    name_start, name_end, alias_start, alias_end, body_start, body_end = region
    try:  # the header: `region <expr> as <alias> {`
        name = _drive(source, "expr", name_start, name_end, Builder(source, parse_interpolation, nesting))
    except ParseError:
        return [ast.ErrorItem(Span(source, start, end))], [first]
    body: list = []
    diags: list[Diagnostic] = []
    for begin, finish, open_at in _scan_items(source.text[body_start:body_end]):
        if open_at is not None:
            diags.append(_unclosed_diagnostic(source, body_start + open_at, body_start + finish))
            body.append(ast.ErrorItem(Span(source, body_start + begin, body_start + finish)))
            continue
        parsed, found = _parse_item(source, body_start + begin, body_start + finish, nesting)
        body.extend(parsed)
        diags.extend(found)
    region_node = ast.Region(name, source.text[alias_start:alias_end], tuple(body), Span(source, start, end),
                             Span(source, alias_start, alias_end))
    return [region_node], diags or [first]


_REGION_HEAD = re.compile(r"region[ \t]+(.+?)[ \t]+as[ \t]+([A-Za-z_][\w-]*)[ \t]*\{")


def _region_parts(text: str, start: int, end: int) -> tuple[int, int, int, int, int, int] | None:
    """For `region <expr> as <alias> {` ... `}` between start and end: the offsets of the name
    expression, of the alias, of the body's start and of the closing '}', else None."""
    m = _REGION_HEAD.match(text, start, end)
    close = text.rfind("}", start, end)
    if m is None or close < m.end():
        return None
    return m.start(1), m.end(1), m.start(2), m.end(2), m.end(), close


def _unclosed_diagnostic(source: Source, open_pos: int, next_pos: int | None) -> Diagnostic:
    text = source.text
    line_start = text.rfind("\n", 0, open_pos) + 1
    header = " ".join(text[line_start:open_pos].split())
    labels = []
    if next_pos is not None and next_pos < len(text):
        line_end = text.find("\n", next_pos)
        line_end = len(text) if line_end < 0 else line_end
        labels.append(Label(Span(source, next_pos, line_end), "this line is outside the block by its indentation"))
    return error(f"block '{header}' is not closed", Span(source, open_pos, open_pos + 1), labels=labels,
                 help="add a '}' where the block ends")


def _unclosed_by_indentation(text: str) -> list[tuple[int, int | None]]:
    """Blocks whose `}` is missing, found by indentation: a line indented no deeper than the
    line that opened a block, while the block is still open, is outside it. Used only once
    the parse has failed, so a file with odd indentation but good braces never sees it."""
    stack: list[tuple[int, int]] = []  # (offset of '{', indentation of its line)
    found: list[tuple[int, int | None]] = []
    pos = 0
    for line in text.split("\n"):
        stripped = line.strip()
        indent = len(line) - len(line.lstrip(" \t"))
        if stripped and not stripped.startswith(("#", "//", "}", "]", ")")):
            while stack and indent <= stack[-1][1]:
                open_pos, _ = stack.pop()
                found.append((open_pos, pos + indent))
        for kind, offset in _brackets_in_line(line):
            if kind == "{":
                stack.append((pos + offset, indent))
            elif kind == "}" and stack:
                stack.pop()
        pos += len(line) + 1
    return found  # a block still open at the end is reported when nothing else explains the failure


_LINE_TOKENS = re.compile(r'"(?:[^"\\\n]|\\.)*+"|#.*+|//.*+|[{}]')


def _brackets_in_line(line: str):
    for m in _LINE_TOKENS.finditer(line):
        t = m.group(0)
        if t in "{}":
            yield t, m.start()


def _syntax_diagnostic(e: ParseError, source: Source, in_interpolation: bool = False) -> Diagnostic:
    where = " in string interpolation" if in_interpolation else ""
    kind, value, s, end = e.token
    expected = e.expected
    text = source.text
    if kind == "BAD":
        span = Span(source, s, end)
        if value == "'":
            return error(f"unexpected character \"'\"{where}", span,
                         help='strings are written in double quotes: "like this"')
        if value == '"':
            return error(f"unterminated string{where}", span, help='close the string with " on the same line')
        if value == ";":
            return error(f"unexpected ';'{where}", span,
                         help="attributes are separated by newlines or commas, not semicolons")
        return error(f"unexpected character '{value}'{where}", span)
    names = sorted({_describe(t) for t in expected if t != "DIGIT_WORD" or "NAME" not in expected})
    detail = ("expected " + _join(names)) if len(names) <= 9 else ""
    if kind == "$END":
        last = len(text.rstrip())
        span = Span(source, max(0, last - 1), last)
        return error(f"unexpected end of {'interpolation' if in_interpolation else 'file'}", span,
                     detail=detail, help="a '}' is missing" if "RBRACE" in expected else "")
    span = Span(source, s, end)
    shown = repr(value) if kind in ("NAME", "NUMBER", "QUANTITY", "STRING", "CIDR", "IP") else _describe(kind)
    summary = f"unexpected {shown}{where}"
    help_ = ""
    closing = {"RSQB": "']'", "RPAR": "')'", "RBRACE": "'}'"}
    labels = []
    if kind in closing and kind not in expected and expected & set(closing):
        opener = _innermost_open(text, s)
        if opener is not None:
            ch, at = opener
            close = {"[": "]", "(": ")", "{": "}"}[ch]
            labels = [Label(Span(source, at, at + 1), f"this '{ch}' is not closed")]
            help_ = f"brackets do not match: add '{close}' before this {closing[kind]}"
        else:
            help_ = "brackets do not match here"
        return error(summary, span, detail=detail, help=help_, labels=labels)
    if kind == "COMMA" and "COMMA" not in expected:
        help_ = "remove this ','"
    elif kind == "COLON" and "EQUAL" in expected:
        help_ = "set an attribute with '=', not ':'"
    elif kind == "EQUAL" and "LBRACE" in expected:
        help_ = "a block is written without '=': kind name { ... }"
    elif kind == "EQUAL" and "COLON" in expected:
        help_ = "a param is declared with a type: param name: type = default"
    elif kind == "RBRACE" and "EQUAL" not in expected and expected & {"NAME", "NUMBER", "STRING"}:
        help_ = "a value is missing before '}'"
    elif kind == "NAME" and "EQUAL" in expected and re.search(r"(^|[\s{,])for\s*$", text[:s]):
        help_ = 'a `for` goes in the block\'s header: check "name" for b in resources("kind") { ... }'
    elif kind == "NAME" and "EQUAL" in expected:
        help_ = "expected '=' after the attribute name"
    elif kind == "NAME" and "LBRACE" in expected and "FOR" in expected:
        help_ = "a block takes at most one name: kind name { ... }"
    elif kind == "LBRACE" and "NAME" in expected and "EQUAL" not in expected and "FOR" not in expected:
        help_ = "a resource needs a kind and a name: kind name { ... }"
    elif "COMMA" in expected and (expected & {"RSQB", "RPAR"}) and kind not in ("RSQB", "RPAR"):
        help_ = "a ',' is missing between items"
    elif kind in ("RSQB", "RPAR", "RBRACE"):
        help_ = "brackets do not match here"
    return error(summary, span, detail=detail, help=help_)


def _innermost_open(text: str, upto: int):
    """The innermost bracket still open at offset `upto` (outside strings and comments)."""
    stack = []
    for m in re.finditer(r'"(?:[^"\\\n]|\\.)*+"|#[^\n]*+|//[^\n]*+|[\[\](){}]', text[:upto]):
        t = m.group(0)
        if t in "[({":
            stack.append((t, m.start()))
        elif t in "])}":
            if stack:
                stack.pop()
    return stack[-1] if stack else None


def _join(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " or " + items[-1]
