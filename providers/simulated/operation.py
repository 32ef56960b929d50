"""One provider operation in progress: the transaction, plus what behaviours need from it —
new ids, looking up what a reference names, addresses, owned records, removal.
"""

from __future__ import annotations

from archform.providers.base import InvalidParameter
from archform.stdlib.regions import REGIONS

from . import addressing, ids
from .errors import not_found
from .store import Record, Tx

# (referring kind, top-level attribute) pairs that may name a resource of another region
# How ids of a kind start, to tell a missing id from a literal value at a site that takes both
_ARN_PREFIX = {
    "load_balancer": "arn:aws:elasticloadbalancing:", "target_group": "arn:aws:elasticloadbalancing:",
    "certificate": "arn:aws:acm:", "iam_policy": f"arn:aws:iam::{ids.ACCOUNT}:policy/",
    "global_accelerator": "arn:aws:globalaccelerator:",
    "secret": "arn:aws:secretsmanager:",  # (not kms_key: a key made outside archform is named by its ARN)
    "waf_web_acl": "arn:aws:wafv2:", "waf_ip_set": "arn:aws:wafv2:",
    "network_firewall": "arn:aws:network-firewall:", "firewall_policy": "arn:aws:network-firewall:",
    "firewall_rule_group": "arn:aws:network-firewall:", "shield_protection": "arn:aws:shield:",
}


def regional(kind: str) -> bool:
    from archform.stdlib import catalogue
    model = catalogue.get(kind)
    return model is None or getattr(model, "scope", "regional") == "regional"


def looks_like(kind: str, value: str) -> bool:
    """Whether `value` has the shape of an id of `kind` this cloud would have made."""
    prefix = ids.EC2_PREFIX.get(kind)
    if prefix and value.startswith(prefix + "-"):
        return True
    arn = _ARN_PREFIX.get(kind)
    return bool(arn and value.startswith(arn))


class Op:
    def __init__(self, tx: Tx, limits: dict):
        self.tx = tx
        self.limits = limits

    @property
    def seed(self) -> int:
        return self.tx.seed

    def limit(self, name: str, region: str | None) -> int:
        """An account quota in `region`: what the account raised it to (a `service_quota`
        applied), else the provider's value (AWS's default unless opened with others)."""
        raised = self.tx.quota(region, name)
        return max(self.limits[name], raised) if raised is not None else self.limits[name]

    def number(self) -> int:
        return self.tx.next_number()

    # --- records -------------------------------------------------------------------------------

    def get(self, id) -> Record | None:
        return self.tx.get(id) if isinstance(id, str) else None

    def the(self, id: str) -> Record:
        """A record a validated reference names (it exists)."""
        rec = self.tx.get(id)
        if rec is None:
            raise not_found("*", id)
        return rec

    def add_owned(self, owner: Record, kind: str, role: str, attrs: dict, *, az: str | None = None,
                  subnet: str | None = None, id: str | None = None, name: str | None = None) -> Record:
        n = self.number()
        if id is None:
            id = ids.ec2_id(kind, self.seed, n) if kind in ids.EC2_PREFIX else f"{kind.replace('_', '-')}-{ids.hex17(self.seed, n)}"
        rec = Record(id, kind, owner.region, attrs, {"id": id}, az=az, subnet=subnet, owner=owner.id, role=role,
                     address=None, name=name, seq=n)
        self.tx.insert(rec)
        return rec

    def remove(self, rec: Record):
        """The record, what it owns (recursively), their addresses and references."""
        for child in self.tx.owned(rec.id):
            self.remove(child)
        self.tx.remove(rec.id)

    # --- references ------------------------------------------------------------------------------

    def resolve_references(self, rec: Record) -> list[tuple[str, str]]:
        """Check every reference of `rec` names an existing resource of an accepted kind, visible
        from its region; (path, id) for each, to record who uses what."""
        from archform.stdlib import catalogue
        from . import attributes
        found = []
        for path, value, site in attributes.references(rec.kind, rec.attrs):
            where = f"{rec.kind}.{attributes.format_path(path)}"
            if not isinstance(value, str):
                if site.accepts_literal(value):
                    continue
                raise InvalidParameter(f"{where}: expected the id of a {' or '.join(site.kinds)}, got {value!r}")
            target = self.tx.get(value)
            if target is None:
                if any(looks_like(k, value) for k in site.kinds):
                    raise not_found(site.kinds, value, where=where)
                if site.accepts_literal(value):
                    continue
                if not any(catalogue.get(k) is not None or k == "*" for k in site.kinds):
                    continue  # a kind the modeled cloud does not hold (kms_key, instance_profile…)
                raise not_found(site.kinds, value, where=where)
            if "*" not in site.kinds and target.kind not in site.kinds:
                raise not_found(site.kinds, value, where=where, actual=target.kind)
            # in another region only where the catalogue says so (`Ref.anywhere`, `across=`)
            if (regional(rec.kind) and regional(target.kind) and target.region != rec.region
                    and target.kind not in site.across):
                raise not_found(site.kinds if "*" not in site.kinds else target.kind, value, where=where,
                                region=rec.region)
            found.append((attributes.format_path(path), value))
        return found

    # --- addresses -------------------------------------------------------------------------------

    def private_ip(self, subnet: Record, holder: str) -> str:
        return addressing.allocate_private(self.tx, subnet.id, subnet.attrs["cidr"], holder)

    def public_ip(self, holder: str, region: str | None, *, elastic: bool = False, vpc: str | None = None) -> str:
        return addressing.allocate_public(self.tx, holder, region, elastic=elastic, vpc=vpc)

    def zones(self, region: str | None) -> list[str]:
        info = REGIONS.get(region or "")
        return info.zones if info else []
