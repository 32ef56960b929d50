"""Templates and the references between them.

A `Template` is one file: a top-level stack (one per region, plus the global stacks), or a
child of a stack that was split into nested stacks (its parent then holds only the
`AWS::CloudFormation::Stack` resources). `Linker` renders one template's references:

- to a resource of the same template: `Ref` / `Fn::GetAtt`;
- to a sibling child of the same stack: a parameter of the child, which the parent fills
  with the other child's output (`!GetAtt PartNN.Outputs.X`);
- from a parent to its child: `!GetAtt PartNN.Outputs.X`;
- to another stack of the same region: `Fn::ImportValue` of the export the other stack's
  top-level template makes (`<name>:<output>`);
- to a stack of another region: a parameter of the top-level stack (passed down to the child
  that needs it). CloudFormation cannot read across regions; the manifest says which output
  of which stack to pass, and in what order to deploy.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .intrinsics import Att

LIST_ATTRIBUTES = {"NameServers", "Ipv4Addresses", "Ipv6Addresses", "DnsEntries", "CidrBlockAssociations",
                   "Ipv6CidrBlocks", "NetworkInterfaceIds", "OpenWireEndpoints", "AmqpEndpoints"}


@dataclass(eq=False)
class Template:
    stack: str  # the stack id (region or global)
    stack_name: str
    region: str
    file: str
    parent: "Template | None" = None
    lid: str = ""  # a child's logical ID in its parent
    parts: list = field(default_factory=list)
    resources: dict = field(default_factory=dict)
    params: dict = field(default_factory=dict)  # name -> definition
    outputs: dict = field(default_factory=dict)  # name -> definition
    children: list = field(default_factory=list)
    child_params: dict = field(default_factory=dict)  # child lid -> {param: value}
    child_depends: dict = field(default_factory=dict)  # child lid -> set of child lids
    wiring: dict = field(default_factory=dict)  # cross-region param -> (stack name, output)
    after: set = field(default_factory=set)  # stack names deployed before this one
    taken: set | None = None  # logical IDs of the template's resources (computed when needed)

    @property
    def root(self) -> "Template":
        return self.parent or self


def output_name(lid: str, attr: str | None) -> str:
    return lid + (attr.replace(".", "") if attr else "Ref")


class Layout:
    """Where every part is, and the bookkeeping of references across templates."""

    def __init__(self, name: str, lids: dict, location: dict, params: dict):
        self.name = name  # the deployment name, prefix of stack names and exports
        self.lids = lids  # part key -> logical ID
        self.location = location  # part key -> Template
        self.params = params  # archform param -> Spec
        self.problems: list[str] = []

    def export_name(self, output: str) -> str:
        return f"{self.name}:{output}"

    def expose(self, producer: Template, att: Att, lid: str) -> str:
        """Make `producer` output the value of `att`; return the output's name."""
        value = {"Ref": lid} if att.attr is None else {"Fn::GetAtt": [lid, att.attr]}
        if att.attr in LIST_ATTRIBUTES:
            value = {"Fn::Join": [",", value]}
        return _add_output(producer, output_name(lid, att.attr), value,
                           f"{att.address}: {att.attr or 'Ref'}, for other stacks")

    def expose_top(self, producer: Template, att: Att, lid: str, export: bool) -> str:
        """Make the top-level template of `producer`'s stack output `att` (from its child when
        the stack is split), with an export for stacks of the same region."""
        name = self.expose(producer, att, lid)
        root = producer.root
        if producer is not root:
            name = _add_output(root, name, {"Fn::GetAtt": [producer.lid, f"Outputs.{name}"]},
                               producer.outputs[name]["Description"])
        if export:
            root.outputs[name]["Export"] = {"Name": self.export_name(name)}
        return name


