"""The player's rating after a chat with an agent and the agents' history, against the
real servers (socket.io and the agent HTTP API): forged and repeated ratings refused, the
survey again after a reconnection until rated, agents only, bounded queries."""
from __future__ import annotations

import pytest
import requests
import yaml

from tests.integration.conftest import ALWAYS_OPEN
from tests.integration.socket_fixtures import Peer, create_agent, run
from tests.integration.test_queue_truth import logout, write_config


@pytest.fixture(scope="module")
def desk(bot):
    original = bot.config_path.read_text()
    raw = yaml.safe_load(original)
    raw["hours"], raw["holidays"] = ALWAYS_OPEN, False
    write_config(bot, yaml.safe_dump(raw, allow_unicode=True))
    account = create_agent(bot, "rated")
    yield bot, account
    logout(account)
    write_config(bot, original)


async def chat_ended(bot, console: Peer, player: Peer, reply: bool = True,
                     event: str = "agent_close") -> str:
    conversation_id, player.session_token = await player.session()
    await player.say("je voudrais parler à un conseiller")
    assert (await console.sio.call("agent_take", {"conversation_id": conversation_id},
                                   timeout=20))["ok"]
    if reply:
        assert (await console.sio.call("agent_reply", {"conversation_id": conversation_id,
                                                       "text": "Bonjour, je regarde."},
                                       timeout=20))["ok"]
    assert (await console.sio.call(event, {"conversation_id": conversation_id},
                                   timeout=20))["ok"]
    return conversation_id


def test_one_rating_per_chat_forged_and_repeated_refused(desk):
    bot, account = desk

    async def scenario():
        async with Peer(bot.url, auth={"agent_token": account.token}) as console, \
                Peer(bot.url) as player, Peer(bot.url) as stranger:
            conversation_id = await chat_ended(bot, console, player)
            asked = await player.wait_for("satisfaction_request", timeout=20)
            assert asked["question"].startswith("Votre échange avec le conseiller est terminé")
            assert asked["labels"] == [f"{n} sur 5" for n in range(1, 6)]
            handoff_id = asked["handoff_id"]
            await stranger.session()  # another conversation names this chat: refused
            forged = await stranger.sio.call("satisfaction", {"handoff_id": handoff_id,
                                                              "rating": 1}, timeout=20)
            assert forged == {"ok": False, "error": "not_rateable",
                              "message": "Cet échange ne peut pas être évalué."}
            assert (await console.sio.call("satisfaction", {"handoff_id": handoff_id,
                                                            "rating": 1}, timeout=20)
                    )["error"] == "not_a_player"
            for bad in (0, 6, "5", None, 4.5):
                answer = await player.sio.call("satisfaction", {"handoff_id": handoff_id,
                                                                "rating": bad}, timeout=20)
                assert answer["ok"] is False and answer["error"] == "invalid", (bad, answer)
            done = await player.sio.call("satisfaction", {
                "handoff_id": handoff_id, "rating": 5, "comment": "Parfait, merci"}, timeout=20)
            assert done["ok"] is True and done["message"].startswith("Merci pour votre avis")
            again = await player.sio.call("satisfaction", {"handoff_id": handoff_id,
                                                           "rating": 1}, timeout=20)
            assert again["ok"] is False and again["error"] == "already_rated"
            seen = await console.wait_for("satisfaction",
                                          lambda d: d["handoff_id"] == handoff_id, timeout=20)
            assert (seen["rating"], seen["comment"], seen["agent"]) == (
                5, "Parfait, merci", account.name)
            assert seen["today"]["count"] >= 1
            # rated: not asked again
            await player.history()
            assert not [e for e in await player.quiet(1.5) if e[0] == "satisfaction_request"]

        found = account.get(f"/casino/agent/history?q={conversation_id}&by=reference").json()
        assert [(r["rating"], r["comment"], r["outcome"], r["agent"]) for r in found["results"]] \
            == [(5, "Parfait, merci", "closed", account.name)]
        today = account.get("/casino/agent/satisfaction/today").json()
        assert today["count"] >= 1 and 1 <= today["average"] <= 5
    run(scenario())


def test_the_survey_comes_back_after_a_reconnection_and_not_without_a_reply(desk):
    bot, account = desk

    async def scenario():
        async with Peer(bot.url, auth={"agent_token": account.token}) as console:
            async with Peer(bot.url) as player:
                await chat_ended(bot, console, player, event="agent_handback")
                first = await player.wait_for("satisfaction_request", timeout=20)
            async with Peer(bot.url) as back:  # a reload: same conversation
                await back.session(player.session_token)
                await back.history()
                again = await back.wait_for("satisfaction_request", timeout=10)
                assert again["handoff_id"] == first["handoff_id"]
            async with Peer(bot.url) as silent:  # the agent never wrote: no survey
                await chat_ended(bot, console, silent, reply=False)
                assert not [e for e in await silent.quiet(2) if e[0] == "satisfaction_request"]
    run(scenario())


def test_the_history_is_for_agents_only_and_bounded(desk):
    bot, account = desk
    url = f"{bot.url}/casino/agent/history"
    assert requests.get(url, params={"q": "retrait"}, timeout=30).status_code == 401
    assert requests.get(url, params={"q": "retrait"}, timeout=30,
                        headers={"Authorization": "Bearer forged"}).status_code == 401
    assert requests.get(f"{bot.url}/casino/agent/satisfaction/today",
                        timeout=30).status_code == 401
    assert requests.get(f"{url}/some-conversation", timeout=30).status_code == 401
    assert account.get("/casino/agent/history?q=r").status_code == 400
    assert account.get("/casino/agent/history?q=" + "x" * 101).status_code == 400
    assert account.get("/casino/agent/history?q=retrait&by=sql").status_code == 400
    assert account.get("/casino/agent/history?q=retrait&offset=abc").status_code == 400
    for hostile in ("' OR 1=1 --", "\"; DROP TABLE events; --", "%%", "__"):
        answer = account.get(f"/casino/agent/history?q={requests.utils.quote(hostile)}&by=text")
        assert answer.status_code == 200, (hostile, answer.text)
        assert answer.json()["results"] == [], hostile  # wildcards are literal characters
    assert len(account.get("/casino/agent/history?q=conseiller&by=text").json()["results"]) <= 50
