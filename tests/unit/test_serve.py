"""Rasa's HTTP API only with a token; in production, only with a strong one."""
import sys

import pytest

from casino_support.identity import InsecureConfiguration
from scripts.serve import DEMO_API_TOKEN, api_token, rasa_command

STRONG = "api-token-for-the-unit-tests-0123456789abcdef"


@pytest.fixture(autouse=True)
def no_token(monkeypatch):
    monkeypatch.delenv("RASA_API_TOKEN", raising=False)


def test_without_a_token_the_api_stays_off(monkeypatch):
    assert api_token() is None
    assert rasa_command("run", "--port", "5005")[1:] == ["run", "--port", "5005"]
    assert "--enable-api" not in rasa_command("run")


def test_with_a_token_rasa_runs_with_the_api_and_the_token_is_not_on_the_command_line(
        monkeypatch):
    monkeypatch.setenv("RASA_API_TOKEN", STRONG)
    assert api_token() == STRONG
    command = rasa_command("run", "--port", "5005")
    assert command == [sys.executable, "-m", "scripts.rasa_api", "run", "--port", "5005"]
    assert STRONG not in " ".join(command)
    # the action server and the shell have no HTTP API
    assert rasa_command("run", "actions")[1:] == ["run", "actions"]
    assert rasa_command("shell")[1:] == ["shell"]


@pytest.mark.parametrize("token", [None, DEMO_API_TOKEN, "short-token"])
def test_production_refuses_a_missing_demo_or_short_token(monkeypatch, token):
    monkeypatch.setenv("SUPPORT_ENV", "production")
    if token:
        monkeypatch.setenv("RASA_API_TOKEN", token)
    with pytest.raises(InsecureConfiguration, match="RASA_API_TOKEN"):
        api_token()


def test_production_accepts_a_strong_token(monkeypatch):
    monkeypatch.setenv("SUPPORT_ENV", "production")
    monkeypatch.setenv("RASA_API_TOKEN", STRONG)
    assert api_token() == STRONG
