"""Internal notes: stored for the agents, audited, masked, never in the player's view."""
import json

import pytest
from rasa.shared.core.events import BotUttered, UserUttered
from sqlalchemy import select

from casino_connector.agent_tools import holds, joined_message
from casino_connector.transcript import title_of_payload, transcript
from casino_support.database import session_scope
from casino_support.models import AuditEvent, ConversationNote
from casino_support.notes import MAX_NOTE_CHARS, add_note, list_notes


def test_a_note_is_stored_listed_and_audited(db, now):
    note = add_note(db, "conv-1", "alice", "  Joueur déjà relancé hier.  ", player_id="P1004",
                    now=now)
    add_note(db, "conv-2", "bob", "autre conversation", now=now)
    second = add_note(db, "conv-1", "bob", "Vu avec les paiements.", now=now)
    assert [(n.agent, n.text) for n in list_notes(db, "conv-1")] == [
        ("alice", "Joueur déjà relancé hier."), ("bob", "Vu avec les paiements.")]
    assert note.as_dict()["at"] == now.isoformat()
    with session_scope() as session:
        rows = session.execute(select(ConversationNote)).scalars().all()
        audit = session.execute(select(AuditEvent).where(
            AuditEvent.action == "conversation_note_added")).scalars().all()
    assert len(rows) == 3
    assert [(a.actor, a.player_id) for a in audit] == [
        ("agent:alice", "P1004"), ("agent:bob", None), ("agent:bob", None)]
    assert json.loads(audit[2].details) == {"conversation_id": "conv-1",
                                            "note_id": second.note_id, "chars": 22}


def test_a_note_is_masked_and_cut(db, now):
    note = add_note(db, "conv-1", "alice", "carte 4111 1111 1111 1111 " + "x" * 3000, now=now)
    assert "4111 1111 1111 1111" not in note.text
    assert len(note.text) <= MAX_NOTE_CHARS


@pytest.mark.parametrize("text", ["", "   ", None, 42])
def test_an_empty_note_is_refused(db, text):
    with pytest.raises(ValueError):
        add_note(db, "conv-1", "alice", text)


def test_a_note_needs_a_valid_conversation_and_agent(db):
    with pytest.raises(ValueError):
        add_note(db, "", "alice", "x")
    with pytest.raises(ValueError):
        add_note(db, "conv-1", "<bad name>", "x")


def test_the_joined_message_names_the_display_name_never_the_login():
    assert joined_message("Julie").startswith("Un conseiller, Julie, a rejoint la conversation")
    assert joined_message(None).startswith("Un conseiller a rejoint la conversation")


def test_only_the_holder_may_signal_typing():
    from casino_support.handoffs import HandoffInfo
    from datetime import datetime, timezone

    def handoff(status, agent):
        return HandoffInfo(1, "c", None, None, "normal", status, agent,
                           datetime.now(timezone.utc), None, None, None, 0)

    assert holds(handoff("active", "alice"), "alice")
    assert not holds(handoff("active", "bob"), "alice")
    assert not holds(handoff("waiting", None), "alice")
    assert not holds(None, "alice")


WAIT = {"title": "Attendre un conseiller", "payload": "/human_handoff_wait"}
TICKET = {"title": "Laisser un ticket", "payload": "/contact_support_ticket"}


def test_a_clicked_quick_reply_shows_its_title_in_the_transcript():
    events = [UserUttered("je veux un conseiller", timestamp=1.0),
              BotUttered("Aucun conseiller.", data={"buttons": [TICKET, WAIT]}, timestamp=2.0),
              UserUttered("/human_handoff_wait", timestamp=3.0),
              BotUttered("Vous êtes en position 1.", timestamp=4.0),
              UserUttered("/human_handoff_wait", timestamp=5.0)]  # not offered again: as is
    lines = transcript(events)
    assert [(line["sender"], line["text"], line.get("button")) for line in lines] == [
        ("user", "je veux un conseiller", None), ("bot", "Aucun conseiller.", None),
        ("user", "Attendre un conseiller", True), ("bot", "Vous êtes en position 1.", None),
        ("user", "/human_handoff_wait", None)]
    assert transcript(events, mask_bot_text=False)[2]["text"] == "Attendre un conseiller"
    assert title_of_payload(events[:3], "/human_handoff_wait") == "Attendre un conseiller"
    assert title_of_payload(events[:3], "/affirm") is None


class FakeSio:
    def __init__(self):
        self.emitted = []

    async def emit(self, event, data, room=None, to=None):
        self.emitted.append((event, data, room or to))


class FakeDesk:
    def __init__(self, database):
        import asyncio

        class Connector:
            rasa_agent = None

            async def db(self, function, *args, **kwargs):
                return await asyncio.to_thread(function, database, *args, **kwargs)

        self.connector = Connector()
        self.sio = FakeSio()


def test_typing_goes_to_the_players_room_only_from_the_holder(db, now, monkeypatch):
    import asyncio

    monkeypatch.setattr("casino_connector.agent_tools.TYPING_MIN_INTERVAL", 60)

    from casino_connector.agent_tools import AgentTools
    from casino_support.agents import create_agent
    from casino_support.handoffs import HandoffConflict, NotTaken, enqueue, take

    for name in ("alice", "bob"):
        create_agent(db, name, "un mot de passe assez long", rounds=4)
    enqueue(db, "conv-1", None, "human_request", "normal")
    desk = FakeDesk(db)
    tools = AgentTools(desk)
    with pytest.raises(NotTaken):
        asyncio.run(tools.typing("alice", "conv-1", {"on": True}))
    take(db, "conv-1", "alice")
    assert asyncio.run(tools.typing("alice", "conv-1", {"on": True})) == {"sent": True}
    assert asyncio.run(tools.typing("alice", "conv-1", {"on": True})) == {"sent": False}
    with pytest.raises(HandoffConflict):
        asyncio.run(tools.typing("bob", "conv-1", {"on": True}))
    assert asyncio.run(tools.typing("bob", "conv-1", {"on": False})) == {"sent": False}
    assert asyncio.run(tools.typing("alice", "conv-1", {"on": False})) == {"sent": True}
    assert desk.sio.emitted == [("typing", {"on": True, "sender": "agent"}, "conv:conv-1"),
                                ("typing", {"on": False, "sender": "agent"}, "conv:conv-1")]


def test_a_note_goes_to_the_agents_room_only(db, now):
    import asyncio

    from casino_connector.agent_tools import AgentTools
    from casino_support.handoffs import enqueue

    enqueue(db, "conv-1", "P1004", "human_request", "normal")
    desk = FakeDesk(db)
    answer = asyncio.run(AgentTools(desk).note("bob", "conv-1", {"text": "à rappeler"}))
    assert answer["note"]["text"] == "à rappeler" and answer["note"]["player_id"] == "P1004"
    assert [(event, room) for event, _, room in desk.sio.emitted] == [
        ("conversation_note", "agents")]
    assert [n.text for n in list_notes(db, "conv-1")] == ["à rappeler"]
