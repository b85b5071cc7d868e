"""What was asked: aspects of a topic, and follow-ups resolved against the current topic."""
import pytest

from casino_support.questions import (
    DEFAULT_ASPECT, TOPIC_ASPECTS, Question, aspect_of, resolve_follow_up,
)


def test_the_aspect_of_a_retrieval_key():
    assert aspect_of("withdraw", "withdraw/delay") == "delay"


def test_an_aspect_chosen_under_another_topic_counts_when_this_topic_has_it():
    assert aspect_of("withdraw", "deposit/fees") == "fees"


def test_an_aspect_this_topic_lacks_gives_its_default():
    assert aspect_of("withdraw", "bonus/vip") == DEFAULT_ASPECT["withdraw"]
    assert aspect_of("withdraw", None) == DEFAULT_ASPECT["withdraw"]


def test_responsible_gambling_without_an_aspect_is_taken_as_the_safe_case():
    assert aspect_of("responsible_gambling", None) == "distress"


@pytest.mark.parametrize("topic, key, aspect", [
    ("withdraw", "delay", "delay"),
    ("withdraw", "fees", "fees"),
    ("withdraw", "method", "methods"),
    ("withdraw", "why", "blocked"),
    ("deposit", "method", "methods"),
    ("deposit", "limits", "limits"),
    ("bonus", "until_when", "expiry"),
    ("bonus", "delay", "expiry"),
    ("verify_account", "where", "where_to_send"),
    ("verify_account", "why", "rejected"),
    ("verify_account", "document", "documents"),
    ("verify_account", "delay", "delay"),
    ("responsible_gambling", "until_when", "come_back"),
    ("contact_support", "until_when", "hours"),
])
def test_a_follow_up_asks_the_aspect_of_the_current_topic(topic, key, aspect):
    assert resolve_follow_up(topic, key) == Question(topic, aspect, follow_up=True)


def test_a_follow_up_the_topic_has_no_aspect_for_gets_the_topic_default():
    assert resolve_follow_up("register", "fees") == Question("register", DEFAULT_ASPECT["register"],
                                                            follow_up=True)


def test_a_follow_up_without_a_topic_is_not_answered():
    assert resolve_follow_up(None, "delay") is None
    assert resolve_follow_up("greet", "delay") is None


def test_still_not_working_stays_as_such():
    assert resolve_follow_up("deposit_failed", "not_working").aspect == "not_working"


def test_every_follow_up_of_every_topic_is_an_aspect_of_it():
    for topic, aspects in TOPIC_ASPECTS.items():
        for key in ("delay", "fees", "limits", "method", "where", "until_when", "why", "how",
                    "document"):
            question = resolve_follow_up(topic, key)
            assert question is not None and question.aspect in aspects + ("",), (topic, key)
