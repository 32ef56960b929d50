"""The provider interface: where a plan goes.

The planner knows nothing of any particular cloud; it calls these five operations. Attributes
arrive *resolved*: a reference to another resource is that resource's provider id (a string,
or a list of them), a reference to an exported attribute is its value, interpolated strings
are plain strings. What comes back is a `Remote`: the provider's id for the resource, the
attributes as the cloud now holds them (same shape as what was sent, so the planner can
compare them to detect drift), and the exported values (`id`, `arn`, `dns_name`, …).

Every create carries an idempotency token (as AWS's ClientToken): calling create again with
the same token returns the resource made the first time instead of a second one. That is how
an apply killed between the provider's answer and the state write is reconciled without
creating anything twice.

Errors are typed so the planner can tell a user what AWS would have told them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable, Protocol


@dataclass(frozen=True)
class Remote:
    """A resource as the provider holds it."""

    id: str
    kind: str
    attrs: dict
    outputs: dict = field(default_factory=dict)
    region: str | None = None
    token: str | None = None


class ProviderError(Exception):
    """Base of everything a provider refuses. `code` mirrors AWS's error codes."""

    code = "ProviderError"
    retryable = False

    def __init__(self, message: str, *, code: str | None = None):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"


class NotFound(ProviderError):
    code = "NotFound"


class InvalidParameter(ProviderError):
    code = "InvalidParameterValue"


class DependencyViolation(ProviderError):
    """The resource is still in use (a VPC with subnets, a security group attached)."""

    code = "DependencyViolation"


class Conflict(ProviderError):
    """Already exists / state does not allow it (a bucket name taken, a volume in use)."""

    code = "Conflict"


class LimitExceeded(ProviderError):
    code = "LimitExceeded"


class InsufficientCapacity(ProviderError):
    code = "InsufficientInstanceCapacity"
    retryable = True


class Unsupported(ProviderError):
    code = "Unsupported"


class Throttled(ProviderError):
    """The cloud is too busy to answer now (AWS's RequestLimitExceeded); try again."""

    code = "RequestLimitExceeded"
    retryable = True


class InsufficientAddresses(ProviderError):
    """No free address left: a subnet's private range, or the pool of public addresses."""

    code = "InsufficientFreeAddressesInSubnet"


class OutcomeUnknown(ProviderError):
    """The call may or may not have taken effect: the request went out and no answer came back
    (a timeout, a dropped connection). The planner keeps the operation pending, and the next
    run settles it (a create is looked up by its idempotency token, a delete by reading)."""

    code = "RequestTimeout"
    retryable = True


class Provider(Protocol):
    """What the planner needs from a cloud."""

    name: str

    def create(self, kind: str, address: str, region: str | None, attrs: dict, token: str) -> Remote:
        """Make the resource. Idempotent on `token`."""
        ...

    def read(self, kind: str, id: str) -> Remote | None:
        """The resource as it is now, or None if it no longer exists."""
        ...

    # Optional: `read_many(items: list[tuple[kind, id]]) -> dict[id, Remote | None]`, many reads
    # in one round trip; refresh uses it when a provider has it.

    def update(self, kind: str, id: str, attrs: dict, changed: Iterable[str]) -> Remote:
        """Change attributes in place (`changed` names those that differ)."""
        ...

    def delete(self, kind: str, id: str) -> None:
        """Remove the resource. Deleting what is already gone is not an error."""
        ...

    def list(self, kind: str | None = None) -> list[Remote]:
        """Every resource the provider holds (of one kind), for import and reconciliation."""
        ...

    def find_by_token(self, token: str) -> Remote | None:
        """The resource a create with this idempotency token made, if any."""
        ...

    def close(self) -> None:
        ...
