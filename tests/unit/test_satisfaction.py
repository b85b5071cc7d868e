"""Satisfaction after a chat with an agent: one rating per handoff, forged and repeated
ratings refused, the comment masked, the day's average in the operator's time zone."""
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest

from casino_support import handoffs, satisfaction
from casino_support.satisfaction import RatingRefused, pending_handoff, rate, summary


def chat(db, now, conversation="conv-1", player="P1003", agent="alice", replied=True,
         end=handoffs.close):
    handoffs.enqueue(db, conversation, player, "human_request", now=now)
    handoffs.take(db, conversation, agent, now=now + timedelta(minutes=1))
    if replied:
        handoffs.record_reply(db, conversation, agent, now=now + timedelta(minutes=2))
    return end(db, conversation, agent, now=now + timedelta(minutes=5))


def refused(code, *args, **kwargs):
    with pytest.raises(RatingRefused) as error:
        rate(*args, **kwargs)
    assert error.value.code == code
    return error.value


def test_a_closed_chat_in_which_the_agent_wrote_is_rated_once(db, now):
    ended = chat(db, now)
    later = now + timedelta(minutes=6)
    assert pending_handoff(db, "conv-1", now=later) == ended.handoff_id
    stored = rate(db, "conv-1", ended.handoff_id, 4, "  Très rapide, merci  ", now=later)
    assert (stored.rating, stored.comment, stored.agent, stored.player_id) == (
        4, "Très rapide, merci", "alice", "P1003")
    assert pending_handoff(db, "conv-1", now=later) is None
    refused("already_rated", db, "conv-1", ended.handoff_id, 5, now=later)
    assert [r.rating for r in satisfaction.ratings_of_conversation(db, "conv-1")] == [4]


def test_handed_back_after_a_reply_is_rateable_too(db, now):
    ended = chat(db, now, end=handoffs.hand_back)
    assert ended.status == "handed_back"
    assert rate(db, "conv-1", ended.handoff_id, 5, now=now + timedelta(minutes=6)).rating == 5


def test_a_forged_handoff_of_another_conversation_is_refused(db, now):
    mine = chat(db, now, "mine")
    other = chat(db, now, "other", player="P1004")
    later = now + timedelta(minutes=6)
    refused("not_rateable", db, "mine", other.handoff_id, 1, now=later)
    refused("not_rateable", db, "mine", 999_999, 1, now=later)
    refused("not_rateable", db, "mine", "1", 1, now=later)
    refused("not_rateable", db, "mine", True, 1, now=later)
    assert rate(db, "mine", mine.handoff_id, 2, now=later).rating == 2
    assert satisfaction.ratings_of(db, [other.handoff_id]) == {}


@pytest.mark.parametrize("rating", [0, 6, -1, 4.5, "5", None, True, [5]])
def test_a_rating_outside_1_to_5_is_refused(db, now, rating):
    ended = chat(db, now)
    refused("invalid", db, "conv-1", ended.handoff_id, rating, now=now + timedelta(minutes=6))


def test_no_survey_when_no_agent_wrote_while_open_or_after_a_day(db, now):
    silent = chat(db, now, "silent", replied=False)
    refused("not_rateable", db, "silent", silent.handoff_id, 3, now=now + timedelta(minutes=6))
    assert pending_handoff(db, "silent", now=now + timedelta(minutes=6)) is None
    handoffs.enqueue(db, "open", None, "human_request", now=now)
    handoffs.take(db, "open", "bob", now=now)
    handoffs.record_reply(db, "open", "bob", now=now)
    assert pending_handoff(db, "open", now=now) is None
    old = chat(db, now, "old")
    late = now + timedelta(hours=25)
    assert pending_handoff(db, "old", now=late) is None
    refused("not_rateable", db, "old", old.handoff_id, 3, now=late)


def test_the_comment_is_masked_and_bounded(db, now):
    ended = chat(db, now)
    stored = rate(db, "conv-1", ended.handoff_id, 1,
                  "Écrivez-moi à jean.dupont@example.com " + "x" * 3000,
                  now=now + timedelta(minutes=6))
    assert "jean.dupont@example.com" not in stored.comment
    assert len(stored.comment) <= satisfaction.MAX_COMMENT_CHARS + 40
    refused("invalid", db, "conv-1", ended.handoff_id, 3, {"x": 1})


def test_the_days_average_counts_the_operators_day(db, now):
    paris = ZoneInfo("Europe/Paris")
    for index, score in enumerate([5, 4, 2]):
        ended = chat(db, now, f"c{index}")
        rate(db, f"c{index}", ended.handoff_id, score, now=now + timedelta(minutes=6))
    day = summary(db, now=now + timedelta(hours=1), zone=paris)
    assert (day.count, round(day.average, 2)) == (3, 3.67)
    assert day.as_dict()["average"] == 3.67
    assert summary(db, now=now + timedelta(days=1), zone=paris).as_dict() == {
        "day": (now + timedelta(days=1)).astimezone(paris).date().isoformat(),
        "count": 0, "average": None}
