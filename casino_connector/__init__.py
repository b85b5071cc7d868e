"""The socket.io connector of the casino support assistant (docs/escalation.md).

It runs inside the Rasa server process, enabled in ``credentials.yml`` as
``casino_connector.socketio_channel.CasinoSocketIOInput:``.

* ``socketio_channel``: the input channel (player widget events, pages, socket.io server)
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
