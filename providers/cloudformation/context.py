"""What mappings share while they run: the resolved architecture, where each resource's stack
is, how to read another resource's exported values, and the diagnostics gathered so far.

Mappings never look at each other's output; what one needs of another (a VPC's internet
gateway attachment, the target group a load balancer made for an Auto Scaling group, the
device name of a volume on its instance) is derived here from the architecture itself.
"""

from __future__ import annotations

from archform.dsl.diagnostics import Diagnostic, error, warning

from .intrinsics import Att, Param, sub
from .parts import Source


class Context:
    def __init__(self, desired, placement, exports: dict, bindings: dict | None = None):
        self.resources = desired.resources
        self.placement = placement
        self.exports = exports
        self.bindings = bindings or {}
        self.diagnostics: list[Diagnostic] = []
        self.unexpressed: dict[str, list[str]] = {}  # stack id -> notes for the template
        self.before_deploy: list[str] = []  # commands to run before the stacks (manifest.json "before_deploy")
        self.fixed: dict[str, str] = {}  # param -> why it is fixed at generation time
        self.param_types: dict[str, str] = {}  # param -> a CloudFormation type the mapping asks for
        self.synthetic: dict = {}  # template parameters of the mappings' own (AMIs)
        self._referrers: dict[str, list[str]] | None = None
        self._sources: dict[str, Source] = {}
        self._igw: dict[str, str] | None = None
        self._devices: dict[tuple[str, str], str] | None = None
        self._forwards: dict[str, list[Att]] | None = None

    # --- reading the architecture ------------------------------------------------------------

    def source(self, address: str) -> Source:
        src = self._sources.get(address)
        if src is None:
            res = self.resources[address]
            src = Source(self, res, self.bindings.get(address))
            self._sources[address] = src
        return src

    def kind(self, address: str) -> str | None:
        res = self.resources.get(address)
        return res.kind if res is not None else None

    def region(self, address: str) -> str:
        """The region a resource is created in: its own, or its stack's for global ones."""
        res = self.resources[address]
        return res.region or self.placement.region_of(address)

    def same_stack(self, a: str, b: str) -> bool:
        return self.placement.stack_of(a) == self.placement.stack_of(b)

    def referrers(self, address: str) -> list[str]:
        """Addresses of the resources that depend on `address`, sorted."""
        if self._referrers is None:
            index: dict[str, list[str]] = {}
            for a in sorted(self.resources):
                for d in self.resources[a].deps:
                    index.setdefault(d, []).append(a)
            self._referrers = index
        return self._referrers.get(address, [])

    def pointing(self, address: str, kind: str, block: str, *fields: str) -> list[str]:
        """The resources of `kind` with an item of their `block` whose `fields` name `address`
        (the topics subscribing a queue, the buckets notifying it, the rules targeting it), sorted."""
        found = []
        for a in self.referrers(address):
            if self.kind(a) != kind:
                continue
            src = self.source(a)
            if any(address in [src.target(block, i, f) for f in fields] for i in range(len(src.peek(block) or []))):
                found.append(a)
        return found

    def of_kind(self, kind: str) -> list[str]:
        return sorted(a for a, r in self.resources.items() if r.kind == kind)

    # --- values ----------------------------------------------------------------------------

    def convert_bound(self, value, bound: dict, user, path: tuple = ()):
        """`convert`, where the values at `bound` paths follow template parameters (`Fn::Sub`)."""
        if path in bound:
            return sub(*[p if type(p) in (str, Param) else self.convert(p, user) for p in bound[path].parts])
        t = type(value)
        if t is dict and "$ref" not in value and "$format" not in value:
            return {k: self.convert_bound(v, bound, user, path + (k,)) for k, v in value.items()}
        if t is list:
            return [self.convert_bound(v, bound, user, path + (i,)) for i, v in enumerate(value)]
        return self.convert(value, user)

    def convert(self, value, src: Source):
        """A canonical attribute value as CloudFormation writes it."""
        t = type(value)
        if t is dict:
            ref = value.get("$ref")
            if ref is not None:
                return self.out(ref, value.get("attr") or "id", src)
            parts = value.get("$format")
            if parts is not None:
                return sub(*[self.convert(p, src) for p in parts])
            return {k: self.convert(v, src) for k, v in value.items()}
        if t is list:
            return [self.convert(v, src) for v in value]
        return value

    def out(self, address: str, export: str, user: Source | None = None):
        """The exported value `export` of the resource at `address`."""
        res = self.resources.get(address)
        if res is None:  # a reference the resolver already reported
            return ""
        table = self.exports.get(res.kind, {})
        spec = table.get(export, _UNKNOWN)
        if spec is _UNKNOWN and export == "arn":
            spec = None
        if spec is _UNKNOWN or spec is None:
            if user is not None:
                user.error(f"{res.kind} '{address}' has no CloudFormation value for '{export}'",
                           help="CloudFormation returns no such attribute; compute it another way or "
                                "leave it out of the configuration")
            return ""
        if type(spec) is tuple:
            return Att(address, spec[0], spec[1])
        return spec(self.source(address))

    def synthetic_param(self, key: str, cfn_name: str, type_: str, default, description: str,
                        no_echo: bool = False):
        """A template parameter no `param` declares (an AMI; a secret, NoEcho and without a
        default): `Param(key)`, defined once."""
        from .intrinsics import Param
        from .params import Spec
        if key not in self.synthetic:
            self.synthetic[key] = Spec(key, cfn_name, type_, None if no_echo else default, description=description,
                                       no_echo=no_echo)
        return Param(key)

    def fix_params(self, bound_value, reason: str):
        for name in _params_in(bound_value):
            self.fixed.setdefault(name, reason)

    # --- relationships mappings need -----------------------------------------------------------

    def igw_attachment(self, vpc: str | None) -> Att | None:
        """The internet gateway attachment of a VPC, which routes to the gateway, Elastic IPs and
        public NAT gateways must wait for (no reference says so)."""
        if vpc is None:
            return None
        if self._igw is None:
            self._igw = {}
            for a in self.of_kind("internet_gateway"):
                v = self.source(a).target("vpc")
                if v is not None:
                    self._igw.setdefault(v, a)
        gw = self._igw.get(vpc)
        return Att(gw, "Attachment") if gw else None

    def gets_public_ip(self, src: Source, public, subnets) -> bool:
        """Whether instances launched with `associate_public_ip = public` in `subnets` get a
        public IP address (unset: the subnet's `map_public_ip`)."""
        if public is not None:
            return bool(public)
        return any(s in self.resources and self.source(s).raw("map_public_ip") for s in subnets)

    def public_ip_attachment(self, src: Source, public, subnets) -> list:
        """`DependsOn` the internet gateway attachment for what gets a public IP address or faces
        the internet (instances, Auto Scaling groups, internet-facing load balancers): AWS
        refuses them while the VPC "has no internet gateway", and no reference orders them."""
        subnets = [s for s in subnets if s in self.resources]
        if not subnets or not self.gets_public_ip(src, public, subnets):
            return []
        gw = self.igw_attachment(self.source(subnets[0]).target("vpc"))
        return [gw] if gw is not None else []

    def vpc_of(self, address: str | None) -> str | None:
        if address is None or address not in self.resources:
            return None
        src = self.source(address)
        vpc = src.target("vpc")
        if vpc:
            return vpc
        subnet = src.target("subnet") or next(iter(src.targets("subnets")), None)
        if subnet and subnet in self.resources:
            return self.source(subnet).target("vpc")
        return None

    def device_name(self, instance: str, volume: str) -> str | None:
        """`/dev/sdf`, `/dev/sdg`, … for the volumes attached to one instance, by address."""
        if self._devices is None:
            per_instance: dict[str, list[str]] = {}
            for v in self.of_kind("ebs_volume"):
                for i in self.source(v).targets("attachments"):
                    per_instance.setdefault(i, []).append(v)
            self._devices = {}
            letters = "fghijklmnopqrstuvwxyz"
            for i, volumes in per_instance.items():
                for n, v in enumerate(sorted(volumes)):
                    if n < len(letters):
                        self._devices[(i, v)] = f"/dev/sd{letters[n]}"
        return self._devices.get((instance, volume))

    def forwards_to(self, target: str) -> list[Att]:
        """The target groups load balancers make for listeners that forward straight to an Auto
        Scaling group (which registers with them)."""
        if self._forwards is None:
            from .mapping.loadbalancing import implicit_target_groups
            self._forwards = {}
            for lb in self.of_kind("load_balancer"):
                for suffix, holder in implicit_target_groups(self.source(lb)):
                    fwd = holder.get("forward")
                    if type(fwd) is dict and "$ref" in fwd:
                        self._forwards.setdefault(fwd["$ref"], []).append(Att(lb, suffix))
        return self._forwards.get(target, [])

    # --- diagnostics -------------------------------------------------------------------------

    def _span(self, src: Source):
        return src.res.span

    def warn(self, src: Source, message: str, path: tuple = (), help: str = ""):
        self.diagnostics.append(warning(f"CloudFormation: {message}", self._span(src), help=help))

    def error(self, src: Source, message: str, path: tuple = (), help: str = ""):
        self.diagnostics.append(error(f"CloudFormation: {message}", self._span(src), help=help))

    def unsupported(self, src: Source, attribute: str, what: str = "", help: str = ""):
        text = f"{src.kind} '{src.address}': {attribute}" + (f" ({what})" if what else "") + \
               " has no CloudFormation equivalent and is not in the template"
        self.diagnostics.append(warning(f"CloudFormation: {text}", self._span(src), help=help))
        self.unexpressed.setdefault(self.placement.stack_of(src.address), []).append(
            f"{src.address}: {attribute}" + (f" ({what})" if what else ""))


_UNKNOWN = object()


def _params_in(value) -> set[str]:
    from .intrinsics import Param, Sub
    from .params import Bound
    found = set()
    t = type(value)
    if t is Bound:
        return {p.name for p in value.parts if type(p) is Param}
    if t is Param:
        found.add(value.name)
    elif t is Sub:
        for p in value.parts:
            if type(p) is Param:
                found.add(p.name)
    elif t is list:
        for v in value:
            found |= _params_in(v)
    elif t is dict:
        for v in value.values():
            found |= _params_in(v)
    return found
