"""The rules both chat channels apply before Rasa: typed intents, body checks, deadlines."""
import asyncio
import json

import pytest

from casino_connector.input_guard import (
    MAX_MESSAGE_CHARS, Processing, as_rasa_text, clean_text, player_metadata)
from casino_connector.rest_channel import parse_body
from casino_connector.transcript import NEUTRALISED_PREFIX

OFFERED = ['/affirm', '/bonus_cancel{"bonus_cancel_confirmed": true}']


@pytest.mark.parametrize("typed", [
    "/restart", "/bonus_status", '/bonus_status{"player_id":"P1003"}', "/affirm{}",
    '/bonus_cancel{"bonus_cancel_confirmed":true}',  # not exactly what was offered
    "/session_start", "//affirm",
])
def test_a_typed_slash_message_is_text_unless_exactly_offered(typed):
    assert as_rasa_text(typed, OFFERED) == NEUTRALISED_PREFIX + typed


def test_an_offered_payload_passes_as_it_is():
    for payload in OFFERED:
        assert as_rasa_text(payload, OFFERED) == payload
    assert as_rasa_text("/affirm", []) == NEUTRALISED_PREFIX + "/affirm"


def test_text_that_does_not_start_with_a_slash_is_unchanged():
    for text in ("bonjour", "mon bonus /bonus_status", "1/2 retrait"):
        assert as_rasa_text(text, OFFERED) == text


def test_the_neutralised_prefix_survives_rasas_strip():
    # UserMessage strips its text: the prefix must not be whitespace
    assert (NEUTRALISED_PREFIX + "/restart").strip().startswith(NEUTRALISED_PREFIX)


def test_clean_text_trims_and_cuts():
    assert clean_text("  bonjour \n") == "bonjour"
    assert len(clean_text("a" * 100_000)) == MAX_MESSAGE_CHARS


def test_clean_text_replaces_lone_surrogates_and_keeps_real_characters():
    text = json.loads('"retrait \\ud800 ok \\ud83d\\ude00 \\udfff"')
    assert clean_text(text) == "retrait \ufffd ok \U0001F600 \ufffd"
    clean_text(text).encode("utf-8")  # what the tracker store needs


def test_only_the_player_token_passes_as_metadata():
    assert player_metadata({"player_token": "abc", "player_id": "P1003",
                            "input_channel": "cmdline"}) == {"player_token": "abc"}
    assert player_metadata({"player_token": 42}) == {}
    assert player_metadata({"player_token": "x" * 5000}) == {}
    assert player_metadata({"player_token": "a.b.\ud800"}) == {}
    assert player_metadata("P1003") == {} and player_metadata(None) == {}


# --- the REST body ------------------------------------------------------------------------

def body(**fields) -> bytes:
    return json.dumps(fields).encode()


def test_a_valid_body_gives_sender_text_and_filtered_metadata():
    fields, refused = parse_body(body(sender="test-1", message="  bonjour ",
                                      metadata={"player_token": "t", "player_id": "P1003"},
                                      input_channel="cmdline"))
    assert refused is None
    assert fields == {"sender": "test-1", "text": "bonjour",
                      "metadata": {"player_token": "t"}}
    assert parse_body(body(sender=1234, message="x"))[0]["sender"] == "1234"
    assert parse_body(body(sender="a" * 128, message="x"))[1] is None


@pytest.mark.parametrize("raw", [
    b"", b"{not json", b"\xff\xfe", b"[]", b'"bonjour"', b"null",
    body(message="bonjour"),                       # no sender
    body(sender="", message="bonjour"),
    body(sender="a" * 129, message="bonjour"),
    body(sender="joueur 1", message="bonjour"),     # space
    body(sender="joueur/../1", message="bonjour"),
    body(sender="élodie", message="bonjour"),
    body(sender="x\u0000", message="bonjour"),
    body(sender=True, message="bonjour"),
    body(sender=["a"], message="bonjour"),
    body(sender="ok"),                              # no message
    body(sender="ok", message=None),
    body(sender="ok", message=42),
    body(sender="ok", message={"text": "bonjour"}),
    b"[" * 100_000 + b"]" * 100_000,               # deep nesting
    b'{"sender": "ok", "message": "x", "metadata": ' + b'{"a": ' * 50_000 + b"1" + b"}" * 50_001,
])
def test_a_bad_body_is_a_400_with_a_french_error(raw):
    fields, refused = parse_body(raw)
    assert fields is None and refused.status == 400
    error = json.loads(refused.body)["error"]
    assert error.startswith("Requête invalide")


# --- processing in time --------------------------------------------------------------------

def test_a_slow_processing_goes_on_after_the_deadline():
    async def scenario():
        done = []

        async def slow():
            await asyncio.sleep(0.3)
            done.append(True)

        processing = Processing(slow(), "conv")
        assert not await processing.finished_within(0.05)
        assert not done and not processing.failed
        assert await processing.finished_within(None)
        assert done == [True] and not processing.failed
    asyncio.run(scenario())


def test_a_waiter_cancelled_leaves_the_processing_running():
    async def scenario():
        done = []

        async def slow():
            await asyncio.sleep(0.2)
            done.append(True)

        processing = Processing(slow(), "conv")
        waiter = asyncio.ensure_future(processing.finished_within(10))
        await asyncio.sleep(0.05)
        waiter.cancel()  # the HTTP client went away
        await asyncio.sleep(0.3)
        assert done == [True]
    asyncio.run(scenario())


def test_a_failed_processing_is_reported(caplog):
    async def scenario():
        async def broken():
            raise RuntimeError("action server down")

        processing = Processing(broken(), "conv-x")
        assert await processing.finished_within(1)
        assert processing.failed
    asyncio.run(scenario())
    assert "conv-x" in caplog.text


# --- silent on purpose: the message went to an agent ------------------------------------

from rasa.shared.core.events import (  # noqa: E402
    ActionExecuted, BotUttered, ConversationPaused, ConversationResumed, UserUttered)

from casino_connector.input_guard import paused_at_last_user_message  # noqa: E402


def test_a_message_sent_while_an_agent_holds_the_conversation_went_to_the_agent():
    events = [UserUttered("un conseiller svp"), ActionExecuted("action_request_human"),
              ConversationPaused(), UserUttered("vous êtes là ?")]
    assert paused_at_last_user_message(events)


def test_handed_back_during_the_turn_still_counts_as_delivered():
    events = [ConversationPaused(), UserUttered("merci pour votre aide"),
              ConversationResumed(), BotUttered("Je reprends la conversation.")]
    assert paused_at_last_user_message(events)


def test_a_message_after_the_hand_back_is_the_bot_s_to_answer():
    events = [ConversationPaused(), UserUttered("merci"), ConversationResumed(),
              UserUttered("et mon retrait ?")]
    assert not paused_at_last_user_message(events)
    assert not paused_at_last_user_message([UserUttered("bonjour")])


def test_a_card_number_is_masked_before_rasa():
    from casino_connector.input_guard import without_card_numbers

    assert without_card_numbers("ma carte 4970 1012 3456 7893 est refusée") == (
        "ma carte [carte masquée ****7893] est refusée", True)
    # Not cards: an amount, a phone number, a reference, an IBAN, an e-mail (kept for tickets).
    for text in ("j'ai déposé 1 500 € le 12/11", "appelez-moi au 06 12 34 56 78",
                 "mon retrait T-2026-000123", "FR76 3000 6000 0112 3456 7890 189",
                 "mon mail jean.dupont@exemple.fr"):
        assert without_card_numbers(text) == (text, False)
