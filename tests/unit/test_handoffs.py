import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from casino_support.cli import main
from casino_support.database import session_scope
from casino_support.handoffs import (
    HandoffConflict,
    HandoffInfo,
    NoOpenHandoff,
    close,
    current_handoff,
    enqueue,
    hand_back,
    list_handoffs,
    open_queue,
    take,
    waiting_count,
)
from casino_support.models import AuditEvent, Handoff


def at(now, minutes):
    return now + timedelta(minutes=minutes)


def audit_rows(action=None):
    with session_scope() as session:
        query = select(AuditEvent).order_by(AuditEvent.id)
        if action:
            query = query.where(AuditEvent.action == action)
        return [(e.actor, e.action, e.player_id, json.loads(e.details))
                for e in session.execute(query).scalars()]


def test_enqueue_returns_a_waiting_handoff_first_in_line(db, now):
    info = enqueue(db, "conv-1", "P1004", "late_payment", "high", now=now)
    assert isinstance(info, HandoffInfo)
    assert (info.conversation_id, info.player_id, info.reason, info.priority,
            info.status, info.agent) == ("conv-1", "P1004", "late_payment", "high",
                                         "waiting", None)
    assert info.position == 1 and info.waiting_seconds == 0
    assert info.created_at == now and info.created_at.tzinfo is not None
    assert info.taken_at is None and info.closed_at is None
    assert info.handoff_id > 0


def test_queue_order_is_priority_then_time(db, now):
    enqueue(db, "normal-old", None, "human_request", "normal", now=at(now, 0))
    enqueue(db, "high-new", "P1004", "late_payment", "high", now=at(now, 5))
    enqueue(db, "normal-new", None, "human_request", "normal", now=at(now, 6))
    enqueue(db, "urgent", "P1006", "responsible_gambling", "urgent", now=at(now, 7))
    enqueue(db, "high-old", None, "angry_player", "high", now=at(now, 1))
    queue = open_queue(db, now=at(now, 10))
    assert [h.conversation_id for h in queue] == [
        "urgent", "high-old", "high-new", "normal-old", "normal-new"]
    assert [h.position for h in queue] == [1, 2, 3, 4, 5]
    assert [h.waiting_seconds for h in queue] == [180, 540, 300, 600, 240]
    assert waiting_count(db) == 5


def test_positions_count_waiting_handoffs_only(db, now):
    for minute, conversation in enumerate(["a", "b", "c"]):
        enqueue(db, conversation, None, "human_request", "normal", now=at(now, minute))
    take(db, "a", "alice", now=at(now, 5))
    queue = open_queue(db, now=at(now, 6))
    assert [(h.conversation_id, h.status, h.position) for h in queue] == [
        ("a", "active", None), ("b", "waiting", 1), ("c", "waiting", 2)]
    assert queue[0].waiting_seconds == 300  # waited until taken
    assert current_handoff(db, "c").position == 2
    # A new urgent handoff goes ahead of everyone waiting.
    urgent = enqueue(db, "d", "P1006", "responsible_gambling", "urgent", now=at(now, 7))
    assert urgent.position == 1
    assert current_handoff(db, "c").position == 3


def test_enqueue_is_idempotent_per_open_conversation(db, now):
    first = enqueue(db, "conv-1", None, "human_request", "normal", now=now)
    again = enqueue(db, "conv-1", None, "human_request", "normal", now=at(now, 3))
    assert again.handoff_id == first.handoff_id
    assert again.created_at == now and again.waiting_seconds == 180
    take(db, "conv-1", "alice", now=at(now, 4))
    while_active = enqueue(db, "conv-1", None, "human_request", "normal", now=at(now, 5))
    assert while_active.handoff_id == first.handoff_id and while_active.status == "active"
    with session_scope() as session:
        assert len(session.execute(select(Handoff)).scalars().all()) == 1
    assert len(audit_rows("handoff_enqueued")) == 1


def test_enqueue_again_raises_the_priority_never_lowers_it(db, now):
    enqueue(db, "other", None, "late_payment", "high", now=at(now, -10))
    enqueue(db, "conv-1", "P1006", "human_request", "normal", now=now)
    raised = enqueue(db, "conv-1", "P1006", "responsible_gambling", "urgent",
                     now=at(now, 1))
    assert (raised.priority, raised.reason, raised.position) == (
        "urgent", "responsible_gambling", 1)
    assert raised.created_at == now  # keeps its time
    kept = enqueue(db, "conv-1", "P1006", "human_request", "normal", now=at(now, 2))
    assert (kept.priority, kept.reason) == ("urgent", "responsible_gambling")
    [event] = audit_rows("handoff_priority_raised")
    assert event[3]["previous_priority"] == "normal" and event[3]["priority"] == "urgent"


