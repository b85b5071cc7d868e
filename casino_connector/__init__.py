"""The socket.io connector of the casino support assistant (docs/escalation.md).

It runs inside the Rasa server process, enabled in ``credentials.yml`` as
``casino_connector.socketio_channel.CasinoSocketIOInput:``.

* ``socketio_channel``: the input channel (player widget events, pages, socket.io server)
* ``agent_api``: the agent console's HTTP API and socket events
* ``sessions``: conversation ids issued and signed by the server
* ``transcript``: tracker events as the widget and the console show them
"""
