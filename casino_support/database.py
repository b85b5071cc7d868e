"""Access to the support database (SQLAlchemy 1.4, 2.0-style API with ``future=True``).

The URL is the ``url`` argument, else env ``SUPPORT_DB_URL``, else the SQLite file
``var/support.db`` under the project root (its folder is created). Any SQLAlchemy URL
works; PostgreSQL is the production choice.

Nothing connects at import time. ``get_database()`` returns one cached ``Database``
(engine + sessionmaker) per URL; the schema is created on first use and upgraded
additively (missing tables and columns are added, nothing is dropped), so a restart
never loses data.

The callers are chat actions: a database that is down must fail fast. Connections time
out after ``SUPPORT_DB_CONNECT_TIMEOUT`` seconds (default 3); on PostgreSQL a statement
is cancelled by the server after ``SUPPORT_DB_STATEMENT_TIMEOUT`` seconds (default 5: a
lock held elsewhere, an overloaded server) and dead TCP peers are detected by keepalives;
pooled connections are checked before use (``pool_pre_ping``), so the first statement
after the database came back works. Every connection error, cancelled statement or lost
connection is raised as ``SupportDatabaseUnavailable``::

    from casino_support.database import session_scope, SupportDatabaseUnavailable

    try:
        with session_scope() as session:
            ...
    except SupportDatabaseUnavailable:
        ...  # tell the player the account service is unavailable right now
"""
from __future__ import annotations

import logging
import os
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Dict, Iterator, Optional, Union

from sqlalchemy import create_engine, event, inspect, literal, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.engine.url import URL
from sqlalchemy.exc import (
    ArgumentError,
    DBAPIError,
    DisconnectionError,
    InterfaceError,
    OperationalError,
)
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import StaticPool

from .config import PROJECT_ROOT
from .models import Base

logger = logging.getLogger(__name__)

DEFAULT_DB_PATH = PROJECT_ROOT / "var" / "support.db"
DEFAULT_CONNECT_TIMEOUT_SECONDS = 3
DEFAULT_STATEMENT_TIMEOUT_SECONDS = 5
SQLITE_BUSY_TIMEOUT_SECONDS = 5
POOL_TIMEOUT_SECONDS = 5

_UNAVAILABLE_ERRORS = (OperationalError, InterfaceError, DisconnectionError, PoolTimeoutError)


class SupportDatabaseUnavailable(Exception):
    """The support database cannot be reached (down, locked, timed out)."""


class SupportDatabaseMisconfigured(SupportDatabaseUnavailable):
    """``SUPPORT_DB_URL`` is invalid or names a driver that is not installed."""


def database_url(url: Optional[str] = None) -> str:
    """The database URL: ``url``, else env ``SUPPORT_DB_URL``, else ``var/support.db``."""
    return url or os.environ.get("SUPPORT_DB_URL") or f"sqlite:///{DEFAULT_DB_PATH}"


