"""Agent login tokens and presence (casino_support.agents)."""
from datetime import timedelta

import jwt
import pytest

from casino_support.agents import (
    DEMO_AGENT_SECRET,
    InvalidAgentToken,
    UnknownAgent,
    agent_from_token,
    create_agent,
    get_agent,
    issue_agent_token,
    login_agent,
    mark_offline,
    mark_online,
    online_agents,
    online_count,
    verify_agent_token,
)
from casino_support.database import session_scope
from casino_support.identity import InsecureConfiguration, issue_player_token
from casino_support.models import Agent

SECRET = "agent-test-secret-long-enough-0123456789abcdef"
PASSWORD = "correct horse battery"


@pytest.fixture(autouse=True)
def no_agent_secret(monkeypatch):
    monkeypatch.delenv("SUPPORT_AGENT_SECRET", raising=False)


def add_agent(db, name, now, active=True):
    create_agent(db, name, PASSWORD, now=now, rounds=4)
    if not active:
        with session_scope() as session:
            session.query(Agent).filter(Agent.name == name).update({"active": False})


# --- tokens ----------------------------------------------------------------------------

def test_a_token_names_the_agent():
    token = issue_agent_token("alice", secret=SECRET)  # verified against the real clock
    assert verify_agent_token(token, secret=SECRET) == "alice"
    claims = jwt.decode(token, SECRET, algorithms=["HS256"], options={"verify_exp": False})
    assert claims["sub"] == "alice" and claims["role"] == "agent"
    assert claims["exp"] - claims["iat"] == 8 * 3600


def test_the_secret_comes_from_the_environment(monkeypatch):
    monkeypatch.setenv("SUPPORT_AGENT_SECRET", SECRET)
    token = issue_agent_token("alice")
    assert verify_agent_token(token) == "alice"
    assert verify_agent_token(token, secret=SECRET) == "alice"
    with pytest.raises(InvalidAgentToken):
        verify_agent_token(issue_agent_token("alice", secret="another-secret-" * 3))


def test_demo_secret_in_development_with_a_warning(caplog, monkeypatch):
    from casino_support import identity
    monkeypatch.setattr(identity, "_demo_secret_warnings", set())
    with caplog.at_level("WARNING"):
        token = issue_agent_token("alice")
    assert verify_agent_token(token) == "alice"
    assert "SUPPORT_AGENT_SECRET" in caplog.text
    assert jwt.decode(token, DEMO_AGENT_SECRET, algorithms=["HS256"])["sub"] == "alice"


def test_an_expired_token_is_refused(now):
    token = issue_agent_token("alice", ttl_seconds=60, secret=SECRET,
                              now=now - timedelta(hours=1))
    with pytest.raises(InvalidAgentToken) as caught:
        verify_agent_token(token, secret=SECRET)
    assert caught.value.reason == "expired"


def test_a_token_without_exp_is_refused():
    token = jwt.encode({"sub": "alice", "role": "agent"}, SECRET, algorithm="HS256")
    with pytest.raises(InvalidAgentToken):
        verify_agent_token(token, secret=SECRET)


def test_a_wrong_secret_is_refused(now):
    token = issue_agent_token("alice", secret="someone-else-secret-0123456789abcdef")
    with pytest.raises(InvalidAgentToken) as caught:
        verify_agent_token(token, secret=SECRET)
    assert caught.value.reason == "bad_signature"


def test_a_player_token_never_passes_as_an_agent_token(monkeypatch):
    # Signed by the website (player secret): wrong signature.
    monkeypatch.setenv("PLAYER_JWT_SECRET", "website-player-secret-0123456789abcdef")
    monkeypatch.setenv("SUPPORT_AGENT_SECRET", SECRET)
    with pytest.raises(InvalidAgentToken):
        verify_agent_token(issue_player_token("alice"))
    # Even signed with the agent secret, a player token has no agent role.
    with pytest.raises(InvalidAgentToken) as caught:
        verify_agent_token(issue_player_token("alice", secret=SECRET))
    assert caught.value.reason == "not_an_agent"
    wrong_role = jwt.encode({"sub": "alice", "role": "player", "exp": 4102444800},
                            SECRET, algorithm="HS256")
    with pytest.raises(InvalidAgentToken) as caught:
        verify_agent_token(wrong_role)
    assert caught.value.reason == "not_an_agent"


def test_agent_secret_must_differ_from_the_player_secret(monkeypatch):
    monkeypatch.setenv("PLAYER_JWT_SECRET", SECRET)
    monkeypatch.setenv("SUPPORT_AGENT_SECRET", SECRET)
    with pytest.raises(InsecureConfiguration):
        issue_agent_token("alice")
    with pytest.raises(InsecureConfiguration):
        verify_agent_token("a.b.c")


