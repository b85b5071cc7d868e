"""Shared fixtures: a real SQLite database in tmp_path, a fixed clock, the config."""
from __future__ import annotations

import copy
from datetime import datetime, timezone

import pytest

from casino_support.config import DEFAULT_CONFIG_PATH, SupportConfig, load_config
from casino_support.database import dispose_databases, get_database
from casino_support.demo_data import seed

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=timezone.utc)


@pytest.fixture(autouse=True)
def clean_env(monkeypatch):
    """No developer setting leaks into a test."""
    for name in ("PLAYER_JWT_SECRET", "SUPPORT_ENV", "SUPPORT_DEV_PLAYER", "SUPPORT_DB_URL",
                 "SUPPORT_DB_CONNECT_TIMEOUT", "SUPPORT_CONFIG"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def now() -> datetime:
    return NOW


@pytest.fixture
def db_url(tmp_path, monkeypatch) -> str:
    url = f"sqlite:///{tmp_path / 'var' / 'support.db'}"
    monkeypatch.setenv("SUPPORT_DB_URL", url)
    yield url
    dispose_databases()


@pytest.fixture
def db(db_url):
    return get_database(db_url)


@pytest.fixture
def seeded(db, now):
    seed(db, now)
    return db


@pytest.fixture
def config() -> SupportConfig:
    return load_config(DEFAULT_CONFIG_PATH)


@pytest.fixture
def config_with(config):
    """``config_with(late_after_days=10)``: a copy of the config, withdrawals keys changed."""
    def make(**withdrawals) -> SupportConfig:
        raw = copy.deepcopy(config.raw)
        raw["withdrawals"].update(withdrawals)
        return SupportConfig(raw=raw)
    return make
