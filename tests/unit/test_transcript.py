"""The conversation as the widget's history and the agent console show it."""
from rasa.shared.core.events import (
    ActionExecuted, BotUttered, SessionStarted, SlotSet, UserUttered)

from casino_connector.transcript import transcript

GREETING = "Bonjour, je suis l'assistant automatique du support."


def session_start(at: float) -> list:
    """What Rasa stores when a message opens a session, before the message itself."""
    return [ActionExecuted("action_session_start", timestamp=at),
            BotUttered(GREETING, timestamp=at), SessionStarted(timestamp=at),
            SlotSet("email", None, timestamp=at), ActionExecuted("action_listen", timestamp=at)]


def test_the_greeting_comes_after_the_message_that_opened_the_session():
    events = [*session_start(1.0), UserUttered("bonjour", timestamp=2.0),
              BotUttered("Que puis-je faire pour vous ?", timestamp=3.0),
              ActionExecuted("action_listen", timestamp=3.0),
              *session_start(10.0), UserUttered("me revoilà", timestamp=11.0),
              BotUttered("Je vous écoute.", timestamp=12.0)]
    assert [(line["sender"], line["text"]) for line in transcript(events)] == [
        ("user", "bonjour"), ("bot", GREETING), ("bot", "Que puis-je faire pour vous ?"),
        ("user", "me revoilà"), ("bot", GREETING), ("bot", "Je vous écoute."),
    ]


def test_a_greeting_no_message_follows_stays_in_place():
    events = [*session_start(1.0), BotUttered("Un conseiller vous répond.", timestamp=2.0)]
    assert [line["text"] for line in transcript(events)] == [
        GREETING, "Un conseiller vous répond."]
    assert [line["text"] for line in transcript(session_start(1.0))] == [GREETING]


def test_the_players_history_shows_the_bots_messages_as_sent():
    events = [UserUttered("mon adresse : jean.dupont@exemple.fr", timestamp=1.0),
              BotUttered("Écrivez à support@casino-lumiere.example.", timestamp=2.0)]
    assert [line["text"] for line in transcript(events, mask_bot_text=False)] == [
        "mon adresse : [e-mail masqué]", "Écrivez à support@casino-lumiere.example."]
    assert [line["text"] for line in transcript(events)] == [  # the agent console
        "mon adresse : [e-mail masqué]", "Écrivez à [e-mail masqué]."]


def test_the_player_sees_an_agent_by_first_name_never_by_login():
    from casino_connector.transcript import for_the_player

    events = [UserUttered("un humain svp", timestamp=1.0),
              BotUttered("Bonjour, je regarde.", metadata={"agent": "j.martin-42",
                                                          "agent_shown": "Julie"}, timestamp=2.0),
              BotUttered("Je reviens.", metadata={"agent": "bob.ops"}, timestamp=3.0)]
    console = transcript(events)
    assert [line.get("agent") for line in console] == [None, "j.martin-42", "bob.ops"]
    player = for_the_player(transcript(events, mask_bot_text=False))
    assert [(line["sender"], line.get("agent")) for line in player] == [
        ("user", None), ("agent", "Julie"), ("agent", None)]
    assert "j.martin-42" not in str(player) and "bob.ops" not in str(player)
