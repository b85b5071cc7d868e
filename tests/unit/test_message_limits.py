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


def test_html_tags_are_dropped_and_the_words_between_them_kept():
    assert limited_text("<b>je veux retirer mes gains</b>", 2000).split() == [
        "je", "veux", "retirer", "mes", "gains"]
    assert limited_text('<svg onload="alert(3)"></svg> mon retrait', 2000).split() == [
        "mon", "retrait"]
    assert limited_text("<script>alert(1)</script>", 2000).strip() == "alert(1)"
    assert limited_text("<!-- un commentaire --> bonjour", 2000).strip() == "bonjour"


def test_angle_brackets_that_are_not_tags_stay():
    assert limited_text("un retrait < 10 € et > 5 €", 2000) == "un retrait < 10 € et > 5 €"
    assert limited_text("merci <3", 2000) == "merci <3"


def test_a_huge_message_full_of_unclosed_tags_is_read_quickly():
    import time

    text = "<!--<a" * 50_000
    started = time.perf_counter()
    limited_text(text, 2000)
    assert time.perf_counter() - started < 1.0
