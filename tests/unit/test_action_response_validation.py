"""The action server's answers are validated as Rasa does, with a validator built once."""
import pytest
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction

import casino_connector  # noqa: F401  (installs the validator, as the Rasa server does)
from casino_connector import action_response_validation

VALID = [
    {"events": [], "responses": []},
    {"events": [{"event": "slot", "name": "email", "value": "joueur@example.fr"},
                {"event": "followup", "name": "action_listen"}],
     "responses": [{"text": "Votre ticket est enregistré.", "buttons": []}]},
    {"events": [{"event": "pause"}], "responses": [{"text": "Un conseiller arrive."}]},
]
INVALID = [
    {"events": "pas une liste", "responses": []},
    {"events": [{"event": "slot", "name": 3}], "responses": []},
    {"events": [], "responses": ["pas un objet"]},
    {"events": [{"event": "no_such_event"}], "responses": []},
    {"responses": [{"text": "sans événements"}], "events": [{"name": "email"}]},
]


@pytest.fixture
def action():
    return RemoteAction("action_cancel_bonus", None)


def test_importing_the_connector_installs_it():
    assert RemoteAction._validate_action_result is action_response_validation.validate_action_result


@pytest.mark.parametrize("result", VALID)
def test_valid_answers_pass_as_with_rasa(action, result):
    assert action._validate_action_result(result) is True
    assert action_response_validation._ORIGINAL(action, result) is True


@pytest.mark.parametrize("result", INVALID)
def test_invalid_answers_fail_as_with_rasa(action, result):
    with pytest.raises(ValidationError) as ours:
        action._validate_action_result(result)
    with pytest.raises(ValidationError) as rasas:
        action_response_validation._ORIGINAL(action, result)
    assert ours.value.message == rasas.value.message
    assert "Failed to validate Action server response" in ours.value.message


def test_the_validator_is_built_once():
    assert action_response_validation.response_validator() is action_response_validation.response_validator()
