"""Shared test setup: deterministic caches and hypothesis settings."""

import os
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

os.environ.setdefault("ARCHFORM_NO_CACHE", "1")
sys.path.insert(0, str(Path(__file__).parent / "support"))  # test benches shared by the suites  # tests parse for real, never from a stale cache

settings.register_profile("archform", deadline=None, derandomize=True,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("archform")


@pytest.fixture
def in_tmp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return tmp_path
