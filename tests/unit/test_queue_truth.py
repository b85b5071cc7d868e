"""No conversation stranded, a queue that tells the truth (casino_support.handoffs, agents):
presence and its grace, release of an offline agent's conversations, player presence,
replies recorded, supervisors' takeover, the invariants check."""
import dataclasses
import json
import os
import sqlite3
from datetime import timedelta

import pytest
import yaml
from sqlalchemy import select

from casino_support import agents
from casino_support.config import DEFAULT_CONFIG_PATH
from casino_support.database import get_database, session_scope
from casino_support.handoffs import (
    AGENT_LOGOUT, AGENT_OFFLINE, BACK_IN_QUEUE, BOT_RESUMED, CHAT_CLOSED, NOTHING,
    OFFER_TICKET, OFFER_TICKET_OR_WAIT, PLAYER_LEFT, TICKET, HandoffConflict, NoOpenHandoff,
    NotSupervisor, NotTaken, PauseState, bot_resumed, close, current_handoff, end, enqueue,
    hand_back, open_queue, pause_state, queue_problems, record_reply, release_agent, sweep,
    take, touch_players,
)
from casino_support.models import AuditEvent, Handoff

GRACE = 120
PASSWORD = "motdepasse-tres-long"


def at(now, seconds):
    return now + timedelta(seconds=seconds)


def add(db, name, now, supervisor=False, online=True):
    agents.create_agent(db, name, PASSWORD, now=now, rounds=4, supervisor=supervisor)
    if online:
        agents.mark_online(db, name, now=now)


def audit(action):
    with session_scope() as session:
        rows = session.execute(select(AuditEvent).where(AuditEvent.action == action)
                               .order_by(AuditEvent.id)).scalars()
        return [(row.actor, json.loads(row.details)) for row in rows]


@pytest.fixture
def desk(db, now):
    """alice and bob online at ``now``; conv-1 taken by alice."""
    add(db, "alice", now)
    add(db, "bob", now)
    enqueue(db, "conv-1", "P1003", "human_request", "normal", now=at(now, -60))
    take(db, "conv-1", "alice", now=now)
    return db


# --- presence ----------------------------------------------------------------------------

def test_the_grace_comes_from_support_yml(monkeypatch, tmp_path):
    assert agents.offline_after_seconds() == GRACE  # the shipped support.yml
    raw = yaml.safe_load(DEFAULT_CONFIG_PATH.read_text())
    path = tmp_path / "support.yml"
    monkeypatch.setenv("SUPPORT_CONFIG", str(path))
    for stamp, (setting, expected) in enumerate(
            [({"offline_after_seconds": 3}, 3), ({"offline_after_seconds": 0.5}, 0.5),
             ({"offline_after_seconds": -1}, GRACE), ({"offline_after_seconds": "soon"}, GRACE),
             (None, GRACE)], start=1):
        raw["agent_desk"] = setting
        path.write_text(yaml.safe_dump(raw, allow_unicode=True))
        os.utime(path, (stamp * 10, stamp * 10))  # re-read: a new mtime each time
        assert agents.offline_after_seconds() == expected


def test_a_lost_console_keeps_its_agent_online_for_the_grace_only(db, now):
    add(db, "alice", now)
    for seconds in range(0, 300, 30):  # the desk's heartbeats while a console is connected
        assert agents.heartbeat(db, ["alice"], at(now, seconds)) == 1
    last = at(now, 270)  # then the connection is lost
    assert agents.online_agents(db, at(last, GRACE)) == ["alice"]
    assert agents.online_agents(db, at(last, GRACE + 1)) == []


def test_a_logged_out_agent_is_offline_at_once_and_no_heartbeat_brings_them_back(db, now):
    add(db, "alice", now)
    agents.mark_offline(db, "alice")
    assert agents.online_agents(db, now) == []
    assert agents.heartbeat(db, ["alice", "nobody"], at(now, 1)) == 0
    assert agents.online_agents(db, at(now, 1)) == []
    agents.mark_online(db, "alice", at(now, 2))  # a new login or console connection
    assert agents.online_agents(db, at(now, 2)) == ["alice"]


