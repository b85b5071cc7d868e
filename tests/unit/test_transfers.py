"""Transfer to a colleague or to a team queue: who may, to whom, and what the queue shows."""
import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from casino_support import agents, handoffs, teams, transfers
from casino_support.database import session_scope
from casino_support.models import AuditEvent

PASSWORD = "correct horse battery"


def at(now, minutes):
    return now + timedelta(minutes=minutes)


def agent(db, now, name, online=True, supervisor=False, team=None):
    agents.create_agent(db, name, PASSWORD, now=now, rounds=4, supervisor=supervisor)
    if online:
        agents.mark_online(db, name, now=now)
    if team:
        transfers.set_agent_team(db, name, team)


def held_by(db, now, name, conversation="conv-1", reason="human_request", priority="normal"):
    handoffs.enqueue(db, conversation, "P1004", reason, priority, now=now)
    return handoffs.take(db, conversation, name, now=now)


def test_a_conversation_waits_for_the_team_its_reason_gives(db, now):
    handoffs.enqueue(db, "late", "P1004", "late_payment", "high", now=now)
    handoffs.enqueue(db, "rg", "P1006", "responsible_gambling", "urgent", now=now)
    handoffs.enqueue(db, "other", None, "human_request", "normal", now=now)
    by_id = {h.conversation_id: h.team for h in handoffs.open_queue(db, now=now)}
    assert by_id == {"late": "payments", "rg": "responsible_gambling", "other": "general"}
    assert handoffs.open_queue(db, now=now)[0].as_dict()["team"] == "responsible_gambling"


def test_to_a_team_the_conversation_waits_again_first_in_line(db, now):
    agent(db, now, "alice")
    held_by(db, now, "alice", "first")
    handoffs.enqueue(db, "newer", None, "human_request", "normal", now=at(now, 5))
    done = transfers.transfer(db, "first", "alice", to_team="payments", now=at(now, 10))
    assert (done.handoff.status, done.handoff.agent, done.handoff.team) == ("waiting", None, "payments")
    assert done.team_label == "Paiements" and done.previous_agent == "alice"
    assert [h.conversation_id for h in handoffs.open_queue(db, now=at(now, 10))] == ["first", "newer"]
    assert done.handoff.position == 1
    # another agent takes it from the payments queue; it is theirs, they have not spoken
    taken = handoffs.take(db, "first", "bob", now=at(now, 11))
    assert (taken.agent, taken.agent_replied, taken.team) == ("bob", False, "payments")


def test_to_a_colleague_the_conversation_is_theirs_at_once(db, now):
    agent(db, now, "alice")
    agent(db, now, "bob")
    held_by(db, now, "alice")
    handoffs.record_reply(db, "conv-1", "alice", now=now)
    done = transfers.transfer(db, "conv-1", "alice", to_agent="bob", now=at(now, 1))
    assert (done.handoff.status, done.handoff.agent, done.handoff.agent_replied) == ("active", "bob", False)
    with pytest.raises(handoffs.HandoffConflict):  # alice no longer holds it
        handoffs.record_reply(db, "conv-1", "alice", now=at(now, 2))
    handoffs.record_reply(db, "conv-1", "bob", now=at(now, 2))


@pytest.mark.parametrize("colleague_state", ["offline", "away", "unknown", "oneself"])
def test_no_transfer_to_a_colleague_who_cannot_answer(db, now, colleague_state):
    agent(db, now, "alice")
    agent(db, now, "bob", online=colleague_state != "offline")
    if colleague_state == "away":
        agents.set_away(db, "bob", True, now=now)
    held_by(db, now, "alice")
    target = {"unknown": "nobody", "oneself": "alice"}.get(colleague_state, "bob")
    with pytest.raises(transfers.TransferRefused):
        transfers.transfer(db, "conv-1", "alice", to_agent=target, now=at(now, 1))
    assert handoffs.current_handoff(db, "conv-1").agent == "alice"


def test_only_the_holder_or_a_supervisor_transfers(db, now):
    agent(db, now, "alice")
    agent(db, now, "bob")
    agent(db, now, "sam", supervisor=True)
    held_by(db, now, "alice")
    with pytest.raises(handoffs.HandoffConflict):
        transfers.transfer(db, "conv-1", "bob", to_team="payments", now=now)
    done = transfers.transfer(db, "conv-1", "sam", to_agent="bob", now=now)
    assert done.handoff.agent == "bob" and done.previous_agent == "alice"


def test_a_waiting_conversation_is_taken_not_transferred(db, now):
    agent(db, now, "alice")
    handoffs.enqueue(db, "conv-1", None, "human_request", "normal", now=now)
    with pytest.raises(handoffs.NotTaken):
        transfers.transfer(db, "conv-1", "alice", to_team="payments", now=now)
    held_by(db, now, "alice", "conv-2")
    with pytest.raises(transfers.TransferRefused):
        transfers.transfer(db, "conv-2", "alice", to_team="casino_marketing", now=now)


def test_each_transfer_is_audited(db, now):
    agent(db, now, "alice")
    agent(db, now, "bob")
    held_by(db, now, "alice")
    transfers.transfer(db, "conv-1", "alice", to_agent="bob", now=now)
    transfers.transfer(db, "conv-1", "bob", to_team="responsible_gambling", now=now)
    with session_scope() as session:
        rows = [(e.actor, json.loads(e.details)) for e in session.execute(
            select(AuditEvent).where(AuditEvent.action == "handoff_transferred")
            .order_by(AuditEvent.id)).scalars()]
    assert [(actor, d["previous_agent"], d["to_agent"], d["to_team"]) for actor, d in rows] == [
        ("agent:alice", "alice", "bob", None), ("agent:bob", "bob", None, "responsible_gambling")]


def test_teams_come_from_support_yml_with_general_always_there(db):
    class Config:
        raw = {"agent_desk": {"teams": {"payments": "Paiements", "vip": "Service VIP"}}}

    assert teams.teams(Config()) == {"payments": "Paiements", "vip": "Service VIP",
                                     "general": "Général"}
    assert teams.team_of(None, "responsible_gambling", Config()) == "general"  # no such team here
    assert teams.team_of("vip", "late_payment", Config()) == "vip"
    assert set(teams.teams()) == {"general", "payments", "responsible_gambling"}


def test_an_agent_is_put_in_a_known_team_only(db, now):
    agent(db, now, "alice", team="payments")
    assert transfers.agent_teams(db) == {"alice": "payments"}
    assert agents.get_agent(db, "alice").team == "payments"
    with pytest.raises(transfers.TransferRefused):
        transfers.set_agent_team(db, "alice", "casino_marketing")
    with pytest.raises(LookupError):
        transfers.set_agent_team(db, "nobody", "payments")
