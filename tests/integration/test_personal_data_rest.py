"""Personal data through the real servers (REST): what a player types reaches the tracker
store masked, the ticket keeps the e-mail; `support-desk export` / `erase` on them."""
import json
import sqlite3
import uuid

import pytest

from tests.integration.conftest import ALWAYS_CLOSED

EMAIL = "lea.martin@exemple.fr"
IBANS = ("FR76 3000 6000 0112 3456 7890 189", "BE68 5390 0754 7034",
         "CH93 0076 2011 6238 5295 7", "LU28 0019 4006 4475 0000")
CARD = "4970 1012 3456 7893"


@pytest.fixture
def closed(bot):
    bot.set_chat_hours(ALWAYS_CLOSED)
    yield bot


def stored(bot, sender):
    with sqlite3.connect(bot.config_path.parent / "tracker.db") as connection:
        rows = connection.execute("SELECT data FROM events WHERE sender_id = ?", (sender,))
        return "\n".join(data for (data,) in rows)


def test_ibans_cards_and_the_ticket_email_are_masked_in_the_tracker_store(closed):
    sender = f"pd-{uuid.uuid4().hex[:10]}"
    closed.text("je veux parler a un conseiller", sender=sender)
    closed.text(f"c'est {EMAIL}", sender=sender)
    third = closed.text(f"virement refusé vers {IBANS[0]}, {IBANS[1]}, {IBANS[2]} et "
                        f"{IBANS[3]}, ma carte {CARD}", sender=sender)
    assert "Votre ticket T-" in third and EMAIL in third
    reference = third.split("Votre ticket ")[1].split()[0]
    listed = {t["reference"]: t for t in json.loads(closed.cli("tickets", "--json").stdout)}
    assert listed[reference]["email"] == EMAIL  # the team answers to it
    raw = stored(closed, sender)
    assert raw and EMAIL not in raw and "exemple.fr" not in raw
    for secret in (*IBANS, CARD):
        assert secret not in raw and secret.replace(" ", "") not in raw
    assert "****0189]" in raw and "****7034]" in raw and "****2957]" in raw
    assert "****0000]" in raw


def test_a_players_conversation_is_exported_then_erased(bot):
    sender = f"pd-{uuid.uuid4().hex[:10]}"
    token = bot.token("P1005")
    bot.text("pourquoi ma piece d identite est refusee ?", sender=sender, token=token)
    tracker_url = f"sqlite:///{bot.config_path.parent / 'tracker.db'}"
    exported = bot.cli("export", "P1005", "--tracker-db-url", tracker_url)
    assert exported.returncode == 0, exported.stderr
    data = json.loads(exported.stdout)
    conversation = {c["conversation_id"]: c for c in data["conversations"]}[sender]
    assert conversation["tied_by"] == ["token"]
    assert token not in exported.stdout
    erased = bot.cli("erase", "P1005", "--yes", "--json", "--tracker-db-url", tracker_url)
    assert erased.returncode == 0, erased.stderr
    assert sender in json.loads(erased.stdout)["conversation_ids"]
    assert stored(bot, sender) == ""
    unknown = bot.cli("erase", "P9999", "--yes", "--tracker-db-url", tracker_url)
    assert unknown.returncode == 2 and "unknown player" in unknown.stderr
