"""`SimulatedCloud`: the `Provider` interface over the modeled cloud's store.

Each call is one transaction: look up, check what AWS would check (the catalogue's attribute
rules, every reference, the kind's own behaviour), write, commit. Safe to call from many
threads; the store serializes writers and other processes wait on SQLite's busy timeout.

Latency: `$ARCHFORM_SIM_LATENCY` (seconds, default 0) makes every create, update and delete
take that long, as a real API call does: half while the cloud works (before the transaction:
nothing committed yet, and other threads' calls proceed meanwhile, as on a real API) and half
while the answer travels back (committed, not yet known to the caller). It changes no result; it widens the windows a killed `archform apply` can die in,
which is what the crash tests need, and makes progress visible in demonstrations.
"""

from __future__ import annotations

import copy
import os
import time
from typing import Iterable

from archform.providers.base import Conflict, InvalidParameter, Remote, Unsupported
from archform.stdlib.regions import REGIONS

# `attributes` (the typed catalogue, and pydantic with it) is imported by the calls that change
# things: reading the cloud back, as every plan's refresh does, never needs it
from .behaviours import behaviour
from .behaviours.base import Behaviour
from .errors import not_found
from .limits import merged
from .operation import Op, regional
from .store import Record, Store, Tx

DEFAULT_REGION = "us-east-1"
LATENCY_ENV = "ARCHFORM_SIM_LATENCY"

# What a behaviour raises when an attribute value is not of the shape the catalogue gives it
# (min = "abc" from `archform sim create`): the cloud answers InvalidParameterValue.
_MALFORMED = (ValueError, TypeError, KeyError, AttributeError, IndexError)


def _env_latency() -> float:
    try:
        return max(0.0, float(os.environ.get(LATENCY_ENV) or 0))
    except ValueError:
        return 0.0


def _malformed(kind: str, e: Exception) -> InvalidParameter:
    return InvalidParameter(f"{kind}: an attribute value is malformed ({type(e).__name__}: {e})",
                            code="InvalidParameterValue")


