"""A command's session with a state: the state store of one workspace, the provider (the
modeled cloud) and the workspace's lock.

    with open_session(state_path, workspace, cloud, command="apply", lock_timeout=30) as s:
        plan = make_plan(desired, s.store.read(), s.provider, request)

However the block ends, the lock is released, then the store closed, then the provider. The
provider is opened when first asked anything (`lazy`): a plan against an empty state never
asks, so it neither loads the modeled cloud's code nor creates its database.

A lock another command holds is `LockRefused`, a `StateError` whose message and hint say who
holds it and how to remove it (`force_unlock_command`); the command line prints them.
"""

from __future__ import annotations

from contextlib import contextmanager

from .state_lock import LockRefused, force_unlock_command, note_on_stderr, take_lock  # noqa: F401 (where commands find them)


class Session:
    """The state store and the provider of one command; `lock` takes the workspace's lock
    until `close`."""

    def __init__(self, state_path, workspace: str = "default", cloud=None, *, lazy: bool = True):
        from archform.providers import open_provider
        from .state import open_state
        self.store = open_state(state_path, workspace)
        self.locked = False
        if lazy:
            self.provider = _OnFirstUse(lambda: open_provider("simulated", cloud=cloud))
            return
        try:
            self.provider = open_provider("simulated", cloud=cloud)
        except BaseException:
            self.store.close()
            raise

    def lock(self, command: str, timeout: float = 0.0, notify=note_on_stderr) -> None:
        take_lock(self.store, command, timeout, notify)
        self.locked = True

    def close(self) -> None:
        try:
            if self.locked:
                self.locked = False
                self.store.unlock()
        finally:
            try:
                self.store.close()
            finally:
                provider = self.provider.opened if isinstance(self.provider, _OnFirstUse) else self.provider
                close = getattr(provider, "close", None)
                if close:
                    close()


@contextmanager
def open_session(state_path, workspace: str = "default", cloud=None, *, command: str | None = None,
                 lock_timeout: float = 0.0, lazy: bool = True, notify=note_on_stderr):
    """A Session of `workspace` of the state at `state_path` with the modeled cloud `cloud`
    (None: $ARCHFORM_CLOUD, else .archform/cloud.db); with `command`, its lock taken for it
    (LockRefused if another command holds it). Closed however the block ends."""
    session = Session(state_path, workspace, cloud, lazy=lazy)
    try:
        if command is not None:
            session.lock(command, lock_timeout, notify)
            _note_if_new(session.store, workspace, notify)
            _note_foreign_backups(session.store, state_path, workspace, notify)
        yield session
    finally:
        session.close()


def _note_if_new(store, workspace: str, notify) -> None:
    """A workspace this command is about to make, in a state that has others: said, with the
    closest existing name (`-w prdo` would otherwise quietly plan everything anew in a new
    workspace)."""
    names = store.workspaces()
    if names and workspace not in names:
        from archform.dsl.suggest import did_you_mean
        hint = did_you_mean(workspace, names)
        notify(f"note: workspace '{workspace}' is new: this state has {', '.join(names)}" + (f"; {hint}" if hint else ""))


def _note_foreign_backups(store, state_path, workspace: str, notify) -> None:
    """A state whose lineage is not its backups' (another state's file copied over this one's):
    said before anything is planned against it, with how to get this folder's state back."""
    from .state_backup import backups_lineage, list_backups
    kept = backups_lineage(state_path, workspace)
    mine = store.identity()
    if kept and mine and mine[0] != kept:
        newest = list_backups(state_path, workspace)[-1][0]
        notify(f"warning: the state at {state_path} (lineage {mine[0]}) is not the one its backups beside it "
               f"keep (lineage {kept}): was it replaced by another state's file? To get this folder's state "
               f"back: move it aside, then `archform state restore --serial {newest}`")


class _OnFirstUse:
    """Stands for the provider and opens it when first asked anything."""

    def __init__(self, open_it):
        self._open = open_it
        self.opened = None

    def __getattr__(self, name):
        if self.opened is None:
            self.opened = self._open()
        return getattr(self.opened, name)