def safe_url(url: str) -> str:
    """``url`` with its password hidden, for messages and logs."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "<invalid database URL>"


def _seconds_from_env(name: str, default: float) -> float:
    try:
        value = float(os.environ.get(name, ""))
    except ValueError:
        return default
    return value if value > 0 else default


def connect_timeout_seconds() -> int:
    """Env ``SUPPORT_DB_CONNECT_TIMEOUT`` (whole seconds, libpq's unit), default 3."""
    return max(1, int(_seconds_from_env("SUPPORT_DB_CONNECT_TIMEOUT",
                                        DEFAULT_CONNECT_TIMEOUT_SECONDS)))


def statement_timeout_seconds() -> float:
    """Env ``SUPPORT_DB_STATEMENT_TIMEOUT`` (seconds), default 5 (PostgreSQL only)."""
    return _seconds_from_env("SUPPORT_DB_STATEMENT_TIMEOUT", DEFAULT_STATEMENT_TIMEOUT_SECONDS)


@contextmanager
def translate_errors(url: str) -> Iterator[None]:
    """Raise connection-level SQLAlchemy errors as ``SupportDatabaseUnavailable``."""
    try:
        yield
    except _UNAVAILABLE_ERRORS as error:
        raise SupportDatabaseUnavailable(
            f"support database unavailable ({safe_url(url)}): {_short_reason(error)}"
        ) from error
    except DBAPIError as error:
        if error.connection_invalidated:
            raise SupportDatabaseUnavailable(
                f"support database connection lost ({safe_url(url)})") from error
        raise


def _short_reason(error: Exception) -> str:
    reason = str(getattr(error, "orig", None) or error).strip()
    return reason.splitlines()[0] if reason else type(error).__name__


# --- engine ------------------------------------------------------------------

def _is_sqlite_memory(url: URL) -> bool:
    return url.database in (None, "", ":memory:") or "mode=memory" in str(url)


def _sqlite_options(url: URL) -> dict:
    options = {"connect_args": {"timeout": SQLITE_BUSY_TIMEOUT_SECONDS,
                                "check_same_thread": False}}
    if _is_sqlite_memory(url):
        options["poolclass"] = StaticPool
    elif not url.database.startswith("file:"):
        Path(url.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    return options


def _server_options(url: URL) -> dict:
    timeout = connect_timeout_seconds()
    options = {"pool_pre_ping": True, "pool_timeout": POOL_TIMEOUT_SECONDS}
    if url.get_driver_name() == "psycopg2":
        options["connect_args"] = {
            "connect_timeout": timeout,
            # Server side: no statement runs longer than this (a lock held elsewhere...).
            "options": f"-c statement_timeout={_statement_timeout_ms()}",
            # A peer that vanished (host down, network cut) is noticed in ~25 s, not hours.
            "keepalives": 1, "keepalives_idle": 10, "keepalives_interval": 5,
            "keepalives_count": 3,
        }
    elif url.get_driver_name() == "pg8000":
        options["connect_args"] = {"timeout": timeout}
    elif url.get_backend_name() in ("postgresql", "mysql", "mariadb"):
        options["connect_args"] = {"connect_timeout": timeout}
    return options


def _statement_timeout_ms() -> int:
    return max(1, int(statement_timeout_seconds() * 1000))


def _set_statement_timeout_on_connect(engine: Engine) -> None:
    """PostgreSQL drivers without libpq's ``options``: set the timeout per connection."""
    milliseconds = _statement_timeout_ms()

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):  # pragma: no cover - needs such a driver
        cursor = dbapi_connection.cursor()
        cursor.execute(f"SET statement_timeout = {milliseconds}")
        cursor.close()
        dbapi_connection.commit()


def _enable_sqlite_pragmas(engine: Engine, memory: bool) -> None:
    busy_ms = SQLITE_BUSY_TIMEOUT_SECONDS * 1000

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):  # pragma: no cover - trivial
        cursor = dbapi_connection.cursor()
        if not memory:
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={busy_ms}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()


def create_support_engine(url: str) -> Engine:
    """An engine with short timeouts (WAL + busy timeout for SQLite, pre-ping elsewhere)."""
    try:
        parsed = make_url(url)
        sqlite = parsed.get_backend_name() == "sqlite"
        options = _sqlite_options(parsed) if sqlite else _server_options(parsed)
        engine = create_engine(parsed, future=True, **options)
    except (ArgumentError, ImportError, OSError) as error:
        raise SupportDatabaseMisconfigured(
            f"invalid support database URL {safe_url(url)}: {error}") from error
    if sqlite:
        _enable_sqlite_pragmas(engine, _is_sqlite_memory(parsed))
    elif parsed.get_backend_name() == "postgresql" and parsed.get_driver_name() != "psycopg2":
        _set_statement_timeout_on_connect(engine)
    return engine


# --- schema ------------------------------------------------------------------

