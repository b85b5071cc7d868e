"""What the casino support assistant runs inside the Rasa server process: its channels
(``credentials.yml``), its tracker store (``endpoints.yml``), the agent console's API.

* ``rest_channel``: Rasa's REST channel with the guards below (``credentials.yml``: ``rest``)
* ``socketio_channel``: the input channel (player widget events, pages, socket.io server)
* ``input_guard``: what both channels check (typed ``/intent``, length, rate limits, an
  answer when the bot is slow or silent)
* ``agent_api``: the agent console's HTTP API and socket events
* ``sessions``: conversation ids issued and signed by the server
* ``transcript``: tracker events as the widget and the console show them
* ``action_response_validation``: the action server's answers validated by a validator
  built once (installed on import; ``CASINO_BENCH_STOCK_VALIDATION=1`` keeps Rasa's own,
  for the load benchmark's before/after figures)
* ``tracker_store``: Rasa's SQL tracker store with SQLite in WAL mode
"""
import os as _os

from .action_response_validation import install as _install_action_response_validation

if _os.environ.get("CASINO_BENCH_STOCK_VALIDATION") != "1":
    _install_action_response_validation()
