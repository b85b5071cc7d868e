"""Start the action server, wait until it answers, then the Rasa server (or `rasa shell`).

    python -m scripts.serve            # both servers on localhost (make run)
    python -m scripts.serve --shell    # action server, Rasa server, Rasa's console (make shell)

Ctrl-C stops both.

Rasa's HTTP API (``/conversations/...``, ``/model/...``: it can read and write any
conversation) is on only with a token: env ``RASA_API_TOKEN`` set -> ``--enable-api``
with ``--auth-token`` (requests add ``?token=...``), passed by ``scripts.rasa_api`` so
that the token never shows in the process list. Unset: the API stays off. With
``SUPPORT_ENV=production`` the token is required, and a demo or short (< 32 characters)
one is refused, as the other secrets are (docs/security.md).
"""
from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import List, Mapping, Optional

from casino_support.identity import (
    InsecureConfiguration, check_production_secret, is_production)

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
MODEL = ROOT / "models" / "casino-support.tar.gz"
API_TOKEN_VARIABLE = "RASA_API_TOKEN"
DEMO_API_TOKEN = "casino-support-demo-api-token-NOT-FOR-PRODUCTION"  # docs' example


def api_token(environ: Optional[Mapping[str, str]] = None) -> Optional[str]:
    """The token of Rasa's HTTP API (env RASA_API_TOKEN of ``environ``, default the
    process's), None when the API stays off.

    Raises ``InsecureConfiguration`` in production for a missing, demo or short token.
    """
    environ = os.environ if environ is None else environ
    token = environ.get(API_TOKEN_VARIABLE, "").strip() or None
    if is_production(environ):
        check_production_secret(token, DEMO_API_TOKEN, API_TOKEN_VARIABLE)
    return token


def rasa_command(*arguments: str, environ: Optional[Mapping[str, str]] = None) -> List[str]:
    """``rasa ARGUMENTS``; for ``rasa run`` with a token in ``environ``, through
    ``scripts.rasa_api`` (HTTP API on, with the token)."""
    if arguments[:1] == ("run",) and arguments[1:2] != ("actions",) and api_token(environ):
        return [sys.executable, "-m", "scripts.rasa_api", *arguments]
    return [str(BIN / "rasa"), *arguments]


def wait_for(url: str, process: subprocess.Popen, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the server stopped while starting (exit {process.returncode})")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.5)
    raise SystemExit(f"no answer from {url} after {timeout:.0f} s")


def endpoints_for(actions_port: int) -> Path:
    """endpoints.yml with the action server's URL on the chosen port."""
    import yaml

    endpoints = yaml.safe_load((ROOT / "endpoints.yml").read_text())
    endpoints["action_endpoint"]["url"] = f"http://127.0.0.1:{actions_port}/webhook"
    path = ROOT / "var" / "endpoints.run.yml"
    path.write_text(yaml.safe_dump(endpoints))
    return path


def stop(process: subprocess.Popen, timeout: float) -> None:
    """SIGTERM, then SIGKILL after ``timeout`` seconds."""
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()


def shell(command: List[str], url: str) -> int:
    """The Rasa server in the background (its log in var/shell-rasa.log), the console in
    front (scripts.shell_client): the shell goes through the project's REST channel."""
    log = (ROOT / "var" / "shell-rasa.log").open("w")
    server = subprocess.Popen(command, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_for(f"{url}/webhooks/rest/", server, timeout=300)
        return subprocess.call([str(BIN / "python"), "-m", "scripts.shell_client", "--url", url],
                               cwd=ROOT)
    finally:
        stop(server, timeout=20)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shell", action="store_true",
                        help="Rasa's console through the REST channel instead of serving")
    parser.add_argument("--host", default=os.environ.get("RASA_HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("RASA_PORT", 5005)))
    parser.add_argument("--actions-port", type=int, default=int(os.environ.get("ACTIONS_PORT", 5055)))
    args = parser.parse_args()

    (ROOT / "var").mkdir(exist_ok=True)
    try:
        with_api = not args.shell and api_token() is not None
    except InsecureConfiguration as error:
        print(f"Configuration refusée : {error}", file=sys.stderr)
        return 2
    if not os.environ.get("PLAYER_JWT_SECRET"):
        print("ATTENTION : PLAYER_JWT_SECRET n'est pas défini, le secret de démonstration est utilisé "
              "(développement seulement).", file=sys.stderr)
    actions = subprocess.Popen(
        [str(BIN / "rasa"), "run", "actions", "--port", str(args.actions_port)], cwd=ROOT
    )
    try:
        wait_for(f"http://127.0.0.1:{args.actions_port}/health", actions)
        common = ["--model", str(MODEL), "--endpoints", str(endpoints_for(args.actions_port))]
        command = rasa_command("run", "-i", args.host, "--port", str(args.port),
                               "--credentials", "credentials.yml", *common)
        if args.shell:
            return shell(command, f"http://127.0.0.1:{args.port}")
        print(f"Bot on http://{args.host}:{args.port} (REST: /webhooks/rest/webhook; "
              f"HTTP API: {'on, with RASA_API_TOKEN' if with_api else 'off'})", flush=True)
        return subprocess.call(command, cwd=ROOT)
    except KeyboardInterrupt:
        return 130
    finally:
        stop(actions, timeout=10)


if __name__ == "__main__":
    sys.exit(main())
