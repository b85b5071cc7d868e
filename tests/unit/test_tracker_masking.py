"""Card numbers, IBANs and e-mail addresses never reach the tracker store unmasked; the
e-mail a player gives for a ticket is kept with the ticket (through the real store class
of endpoints.yml and the real ticket action)."""
from __future__ import annotations

import asyncio
import json

import pytest
import sqlalchemy as sa
from rasa.core.tracker_store import TrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import BotUttered, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig
from sqlalchemy import select

from actions.escalation import ActionCreateTicket
from casino_support import ticket_contacts
from casino_support.database import session_scope
from casino_support.models import Ticket
from tests.unit.test_actions import run, secret, tracker  # noqa: F401 (secret: autouse)
from tests.unit.test_escalation_actions import chat_closed, live_db  # noqa: F401

DOMAIN = Domain.from_yaml(
    "slots:\n  email:\n    type: text\n    mappings:\n    - type: custom\n"
    "  ticket_description:\n    type: text\n    mappings:\n    - type: custom\n")

IBANS = {  # country: (as a player types it, last four characters)
    "FR": ("FR76 3000 6000 0112 3456 7890 189", "0189"),
    "BE": ("BE68 5390 0754 7034", "7034"),
    "CH": ("CH93 0076 2011 6238 5295 7", "2957"),
    "LU": ("LU28 0019 4006 4475 0000", "0000"),
}
CARD = "4970 1012 3456 7893"
EMAIL = "lea.martin@exemple.fr"


def store_at(path):
    config = EndpointConfig(type="casino_connector.tracker_store.CasinoSQLTrackerStore",
                            dialect="sqlite", db=str(path))
    return TrackerStore.create(config, DOMAIN)


def stored_rows(path):
    engine = sa.create_engine(f"sqlite:///{path}")
    with engine.connect() as connection:
        rows = [data for (data,) in connection.execute(sa.text("SELECT data FROM events"))]
    engine.dispose()
    return "\n".join(rows)


@pytest.mark.parametrize("country", sorted(IBANS))
def test_an_iban_with_spaces_is_masked_in_the_tracker_store(db, tmp_path, country):
    iban, last4 = IBANS[country]
    store = store_at(tmp_path / "tracker.db")
    tracker = DialogueStateTracker.from_events("conv-iban", [
        UserUttered(f"mon RIB : {iban}, merci", {"name": "inform", "confidence": 1.0},
                    parse_data={"text": f"mon RIB : {iban}, merci",
                                "intent": {"name": "inform", "confidence": 1.0},
                                "entities": [{"entity": "iban", "value": iban,
                                              "start": 10, "end": 10 + len(iban)}]}),
        SlotSet("ticket_description", f"virement vers {iban}"),
    ], slots=DOMAIN.slots)
    asyncio.run(store.save(tracker))
    raw = stored_rows(tmp_path / "tracker.db")
    assert iban not in raw and iban.replace(" ", "") not in raw
    assert f" ****{last4}]" in raw
    again = asyncio.run(store_at(tmp_path / "tracker.db").retrieve("conv-iban"))
    assert again.latest_message.text == f"mon RIB : [IBAN masqué ****{last4}], merci"
    assert again.get_slot("ticket_description") == f"virement vers [IBAN masqué ****{last4}]"
    # The live tracker of the turn is left as it is.
    assert iban in tracker.latest_message.text


def test_a_card_and_an_email_are_masked_and_the_email_is_kept_for_the_ticket(db, tmp_path):
    store = store_at(tmp_path / "tracker.db")
    tracker = DialogueStateTracker.from_events("conv-mail", [
        UserUttered(f"ma carte {CARD} ne passe pas, mon mail {EMAIL}",
                    {"name": "inform", "confidence": 1.0},
                    parse_data={"text": f"mon mail {EMAIL}",
                                "intent": {"name": "inform", "confidence": 1.0},
                                "entities": [{"entity": "email", "value": EMAIL}]}),
        SlotSet("email", EMAIL),
        BotUttered(f"Votre ticket T-2026-000001 : réponse à {EMAIL}."),
    ], slots=DOMAIN.slots)
    asyncio.run(store.save(tracker))
    raw = stored_rows(tmp_path / "tracker.db")
    assert EMAIL not in raw and CARD not in raw and CARD.replace(" ", "") not in raw
    assert "****7893]" in raw
    again = asyncio.run(store_at(tmp_path / "tracker.db").retrieve("conv-mail"))
    assert again.get_slot("email") == "[e-mail masqué]"
    assert again.latest_message.entities[0]["value"] == "[e-mail masqué]"
    assert ticket_contacts.latest(db, "conv-mail") == EMAIL
    # Saved again (next turn): nothing new stored twice, nothing unmasked.
    again.update(UserUttered("merci"))
    asyncio.run(store.save(again))
    assert ticket_contacts.latest(db, "conv-mail") == EMAIL
    assert EMAIL not in stored_rows(tmp_path / "tracker.db")


def test_the_ticket_gets_the_email_the_tracker_store_masked(live_db, chat_closed):
    ticket_contacts.remember(live_db, "conv-masked", f"mon mail est {EMAIL}")
    text, _, _ = run(ActionCreateTicket(), tracker(
        "il manque 50 euros", "inform", sender="conv-masked",
        slots={"email": "[e-mail masqué]", "ticket_description": "il manque 50 euros",
               "escalation_reason": "human_request"}))
    assert "Votre ticket T-" in text and EMAIL in text
    with session_scope() as session:
        row = session.execute(select(Ticket).where(
            Ticket.conversation_id == "conv-masked")).scalar_one()
    assert row.email == EMAIL
    assert EMAIL not in json.dumps(row.transcript or "")


def test_several_ibans_in_one_message_are_all_masked():
    from casino_support.masking import mask

    text = " et ".join(iban for iban, _ in IBANS.values()) + f", carte {CARD}"
    masked = mask(text)
    assert masked == (" et ".join(f"[IBAN masqué ****{last4}]" for _, last4 in IBANS.values())
                      + ", carte [carte masquée ****7893]")


def test_the_operators_own_address_stays_in_the_bots_messages_a_players_does_not():
    from casino_connector.tracker_masking import masked_event_data

    bot, _ = masked_event_data({"event": "bot", "text": "Écrivez à support@casino-lumiere.example ; "
                                "nous répondrons à lea.martin@exemple.fr"})
    assert "support@casino-lumiere.example" in bot["text"]
    assert "lea.martin" not in bot["text"] and "[e-mail masqué]" in bot["text"]
    user, _ = masked_event_data({"event": "user", "text": "j'ai écrit à support@casino-lumiere.example "
                                 "depuis lea.martin@exemple.fr"})
    assert "@" not in user["text"]
