"""Real system services for tests: a private PostgreSQL cluster, a private Redis server.

CI machines start without them: ``ensure_debian_packages`` installs what is missing with
apt-get (we run as root there). Each service runs as a child of the test on a free
localhost port, with its files in its own temporary folder, and is stopped on teardown::

    with running_postgres(tmp_path) as postgres:      # PostgresServer
        url = postgres.url                             # postgresql+psycopg2://...
        postgres.stop()                                # e.g. the database goes down
        postgres.start()                               # and comes back, same port
    with running_redis(tmp_path) as redis:             # RedisServer
        url = redis.url                                # redis://127.0.0.1:PORT/0

``start_postgres(tmpdir)`` / ``start_redis(tmpdir)`` return the started server when a
context manager does not fit (call ``.close()`` yourself). ``tmpdir`` receives the
server's log when it is closed; PostgreSQL's own files live in a folder of their own under
the system temp folder, because the ``postgres`` user cannot enter pytest's (mode 0700).
"""
from __future__ import annotations

import fcntl
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterable, Iterator, List, Optional, Sequence, Union

PathLike = Union[str, Path]
APT_LOCK = Path(tempfile.gettempdir()) / "system-services-apt.lock"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, timeout: float = 30, host: str = "127.0.0.1") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection((host, port), timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing listens on {host}:{port} after {timeout} s")


# --- Debian packages -------------------------------------------------------------------

def missing_debian_packages(packages: Iterable[str]) -> List[str]:
    """The packages of ``packages`` that dpkg does not list as installed."""
    missing = []
    for package in packages:
        status = subprocess.run(["dpkg-query", "-W", "-f=${Status}", package],
                                capture_output=True, text=True)
        if status.returncode != 0 or "install ok installed" not in status.stdout:
            missing.append(package)
    return missing


def ensure_debian_packages(packages: Sequence[str]) -> None:
    """Install the missing ones of ``packages`` with apt-get (root only; serialised with a
    file lock so that parallel test processes do not fight over dpkg's lock)."""
    if not shutil.which("dpkg-query"):
        raise RuntimeError(f"not a Debian system: install {' '.join(packages)} yourself")
    if not missing_debian_packages(packages):
        return
    if os.geteuid() != 0:
        raise RuntimeError(f"missing Debian packages {missing_debian_packages(packages)}: "
                           f"run `sudo apt-get install -y {' '.join(packages)}`")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    apt = ["apt-get", "-y", "-qq", "-o", "DPkg::Lock::Timeout=300"]
    with APT_LOCK.open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        missing = missing_debian_packages(packages)
        if not missing:
            return
        install = subprocess.run([*apt, "install", *missing], env=env,
                                 capture_output=True, text=True)
        if install.returncode != 0:  # stale or absent package lists: update once, retry
            subprocess.run([*apt, "update"], env=env, capture_output=True, check=False)
            install = subprocess.run([*apt, "install", *missing], env=env,
                                     capture_output=True, text=True)
        if install.returncode != 0:
            raise RuntimeError(f"apt-get install {' '.join(missing)} failed:\n"
                               f"{install.stdout[-2000:]}{install.stderr[-2000:]}")


# --- PostgreSQL ------------------------------------------------------------------------

def postgres_bin_dir() -> Path:
    """The newest /usr/lib/postgresql/N/bin (Debian), installing PostgreSQL if needed."""
    def found() -> Optional[Path]:
        dirs = sorted(glob.glob("/usr/lib/postgresql/*/bin"),
                      key=lambda d: int(Path(d).parent.name) if Path(d).parent.name.isdigit() else 0)
        dirs = [d for d in dirs if os.access(Path(d) / "pg_ctl", os.X_OK)]
        if dirs:
            return Path(dirs[-1])
        on_path = shutil.which("pg_ctl")
        return Path(on_path).resolve().parent if on_path else None

    bin_dir = found()
    if bin_dir is None:
        ensure_debian_packages(["postgresql"])
        bin_dir = found()
    if bin_dir is None:
        raise RuntimeError("PostgreSQL installed but pg_ctl not found")
    return bin_dir


class PostgresServer:
    """A private PostgreSQL cluster on 127.0.0.1:``port``, trust authentication, superuser
    ``postgres``. Run as the ``postgres`` user when we are root (initdb refuses root)."""

    def __init__(self, logs_dir: PathLike, port: Optional[int] = None,
                 max_connections: int = 200):
        self.logs_dir = Path(logs_dir)
        self.port = port or free_port()
        self.bin_dir = postgres_bin_dir()
        self.as_postgres = os.geteuid() == 0
        self.home = Path(tempfile.mkdtemp(prefix="pg-cluster-"))
        self.data_dir = self.home / "data"
        self.log_file = self.home / "postgres.log"
        if self.as_postgres:
            user = pwd.getpwnam("postgres")
            os.chown(self.home, user.pw_uid, user.pw_gid)
        self._run("initdb", "-D", str(self.data_dir), "-U", "postgres", "--auth=trust",
                  "--encoding=UTF8", "--locale=C.UTF-8", "--no-sync")
        with (self.data_dir / "postgresql.conf").open("a") as conf:
            conf.write(f"\nport = {self.port}\nlisten_addresses = '127.0.0.1'\n"
                       f"unix_socket_directories = '{self.home}'\n"
                       f"max_connections = {max_connections}\n"
                       "fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n")

    @property
    def url(self) -> str:
        return self.database_url("postgres")

    def database_url(self, name: str) -> str:
        return f"postgresql+psycopg2://postgres@127.0.0.1:{self.port}/{name}"

    def _run(self, program: str, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        command = [str(self.bin_dir / program), *args]
        if self.as_postgres:
            command = ["runuser", "-u", "postgres", "--", *command]
        result = subprocess.run(command, capture_output=True, text=True, cwd=self.home)
        if check and result.returncode != 0:
            raise RuntimeError(f"{program} failed ({result.returncode}):\n"
                               f"{result.stdout[-2000:]}{result.stderr[-2000:]}")
        return result

    def start(self) -> None:
        self._run("pg_ctl", "-D", str(self.data_dir), "-l", str(self.log_file), "-w",
                  "-t", "60", "start")
        wait_for_port(self.port)

    def stop(self, mode: str = "fast") -> None:
        """``fast``: close the sessions, stop cleanly; ``immediate``: like a crash."""
        self._run("pg_ctl", "-D", str(self.data_dir), "-m", mode, "-w", "-t", "60", "stop",
                  check=False)

    @property
    def running(self) -> bool:
        return self._run("pg_ctl", "-D", str(self.data_dir), "status", check=False).returncode == 0

    def create_database(self, name: str) -> str:
        """Create database ``name`` (if new) and return its SQLAlchemy URL."""
        exists = self.psql(f"SELECT 1 FROM pg_database WHERE datname = '{name}'")
        if exists.strip() != "1":
            self.psql(f'CREATE DATABASE "{name}"')
        return self.database_url(name)

    def psql(self, sql: str, database: str = "postgres") -> str:
        return self._run("psql", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres",
                         "-d", database, "-tAc", sql).stdout

    def close(self) -> None:
        """Stop the cluster, keep its log in ``logs_dir``, delete its files."""
        if self.data_dir.exists():
            self.stop("fast")
        if self.log_file.exists():
            self.logs_dir.mkdir(parents=True, exist_ok=True)
            shutil.copy(self.log_file, self.logs_dir / f"postgres-{self.port}.log")
        shutil.rmtree(self.home, ignore_errors=True)


def start_postgres(tmpdir: PathLike, port: Optional[int] = None) -> PostgresServer:
    server = PostgresServer(tmpdir, port)
    try:
        server.start()
    except BaseException:
        server.close()
        raise
    return server


@contextmanager
def running_postgres(tmpdir: PathLike, port: Optional[int] = None) -> Iterator[PostgresServer]:
    server = start_postgres(tmpdir, port)
    try:
        yield server
    finally:
        server.close()


# --- Redis -----------------------------------------------------------------------------

def redis_server_binary() -> str:
    binary = shutil.which("redis-server")
    if binary is None:
        ensure_debian_packages(["redis-server"])
        binary = shutil.which("redis-server") or "/usr/bin/redis-server"
    return binary


class RedisServer:
    """A private Redis server on 127.0.0.1:``port``, no persistence."""

    def __init__(self, tmpdir: PathLike, port: Optional[int] = None):
        self.dir = Path(tmpdir)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.port = port or free_port()
        self.binary = redis_server_binary()
        self.log_file = self.dir / f"redis-{self.port}.log"
        self.process: Optional[subprocess.Popen] = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.dir),
             "--save", "", "--appendonly", "no", "--daemonize", "no",
             "--logfile", str(self.log_file)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            wait_for_port(self.port)
        except RuntimeError:
            self.stop()
            raise

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    close = stop


def start_redis(tmpdir: PathLike, port: Optional[int] = None) -> RedisServer:
    server = RedisServer(tmpdir, port)
    server.start()
    return server


@contextmanager
def running_redis(tmpdir: PathLike, port: Optional[int] = None) -> Iterator[RedisServer]:
    server = start_redis(tmpdir, port)
    try:
        yield server
    finally:
        server.stop()