def test_an_away_agent_is_online_but_not_available(db, now):
    add(db, "alice", now)
    add(db, "bob", now)
    agents.set_away(db, "alice", True, now)
    assert agents.get_agent(db, "alice").away is True
    assert agents.online_agents(db, now) == ["alice", "bob"]
    assert agents.available_agents(db, now) == ["bob"] and agents.online_count(db, now) == 1
    agents.set_away(db, "alice", False, now)
    assert agents.online_count(db, now) == 2
    agents.set_away(db, "alice", True, now)
    agents.mark_offline(db, "alice")  # a logout ends the pause too
    assert agents.get_agent(db, "alice").away is False
    with pytest.raises(agents.UnknownAgent):
        agents.set_away(db, "nobody", True, now)


def test_a_login_makes_an_away_agent_available_again(db, now):
    add(db, "alice", now)
    agents.set_away(db, "alice", True, now)
    assert agents.login_agent(db, "alice", PASSWORD, secret="x" * 40)
    assert agents.available_agents(db) == ["alice"]


def test_supervisors_are_created_as_such(db, now):
    add(db, "sam", now, supervisor=True)
    add(db, "alice", now)
    assert agents.get_agent(db, "sam").supervisor is True
    assert agents.is_supervisor(db, "sam") and not agents.is_supervisor(db, "alice")
    assert not agents.is_supervisor(db, "nobody")


# --- an agent who is gone -----------------------------------------------------------------

def test_an_offline_agents_conversation_goes_back_to_the_queue_ahead_of_newer_ones(desk, now):
    enqueue(desk, "conv-newer", None, "human_request", "normal", now=at(now, 10))
    enqueue(desk, "conv-urgent", "P1006", "responsible_gambling", "urgent", now=at(now, 20))
    agents.heartbeat(desk, ["bob"], at(now, 100))  # bob's console is still connected
    assert sweep(desk, at(now, GRACE), GRACE) == []  # alice: still within the grace
    [released] = sweep(desk, at(now, 130), GRACE)
    assert (released.why, released.previous_agent, released.offer) == (
        AGENT_OFFLINE, "alice", BACK_IN_QUEUE)
    assert (released.handoff.status, released.handoff.agent, released.handoff.taken_at) == (
        "waiting", None, None)
    assert released.handoff.created_at == at(now, -60)  # keeps its place in time
    assert [(h.conversation_id, h.position) for h in open_queue(desk, at(now, 130))] == [
        ("conv-urgent", 1), ("conv-1", 2), ("conv-newer", 3)]
    assert released.handoff.position == 2
    [(actor, details)] = audit("handoff_requeued")
    assert actor == "system" and details["previous_agent"] == "alice"
    assert details["why"] == AGENT_OFFLINE
    assert sweep(desk, at(now, 131), GRACE) == []  # done once
    take(desk, "conv-1", "bob", now=at(now, 131))  # another agent can take it


def test_with_nobody_available_the_conversation_ends_and_a_ticket_or_waiting_is_offered(
        desk, now):
    agents.set_away(desk, "bob", True, now)
    agents.heartbeat(desk, ["bob"], at(now, 100))
    [released] = sweep(desk, at(now, 130), GRACE)
    assert (released.offer, released.handoff.status) == (OFFER_TICKET_OR_WAIT, "closed")
    assert current_handoff(desk, "conv-1") is None
    [(actor, details)] = audit("handoff_closed")
    assert (actor, details["why"], details["previous_agent"]) == (
        "system", AGENT_OFFLINE, "alice")


def test_after_hours_the_conversation_of_a_gone_agent_ends_with_a_ticket_offered(desk, now):
    agents.heartbeat(desk, ["bob"], at(now, 100))
    [released] = sweep(desk, at(now, 130), GRACE, chat_is_open=False)
    assert (released.offer, released.handoff.status) == (OFFER_TICKET, "closed")


def test_an_away_agent_keeps_the_conversations_they_hold(desk, now):
    agents.set_away(desk, "alice", True, now)
    assert sweep(desk, at(now, 60), GRACE) == []
    assert current_handoff(desk, "conv-1").agent == "alice"


def test_a_logout_releases_at_once(desk, now):
    enqueue(desk, "conv-2", None, "late_payment", "high", now=now)
    take(desk, "conv-2", "alice", now=now)
    agents.mark_offline(desk, "alice")
    released = release_agent(desk, "alice", now=at(now, 1))
    assert [(r.handoff.conversation_id, r.why, r.offer, r.handoff.position)
            for r in released] == [("conv-2", AGENT_LOGOUT, BACK_IN_QUEUE, 1),
                                   ("conv-1", AGENT_LOGOUT, BACK_IN_QUEUE, 2)]
    assert [actor for actor, _ in audit("handoff_requeued")] == ["agent:alice"] * 2
    assert release_agent(desk, "alice", now=at(now, 2)) == []


