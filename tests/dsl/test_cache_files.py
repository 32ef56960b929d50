"""The cache folder stays under its budget, least recently used first, never breaks a run, and
never trusts a file it did not write itself."""

import os
import pickle
import stat

import pytest

from archform.dsl import cache_files, cache_key


@pytest.fixture(autouse=True)
def private_key(tmp_path_factory, monkeypatch):
    """Each test with a key of its own (the module remembers keys by path)."""
    monkeypatch.setenv("ARCHFORM_CACHE_KEY", str(tmp_path_factory.mktemp("key") / "archform.key"))
    monkeypatch.setattr(cache_key, "_known", {})


def test_writing_beyond_the_budget_removes_the_least_recently_used(tmp_path):
    blob = b"x" * 1000
    for i, name in enumerate(["a", "b", "c"]):
        cache_files.write(tmp_path / f"{name}.cache", blob, budget=10_000)
        os.utime(tmp_path / f"{name}.cache", ns=(i * 10**9, i * 10**9))
    assert cache_files.read(tmp_path / "a.cache") == blob  # a hit: `a` is now the most recent
    cache_files.write(tmp_path / "d.cache", blob, budget=2_500)
    assert sorted(p.name for p in tmp_path.glob("*.cache")) == ["a.cache", "d.cache"]


def test_the_file_just_written_stays_even_above_the_budget(tmp_path):
    cache_files.write(tmp_path / "big.cache", b"y" * 5000, budget=100)
    assert cache_files.read(tmp_path / "big.cache") == b"y" * 5000


def test_damaged_missing_and_unwritable_files_are_misses(tmp_path):
    (tmp_path / "bad.cache").write_bytes(b"\x80\x05garbage")
    assert cache_files.read(tmp_path / "bad.cache") is None
    assert cache_files.read(tmp_path / "none.cache") is None
    blocked = tmp_path / "file"
    blocked.write_text("")
    cache_files.write(blocked / "x.cache", {"a": 1})  # its folder is a file: skipped, no error
    assert not list(tmp_path.glob("**/*.tmp"))


def test_no_cache_turns_every_folder_off(monkeypatch, tmp_path):
    monkeypatch.setenv("ARCHFORM_CACHE", str(tmp_path))
    monkeypatch.delenv("ARCHFORM_NO_CACHE", raising=False)
    assert cache_files.folder("modules") == tmp_path / "modules"
    monkeypatch.setenv("ARCHFORM_NO_CACHE", "1")
    assert cache_files.folder("modules") is None


class _Planted:
    """What an attacker leaves in a cache folder: unpickling it would run code."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (open, (str(self.marker), "w"))


def test_a_pickle_planted_in_the_cache_never_runs(tmp_path):
    marker = tmp_path / "ran"
    planted = tmp_path / "entry.cache"
    planted.write_bytes(pickle.dumps(_Planted(marker)))
    assert cache_files.read(planted) is None
    planted.write_bytes(cache_files.MAGIC + b"\0" * 32 + pickle.dumps(_Planted(marker)))  # a forged tag
    assert cache_files.read(planted) is None
    assert not marker.exists()


def test_an_entry_made_with_another_key_or_renamed_is_a_miss(tmp_path, monkeypatch):
    cache_files.write(tmp_path / "a.cache", {"a": 1})
    assert cache_files.read(tmp_path / "a.cache") == {"a": 1}
    os.rename(tmp_path / "a.cache", tmp_path / "b.cache")  # an entry moved to another's name
    assert cache_files.read(tmp_path / "b.cache") is None
    cache_files.write(tmp_path / "a.cache", {"a": 1})
    monkeypatch.setenv("ARCHFORM_CACHE_KEY", str(tmp_path / "other.key"))
    assert cache_files.read(tmp_path / "a.cache") is None


def test_the_key_is_private_and_an_exposed_one_is_replaced(tmp_path, monkeypatch):
    key_file = tmp_path / "keys" / "archform.key"
    monkeypatch.setenv("ARCHFORM_CACHE_KEY", str(key_file))
    key = cache_key.cache_key()
    assert key is not None and stat.S_IMODE(key_file.stat().st_mode) == 0o600
    exposed = tmp_path / "exposed.key"
    exposed.write_text(key.hex())
    exposed.chmod(0o644)  # others may read it: whatever it signed could be forged
    monkeypatch.setenv("ARCHFORM_CACHE_KEY", str(exposed))
    replaced = cache_key.cache_key()
    assert replaced not in (None, key) and stat.S_IMODE(exposed.stat().st_mode) == 0o600


def test_without_a_place_for_the_key_nothing_is_cached(tmp_path, monkeypatch):
    blocked = tmp_path / "file"
    blocked.write_text("")
    monkeypatch.setenv("ARCHFORM_CACHE_KEY", str(blocked / "archform.key"))
    cache_files.write(tmp_path / "x.cache", {"a": 1})
    assert not (tmp_path / "x.cache").exists()
    assert cache_files.read(tmp_path / "x.cache") is None


def test_a_parse_read_back_from_the_cache_reports_what_the_first_did(tmp_path, monkeypatch):
    from archform.dsl.diagnostics import render_all
    from archform.dsl.modules import Loader
    from archform.dsl.resolve import resolve
    main = tmp_path / "main.arch"
    main.write_text('region "us-east-1" as r {\n  vpc v { cidr = 10.0.0.300/16 }\n}\noutput n = ' + "9" * 200 + "\n")
    first = render_all(resolve(main, loader=Loader(tmp_path / "cache"))[1])
    again = render_all(resolve(main, loader=Loader(tmp_path / "cache"))[1])  # the parse, from the cache
    assert list((tmp_path / "cache").glob("*.cache")) and again == first
    assert "internal error" not in again and "found 2 errors" in again
