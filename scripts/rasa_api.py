"""``rasa`` with its HTTP API on, protected by the token in env ``RASA_API_TOKEN``.

    python -m scripts.rasa_api run --model ... --credentials ... --endpoints ...

Same as ``rasa run ... --enable-api --auth-token TOKEN``, but the token is read from the
environment and added to the arguments inside the process: a command line is readable
by every user of the machine (``ps``), the environment of a process is not. Used by
``scripts.serve`` (and the tests' servers) when ``RASA_API_TOKEN`` is set.
"""
from __future__ import annotations

import sys

from rasa.__main__ import main

from scripts.serve import api_token


def run() -> None:
    token = api_token()  # production: refuses a missing, demo or short token
    if not token:
        sys.exit("RASA_API_TOKEN is not set: the HTTP API is never started without a token")
    sys.argv = ["rasa", *sys.argv[1:], "--enable-api", "--auth-token", token]
    main()


if __name__ == "__main__":
    run()