def test_enqueue_fills_a_missing_player_id_but_never_replaces_one(db, now):
    enqueue(db, "conv-1", None, "human_request", "normal", now=now)
    assert enqueue(db, "conv-1", "P1003", "human_request", "normal",
                   now=now).player_id == "P1003"
    assert enqueue(db, "conv-1", "P1004", "human_request", "normal",
                   now=now).player_id == "P1003"


def test_after_a_finished_handoff_the_conversation_can_queue_again(db, now):
    first = enqueue(db, "conv-1", None, "human_request", "normal", now=now)
    hand_back(db, "conv-1", "alice", now=at(now, 1))
    second = enqueue(db, "conv-1", None, "human_request", "normal", now=at(now, 2))
    assert second.handoff_id != first.handoff_id and second.status == "waiting"


@pytest.mark.parametrize("arguments", [
    ("", None, "human_request", "normal"),
    (None, None, "human_request", "normal"),
    ("x" * 129, None, "human_request", "normal"),
    ("conv", "not a player id!", "human_request", "normal"),
    ("conv", None, "human_request", "critical"),
])
def test_enqueue_refuses_bad_input(db, now, arguments):
    with pytest.raises(ValueError):
        enqueue(db, *arguments, now=now)


def test_take_hand_back_close_transitions(db, now):
    enqueue(db, "conv-1", "P1003", "human_request", "normal", now=now)
    taken = take(db, "conv-1", "alice", now=at(now, 2))
    assert (taken.status, taken.agent, taken.taken_at, taken.position) == (
        "active", "alice", at(now, 2), None)
    assert current_handoff(db, "conv-1").status == "active"
    back = hand_back(db, "conv-1", "alice", now=at(now, 9))
    assert (back.status, back.agent, back.closed_at) == ("handed_back", "alice", at(now, 9))
    assert current_handoff(db, "conv-1") is None
    assert open_queue(db, now=at(now, 10)) == []

    enqueue(db, "conv-2", None, "angry_player", "high", now=at(now, 10))
    take(db, "conv-2", "bob", now=at(now, 11))
    closed = close(db, "conv-2", "bob", now=at(now, 20))
    assert (closed.status, closed.agent, closed.closed_at) == ("closed", "bob", at(now, 20))
    assert closed.waiting_seconds == 60


def test_taking_twice_is_harmless_for_the_same_agent(db, now):
    enqueue(db, "conv-1", None, "human_request", "normal", now=now)
    first = take(db, "conv-1", "alice", now=at(now, 1))
    second = take(db, "conv-1", "alice", now=at(now, 2))
    assert second.taken_at == first.taken_at == at(now, 1)
    assert len(audit_rows("handoff_taken")) == 1


def test_another_agent_cannot_take_hand_back_or_close_an_active_handoff(db, now):
    enqueue(db, "conv-1", None, "human_request", "normal", now=now)
    take(db, "conv-1", "alice", now=at(now, 1))
    for action in (take, hand_back, close):
        with pytest.raises(HandoffConflict) as caught:
            action(db, "conv-1", "bob", now=at(now, 2))
        assert caught.value.holder == "alice" and caught.value.agent == "bob"
    assert current_handoff(db, "conv-1").agent == "alice"


def test_no_open_handoff(db, now):
    for action in (take, hand_back, close):
        with pytest.raises(NoOpenHandoff):
            action(db, "nobody", "alice", now=now)
    enqueue(db, "conv-1", None, "human_request", "normal", now=now)
    close(db, "conv-1", "alice", now=at(now, 1))
    for action in (take, hand_back, close):
        with pytest.raises(NoOpenHandoff):
            action(db, "conv-1", "alice", now=at(now, 2))
    assert current_handoff(db, "nobody") is None


def test_a_waiting_handoff_can_be_closed_without_being_taken(db, now):
    enqueue(db, "conv-1", None, "human_request", "normal", now=now)
    closed = close(db, "conv-1", "alice", now=at(now, 4))
    assert (closed.status, closed.agent, closed.taken_at) == ("closed", "alice", None)
    assert closed.waiting_seconds == 240


def test_agent_names_are_checked(db, now):
    enqueue(db, "conv-1", None, "human_request", "normal", now=now)
    with pytest.raises(ValueError):
        take(db, "conv-1", "bad name!", now=now)


