"""What was asked: aspects of a topic, and follow-ups resolved against the current topic."""
import pytest

from casino_support.questions import (
    CONFIDENT_KEY, DEFAULT_ASPECT, TOPIC_ASPECTS, Question, aspect_of, follow_up_question,
    SelectorKeys, reading, resolve_follow_up, selector_keys,
)


def test_the_aspect_of_a_retrieval_key():
    assert aspect_of("withdraw", "withdraw/delay") == "delay"


def test_an_aspect_chosen_under_another_topic_counts_when_this_topic_has_it():
    assert aspect_of("withdraw", "deposit/fees") == "fees"


def test_an_aspect_this_topic_lacks_gives_its_default():
    assert aspect_of("withdraw", "bonus/vip") == DEFAULT_ASPECT["withdraw"]
    assert aspect_of("withdraw", None) == DEFAULT_ASPECT["withdraw"]


def test_the_best_ranked_key_that_fits_the_topic_gives_the_aspect():
    assert aspect_of("bonus", ["withdraw/how", "bonus/wagering", "bonus/vip"]) == "wagering"
    assert aspect_of("withdraw", ["bonus/vip", "register/how"]) == DEFAULT_ASPECT["withdraw"]


def test_a_follow_up_naming_an_aspect_of_the_current_topic_gets_it():
    password = Question("account_access", "password")
    keys = ["verify_account/overview", "account_access/code", "follow_up/how"]
    assert follow_up_question(password, keys) == Question("account_access", "code",
                                                          follow_up=True)


def test_a_follow_up_takes_the_best_follow_up_key_before_other_topics_aspects():
    withdrawal = Question("withdraw", "how")
    assert follow_up_question(withdrawal, ["deposit/fees", "follow_up/delay"]).aspect == "delay"
    assert follow_up_question(None, ["follow_up/delay"]) is None


@pytest.mark.parametrize("previous, key, aspect", [
    (Question("bonus", "vip"), "how", "vip"),  # « on y gagne quoi ? » about the VIP programme
    (Question("bonus", "free_spins"), "why", "free_spins"),
    (Question("bonus", "welcome"), "how", "wagering"),  # how the welcome offer is played through
    (Question("responsible_gambling", "pause"), "where", "pause"),
])
def test_how_and_why_stay_on_a_precise_offer_or_tool(previous, key, aspect):
    assert resolve_follow_up(previous.topic, key, previous.aspect).aspect == aspect


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


LATE = Question("late_payment")


@pytest.mark.parametrize("intent, key, confidence, previous, expected", [
    # the selector is sure of a topic's aspect: a question of that topic, not a follow-up
    ("follow_up", "register/conditions", 0.75, Question("register", "how"), "register"),
    ("follow_up", "register/conditions", 0.75, None, "register"),
    # sure of a follow-up while another topic is under way: a follow-up of it
    ("deposit", "follow_up/delay", 0.53, LATE, "follow_up"),
    # unsure, or no topic under way, or the same topic: the intent classifier's reading
    ("deposit", "follow_up/delay", CONFIDENT_KEY - 0.01, LATE, "deposit"),
    ("deposit", "follow_up/delay", 0.9, None, "deposit"),
    ("deposit", "follow_up/fees", 0.9, Question("deposit", "how"), "deposit"),
    # never for intents the selector was not trained on
    ("out_of_scope", "account_access/close", 0.85, LATE, "out_of_scope"),
    ("greet", "follow_up/how", 0.9, LATE, "greet"),
])
def test_a_sure_response_selector_settles_topic_against_follow_up(intent, key, confidence,
                                                                 previous, expected):
    assert reading(intent, key, confidence, previous) == expected


def test_the_selectors_keys_are_read_best_first_without_repeats():
    parse = {"response_selector": {"default": {
        "response": {"intent_response_key": "bonus/vip", "confidence": 0.76},
        "ranking": [{"intent_response_key": "bonus/vip"},
                    {"intent_response_key": "follow_up/how"}, {"intent_response_key": None}]}}}
    assert selector_keys(parse) == SelectorKeys(("bonus/vip", "follow_up/how"), 0.76)
    assert selector_keys({}) == SelectorKeys()