def _default_clause(column, dialect) -> str:
    default = column.default
    if default is None or not default.is_scalar or callable(default.arg):
        return ""
    value = literal(default.arg, type_=column.type)
    return " DEFAULT " + str(value.compile(dialect=dialect,
                                           compile_kwargs={"literal_binds": True}))


def _add_missing_columns(engine: Engine) -> None:
    """Add the model columns that an older database lacks (nullable, or with their default)."""
    preparer = engine.dialect.identifier_preparer
    with engine.begin() as connection:
        inspector = inspect(connection)
        for table in Base.metadata.sorted_tables:
            existing = {column["name"] for column in inspector.get_columns(table.name)}
            for column in table.columns:
                if column.name in existing:
                    continue
                ddl = (f"ALTER TABLE {preparer.format_table(table)} "
                       f"ADD COLUMN {preparer.format_column(column)} "
                       f"{column.type.compile(dialect=engine.dialect)}"
                       f"{_default_clause(column, engine.dialect)}")
                connection.execute(text(ddl))
                logger.info("support database: added column %s.%s", table.name, column.name)


def create_or_upgrade_schema(engine: Engine) -> None:
    """Create missing tables and add missing columns; never drops anything."""
    with engine.connect():  # fail fast (not retried) when the database is down
        pass
    for attempt in (1, 2):
        try:
            Base.metadata.create_all(engine)
            _add_missing_columns(engine)
            return
        except DBAPIError:
            # Another process (rasa run / the action server) may be creating the same
            # tables right now: look again once before giving up.
            if attempt == 2:
                raise
            logger.info("support database: schema changed concurrently, retrying")


# --- the database object -------------------------------------------------------

class Database:
    """One database: its engine, its sessionmaker, its schema created on first use."""

    def __init__(self, url: str):
        self.url = url
        self.engine = create_support_engine(url)
        self._sessionmaker = sessionmaker(bind=self.engine, future=True,
                                          expire_on_commit=False)
        self._schema_ready = False
        self._schema_lock = threading.Lock()

    def __repr__(self) -> str:
        return f"Database({safe_url(self.url)!r})"

    def ensure_schema(self) -> None:
        if self._schema_ready:
            return
        with self._schema_lock:
            if self._schema_ready:
                return
            with translate_errors(self.url):
                create_or_upgrade_schema(self.engine)
            self._schema_ready = True

    @contextmanager
    def session_scope(self) -> Iterator[Session]:
        """A session committed on success, rolled back on error."""
        self.ensure_schema()
        with translate_errors(self.url):
            session = self._sessionmaker()
            try:
                yield session
                session.commit()
            except BaseException:
                _rollback_quietly(session)
                raise
            finally:
                session.close()

    def dispose(self) -> None:
        self.engine.dispose()


def _rollback_quietly(session: Session) -> None:
    try:
        session.rollback()
    except Exception:  # the connection may be gone: the original error matters more
        logger.debug("rollback failed", exc_info=True)


_databases: Dict[str, Database] = {}
_databases_lock = threading.Lock()


def get_database(url: Optional[str] = None) -> Database:
    """The cached ``Database`` for ``url`` (default: ``database_url()``)."""
    resolved = database_url(url)
    with _databases_lock:
        database = _databases.get(resolved)
        if database is None:
            database = _databases[resolved] = Database(resolved)
        return database


@contextmanager
def session_scope(url: Optional[str] = None) -> Iterator[Session]:
    """``get_database(url).session_scope()``."""
    with get_database(url).session_scope() as session:
        yield session


@contextmanager
def use_session(source: Union[Session, "Database"]) -> Iterator[Session]:
    """``source`` itself when it is a session (the caller commits), else a new
    ``source.session_scope()`` when it is a ``Database``."""
    if isinstance(source, Database):
        with source.session_scope() as session:
            yield session
    else:
        yield source


def dispose_databases() -> None:
    """Close every cached engine and forget them (tests, process shutdown)."""
    with _databases_lock:
        for database in _databases.values():
            database.dispose()
        _databases.clear()
