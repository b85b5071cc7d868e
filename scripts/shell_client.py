"""`make shell`: Rasa's console, talking to the running Rasa server through the project's
REST channel, so that the shell reads messages as players' messages are read (the typed
`/intent{...}` guard, several questions in one message).

Plain `rasa shell` serves Rasa's own `cmdline` channel, which bypasses the project's
channels. This client keeps Rasa's console (its prompt, its button menus: it reuses
rasa.core.channels.console) and posts each message to /webhooks/rest/webhook; with
`SUPPORT_DEV_PLAYER` (development only) each message carries a token of that demo player.

    python -m scripts.shell_client [--url http://127.0.0.1:5005]
"""
from __future__ import annotations

import argparse
import asyncio
import uuid
from typing import Any, Dict, List, Optional

import aiohttp
from rasa.core.channels import console

from casino_support.identity import dev_player_id, issue_player_token

STOP = "/stop"


def metadata() -> Dict[str, Any]:
    """The dev player's token (SUPPORT_DEV_PLAYER), else nothing: an anonymous visitor."""
    player_id = dev_player_id()
    return {"player_token": issue_player_token(player_id, ttl_seconds=12 * 3600)} if player_id else {}


async def send(session: aiohttp.ClientSession, url: str, sender: str,
               text: str) -> List[Dict[str, Any]]:
    body = {"sender": sender, "message": text, "metadata": metadata()}
    async with session.post(f"{url}/webhooks/rest/webhook", json=body) as response:
        return await response.json()


async def talk(url: str) -> None:
    sender = f"shell-{uuid.uuid4().hex[:12]}"
    print(f"Bot loaded. Type a message and press enter (use '{STOP}' to exit):")
    previous: Optional[Dict[str, Any]] = None
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as session:
        while True:
            text = await console._get_user_input(previous)  # Rasa's prompt and button menus
            if text is None or text == STOP:
                return
            replies = await send(session, url, sender, text)
            for reply in replies[:-1]:
                console._print_bot_output(reply)
            previous = replies[-1] if replies else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:5005")
    asyncio.run(talk(parser.parse_args().url))


if __name__ == "__main__":
    main()
