"""How many messages a conversation and a client address may send (docs/security.md).

In-process token buckets: a limit of N per minute lets a burst of N messages through,
then one every 60/N seconds. Each Rasa server process keeps its own counts (with several
replicas behind sticky sessions, a conversation stays on one; an address may spread).

Environment (read once, when the channels start):

``SUPPORT_RATE_PER_CONVERSATION``
    Messages per minute of one conversation (default 30; 0 = no limit).
``SUPPORT_RATE_PER_ADDRESS``
    Messages per minute from one client address, all its conversations together
    (default 300; 0 = no limit). Behind a reverse proxy, set the next one, or every
    player shares the proxy's address.
``SUPPORT_TRUSTED_PROXIES``
    Comma list of addresses or networks (``127.0.0.1``, ``10.0.0.0/8``) of the reverse
    proxies in front of the server. Only when the peer is one of them is the
    ``X-Forwarded-For`` header read: the client is the right-most address in it that is
    not a trusted proxy. Unset: the header is ignored (anyone can write it).
"""
from __future__ import annotations

import ipaddress
import os
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Callable, List, Optional, Sequence, Tuple, Union

DEFAULT_PER_CONVERSATION = 30
DEFAULT_PER_ADDRESS = 300
MAX_KEY_CHARS = 128

Network = Union[ipaddress.IPv4Network, ipaddress.IPv6Network]


class TokenBuckets:
    """At most ``per_minute`` events per key and minute, bursts of ``per_minute``.

    ``per_minute`` 0 switches the limit off. At most ``max_keys`` keys are remembered
    (the least recently used are forgotten: they start again with a full bucket).
    """

    def __init__(self, per_minute: int, max_keys: int = 100_000,
                 clock: Callable[[], float] = time.monotonic):
        if per_minute < 0:
            raise ValueError("a rate limit cannot be negative")
        self.per_minute, self.max_keys, self.clock = per_minute, max_keys, clock
        self._buckets: "OrderedDict[str, Tuple[float, float]]" = OrderedDict()

    @property
    def enabled(self) -> bool:
        return self.per_minute > 0

    def _tokens(self, key: str, now: float) -> float:
        tokens, last = self._buckets.get(key, (float(self.per_minute), now))
        return min(float(self.per_minute), tokens + (now - last) * self.per_minute / 60.0)

    def wait_seconds(self, key: str, now: Optional[float] = None) -> float:
        """0 when ``key`` may send now, else the seconds until it may."""
        if not self.enabled:
            return 0.0
        now = self.clock() if now is None else now
        tokens = self._tokens(key, now)
        return 0.0 if tokens >= 1 else (1 - tokens) * 60.0 / self.per_minute

    def take(self, key: str, now: Optional[float] = None) -> None:
        """Count one event of ``key`` (call after ``wait_seconds`` said 0)."""
        if not self.enabled:
            return
        now = self.clock() if now is None else now
        self._buckets[key] = (self._tokens(key, now) - 1, now)
        self._buckets.move_to_end(key)
        while len(self._buckets) > self.max_keys:
            self._buckets.popitem(last=False)


@dataclass
class MessageLimits:
    """The per-conversation and per-address limits of the chat channels."""

    per_conversation: TokenBuckets
    per_address: TokenBuckets
    trusted_proxies: Sequence[Network] = ()

    @classmethod
    def from_env(cls, clock: Callable[[], float] = time.monotonic) -> "MessageLimits":
        return cls(TokenBuckets(_rate("SUPPORT_RATE_PER_CONVERSATION",
                                      DEFAULT_PER_CONVERSATION), clock=clock),
                   TokenBuckets(_rate("SUPPORT_RATE_PER_ADDRESS", DEFAULT_PER_ADDRESS),
                                clock=clock),
                   trusted_networks(os.environ.get("SUPPORT_TRUSTED_PROXIES", "")))

    def attempt(self, conversation_id: str, address: str) -> float:
        """0 and the message is counted, or the seconds to wait (nothing counted)."""
        conversation_key = "c:" + conversation_id[:MAX_KEY_CHARS]
        address_key = "a:" + (address or "unknown")[:MAX_KEY_CHARS]
        wait = max(self.per_conversation.wait_seconds(conversation_key),
                   self.per_address.wait_seconds(address_key))
        if wait == 0:
            self.per_conversation.take(conversation_key)
            self.per_address.take(address_key)
        return wait

    def client_address(self, peer: Optional[str], forwarded_for: Optional[str]) -> str:
        return client_address(peer, forwarded_for, self.trusted_proxies)


def _rate(variable: str, default: int) -> int:
    raw = os.environ.get(variable, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ValueError(f"{variable}={raw!r}: a number of messages per minute "
                         "expected (0 = no limit)") from None
    if value < 0:
        raise ValueError(f"{variable}={raw!r}: cannot be negative (0 = no limit)")
    return value


def trusted_networks(raw: str) -> List[Network]:
    """The networks of a comma list of addresses and CIDR networks (ValueError if bad)."""
    networks = []
    for item in (part.strip() for part in raw.split(",")):
        if item:
            try:
                networks.append(ipaddress.ip_network(item, strict=False))
            except ValueError:
                raise ValueError(f"SUPPORT_TRUSTED_PROXIES: {item!r} is not an address "
                                 "or a network") from None
    return networks


def _is_trusted(address: str, trusted: Sequence[Network]) -> bool:
    try:
        ip = ipaddress.ip_address(address.strip("[]"))
    except ValueError:
        return False
    return any(ip in network for network in trusted)


def client_address(peer: Optional[str], forwarded_for: Optional[str],
                   trusted: Sequence[Network]) -> str:
    """The client's address: the peer, unless the peer is a trusted proxy; then the
    right-most address of ``X-Forwarded-For`` that is not a trusted proxy."""
    address = (peer or "").strip() or "unknown"
    hops = [hop.strip() for hop in (forwarded_for or "").split(",") if hop.strip()]
    while hops and _is_trusted(address, trusted):
        address = hops.pop()
    return address[:MAX_KEY_CHARS]
