"""Templates as text: YAML a person can read, or JSON.

The YAML is written directly (no emitter library): block mappings in the order the template
was built (sections in CloudFormation's usual order, keys sorted inside), two-space indents,
CloudFormation's short-form functions (`!Ref Vpc`, `!GetAtt Web.DNSName`, `!Sub "…"`), plain
scalars where YAML reads them back as the same string and double quotes elsewhere (numbers,
dates, booleans and CIDR blocks in strings are quoted, so no YAML 1.1 reader turns them into
something else), literal blocks for multi-line text such as user data, and long lists of
words (allowed values) folded into flow sequences. The same input always gives the same
bytes.
"""

from __future__ import annotations

import json
import re

WIDTH = 100

SHORT_FORMS = {
    "Ref": "!Ref", "Fn::GetAtt": "!GetAtt", "Fn::Sub": "!Sub", "Fn::ImportValue": "!ImportValue",
    "Fn::Base64": "!Base64", "Fn::Select": "!Select", "Fn::Split": "!Split", "Fn::Join": "!Join",
    "Fn::GetAZs": "!GetAZs", "Fn::FindInMap": "!FindInMap", "Fn::If": "!If", "Fn::Equals": "!Equals",
    "Fn::Not": "!Not", "Fn::And": "!And", "Fn::Or": "!Or", "Fn::Cidr": "!Cidr",
}

_PLAIN = re.compile(r"^[A-Za-z_/][A-Za-z0-9 _./:=+()@,*-]*$")
_RESERVED = re.compile(r"^(y|n|yes|no|true|false|on|off|null|nan|inf)$", re.IGNORECASE)
# what YAML cannot hold raw: non-printable characters, and the ones it reads as line breaks
_UNSAFE = re.compile("[^\n\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]")


_PLAIN_CACHE: dict[str, bool] = {}


def _plain(s: str) -> bool:
    """Whether `s` can be written without quotes (and read back as the same string)."""
    found = _PLAIN_CACHE.get(s)
    if found is None:
        found = bool(s) and bool(_PLAIN.match(s)) and s[-1] not in " :" and ": " not in s and " #" not in s \
            and not _RESERVED.match(s)
        if len(_PLAIN_CACHE) < 100_000:
            _PLAIN_CACHE[s] = found
    return found


def _quoted(s: str) -> str:
    """A double-quoted scalar (JSON's escapes are YAML's), with what YAML cannot hold raw escaped."""
    text = json.dumps(s, ensure_ascii=False)
    return _UNSAFE.sub(_escape, text) if _UNSAFE.search(text) else text


def _escape(m) -> str:
    c = ord(m.group())
    return f"\\u{c:04x}" if c <= 0xFFFF else f"\\U{c:08x}"


def _scalar(value) -> str:
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    t = type(value)
    if t is int:
        return str(value)
    if t is float:
        return repr(value)
    s = str(value)
    return s if _plain(s) else _quoted(s)


def _flow_scalar(value) -> str:
    """A scalar inside `[...]`, where a comma would end it."""
    text = _scalar(value)
    return _quoted(text) if type(value) is str and text == value and "," in text else text


def _key(k: str) -> str:
    return k if _plain(k) else _quoted(k)


def _literal_ok(s: str) -> bool:
    """Multi-line text that a literal block (`|`) keeps exactly."""
    if "\n" not in s or _UNSAFE.search(s):
        return False
    lines = s.split("\n")
    if lines[0].startswith(" ") or lines[0] == "":
        return False
    return all(not line.endswith(" ") for line in lines)


def _short(value):
    """(tag, argument) when `value` is a single CloudFormation function with a short form."""
    if type(value) is dict and len(value) == 1:
        k = next(iter(value))
        tag = SHORT_FORMS.get(k)
        if tag is not None:
            arg = value[k]
            if k == "Fn::GetAtt" and type(arg) is list and len(arg) == 2 and all(type(a) is str for a in arg):
                arg = f"{arg[0]}.{arg[1]}"
            return tag, arg
    return None


def _is_scalar(v) -> bool:
    return v is None or type(v) in (str, int, float, bool)


def to_yaml(doc: dict) -> str:
    out: list[str] = []
    _mapping(doc, 0, out)
    return "\n".join(out) + "\n"


def _mapping(d: dict, indent: int, out: list):
    pad = " " * indent
    for k, v in d.items():
        _entry(pad + _key(k) + ":", v, indent, out)


