"""Values that are known only when the stacks are laid out: references between resources,
template parameters, pseudo parameters and interpolated strings.

A mapping writes properties with these placeholders instead of CloudFormation's functions,
because whether `vpc = main` becomes `!Ref MainVpc`, `!ImportValue …`, a stack parameter or a
nested stack's output depends on where the two resources end up. `render` turns a property
tree into CloudFormation JSON for one template, asking a `Linker` how to reach each resource.

- `Att(address, suffix, attr)`: one CloudFormation resource made from an archform resource
  (`suffix` "" is the main one); `attr` None means `Ref`, otherwise `Fn::GetAtt`.
- `Param(name)`: a root `param` of the architecture, a template parameter.
- `Pseudo(name)`: `AWS::Region`, `AWS::AccountId`, `AWS::Partition`, `AWS::URLSuffix`, …
- `Sub(parts)`: text and placeholders joined; rendered as `Fn::Sub`.
Anything else (dicts, lists, scalars, dicts holding `Fn::Base64` or `Fn::Select`) passes
through, with the placeholders inside rendered.
"""

from __future__ import annotations

from typing import Protocol


class Att:
    __slots__ = ("address", "suffix", "attr", "key")

    def __init__(self, address: str, suffix: str = "", attr: str | None = None):
        self.address = address
        self.suffix = suffix
        self.attr = attr
        self.key = (address, suffix)

    def __eq__(self, other):
        return type(other) is Att and (self.address, self.suffix, self.attr) == (other.address, other.suffix, other.attr)

    def __hash__(self):
        return hash((self.address, self.suffix, self.attr))

    def __repr__(self):
        return f"Att({self.address!r}, {self.suffix!r}, {self.attr!r})"


class Param:
    __slots__ = ("name",)

    def __init__(self, name: str):
        self.name = name

    def __eq__(self, other):
        return type(other) is Param and other.name == self.name

    def __hash__(self):
        return hash(("param", self.name))

    def __repr__(self):
        return f"Param({self.name!r})"


class Pseudo:
    __slots__ = ("name",)

    def __init__(self, name: str):
        self.name = name

    def __eq__(self, other):
        return type(other) is Pseudo and other.name == self.name

    def __hash__(self):
        return hash(("pseudo", self.name))

    def __repr__(self):
        return f"Pseudo({self.name!r})"


class Sub:
    __slots__ = ("parts",)

    def __init__(self, parts: tuple):
        self.parts = parts

    def __eq__(self, other):
        return type(other) is Sub and other.parts == self.parts

    def __hash__(self):
        return hash(("sub", self.parts))

    def __repr__(self):
        return f"Sub({self.parts!r})"


REGION = Pseudo("AWS::Region")
ACCOUNT = Pseudo("AWS::AccountId")
PARTITION = Pseudo("AWS::Partition")
URL_SUFFIX = Pseudo("AWS::URLSuffix")
STACK_NAME = Pseudo("AWS::StackName")



def sub(*parts):
    """Text and placeholders joined: a plain string when everything is text, the placeholder
    itself when it stands alone, otherwise a `Sub`. Nested `Sub`s are flattened."""
    flat: list = []
    for p in parts:
        if p is None:
            continue
        if type(p) is Sub:
            flat.extend(p.parts)
        elif isinstance(p, (int, float)) and not isinstance(p, bool):
            flat.append(str(p))
        else:
            flat.append(p)
    merged: list = []
    for p in flat:
        if type(p) is str:
            if not p:
                continue
            if merged and type(merged[-1]) is str:
                merged[-1] += p
                continue
        merged.append(p)
    if not merged:
        return ""
    if len(merged) == 1:
        return merged[0]
    return Sub(tuple(merged))


def base64(value):
    return {"Fn::Base64": value}


def select(index: int, value):
    return {"Fn::Select": [index, value]}


def split(separator: str, value):
    return {"Fn::Split": [separator, value]}


def arn(service: str, resource, region: bool = True, account: bool = True):
    """An ARN in the stack's partition, region and account: arn(\"ec2\", sub(\"vpc/\", x))."""
    return sub("arn:", PARTITION, f":{service}:", REGION if region else "", ":",
               ACCOUNT if account else "", ":", resource)


def walk_atts(value, found: list):
    """Append every `Att` inside a property tree to `found`."""
    t = type(value)
    if t is Att:
        found.append(value)
    elif t is Sub:
        for p in value.parts:
            if type(p) is Att:
                found.append(p)
    elif t is dict:
        for v in value.values():
            walk_atts(v, found)
    elif t is list:
        for v in value:
            walk_atts(v, found)


# --- rendering ---------------------------------------------------------------------------

class Linker(Protocol):
    """How one template reaches what a placeholder names."""

    def att(self, att: Att) -> dict:
        """`{"Ref": …}`, `{"Fn::GetAtt": …}`, `{"Fn::ImportValue": …}` or a parameter's `Ref`."""

    def sub_ref(self, att: Att) -> tuple[str, dict | None]:
        """The `${…}` name for `att` inside `Fn::Sub`, and the value to bind that name to when
        it is not a resource or parameter of the template (an `Fn::ImportValue`), else None."""

    def param(self, name: str) -> str:
        """The template parameter that carries the architecture parameter `name`."""


def render(value, linker: Linker):
    t = type(value)
    if t is dict:
        return {k: render(v, linker) for k, v in value.items()}
    if t is list:
        return [render(v, linker) for v in value]
    if t is Att:
        return linker.att(value)
    if t is Param:
        return {"Ref": linker.param(value.name)}
    if t is Pseudo:
        return {"Ref": value.name}
    if t is Sub:
        return _render_sub(value, linker)
    return value


def escape_sub(text: str) -> str:
    """Literal text inside `Fn::Sub`: `${` is written `${!`."""
    return text.replace("${", "${!") if "${" in text else text


def _render_sub(value: Sub, linker: Linker):
    text: list[str] = []
    variables: dict = {}
    for p in value.parts:
        t = type(p)
        if t is str:
            text.append(escape_sub(p))
        elif t is Att:
            name, bound = linker.sub_ref(p)
            if bound is not None:
                variables[name] = bound
            text.append("${" + name + "}")
        elif t is Param:
            text.append("${" + linker.param(p.name) + "}")
        elif t is Pseudo:
            text.append("${" + p.name + "}")
        else:  # a number or a pre-rendered function: needs a variable
            var = f"V{len(variables)}"
            variables[var] = render(p, linker)
            text.append("${" + var + "}")
    body = "".join(text)
    if variables:
        return {"Fn::Sub": [body, variables]}
    return {"Fn::Sub": body}
