"""Who the player is, for this turn only: the verified token of the latest message.

The player id never comes from text, entities, slots or the session id. `rasa shell`
sends no metadata: in development, env SUPPORT_DEV_PLAYER names the player for it.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Optional, Text

from rasa_sdk import Tracker

from actions.common import metadata_of_latest_message
from casino_support.catalogue import say
from casino_support.identity import InvalidPlayerToken, dev_player_id, verify_player_token

logger = logging.getLogger(__name__)
SHELL_CHANNEL = "cmdline"


@dataclass(frozen=True)
class Identity:
    player_id: Optional[Text]
    problem: Optional[Text] = None  # why there is no player: missing / expired / ...

    @property
    def known(self) -> bool:
        return self.player_id is not None


def identify(tracker: Tracker) -> Identity:
    token = metadata_of_latest_message(tracker).get("player_token")
    if token is None:
        if tracker.get_latest_input_channel() == SHELL_CHANNEL:
            player = dev_player_id()
            if player:
                return Identity(player)
        return Identity(None, "missing")
    try:
        return Identity(verify_player_token(token))
    except InvalidPlayerToken as error:
        logger.info("player token refused (%s) in conversation %s", error.reason, tracker.sender_id)
        return Identity(None, error.reason)


def login_hint(identity: Identity) -> Text:
    if identity.problem == "expired":
        return say("login.expired")
    if identity.problem in ("bad_signature", "malformed"):
        return say("login.invalid")
    return say("login.missing")
