"""What a kind does in the modeled cloud, beyond storing its attributes.

A `Behaviour` is asked, in order, for a create: `validate` (refuse what AWS refuses),
`identity` (id, name, sequence number), `create` (addresses, owned records), `outputs` (the
exported values). An update runs `validate`, `update`, `outputs`; a delete `check_delete`
(still in use?) then `delete` (what AWS does to other resources when this one goes). `live`
refreshes outputs that change without the resource changing (a subnet's free addresses).

Kinds whose identity is a name (an Auto Scaling group, a bucket, an RDS instance) use `Named`.
"""

from __future__ import annotations

from archform.providers.base import Conflict, DependencyViolation, InvalidParameter

from .. import ids
from ..operation import Op
from ..store import Record


class Behaviour:
    service = "ec2"

    def validate(self, op: Op, rec: Record, old: Record | None) -> None:
        pass

    def identity(self, op: Op, rec: Record) -> None:
        n = op.number()
        rec.seq = n
        if rec.kind in ids.EC2_PREFIX:
            rec.id = ids.ec2_id(rec.kind, op.seed, n)
        else:
            rec.id = f"{rec.kind.replace('_', '-')}-{ids.hex17(op.seed, n)}"

    def arn(self, rec: Record) -> str | None:
        if rec.kind in ids.EC2_ARN_TYPE:
            return ids.ec2_arn(rec.kind, rec.region, rec.id)
        return None

    def create(self, op: Op, rec: Record) -> None:
        pass

    def update(self, op: Op, rec: Record, old: Record) -> None:
        pass

    def outputs(self, op: Op, rec: Record) -> dict:
        return {}

    def extra_refs(self, op: Op, rec: Record) -> list[tuple[str, str]]:
        """References the catalogue does not mark (a security group rule naming another group)."""
        return []

    def live(self, op: Op, rec: Record) -> dict:
        return rec.outputs

    def check_delete(self, op: Op, rec: Record) -> None:
        pass

    def delete(self, op: Op, rec: Record) -> None:
        pass


class Named(Behaviour):
    """A kind known by a name: generated from the address (plus a short suffix, as
    CloudFormation does) unless `explicit_name` gives one; unique per region or globally.

    A record's id is unique in the account (the store, the state and every reference are keyed
    by it), so a kind whose name is unique only in its region is known by its ARN, which holds
    the region: `/shop/app` in us-east-1 and in eu-west-1 are two log groups, as in AWS. A
    globally unique name (a bucket, a role) is the id itself."""

    name_max = 63
    letter_first = False
    name_unique = "region"  # or "global"
    name_parent: str | None = None  # unique only among the records with this parent ("cluster")
    name_taken_code = "AlreadyExists"
    id_is_name = True

    def explicit_name(self, rec: Record) -> str | None:
        return None

    def identity(self, op: Op, rec: Record) -> None:
        n = op.number()
        rec.seq = n
        name = self.explicit_name(rec)
        if name is None:
            name = ids.generated_name(rec.address, rec.kind, ids.base36(op.seed, n, 8, "name"), self.name_max,
                                      letter_first=self.letter_first)
        taken = self.name_taken(op, rec, name)
        if taken is not None:
            raise Conflict(self.taken_message(name, taken), code=self.name_taken_code)
        rec.name = name
        if not self.id_is_name:
            rec.id = self.make_id(op, rec, n)
        elif self.name_unique == "global":
            rec.id = name
        else:
            rec.id = self.regional_id(op, rec)

    def name_taken(self, op: Op, rec: Record, name: str) -> Record | None:
        """The record already holding this name where it must be unique: the account, the
        region, or the parent (two clusters may each have a node group "general")."""
        if self.name_parent is None:
            return op.tx.by_name(rec.kind, name, None if self.name_unique == "global" else rec.region)
        parent = rec.attrs.get(self.name_parent)
        return next((r for r in op.tx.query("kind = ? AND name = ? AND region = ?", (rec.kind, name, rec.region))
                     if r.attrs.get(self.name_parent) == parent), None)

    def taken_message(self, name: str, taken: Record) -> str:
        return f"A {rec_title(taken.kind)} named '{name}' already exists"

    def regional_id(self, op: Op, rec: Record) -> str:
        """The id of a kind whose name is unique in its region: its ARN, made from the name and
        region (a kind whose ARN changes over its life, or needs what `create` makes, overrides this)."""
        return self.arn(rec)

    def make_id(self, op: Op, rec: Record, n: int) -> str:
        return ids.ec2_id(rec.kind, op.seed, n)


def rec_title(kind: str) -> str:
    return kind.replace("_", " ")


# --- helpers shared by the families ---------------------------------------------------------------

def in_use(rec: Record, users: list[tuple[Record, str]], code: str = "DependencyViolation",
           what: str = "") -> DependencyViolation:
    shown = ", ".join(f"{u.kind} {u.id} ({path})" if path else f"{u.kind} {u.id}" for u, path in users[:5])
    more = f" and {len(users) - 5} more" if len(users) > 5 else ""
    return DependencyViolation(f"The {rec_title(rec.kind)} '{rec.id}' has dependencies and cannot be deleted"
                               f"{what}: {shown}{more}", code=code)


def users_of(op: Op, rec: Record, kinds: tuple[str, ...] | None = None,
             skip_owned_by: str | None = None) -> list[tuple[Record, str]]:
    """Who references `rec` (of these kinds), leaving out records owned by `skip_owned_by`."""
    found = []
    for user, path in op.tx.referrers(rec.id):
        if kinds is not None and user.kind not in kinds:
            continue
        if skip_owned_by is not None and user.owner == skip_owned_by:
            continue
        found.append((user, path))
    return found


def require(condition: bool, message: str, code: str = "InvalidParameterValue", error=InvalidParameter):
    if not condition:
        raise error(message, code=code)
