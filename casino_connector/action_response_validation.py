"""Validate the action server's answers with a validator built once, not once per action.

Rasa 3.6 checks every answer of the action server (``RemoteAction._validate_action_result``)
with ``jsonschema.validate(result, schema)``. That call first checks the schema itself
against the JSON Schema meta-schema, then builds a new validator: about 17 ms of CPU for
each custom action on this machine, a third of the Rasa server's CPU per turn of this bot
(py-spy profile, see the README's load benchmark). The schema never changes, so the
validator is built and checked once; the answer is validated exactly as before, against
the same schema, and an invalid answer raises the same ``ValidationError`` with Rasa's
own message.

``install()`` runs when the Rasa server loads the project's channels (``casino_connector``
is imported through ``credentials.yml``).
"""
from __future__ import annotations

from functools import lru_cache
from typing import Any, Dict, Text

from jsonschema import ValidationError, validators
from rasa.core.actions.action import RemoteAction
from rasa.shared.constants import DOCS_BASE_URL

_ORIGINAL = RemoteAction._validate_action_result


@lru_cache(maxsize=1)
def response_validator() -> Any:
    """The validator of ``RemoteAction.action_response_format_spec()``, schema checked once."""
    schema = RemoteAction.action_response_format_spec()
    validator_class = validators.validator_for(schema)
    validator_class.check_schema(schema)
    return validator_class(schema)


def validate_action_result(self: RemoteAction, result: Dict[Text, Any]) -> bool:
    """Same contract as Rasa's ``_validate_action_result``: True or ``ValidationError``."""
    try:
        response_validator().validate(result)
        return True
    except ValidationError as error:
        error.message += (
            f". Failed to validate Action server response from API, "
            f"make sure your response from the Action endpoint is valid. "
            f"For more information about the format visit "
            f"{DOCS_BASE_URL}/custom-actions"
        )
        raise error


def install() -> None:
    RemoteAction._validate_action_result = validate_action_result


def uninstall() -> None:
    RemoteAction._validate_action_result = _ORIGINAL