def test_a_logout_with_no_one_else_available_offers_a_ticket(db, now):
    add(db, "alice", now)
    enqueue(db, "conv-1", None, "human_request", "normal", now=now)
    take(db, "conv-1", "alice", now=now)
    # alice herself does not count, even before she is marked offline
    [released] = release_agent(db, "alice", now=at(now, 1))
    assert released.offer == OFFER_TICKET_OR_WAIT and released.handoff.status == "closed"


# --- a player who is gone, a chat that closes, a ticket, the bot answering again ---------------

def test_a_player_whose_widget_is_gone_for_the_grace_has_left(desk, now):
    enqueue(desk, "conv-rest", None, "human_request", "normal", now=now)  # never on a socket
    assert touch_players(desk, ["conv-1", "conv-rest", "conv-none"], at(now, 10)) == 2
    touch_players(desk, ["conv-rest"], at(now, 100))
    agents.heartbeat(desk, ["alice", "bob"], at(now, 130))
    assert sweep(desk, at(now, 10 + GRACE), GRACE) == []
    [left] = sweep(desk, at(now, 11 + GRACE), GRACE)
    assert (left.handoff.conversation_id, left.why, left.offer, left.previous_agent) == (
        "conv-1", PLAYER_LEFT, NOTHING, "alice")
    assert current_handoff(desk, "conv-1") is None
    assert current_handoff(desk, "conv-rest").status == "waiting"


def test_a_rest_player_is_never_taken_for_gone(db, now):
    add(db, "alice", now)
    enqueue(db, "conv-rest", None, "human_request", "normal", now=now)
    agents.heartbeat(db, ["alice"], at(now, 3600))
    assert sweep(db, at(now, 3600), GRACE) == []


def test_when_the_chat_closes_waiting_players_are_offered_a_ticket_active_ones_go_on(desk, now):
    enqueue(desk, "conv-waiting", None, "human_request", "normal", now=now)
    agents.heartbeat(desk, ["alice", "bob"], at(now, 60))
    [closed] = sweep(desk, at(now, 60), GRACE, chat_is_open=False)
    assert (closed.handoff.conversation_id, closed.why, closed.offer) == (
        "conv-waiting", CHAT_CLOSED, OFFER_TICKET)
    assert current_handoff(desk, "conv-1").status == "active"


def test_end_closes_the_open_entry_without_an_agent(db, now):
    assert end(db, "conv-1", TICKET, now=now) is None
    opened = enqueue(db, "conv-1", None, "human_request", "normal", now=now)
    assert end(db, "conv-1", BOT_RESUMED, now=now, handoff_id=opened.handoff_id + 1) is None
    ended = end(db, "conv-1", TICKET, now=at(now, 5))
    assert (ended.status, ended.agent, ended.closed_at) == ("closed", None, at(now, 5))
    assert current_handoff(db, "conv-1") is None
    [(actor, details)] = audit("handoff_closed")
    assert actor == "bot" and details["why"] == TICKET and details["previous_status"] == "waiting"


def test_pause_state_reads_rasa_events():
    assert pause_state([]) == PauseState(False, None)
    events = [{"event": "user", "timestamp": 1.0}, {"event": "pause", "timestamp": 100.0}]
    state = pause_state(events)
    assert state.paused and state.paused_at.timestamp() == 100.0
    for resume in ("resume", "restart", "session_started"):
        later = pause_state(events + [{"event": resume, "timestamp": 200.0}])
        assert not later.paused and later.paused_at.timestamp() == 100.0


def test_the_bot_resumed_only_after_a_pause_for_this_handoff(db, now):
    handoff = enqueue(db, "conv-1", None, "human_request", "normal", now=now)
    paused_then_resumed = PauseState(False, at(now, 1))
    assert bot_resumed(handoff, paused_then_resumed)
    assert not bot_resumed(handoff, PauseState(True, at(now, 1)))  # still paused
    assert not bot_resumed(handoff, PauseState(False, None))  # pause not saved yet
    assert not bot_resumed(handoff, PauseState(False, at(now, -5)))  # an older handoff's


# --- replies, and who is announced ------------------------------------------------------------