def _entry(head: str, v, indent: int, out: list):
    """`head` is `key:` or `-`; write the value after it, inline or below at `indent + 2`."""
    short = _short(v)
    if short is not None:
        tag, arg = short
        if _short(arg) is not None or (type(arg) is dict and arg):
            # a function directly inside another cannot use two tags on one node: long form outside
            long_key = next(iter(v))
            out.append(f"{head}")
            _entry(" " * (indent + 2) + _key(long_key) + ":", arg, indent + 2, out)
            return
        _entry(f"{head} {tag}", arg, indent, out)
        return
    t = type(v)
    if t is dict:
        if not v:
            out.append(f"{head} {{}}")
            return
        out.append(head)
        _mapping(v, indent + 2, out)
        return
    if t is list:
        if not v:
            out.append(f"{head} []")
            return
        if all(_is_scalar(x) for x in v):
            flow = "[" + ", ".join(_flow_scalar(x) for x in v) + "]"
            if len(head) + 1 + len(flow) <= WIDTH:
                out.append(f"{head} {flow}")
                return
            if len(v) > 8:
                _folded(head, v, indent, out)
                return
        out.append(head)
        pad = " " * (indent + 2)
        for x in v:
            _item(pad, x, indent + 2, out)
        return
    if t is str and _literal_ok(v):
        if not v.endswith("\n"):
            indicator, body = "|-", v
        elif v.endswith("\n\n"):
            indicator, body = "|+", v[:-1]
        else:
            indicator, body = "|", v[:-1]
        out.append(f"{head} {indicator}")
        pad = " " * (indent + 2)
        for line in body.split("\n"):
            out.append(pad + line if line else "")
        return
    out.append(f"{head} {_scalar(v)}")


def _folded(head: str, items: list, indent: int, out: list):
    """A long list of words as a flow sequence over several lines."""
    pad = " " * (indent + 2)
    out.append(f"{head} [")
    line = pad
    for i, x in enumerate(items):
        text = _flow_scalar(x) + ("," if i < len(items) - 1 else "")
        if len(line) + len(text) + 1 > WIDTH and line.strip():
            out.append(line.rstrip())
            line = pad
        line += text + " "
    out.append(line.rstrip())
    out.append(" " * indent + "]")


def _item(pad: str, x, indent: int, out: list):
    """One sequence item at `pad` (= indent spaces)."""
    if type(x) is dict and x and _short(x) is None:
        first = True
        for k, v in x.items():
            if first:
                _entry(pad + "- " + _key(k) + ":", v, indent + 2, out)
                first = False
            else:
                _entry(pad + "  " + _key(k) + ":", v, indent + 2, out)
        return
    _entry(pad + "-", x, indent, out)


def to_json(doc: dict) -> str:
    """The same text `json.dumps(doc, indent=2, ensure_ascii=False)` gives, written faster."""
    out: list[str] = []
    _json(doc, "", out)
    out.append("\n")
    return "".join(out)


_STRING = json.encoder.encode_basestring  # the C encoder when available


def _json(v, pad: str, out: list):
    t = type(v)
    if t is str:
        out.append(_STRING(v))
    elif t is dict:
        if not v:
            out.append("{}")
            return
        inner = pad + "  "
        out.append("{\n")
        first = True
        for k, x in v.items():
            if not first:
                out.append(",\n")
            first = False
            out.append(inner)
            out.append(_STRING(k))
            out.append(": ")
            _json(x, inner, out)
        out.append("\n" + pad + "}")
    elif t is list:
        if not v:
            out.append("[]")
            return
        inner = pad + "  "
        out.append("[\n")
        first = True
        for x in v:
            if not first:
                out.append(",\n")
            first = False
            out.append(inner)
            _json(x, inner, out)
        out.append("\n" + pad + "]")
    else:
        out.append(json.dumps(v))


# --- reading back (tests, tools): CloudFormation's short forms as their long forms ------------

def load(text: str) -> dict:
    import yaml

    class Loader(yaml.SafeLoader):
        pass

    def construct(loader, suffix, node):
        long = {v: k for k, v in SHORT_FORMS.items()}["!" + suffix]
        if isinstance(node, yaml.ScalarNode):
            value = loader.construct_scalar(node)
            if long == "Fn::GetAtt":
                value = value.split(".", 1)
        elif isinstance(node, yaml.SequenceNode):
            value = loader.construct_sequence(node, deep=True)
        else:
            value = loader.construct_mapping(node, deep=True)
        return {long: value}

    Loader.add_multi_constructor("!", construct)
    # dates stay strings, as CloudFormation reads them
    Loader.yaml_implicit_resolvers = {k: [r for r in v if r[0] != "tag:yaml.org,2002:timestamp"]
                                      for k, v in Loader.yaml_implicit_resolvers.items()}
    return yaml.load(text, Loader=Loader)
