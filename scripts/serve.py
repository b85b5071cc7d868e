"""Start the action server, wait until it answers, then the Rasa server (or `rasa shell`).

    python -m scripts.serve            # both servers on localhost (make run)
    python -m scripts.serve --shell    # action server + rasa shell (make shell)

Ctrl-C stops both.
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

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
MODEL = ROOT / "models" / "casino-support.tar.gz"


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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shell", action="store_true", help="rasa shell instead of rasa run")
    parser.add_argument("--host", default=os.environ.get("RASA_HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("RASA_PORT", 5005)))
    parser.add_argument("--actions-port", type=int, default=int(os.environ.get("ACTIONS_PORT", 5055)))
    args = parser.parse_args()

    (ROOT / "var").mkdir(exist_ok=True)
    if not os.environ.get("PLAYER_JWT_SECRET"):
        print("ATTENTION : PLAYER_JWT_SECRET n'est pas défini, le secret de démonstration est utilisé "
              "(développement seulement).", file=sys.stderr)
    actions = subprocess.Popen(
        [str(BIN / "rasa"), "run", "actions", "--port", str(args.actions_port)], cwd=ROOT
    )
    try:
        wait_for(f"http://127.0.0.1:{args.actions_port}/health", actions)
        common = ["--model", str(MODEL), "--endpoints", str(endpoints_for(args.actions_port))]
        if args.shell:
            command = [str(BIN / "rasa"), "shell", *common]
        else:
            command = [str(BIN / "rasa"), "run", "-i", args.host, "--port", str(args.port),
                       "--credentials", "credentials.yml", *common]
            print(f"Bot on http://{args.host}:{args.port} (REST: /webhooks/rest/webhook)", flush=True)
        return subprocess.call(command, cwd=ROOT)
    except KeyboardInterrupt:
        return 130
    finally:
        actions.send_signal(signal.SIGTERM)
        try:
            actions.wait(timeout=10)
        except subprocess.TimeoutExpired:
            actions.kill()


if __name__ == "__main__":
    sys.exit(main())