def test_only_the_holder_may_reply_and_the_reply_is_remembered(desk, now):
    enqueue(desk, "conv-2", None, "human_request", "normal", now=now)
    with pytest.raises(NotTaken):
        record_reply(desk, "conv-2", "alice", now=now)
    with pytest.raises(HandoffConflict):
        record_reply(desk, "conv-1", "bob", now=now)
    with pytest.raises(NoOpenHandoff):
        record_reply(desk, "nowhere", "alice", now=now)
    assert current_handoff(desk, "conv-1").agent_replied is False
    assert record_reply(desk, "conv-1", "alice", now=at(now, 5)).agent_replied is True
    assert close(desk, "conv-1", "alice", now=at(now, 9)).agent_replied is True


def test_an_agent_who_never_spoke_ends_without_being_announced(desk, now):
    assert close(desk, "conv-1", "alice", now=at(now, 9)).agent_replied is False
    enqueue(desk, "conv-2", None, "human_request", "normal", now=now)
    assert hand_back(desk, "conv-2", "bob", now=at(now, 9)).agent_replied is False


def test_the_next_agent_has_not_spoken_when_a_conversation_comes_back(desk, now):
    record_reply(desk, "conv-1", "alice", now=now)
    agents.heartbeat(desk, ["bob"], at(now, 130))
    sweep(desk, at(now, 130), GRACE)
    assert take(desk, "conv-1", "bob", now=at(now, 131)).agent_replied is False


# --- supervisors ------------------------------------------------------------------------------

def test_a_supervisor_takes_over_a_conversation_another_agent_holds(desk, now):
    add(desk, "sam", now, supervisor=True)
    record_reply(desk, "conv-1", "alice", now=now)
    with pytest.raises(HandoffConflict):  # not without asking for it
        take(desk, "conv-1", "sam", now=at(now, 1))
    with pytest.raises(NotSupervisor):
        take(desk, "conv-1", "bob", now=at(now, 1), takeover=True)
    taken = take(desk, "conv-1", "sam", now=at(now, 2), takeover=True)
    assert (taken.status, taken.agent, taken.agent_replied, taken.taken_at) == (
        "active", "sam", False, now)
    [(actor, details)] = audit("handoff_taken_over")
    assert actor == "agent:sam" and details["previous_agent"] == "alice"
    with pytest.raises(HandoffConflict):
        record_reply(desk, "conv-1", "alice", now=at(now, 3))
    enqueue(desk, "conv-2", None, "human_request", "normal", now=now)
    assert take(desk, "conv-2", "sam", now=at(now, 3), takeover=True).agent == "sam"


# --- the invariants ----------------------------------------------------------------------------

def test_queue_problems_finds_what_is_untrue_and_the_sweep_fixes_it(desk, now):
    assert queue_problems(desk, now, GRACE) == []
    enqueue(desk, "conv-2", None, "human_request", "normal", now=now)
    touch_players(desk, ["conv-2"], now)
    later = at(now, 130)
    agents.heartbeat(desk, ["bob"], later)
    problems = queue_problems(desk, later, GRACE)
    assert len(problems) == 2
    assert "conv-1 (active): held by agent 'alice', who is offline" in problems
    assert any(p.startswith("conv-2 (waiting): the player left") for p in problems)
    sweep(desk, later, GRACE)
    assert queue_problems(desk, later, GRACE) == []


def test_queue_problems_with_the_trackers_pause_state(desk, now):
    states = {"conv-1": PauseState(True, now)}
    assert queue_problems(desk, now, GRACE, pause_of=states.get) == []
    states["conv-1"] = PauseState(False, now)
    [problem] = queue_problems(desk, now, GRACE, pause_of=states.get)
    assert "not paused" in problem
    assert len(queue_problems(desk, now, GRACE, pause_of={}.get)) == 1  # unknown conversation


def test_queue_problems_finds_duplicates_and_bad_rows(db, now):
    with session_scope() as session:
        for minute in (0, 1):
            session.add(Handoff(conversation_id="dup", priority="normal", status="waiting",
                                created_at=at(now, minute).replace(tzinfo=None)))
        session.add(Handoff(conversation_id="nobody", priority="normal", status="active",
                            created_at=now.replace(tzinfo=None)))
        session.add(Handoff(conversation_id="named", priority="normal", status="waiting",
                            agent="alice", created_at=now.replace(tzinfo=None)))
    problems = queue_problems(db, now, GRACE)
    assert "dup: 2 open queue entries" in problems
    assert "nobody (active): active without an agent" in problems
    assert "named (waiting): waiting, yet agent 'alice' is named" in problems


