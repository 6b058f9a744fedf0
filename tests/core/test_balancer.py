"""Least-outstanding balancing over replicas, ejection and cool-down."""

from __future__ import annotations

import pytest

from vllm_sdk._balancer import Balancer, Replica


def test_balancer_ejects_and_readmits_after_cooldown() -> None:
    now = [0.0]
    a, b = Replica("a", "a"), Replica("b", "b")
    bal = Balancer([a, b], cooldown=5.0, clock=lambda: now[0])
    a.outstanding = 0
    first = bal.pick()
    assert isinstance(first, Replica)
    first.outstanding += 1
    second = bal.pick()
    assert second is not first  # least outstanding
    first.outstanding -= 1
    a.outstanding += 1
    bal.release(a, failed=True)
    assert a.is_ejected(now[0])
    assert all(bal.pick() is b for _ in range(5))
    b.ejected_until = 3.0  # both out: the wait is until the first comes back
    assert bal.pick() == 3.0
    now[0] = 5.5
    assert bal.pick() is a
    a.outstanding += 1
    bal.release(a, failed=True)  # second ejection doubles the cool-down
    assert a.ejected_until == pytest.approx(15.5)
    a.outstanding += 1
    bal.release(a, failed=False)
    assert a.ejections == 0


def test_single_replica_is_never_ejected() -> None:
    a = Replica("a", "a")
    bal = Balancer([a])
    for _ in range(5):
        a.outstanding += 1
        bal.release(a, failed=True)
    assert bal.pick() is a
