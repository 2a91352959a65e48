"""Backoff: full jitter, doubling to a cap, reset after a healthy period, retry_after honoured."""

from __future__ import annotations

import random

from informer import Backoff


def test_caps_double_up_to_the_maximum_with_full_jitter() -> None:
    b = Backoff(rng=random.Random(1))
    caps = []
    for i in range(10):
        before = b.current
        delay = b.failure(float(i))
        assert 0.0 <= delay <= before
        caps.append(before)
    assert caps[:6] == [0.8, 1.6, 3.2, 6.4, 12.8, 25.6]
    assert caps[6:] == [30.0] * 4


def test_jitter_spreads_delays() -> None:
    delays = [Backoff(rng=random.Random(seed)).failure(0.0) for seed in range(50)]
    assert min(delays) < 0.2 and max(delays) > 0.6  # spread over [0, 0.8], not one fixed value


def test_resets_after_two_healthy_minutes() -> None:
    b = Backoff(rng=random.Random(2))
    for i in range(5):
        b.failure(float(i))
    assert b.current > 10
    b.success(100.0)  # not yet two minutes since the last failure
    assert b.current > 10
    b.success(4.0 + 120.0)
    assert b.current == 0.8
    # a failure long after the previous one also starts from the beginning
    for i in range(5):
        b.failure(200.0 + i)
    b.failure(1000.0)
    assert b.current == 1.6


def test_retry_after_is_a_floor() -> None:
    b = Backoff(rng=random.Random(3))
    assert b.failure(0.0, retry_after=7.0) == 7.0