class SimulatedCloud:
    """The modeled cloud. `path`: its database (default `$ARCHFORM_CLOUD` or
    `.archform/cloud.db`); `seed`: for a new store, what every id derives from; `limits`:
    account quotas other than AWS's defaults; `durable`: fsync every commit (survive power loss,
    not just a killed process)."""

    name = "simulated"

    def __init__(self, path: str | os.PathLike | None = None, *, seed: int | None = None,
                 limits: dict | None = None, durable: bool = False, latency: float | None = None):
        self.store = Store(path, seed=seed, durable=durable)
        self.path = self.store.path
        self.limits = merged(limits)
        self.latency = _env_latency() if latency is None else max(0.0, latency)

    # --- the Provider interface ---------------------------------------------------------------

    @property
    def max_parallelism(self) -> int:
        """Calls are serialized by the store's single writer; with simulated latency, parallel
        calls overlap their waits as a real cloud's would."""
        return 10 if self.latency else 1

    def create(self, kind: str, address: str, region: str | None, attrs: dict, token: str) -> Remote:
        region = self._region(kind, region)
        self._pause()  # the cloud at work: nothing committed yet
        with self.store.transaction() as tx:
            op = Op(tx, self.limits)
            if token:
                prior = tx.token(token)
                if prior is not None:
                    return self._replay(op, prior, kind, address, token)
            try:
                rec = self._create(op, kind, address, region, attrs)
            except _MALFORMED as e:
                raise _malformed(kind, e) from e
            if token:
                tx.remember_token(token, rec.id, kind, address)
            remote = self.remote_of(op, rec, token)
        self._pause()  # the answer on its way back: committed, not yet known to the caller
        return remote

    def read(self, kind: str, id: str) -> Remote | None:
        with self.store.reading() as tx:
            rec = tx.get(id)
            if rec is None or rec.kind != kind:
                return None
            return self.remote_of(Op(tx, self.limits), rec, tx.token_for(id))

    def read_many(self, items: list[tuple[str, str]]) -> dict[str, Remote | None]:
        """`read` for many (kind, id) pairs in one consistent transaction (what refresh uses)."""
        out: dict[str, Remote | None] = {}
        with self.store.reading() as tx:
            op = Op(tx, self.limits)
            ids = [id for _, id in items]
            found = {}
            for start in range(0, len(ids), 500):
                chunk = ids[start:start + 500]
                marks = ",".join("?" * len(chunk))
                for rec in tx.query(f"id IN ({marks})", tuple(chunk)):
                    found[rec.id] = rec
            for kind, id in items:
                rec = found.get(id)
                out[id] = None if rec is None or rec.kind != kind else self.remote_of(op, rec, None)
        return out

    def update(self, kind: str, id: str, attrs: dict, changed: Iterable[str] = ()) -> Remote:
        from . import attributes
        self._pause()
        with self.store.transaction() as tx:
            op = Op(tx, self.limits)
            rec = self._existing(tx, kind, id)
            new_attrs = attributes.conceal(kind, attributes.complete(kind, {**rec.attrs, **copy.deepcopy(attrs)}),
                                           self._secret(op))
            replaced = attributes.force_new_changes(kind, rec.attrs, new_attrs)
            if replaced:
                raise Unsupported(f"{kind} {id}: {', '.join(replaced)} cannot be changed in place; the resource "
                                  "must be replaced", code="Unsupported")
            old = copy.deepcopy(rec)
            rec.attrs = new_attrs
            b = behaviour(kind)
            try:
                refs = op.resolve_references(rec)
                b.validate(op, rec, old)
                b.update(op, rec, old)
            except _MALFORMED as e:
                raise _malformed(kind, e) from e
            rec.outputs = self._outputs(op, rec)
            tx.save(rec)
            tx.set_refs(rec.id, refs + b.extra_refs(op, rec))
            remote = self.remote_of(op, rec, tx.token_for(id))
        self._pause()
        return remote

    def delete(self, kind: str, id: str) -> None:
        self._pause()
        with self.store.transaction() as tx:
            rec = tx.get(id)
            if rec is None:
                return
            if rec.kind != kind:
                raise InvalidParameter(f"'{id}' is a {rec.kind}, not a {kind}", code="InvalidParameterValue")
            op = Op(tx, self.limits)
            b = behaviour(kind)
            b.check_delete(op, rec)
            b.delete(op, rec)
            op.remove(rec)
        self._pause()

    def list(self, kind: str | None = None) -> list[Remote]:
        with self.store.reading() as tx:
            op = Op(tx, self.limits)
            if kind is None:
                records = tx.query("owner IS NULL")
            else:
                records = tx.query("owner IS NULL AND kind = ?", (kind,))
            return [self.remote_of(op, r, tx.token_for(r.id)) for r in records]

    def find_by_token(self, token: str) -> Remote | None:
        with self.store.reading() as tx:
            prior = tx.token(token)
            rec = tx.get(prior[0]) if prior else None
            return self.remote_of(Op(tx, self.limits), rec, token) if rec is not None else None

    def close(self) -> None:
        self.store.close()

    def store_record(self, id: str) -> Record | None:
        """The raw record behind an id (whatever its kind; owned records included)."""
        with self.store.reading() as tx:
            return tx.get(id)

    def _pause(self):
        """Half the latency, outside any transaction: a sleep holding the store's write lock would
        make ten parallel calls take ten times as long."""
        if self.latency:
            time.sleep(self.latency / 2)

    # --- inside a transaction ------------------------------------------------------------------

    def _create(self, op: Op, kind: str, address: str | None, region: str | None, attrs: dict) -> Record:
        from . import attributes
        # callers hand in attributes built for this call (the planner resolves references into
        # new dicts and lists): storing them without a deep copy shares nothing mutable
        rec = Record("", kind, region, attributes.conceal(kind, attributes.complete(kind, attrs), self._secret(op)),
                     {}, address=address)
        b = behaviour(kind)
        refs = op.resolve_references(rec)
        b.validate(op, rec, None)
        b.identity(op, rec)
        fresh = type(b).create is Behaviour.create
        if fresh:  # nothing is made alongside it: one write, and no references to replace
            rec.outputs = self._outputs(op, rec)
            op.tx.insert(rec)
        else:  # what it makes (default groups, addresses, placements) refers to its row
            op.tx.insert(rec)
            b.create(op, rec)
            rec.outputs = self._outputs(op, rec)
            op.tx.save(rec)
        op.tx.set_refs(rec.id, refs + b.extra_refs(op, rec), new=fresh)
        return rec

    def _replay(self, op: Op, prior: tuple, kind: str, address: str | None, token: str) -> Remote:
        id, first_kind, first_address = prior
        if first_kind != kind or first_address != address:
            raise Conflict(f"The client token '{token}' was already used to create {first_kind} {id} "
                           f"({first_address}) with different parameters", code="IdempotentParameterMismatch")
        rec = op.tx.get(id)
        if rec is None:
            raise Conflict(f"The client token '{token}' was already used to create {kind} {id}, which has since "
                           "been deleted", code="IdempotentParameterMismatch")
        return self.remote_of(op, rec, token)

    def _secret(self, op: Op) -> bytes:
        """This cloud's key for fingerprints of secrets (from its seed: the same cloud, the same
        fingerprint for the same value)."""
        return f"archform-sim-secret/{op.tx.seed}".encode()

    @staticmethod
    def _existing(tx: Tx, kind: str, id: str) -> Record:
        rec = tx.get(id)
        if rec is None:
            raise not_found(kind, id)
        if rec.kind != kind:
            raise InvalidParameter(f"'{id}' is a {rec.kind}, not a {kind}", code="InvalidParameterValue")
        return rec

    @staticmethod
    def _outputs(op: Op, rec: Record) -> dict:
        from . import attributes
        b = behaviour(rec.kind)
        out = {"id": rec.id}
        arn = b.arn(rec)
        if arn:
            out["arn"] = arn
        out.update(b.outputs(op, rec))
        model = attributes.catalogue.get(rec.kind)
        for name in getattr(model, "exports", {}) if model is not None else {}:
            out.setdefault(name, None)  # an export added to the catalogue later: known to be unknown
        return out

    @staticmethod
    def remote_of(op: Op, rec: Record, token: str | None) -> Remote:
        outputs = behaviour(rec.kind).live(op, rec)
        # `rec` was decoded from the store for this call alone: nothing else holds its values
        return Remote(rec.id, rec.kind, rec.attrs, outputs, rec.region, token)

    @staticmethod
    def _region(kind: str, region: str | None) -> str | None:
        from . import attributes
        if not attributes.known(kind):
            raise Unsupported(f"The modeled cloud has no resource kind '{kind}'", code="UnsupportedResourceType")
        if region is not None and region not in REGIONS:
            raise InvalidParameter(f"'{region}' is not a region of the modeled cloud", code="InvalidRegion")
        if regional(kind):
            return region or DEFAULT_REGION
        return region
