"""The cache folder stays under its budget, least recently used first, and never breaks a run."""

import os

from archform.dsl import cache_files


def test_writing_beyond_the_budget_removes_the_least_recently_used(tmp_path):
    blob = b"x" * 1000
    for i, name in enumerate(["a", "b", "c"]):
        cache_files.write(tmp_path / f"{name}.pickle", blob, budget=10_000)
        os.utime(tmp_path / f"{name}.pickle", ns=(i * 10**9, i * 10**9))
    assert cache_files.read(tmp_path / "a.pickle") == blob  # a hit: `a` is now the most recent
    cache_files.write(tmp_path / "d.pickle", blob, budget=2_500)
    assert sorted(p.name for p in tmp_path.glob("*.pickle")) == ["a.pickle", "d.pickle"]


def test_the_file_just_written_stays_even_above_the_budget(tmp_path):
    cache_files.write(tmp_path / "big.pickle", b"y" * 5000, budget=100)
    assert cache_files.read(tmp_path / "big.pickle") == b"y" * 5000


def test_damaged_missing_and_unwritable_files_are_misses(tmp_path):
    (tmp_path / "bad.pickle").write_bytes(b"\x80\x05garbage")
    assert cache_files.read(tmp_path / "bad.pickle") is None
    assert cache_files.read(tmp_path / "none.pickle") is None
    blocked = tmp_path / "file"
    blocked.write_text("")
    cache_files.write(blocked / "x.pickle", {"a": 1})  # its folder is a file: skipped, no error
    assert not list(tmp_path.glob("**/*.tmp"))


def test_no_cache_turns_every_folder_off(monkeypatch, tmp_path):
    monkeypatch.setenv("ARCHFORM_CACHE", str(tmp_path))
    monkeypatch.delenv("ARCHFORM_NO_CACHE", raising=False)
    assert cache_files.folder("modules") == tmp_path / "modules"
    monkeypatch.setenv("ARCHFORM_NO_CACHE", "1")
    assert cache_files.folder("modules") is None