# --- an older database --------------------------------------------------------------------------

def test_an_older_database_gets_the_new_columns(tmp_path, now):
    path = tmp_path / "old.db"
    with sqlite3.connect(path) as old:  # handoffs and agents before this change
        old.execute("CREATE TABLE agents (id INTEGER PRIMARY KEY, name VARCHAR(64) UNIQUE NOT "
                    "NULL, password_hash VARCHAR(128) NOT NULL, created_at DATETIME NOT NULL, "
                    "active BOOLEAN NOT NULL, last_seen_at DATETIME)")
        old.execute("INSERT INTO agents VALUES (1, 'alice', 'x', '2026-01-01 00:00:00', 1, NULL)")
        old.execute("CREATE TABLE handoffs (id INTEGER PRIMARY KEY, conversation_id VARCHAR(128) "
                    "NOT NULL, player_id VARCHAR(32), reason VARCHAR(255), priority VARCHAR(16) "
                    "NOT NULL, status VARCHAR(16) NOT NULL, agent VARCHAR(64), created_at "
                    "DATETIME NOT NULL, taken_at DATETIME, closed_at DATETIME)")
        old.execute("INSERT INTO handoffs VALUES (1, 'conv-old', NULL, 'human_request', "
                    "'normal', 'waiting', NULL, '2026-01-01 00:00:00', NULL, NULL)")
    database = get_database(f"sqlite:///{path}")
    assert agents.get_agent(database, "alice").supervisor is False
    old_entry = current_handoff(database, "conv-old")
    assert old_entry.agent_replied is False and old_entry.player_seen_at is None
    database.dispose()


def test_cli_agent_add_supervisor(capsys, db, monkeypatch):
    import io
    import sys

    from casino_support.cli import main

    monkeypatch.setattr(sys, "stdin", io.StringIO(PASSWORD + "\n"))
    assert main(["agent", "add", "sam", "--password-stdin", "--supervisor"]) == 0
    assert "Supervisor 'sam' created." in capsys.readouterr().out
    monkeypatch.setattr(sys, "stdin", io.StringIO(PASSWORD + "\n"))
    assert main(["agent", "add", "alice", "--password-stdin"]) == 0
    assert "Agent 'alice' created." in capsys.readouterr().out
    assert agents.is_supervisor(db, "sam") and not agents.is_supervisor(db, "alice")


# --- what the desk tells the player (casino_connector.agent_api) --------------------------------

def test_what_the_player_is_told_after_a_release(db, now):
    from casino_connector.agent_api import WAIT_BUTTON, released_message, tick_seconds
    from casino_support.handoffs import Released
    from casino_support.wording import TICKET_BUTTON

    first = enqueue(db, "conv-1", None, "human_request", "normal", now=now)
    third = enqueue(db, "conv-3", None, "human_request", "normal", now=now)
    third = dataclasses.replace(third, position=3)

    def told(handoff, why, offer):
        return released_message(Released(handoff, why, "alice", offer))

    text, buttons, bot_answers = told(first, AGENT_OFFLINE, BACK_IN_QUEUE)
    assert "de nouveau en tête de la file d'attente" in text and not buttons and not bot_answers
    text, _, _ = told(third, AGENT_OFFLINE, BACK_IN_QUEUE)
    assert "en position 3, avant les demandes arrivées après la vôtre" in text
    text, buttons, bot_answers = told(first, AGENT_LOGOUT, OFFER_TICKET_OR_WAIT)
    assert "aucun autre conseiller n'est disponible" in text and bot_answers
    assert buttons == [TICKET_BUTTON, WAIT_BUTTON]
    text, buttons, _ = told(first, AGENT_OFFLINE, OFFER_TICKET)
    assert "maintenant fermé" in text and "déconnecté" in text and buttons == [TICKET_BUTTON]
    text, buttons, _ = told(first, CHAT_CLOSED, OFFER_TICKET)
    assert "déconnecté" not in text and buttons == [TICKET_BUTTON]
    text, buttons, bot_answers = told(first, PLAYER_LEFT, NOTHING)
    assert "quitté" in text and not buttons and bot_answers
    assert tick_seconds() == 5  # 120 s grace: every 5 s
