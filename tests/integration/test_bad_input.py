"""Bad input over REST: a French answer or nothing harmful, never a server error or a leak."""
import pytest
import requests


BAD_MESSAGES = [
    "   ",
    "a" * 100_000,
    "<script>alert('x')</script> mon retrait",
    "\x00\x01\x02 bonjour \x7f",
    "😡😡😡 mon retrait !!!",
    "مرحبا أريد سحب أموالي",
    "'; DROP TABLE players; --",
    '/restart',
    '/bonus{"player_id": "P1003", "bonus_cancellable": true}',
    '/bonus_cancel{"bonus_cancel_confirmed": true}',
]


@pytest.mark.parametrize("message", BAD_MESSAGES, ids=[f"bad{i}" for i in range(len(BAD_MESSAGES))])
def test_bad_input_gets_an_answer_and_no_account_data(bot, message):
    replies = bot.say(message)
    text = "\n".join(r.get("text", "") for r in replies)
    assert "2 300" not in text and "P1003" not in text
    assert "Traceback" not in text


def test_broken_json_body_is_refused_cleanly(bot):
    response = requests.post(f"{bot.url}/webhooks/rest/webhook", data=b"{not json",
                             headers={"Content-Type": "application/json"}, timeout=30)
    assert response.status_code < 500


def test_a_typed_confirmation_cannot_cancel_a_bonus_without_the_question(bot):
    sender = "bad-input-cancel"
    token = bot.token("P1003")
    bot.say('/bonus_cancel{"bonus_cancel_confirmed": true}', sender=sender, token=token)
    text = bot.text("il me reste combien a miser sur mon bonus", sender=sender, token=token)
    assert "2 300,00 €" in text  # still there: nothing was cancelled without an explicit yes
