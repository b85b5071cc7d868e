"""Very long or binary messages are cut before the NLU reads them."""
from nlu_components.message_limits import MessageLengthLimiter, limited_text
from rasa.shared.nlu.training_data.message import Message


def test_short_text_is_unchanged():
    assert limited_text("jveux retirer mes gains", 2000) == "jveux retirer mes gains"


def test_long_text_is_cut_at_a_word_boundary():
    text = "mon retrait " * 1000
    cut = limited_text(text, 100)
    assert len(cut) <= 100 and text.startswith(cut)
    assert cut.split()[-1] in ("mon", "retrait")  # no word cut in half


def test_control_characters_become_spaces():
    assert limited_text("bon\x00jour\x07", 100) == "bon jour "


def test_the_component_limits_each_message():
    limiter = MessageLengthLimiter({"max_characters": 50})
    message = Message(data={"text": "a" * 100_000})
    limiter.process([message])
    assert len(message.get("text")) == 50