@pytest.mark.parametrize("token", [
    None, "", b"", "   ", 42, 3.5, [], {"sub": "alice"}, object(), b"\xff\xfe",
    "not-a-token", "a.b.c", "x" * 10000, "a.b", "é.é.é",
    jwt.encode({"sub": "alice", "role": "agent", "exp": 4102444800}, SECRET * 2,
               algorithm="HS512"),
    jwt.encode({"sub": "bad name!", "role": "agent", "exp": 4102444800}, SECRET,
               algorithm="HS256"),
    jwt.encode({"sub": 12, "role": "agent", "exp": 4102444800}, SECRET, algorithm="HS256"),
    jwt.encode({"role": "agent", "exp": 4102444800}, SECRET, algorithm="HS256"),
    "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJzdWIiOiJhbGljZSIsInJvbGUiOiJhZ2VudCIsImV4cCI6NDEwMjQ0NDgwMH0.",
])
def test_garbage_is_an_invalid_agent_token(token):
    with pytest.raises(InvalidAgentToken):
        verify_agent_token(token, secret=SECRET)


def test_bearer_prefix_and_bytes_are_accepted():
    token = issue_agent_token("alice", secret=SECRET)
    assert verify_agent_token(f"Bearer {token}", secret=SECRET) == "alice"
    assert verify_agent_token(token.encode(), secret=SECRET) == "alice"


@pytest.mark.parametrize("name, ttl", [("bad name", 60), ("", 60), ("alice", 0),
                                       ("alice", -5), ("alice", True)])
def test_issue_refuses_bad_input(name, ttl):
    with pytest.raises(ValueError):
        issue_agent_token(name, ttl_seconds=ttl, secret=SECRET)


def test_production_refuses_the_demo_or_a_short_secret(monkeypatch):
    monkeypatch.setenv("SUPPORT_ENV", "production")
    with pytest.raises(InsecureConfiguration):
        issue_agent_token("alice")
    with pytest.raises(InsecureConfiguration):
        verify_agent_token("a.b.c")
    monkeypatch.setenv("SUPPORT_AGENT_SECRET", DEMO_AGENT_SECRET)
    with pytest.raises(InsecureConfiguration):
        issue_agent_token("alice")
    monkeypatch.setenv("SUPPORT_AGENT_SECRET", "short-secret")
    with pytest.raises(InsecureConfiguration):
        issue_agent_token("alice")
    monkeypatch.setenv("SUPPORT_AGENT_SECRET", SECRET)
    assert verify_agent_token(issue_agent_token("alice")) == "alice"


def test_agent_from_token_checks_the_account(db, now):
    add_agent(db, "alice", now)
    add_agent(db, "gone", now, active=False)
    assert agent_from_token(db, issue_agent_token("alice", secret=SECRET),
                            secret=SECRET).name == "alice"
    for name in ("gone", "nobody"):
        with pytest.raises(InvalidAgentToken) as caught:
            agent_from_token(db, issue_agent_token(name, secret=SECRET), secret=SECRET)
        assert caught.value.reason == "inactive"


def test_login_gives_a_token_and_marks_online(db, now):
    add_agent(db, "alice", now)
    assert login_agent(db, "alice", "wrong password", now=now, secret=SECRET) is None
    assert login_agent(db, "nobody", PASSWORD, now=now, secret=SECRET) is None
    assert online_count(db, now=now) == 0
    token = login_agent(db, "alice", PASSWORD, secret=SECRET)  # real clock
    assert verify_agent_token(token, secret=SECRET) == "alice"
    assert online_agents(db) == ["alice"]


# --- presence --------------------------------------------------------------------------

def test_presence_window(db, now):
    for name in ("alice", "bob", "carol"):
        add_agent(db, name, now)
    assert online_agents(db, now=now) == [] and online_count(db, now=now) == 0
    mark_online(db, "bob", now=now)
    mark_online(db, "alice", now=now - timedelta(seconds=90))
    assert online_agents(db, now=now) == ["alice", "bob"]
    assert online_count(db, now=now) == 2
    assert online_agents(db, now=now + timedelta(seconds=31)) == ["bob"]  # alice: 121 s
    assert online_agents(db, now=now + timedelta(seconds=120)) == ["bob"]  # edge: 120 s
    assert online_agents(db, now=now + timedelta(seconds=121)) == []
    assert online_count(db, now=now + timedelta(seconds=121), window_seconds=300) == 2
    assert get_agent(db, "bob").last_seen_at == now


def test_heartbeats_keep_an_agent_online_and_logout_ends_it(db, now):
    add_agent(db, "alice", now)
    for seconds in range(0, 600, 30):
        mark_online(db, "alice", now=now + timedelta(seconds=seconds))
    assert online_agents(db, now=now + timedelta(seconds=650)) == ["alice"]
    assert mark_offline(db, "alice") is True
    assert online_agents(db, now=now + timedelta(seconds=650)) == []
    assert get_agent(db, "alice").last_seen_at is None
    assert mark_offline(db, "nobody") is False


def test_unknown_or_disabled_agents_are_never_online(db, now):
    add_agent(db, "gone", now, active=False)
    with pytest.raises(UnknownAgent):
        mark_online(db, "nobody", now=now)
    with pytest.raises(UnknownAgent):
        mark_online(db, "gone", now=now)
    with session_scope() as session:  # seen, then disabled
        session.query(Agent).filter(Agent.name == "gone").update(
            {"last_seen_at": now.replace(tzinfo=None)})
    assert online_agents(db, now=now) == []


def test_presence_inside_a_caller_session(db, now):
    add_agent(db, "alice", now)
    with db.session_scope() as session:
        mark_online(session, "alice", now=now)
        assert online_agents(session, now=now) == ["alice"]
    assert online_count(db, now=now) == 1
