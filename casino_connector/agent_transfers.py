"""Socket events of the agent desk for transferring a conversation (casino_support.transfers).

``agent_transfer_options {conversation_id}`` -> ``{teams: [{key, label}], colleagues: [{name,
team}]}`` (the available colleagues, online and not away, oneself excluded);
``agent_transfer {conversation_id, to_agent}`` or ``{conversation_id, to_team}``. The player
is told (« transmise à l'équipe Paiements » / the colleague's « a rejoint »), the colleague's
consoles get ``transferred_to_you``, every console the new queue.
"""
from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, Awaitable, Callable, Dict, Optional

from casino_support import agents, teams, transfers
from casino_support.catalogue import say

if TYPE_CHECKING:  # pragma: no cover
    from .agent_api import AgentDesk

logger = logging.getLogger(__name__)

Action = Callable[[str, str, Any], Awaitable[Dict[str, Any]]]


def _text(data: Any, key: str) -> Optional[str]:
    value = data.get(key) if isinstance(data, dict) else None
    return value if isinstance(value, str) and value else None


class TransferEvents:
    def __init__(self, desk: "AgentDesk"):
        self.desk = desk
        self.connector = desk.connector

    def actions(self) -> Dict[str, Action]:
        return {"agent_transfer": self.transfer, "agent_transfer_options": self.options}

    async def options(self, name: str, conversation_id: str, _: Any) -> Dict[str, Any]:
        def read(database: Any) -> Dict[str, Any]:
            team_of_agent = transfers.agent_teams(database)
            colleagues = [{"name": other, "team": team_of_agent.get(other)}
                          for other in agents.available_agents(database) if other != name]
            return {"teams": [{"key": key, "label": label} for key, label in teams.teams().items()],
                    "colleagues": colleagues}
        return await self.connector.db(read)

    async def transfer(self, name: str, conversation_id: str, data: Any) -> Dict[str, Any]:
        from .agent_api import agent_room, jsonable, masked_for_agents

        done = await self.connector.db(transfers.transfer, conversation_id, name,
                                       to_agent=_text(data, "to_agent"), to_team=_text(data, "to_team"))
        try:
            if done.to_team is not None:
                await self.desk.say_to_player(conversation_id, say("transfer.to_team",
                                                                   equipe=done.team_label))
            else:
                await self.desk.say_to_player(conversation_id, say("transfer.to_colleague"))
                await self.desk.tools.announce_joined(str(done.to_agent), conversation_id)
                await self.desk.sio.emit("transferred_to_you", {
                    "conversation_id": conversation_id, "from": name}, room=agent_room(str(done.to_agent)))
        except Exception:  # the transfer itself stands
            logger.exception("agent desk: could not tell %s about its transfer", conversation_id)
        await self.desk.broadcast_queue(force=True)
        return {"handoff": masked_for_agents(jsonable(done.handoff))}
