import base64
import json
import logging
from datetime import datetime, timedelta, timezone

import jwt
import pytest

from casino_support import identity
from casino_support.identity import (
    DEMO_PLAYER_JWT_SECRET, InsecureConfiguration, InvalidPlayerToken, dev_player_id,
    issue_player_token, player_jwt_secret, verify_player_token,
)

TEST_SECRET = "unit-test-secret-that-is-long-enough-0123456789"


def _b64(data: dict) -> str:
    raw = json.dumps(data).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _reason(token, secret=TEST_SECRET) -> str:
    with pytest.raises(InvalidPlayerToken) as caught:
        verify_player_token(token, secret=secret)
    return caught.value.reason


def test_issued_token_verifies_to_the_player_id():
    token = issue_player_token("P1003", secret=TEST_SECRET)
    assert verify_player_token(token, secret=TEST_SECRET) == "P1003"


def test_secret_comes_from_the_environment(monkeypatch):
    monkeypatch.setenv("PLAYER_JWT_SECRET", TEST_SECRET)
    token = jwt.encode({"sub": "P1001", "exp": datetime.now(timezone.utc) + timedelta(hours=1)},
                       TEST_SECRET, algorithm="HS256")
    assert verify_player_token(token) == "P1001"


def test_forged_token_signed_with_another_secret():
    forged = issue_player_token("P1003", secret="another-secret-of-sufficient-length-xyz")
    assert _reason(forged) == "bad_signature"


def test_tampered_payload_is_refused():
    header, _, signature = issue_player_token("P1003", secret=TEST_SECRET).split(".")
    exp = int((datetime.now(timezone.utc) + timedelta(hours=1)).timestamp())
    tampered = ".".join([header, _b64({"sub": "P1001", "exp": exp}), signature])
    assert _reason(tampered) == "bad_signature"


def test_expired_token():
    past = datetime.now(timezone.utc) - timedelta(hours=2)
    token = issue_player_token("P1003", ttl_seconds=3600, secret=TEST_SECRET, now=past)
    assert _reason(token) == "expired"


def test_token_without_exp_is_refused():
    token = jwt.encode({"sub": "P1003"}, TEST_SECRET, algorithm="HS256")
    assert _reason(token) == "malformed"


def test_token_without_sub_is_refused():
    exp = datetime.now(timezone.utc) + timedelta(hours=1)
    token = jwt.encode({"exp": exp}, TEST_SECRET, algorithm="HS256")
    assert _reason(token) == "malformed"


def test_none_algorithm_token_is_refused():
    exp = int((datetime.now(timezone.utc) + timedelta(hours=1)).timestamp())
    token = f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64({'sub': 'P1003', 'exp': exp})}."
    assert _reason(token) == "bad_signature"
    assert _reason(token + "c2lnbmF0dXJl") == "bad_signature"


@pytest.mark.filterwarnings("ignore:The HMAC key")
def test_other_algorithm_with_the_same_secret_is_refused():
    exp = datetime.now(timezone.utc) + timedelta(hours=1)
    token = jwt.encode({"sub": "P1003", "exp": exp}, TEST_SECRET, algorithm="HS512")
    assert _reason(token) == "bad_signature"


def test_sub_that_is_not_a_player_id_is_refused():
    exp = datetime.now(timezone.utc) + timedelta(hours=1)
    token = jwt.encode({"sub": "../../admin' OR 1=1", "exp": exp}, TEST_SECRET,
                       algorithm="HS256")
    assert _reason(token) == "malformed"


@pytest.mark.parametrize("garbage", [
    None, "", "   ", b"", 42, 3.14, [], {}, object(), b"\xff\xfe", "abc", "a.b.c",
    "a.b", "....", "x" * 1_000_000, "a." * 100_000, "é.é.é", "\x00.\x00.\x00",
    b"not.a.token", bytearray(b"x.y.z"), ["a.b.c"],
])
def test_garbage_raises_only_invalid_player_token(garbage):
    with pytest.raises(InvalidPlayerToken) as caught:
        verify_player_token(garbage, secret=TEST_SECRET)
    assert caught.value.reason in ("missing", "malformed", "bad_signature")


def test_issue_refuses_bad_input():
    with pytest.raises(ValueError):
        issue_player_token("", secret=TEST_SECRET)
    with pytest.raises(ValueError):
        issue_player_token("P1003", ttl_seconds=0, secret=TEST_SECRET)


def test_demo_secret_is_used_in_development_with_one_warning(monkeypatch, caplog):
    monkeypatch.setattr(identity, "_demo_secret_warnings", set())
    with caplog.at_level(logging.WARNING, logger="casino_support.identity"):
        token = issue_player_token("P1001")
        assert verify_player_token(token) == "P1001"
    assert player_jwt_secret() == DEMO_PLAYER_JWT_SECRET
    warnings = [r for r in caplog.records if "demo secret" in r.getMessage()]
    assert len(warnings) == 1


def test_production_refuses_the_demo_secret(monkeypatch):
    monkeypatch.setenv("SUPPORT_ENV", "production")
    with pytest.raises(InsecureConfiguration):
        verify_player_token("a.b.c")
    monkeypatch.setenv("PLAYER_JWT_SECRET", DEMO_PLAYER_JWT_SECRET)
    with pytest.raises(InsecureConfiguration):
        issue_player_token("P1001")


def test_production_refuses_a_short_secret(monkeypatch):
    monkeypatch.setenv("SUPPORT_ENV", "production")
    monkeypatch.setenv("PLAYER_JWT_SECRET", "short-secret")
    with pytest.raises(InsecureConfiguration):
        player_jwt_secret()


def test_production_accepts_a_strong_secret(monkeypatch):
    monkeypatch.setenv("SUPPORT_ENV", "production")
    monkeypatch.setenv("PLAYER_JWT_SECRET", TEST_SECRET)
    assert verify_player_token(issue_player_token("P1002")) == "P1002"


def test_dev_player_in_development(monkeypatch):
    assert dev_player_id() is None
    monkeypatch.setenv("SUPPORT_DEV_PLAYER", " P1003 ")
    assert dev_player_id() == "P1003"
    monkeypatch.setenv("SUPPORT_DEV_PLAYER", "not a player!")
    assert dev_player_id() is None


def test_dev_player_is_refused_in_production(monkeypatch):
    monkeypatch.setenv("SUPPORT_ENV", "production")
    assert dev_player_id() is None
    monkeypatch.setenv("SUPPORT_DEV_PLAYER", "P1003")
    with pytest.raises(InsecureConfiguration):
        dev_player_id()
