"""nginx for the scale-out test: deploy/nginx.conf.template rendered into a private nginx.

PostgreSQL and Redis come from tests/system_services.py. nginx runs in the foreground as
a child of the test (``daemon off``), with its configuration, pid file, logs and temporary
files in its own folder (``-p``), on the ports the template is given.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Dict, Iterator, List

from tests.servers import ROOT
from tests.system_services import ensure_debian_packages, wait_for_port

TEMPLATE = ROOT / "deploy" / "nginx.conf.template"
TEMPLATE_VARIABLES = ("CASINO_LISTEN", "RASA_SERVER_1", "RASA_SERVER_2", "ACTIONS_LISTEN",
                      "ACTION_SERVER_1", "ACTION_SERVER_2", "CASINO_ACCESS_LOG")


def render_template(values: Dict[str, str], template: Path = TEMPLATE) -> str:
    """The template with ``${NAME}`` replaced for the deploy variables only, as
    ``envsubst '$CASINO_LISTEN ...'`` does (nginx's own ``$variables`` stay)."""
    text = template.read_text()
    named = set(re.findall(r"\$\{([A-Z_0-9]+)\}", text))
    if named != set(TEMPLATE_VARIABLES) or set(values) != set(TEMPLATE_VARIABLES):
        raise ValueError(f"template variables {sorted(named)}, given {sorted(values)}")
    for name, value in values.items():
        text = text.replace("${" + name + "}", value)
    return text


def nginx_binary() -> str:
    binary = shutil.which("nginx") or (
        "/usr/sbin/nginx" if os.access("/usr/sbin/nginx", os.X_OK) else None)
    if binary is None:
        ensure_debian_packages(["nginx"])
        binary = shutil.which("nginx") or "/usr/sbin/nginx"
    return binary


def main_config(prefix: Path, site_config: Path) -> str:
    """A whole nginx.conf around the rendered site file, everything under ``prefix``."""
    user = "user root root;\n" if os.geteuid() == 0 else ""  # workers write the temp dirs
    temp = "\n".join(f"    {kind}_temp_path {prefix / 'temp' / kind};"
                     for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    return (f"{user}daemon off;\nworker_processes 1;\npid {prefix / 'nginx.pid'};\n"
            f"error_log {prefix / 'error.log'} notice;\n"
            "events { worker_connections 512; }\n"
            "http {\n"
            f"{temp}\n"
            f"    include {site_config};\n"
            "}\n")


class Nginx:
    def __init__(self, prefix: Path, values: Dict[str, str]):
        self.prefix = prefix
        self.access_log = Path(values["CASINO_ACCESS_LOG"])
        self.binary = nginx_binary()
        (prefix / "temp").mkdir(parents=True, exist_ok=True)
        self.site_config = prefix / "casino-support.conf"
        self.site_config.write_text(render_template(values))
        self.config = prefix / "nginx.conf"
        self.config.write_text(main_config(prefix, self.site_config))
        self.process: subprocess.Popen = None  # type: ignore[assignment]

    def command(self, *args: str) -> List[str]:
        return [self.binary, "-p", str(self.prefix), "-c", str(self.config), *args]

    def start(self, port: int) -> None:
        check = subprocess.run(self.command("-t"), capture_output=True, text=True)
        if check.returncode != 0:
            raise RuntimeError(f"nginx -t refused the configuration:\n{check.stderr}")
        log = (self.prefix / "nginx.out").open("w")
        self.process = subprocess.Popen(self.command(), stdout=log, stderr=subprocess.STDOUT)
        try:
            wait_for_port(port)
        except RuntimeError:
            self.stop()
            raise

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()  # master and its worker stop
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def upstreams(self, request_start: str) -> List[str]:
        """The upstream of each logged request whose request line starts with
        ``request_start`` (e.g. ``POST /webhooks/rest/``), oldest first."""
        found = []
        for line in self.access_log.read_text().splitlines():
            match = re.search(r'"([^"]*)" \d+ upstream=(\S+)', line)
            if match and match.group(1).startswith(request_start):
                found.append(match.group(2))
        return found

    def wait_for_upstreams(self, request_start: str, count: int,
                           timeout: float = 10) -> List[str]:
        """``upstreams`` once at least ``count`` are logged (nginx logs a request after
        answering it, a websocket once closed)."""
        deadline = time.monotonic() + timeout
        while True:
            found = self.upstreams(request_start)
            if len(found) >= count or time.monotonic() > deadline:
                return found
            time.sleep(0.1)


@contextmanager
def running_nginx(prefix: Path, values: Dict[str, str], port: int) -> Iterator[Nginx]:
    nginx = Nginx(prefix, values)
    nginx.start(port)
    try:
        yield nginx
    finally:
        nginx.stop()
