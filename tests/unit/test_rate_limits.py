"""Per-conversation and per-address message limits; the client address behind proxies."""
import pytest

from casino_support.rate_limits import (
    DEFAULT_PER_ADDRESS, DEFAULT_PER_CONVERSATION, MessageLimits, TokenBuckets,
    client_address, trusted_networks)


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(autouse=True)
def no_rate_settings(monkeypatch):
    for name in ("SUPPORT_RATE_PER_CONVERSATION", "SUPPORT_RATE_PER_ADDRESS",
                 "SUPPORT_TRUSTED_PROXIES"):
        monkeypatch.delenv(name, raising=False)


def send(buckets: TokenBuckets, key: str, count: int) -> int:
    """How many of ``count`` immediate events pass."""
    passed = 0
    for _ in range(count):
        if buckets.wait_seconds(key) == 0:
            buckets.take(key)
            passed += 1
    return passed


def test_a_burst_of_the_limit_passes_then_one_every_60_over_n_seconds():
    clock = Clock()
    buckets = TokenBuckets(6, clock=clock)
    assert send(buckets, "k", 10) == 6
    assert buckets.wait_seconds("k") == pytest.approx(10.0)
    clock.now += 9.9
    assert send(buckets, "k", 1) == 0
    clock.now += 0.2
    assert send(buckets, "k", 3) == 1
    clock.now += 3600
    assert send(buckets, "k", 10) == 6  # refilled up to the burst, not beyond


def test_keys_are_independent_and_zero_means_no_limit():
    buckets = TokenBuckets(2, clock=Clock())
    assert send(buckets, "a", 3) == 2 and send(buckets, "b", 3) == 2
    assert send(TokenBuckets(0, clock=Clock()), "a", 10_000) == 10_000


def test_forgotten_keys_start_again_full():
    buckets = TokenBuckets(1, max_keys=2, clock=Clock())
    for key in ("a", "b", "c"):
        assert send(buckets, key, 2) == 1
    assert send(buckets, "a", 1) == 1  # "a" was the oldest: forgotten
    assert send(buckets, "c", 1) == 0


def test_limits_count_a_message_against_its_conversation_and_its_address():
    clock = Clock()
    limits = MessageLimits(TokenBuckets(3, clock=clock), TokenBuckets(5, clock=clock))
    assert [limits.attempt("conv-1", "203.0.113.7") for _ in range(3)] == [0, 0, 0]
    assert limits.attempt("conv-1", "203.0.113.7") == pytest.approx(20.0)
    assert limits.attempt("conv-2", "203.0.113.7") == 0
    assert limits.attempt("conv-3", "203.0.113.7") == 0
    assert limits.attempt("conv-4", "203.0.113.7") > 0  # the address used its 5
    # the refused message was not counted: conv-4 still has its 3, from other addresses
    assert [limits.attempt("conv-4", f"192.0.2.{i}") for i in range(4)] == [0, 0, 0, 20.0]


def test_defaults_and_environment(monkeypatch):
    limits = MessageLimits.from_env()
    assert limits.per_conversation.per_minute == DEFAULT_PER_CONVERSATION == 30
    assert limits.per_address.per_minute == DEFAULT_PER_ADDRESS == 300
    assert limits.trusted_proxies == []
    monkeypatch.setenv("SUPPORT_RATE_PER_CONVERSATION", "5")
    monkeypatch.setenv("SUPPORT_RATE_PER_ADDRESS", "0")
    monkeypatch.setenv("SUPPORT_TRUSTED_PROXIES", "127.0.0.1, 10.0.0.0/8")
    limits = MessageLimits.from_env()
    assert limits.per_conversation.per_minute == 5 and not limits.per_address.enabled
    assert [str(n) for n in limits.trusted_proxies] == ["127.0.0.1/32", "10.0.0.0/8"]


@pytest.mark.parametrize("variable, value", [
    ("SUPPORT_RATE_PER_CONVERSATION", "beaucoup"), ("SUPPORT_RATE_PER_ADDRESS", "-1"),
    ("SUPPORT_TRUSTED_PROXIES", "nginx"),
])
def test_a_bad_setting_is_refused_at_start(monkeypatch, variable, value):
    monkeypatch.setenv(variable, value)
    with pytest.raises(ValueError, match=variable):
        MessageLimits.from_env()


def test_without_trusted_proxies_the_forwarded_header_is_ignored():
    assert client_address("203.0.113.7", "198.51.100.1", []) == "203.0.113.7"
    assert client_address("127.0.0.1", "198.51.100.1", []) == "127.0.0.1"
    assert client_address(None, None, []) == "unknown"


def test_behind_a_trusted_proxy_the_client_is_the_rightmost_untrusted_address():
    trusted = trusted_networks("127.0.0.1,10.0.0.0/8")
    # nginx appends the address it saw; what the client wrote comes before it
    assert client_address("127.0.0.1", "6.6.6.6, 203.0.113.7", trusted) == "203.0.113.7"
    assert client_address("127.0.0.1", "203.0.113.7, 10.1.2.3", trusted) == "203.0.113.7"
    assert client_address("127.0.0.1", "", trusted) == "127.0.0.1"
    # a peer that is not a trusted proxy cannot choose its address
    assert client_address("203.0.113.9", "198.51.100.1", trusted) == "203.0.113.9"
    assert client_address("::1", "198.51.100.1", trusted_networks("::1")) == "198.51.100.1"