def _add_output(t: Template, name: str, value, description: str) -> str:
    """Add an output (once); a name another output holds gets "Out" appended."""
    while name in t.outputs and t.outputs[name]["Value"] != value:
        name += "Out"
    if name not in t.outputs:
        t.outputs[name] = {"Description": description, "Value": value}
    return name


class Linker:
    """Renders the references of one template (see the module's doc)."""

    def __init__(self, layout: Layout, template: Template):
        self.layout = layout
        self.t = template

    def _resolve(self, att: Att) -> tuple[str, dict, bool]:
        """(name, value, is_local_name): a name usable in `Fn::Sub`, the value to use, and whether
        that name is a resource or parameter of this template."""
        layout, t = self.layout, self.t
        key = att.key
        lid = layout.lids.get(key)
        producer = layout.location.get(key)
        if lid is None or producer is None:
            layout.problems.append(f"{att.address} has no CloudFormation resource {att.suffix or '(main)'}")
            return "Missing", {"Ref": "AWS::NoValue"}, True
        if producer is t:
            if att.attr is None:
                return lid, {"Ref": lid}, True
            return f"{lid}.{att.attr}", {"Fn::GetAtt": [lid, att.attr]}, True
        is_list = att.attr in LIST_ATTRIBUTES
        if producer.root is t.root:  # the same stack, split into children
            name = layout.expose(producer, att, lid)
            if t.parent is None:  # the parent reads its child's output
                return name, {"Fn::GetAtt": [producer.lid, f"Outputs.{name}"]}, False
            pname = self._free(t, name)
            self._param(t, pname, is_list, f"Output {name} of {producer.lid}")
            t.parent.child_params.setdefault(t.lid, {})[pname] = {"Fn::GetAtt": [producer.lid, f"Outputs.{name}"]}
            return pname, {"Ref": pname}, True
        same_region = producer.region == t.region
        name = layout.expose_top(producer, att, lid, export=same_region)
        t.root.after.add(producer.root.stack_name)
        if same_region:
            value = {"Fn::ImportValue": layout.export_name(name)}
            if is_list:
                value = {"Fn::Split": [",", value]}
            return name, value, False
        root = t.root
        description = f"Output {name} of stack {producer.root.stack_name} ({producer.region})"
        rname = self._free(root, name)
        self._param(root, rname, is_list, description)
        root.wiring[rname] = (producer.root.stack_name, name)
        if t is root:
            return rname, {"Ref": rname}, True
        cname = self._free(t, name)
        self._param(t, cname, is_list, description)
        root.child_params.setdefault(t.lid, {})[cname] = {"Ref": rname}
        return cname, {"Ref": cname}, True

    def _free(self, t: Template, name: str) -> str:
        """`name`, or `name` + "In" when a resource of `t` has that logical ID (parameters and
        resources share one namespace)."""
        if t.taken is None:
            t.taken = {self.layout.lids[p.key] for p in t.parts} | {c.lid for c in t.children}
        return name + "In" if name in t.taken else name

    @staticmethod
    def _param(t: Template, name: str, is_list: bool, description: str):
        if name not in t.params:
            t.params[name] = {"Type": "CommaDelimitedList" if is_list else "String", "Description": description}

    # --- the Linker protocol of intrinsics.render ----------------------------------------------

    def att(self, att: Att) -> dict:
        return self._resolve(att)[1]

    def sub_ref(self, att: Att):
        name, value, local = self._resolve(att)
        if local:
            return name, None
        return name, value

    def param(self, name: str) -> str:
        spec = self.layout.params[name]
        t = self.t
        if spec.cfn_name not in t.root.params:
            t.root.params[spec.cfn_name] = spec.definition()
        if t.parent is not None:
            if spec.cfn_name not in t.params:
                t.params[spec.cfn_name] = {k: v for k, v in spec.definition().items() if k != "Default"}
            t.parent.child_params.setdefault(t.lid, {})[spec.cfn_name] = {"Ref": spec.cfn_name}
        return spec.cfn_name
