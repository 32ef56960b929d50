"""Shared test setup: deterministic caches and hypothesis settings."""

import os

import pytest
from hypothesis import HealthCheck, settings

os.environ.setdefault("ARCHFORM_NO_CACHE", "1")  # tests parse for real, never from a stale cache

settings.register_profile("archform", deadline=None, derandomize=True,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("archform")


@pytest.fixture
def in_tmp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return tmp_path