def test_each_change_writes_an_audit_event(db, now):
    enqueue(db, "conv-1", "P1004", "late_payment", "high", now=now)
    take(db, "conv-1", "alice", now=at(now, 1))
    hand_back(db, "conv-1", "alice", now=at(now, 2))
    enqueue(db, "conv-1", "P1004", "late_payment", "high", now=at(now, 3))
    take(db, "conv-1", "bob", now=at(now, 4))
    close(db, "conv-1", "bob", now=at(now, 5))
    rows = audit_rows()
    assert [(actor, action, player) for actor, action, player, _ in rows] == [
        ("bot", "handoff_enqueued", "P1004"),
        ("agent:alice", "handoff_taken", "P1004"),
        ("agent:alice", "handoff_handed_back", "P1004"),
        ("bot", "handoff_enqueued", "P1004"),
        ("agent:bob", "handoff_taken", "P1004"),
        ("agent:bob", "handoff_closed", "P1004"),
    ]
    assert all(details["conversation_id"] == "conv-1" for *_, details in rows)
    with session_scope() as session:
        times = [e.at for e in session.execute(select(AuditEvent)
                                               .order_by(AuditEvent.id)).scalars()]
    assert times[-1] == at(now, 5).replace(tzinfo=None)


def test_functions_accept_an_open_session_and_leave_the_commit_to_the_caller(db, now):
    with db.session_scope() as session:
        enqueue(session, "conv-1", None, "human_request", "normal", now=now)
        take(session, "conv-1", "alice", now=at(now, 1))
        assert current_handoff(session, "conv-1").status == "active"
    assert current_handoff(db, "conv-1").agent == "alice"
    with pytest.raises(RuntimeError):
        with db.session_scope() as session:
            close(session, "conv-1", "alice", now=at(now, 2))
            raise RuntimeError("the caller fails: nothing is committed")
    assert current_handoff(db, "conv-1").status == "active"


def test_duplicate_open_rows_count_once(db, now):
    # Two processes may enqueue the same conversation at the same instant.
    with session_scope() as session:
        for minute in (0, 1):
            session.add(Handoff(conversation_id="conv-1", priority="normal",
                                status="waiting",
                                created_at=at(now, minute).replace(tzinfo=None)))
    assert [h.conversation_id for h in open_queue(db, now=now)] == ["conv-1"]
    close(db, "conv-1", "alice", now=at(now, 2))
    assert current_handoff(db, "conv-1") is None


def test_list_handoffs_adds_the_finished_ones(db, now):
    enqueue(db, "done", None, "human_request", "normal", now=now)
    close(db, "done", "alice", now=at(now, 1))
    enqueue(db, "open", None, "human_request", "normal", now=at(now, 2))
    assert [h.conversation_id for h in list_handoffs(db, now=at(now, 3))] == ["open", "done"]
    assert [h.conversation_id for h in list_handoffs(db, include_finished=False)] == ["open"]


# --- support-desk queue ----------------------------------------------------------------

def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_queue_json_prints_the_contract_fields_in_queue_order(capsys, db, now):
    enqueue(db, "conv-normal", None, "human_request", "normal", now=at(now, -10))
    enqueue(db, "conv-urgent", "P1006", "responsible_gambling", "urgent", now=now)
    enqueue(db, "conv-active", "P1004", "late_payment", "high", now=at(now, -20))
    take(db, "conv-active", "alice", now=at(now, -15))
    enqueue(db, "conv-done", None, "human_request", "normal", now=at(now, -30))
    close(db, "conv-done", "bob", now=at(now, -25))

    code, out, _ = run(capsys, "queue", "--json")
    rows = json.loads(out)
    assert code == 0
    assert [r["conversation_id"] for r in rows] == ["conv-urgent", "conv-active",
                                                    "conv-normal"]
    contract = {"conversation_id", "player_id", "reason", "priority", "status", "agent",
                "position", "created_at"}
    assert all(contract <= set(row) for row in rows)
    assert rows[0] == {**rows[0], "player_id": "P1006", "reason": "responsible_gambling",
                       "priority": "urgent", "status": "waiting", "agent": None,
                       "position": 1, "created_at": now.isoformat()}
    assert (rows[1]["status"], rows[1]["agent"], rows[1]["position"]) == (
        "active", "alice", None)
    assert rows[2]["position"] == 2

    code, out, _ = run(capsys, "queue", "--json", "--open")
    assert code == 0 and len(json.loads(out)) == 3
    code, out, _ = run(capsys, "queue", "--json", "--all")
    assert [r["conversation_id"] for r in json.loads(out)][-1] == "conv-done"
    code, out, _ = run(capsys, "queue")
    lines = out.splitlines()
    assert code == 0 and lines[0].startswith("position") and "conv-urgent" in lines[2]


def test_cli_queue_empty(capsys, db):
    assert run(capsys, "queue")[1].strip() == "No handoffs."
    assert json.loads(run(capsys, "queue", "--json")[1]) == []
