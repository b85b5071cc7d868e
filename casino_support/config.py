"""The operator's configuration, read from support.yml (env SUPPORT_CONFIG overrides)."""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, List, Optional

import yaml

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CONFIG_PATH = PROJECT_ROOT / "support.yml"
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


class ConfigError(ValueError):
    """support.yml is missing a key or holds a value of the wrong shape."""


@dataclass(frozen=True)
class PaymentMethod:
    key: str
    label: str
    deposit: bool
    withdraw: bool
    deposit_delay: Optional[str] = None
    withdraw_delay: Optional[str] = None
    fee: float = 0


@dataclass(frozen=True)
class SupportConfig:
    raw: Dict[str, Any] = field(repr=False)

    # --- the operator -------------------------------------------------------
    @property
    def operator(self) -> Dict[str, Any]:
        return self.raw["operator"]

    @property
    def operator_name(self) -> str:
        return self.operator["name"]

    @property
    def timezone(self) -> str:
        return self.raw["timezone"]

    @property
    def hours(self) -> Dict[str, List[str]]:
        return self.raw["hours"]

    @property
    def holidays(self):
        return self.raw.get("holidays", False)

    @property
    def channels(self) -> Dict[str, Dict[str, Any]]:
        return self.raw.get("channels", {})

    @property
    def currency(self) -> str:
        return self.raw.get("currency", "EUR")

    # --- money --------------------------------------------------------------
    @property
    def payment_methods(self) -> Dict[str, PaymentMethod]:
        return {
            key: PaymentMethod(key=key, **values)
            for key, values in self.raw["payment_methods"].items()
        }

    @property
    def limits(self) -> Dict[str, float]:
        return self.raw["limits"]

    @property
    def withdrawals(self) -> Dict[str, Any]:
        return self.raw["withdrawals"]

    @property
    def late_after_days(self) -> int:
        return int(self.withdrawals["late_after_days"])

    @property
    def verification(self) -> Dict[str, Any]:
        return self.raw["verification"]

    @property
    def account_security(self) -> Dict[str, Any]:
        return self.raw["account_security"]

    @property
    def bonuses(self) -> Dict[str, Any]:
        return self.raw["bonuses"]

    @property
    def tickets(self) -> Dict[str, Any]:
        return self.raw.get("tickets", {})

    @property
    def personal_data(self) -> Dict[str, Any]:
        """support.yml ``personal_data`` (retention periods: casino_support.personal_data)."""
        return self.raw.get("personal_data") or {}

    # --- responsible gambling ----------------------------------------------
    @property
    def responsible_gambling(self) -> Dict[str, Any]:
        return self.raw["responsible_gambling"]

    def helpline(self, country: Optional[str] = None) -> Dict[str, str]:
        lines = self.responsible_gambling["helplines"]
        default = self.responsible_gambling.get("default_helpline", "FR")
        return lines.get((country or default).upper(), lines[default])


REQUIRED_KEYS = ("operator", "timezone", "hours", "holidays", "channels", "payment_methods",
                 "limits", "withdrawals", "verification", "account_security", "bonuses",
                 "responsible_gambling")


def validate(raw: Dict[str, Any]) -> None:
    missing = [key for key in REQUIRED_KEYS if key not in raw]
    if missing:
        raise ConfigError(f"support.yml: missing keys {', '.join(missing)}")
    for day in WEEKDAYS:
        span = raw["hours"].get(day)
        if span is None:
            raise ConfigError(f"support.yml: hours.{day} is missing ([] means closed)")
        if span and (len(span) != 2 or not all(isinstance(t, str) for t in span)):
            raise ConfigError(f"support.yml: hours.{day} must be [\"HH:MM\", \"HH:MM\"] or []")
    if "FR" not in {k.upper() for k in raw["responsible_gambling"].get("helplines", {})}:
        raise ConfigError("support.yml: the French helpline (FR) is required")


def config_path() -> Path:
    return Path(os.environ.get("SUPPORT_CONFIG") or DEFAULT_CONFIG_PATH)


def load_config(path: Optional[Path] = None) -> SupportConfig:
    path = Path(path) if path else config_path()
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError as error:
        raise ConfigError(f"support configuration not found: {path}") from error
    if not isinstance(raw, dict):
        raise ConfigError(f"{path} is not a YAML mapping")
    validate(raw)
    return SupportConfig(raw=raw)


@lru_cache(maxsize=4)
def _cached(path: str, mtime: float) -> SupportConfig:
    return load_config(Path(path))


def current_config() -> SupportConfig:
    """The configuration, re-read when the file changes (operators edit it live)."""
    path = config_path()
    return _cached(str(path), path.stat().st_mtime)
