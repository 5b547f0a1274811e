"""``PlanCache``: codecs' plans are compiled once and never seen half-built by another
thread (a gateway's first requests arrive together)."""

from __future__ import annotations

import threading
import time

import pytest

from ec2query._model import PlanCache, compile_structure

TABLES = {
    "Node": (("Name", "string", "Name", "name"), ("Child", "Node", "Child", "child")),
}


def test_concurrent_first_uses_see_a_complete_plan_or_wait_for_it() -> None:
    shape = compile_structure("Node", TABLES)
    calls = []

    def fill(structure, plan) -> None:
        calls.append(threading.get_ident())
        plan["first"] = 1
        time.sleep(0.05)  # another thread arriving now must not get {"first": 1}
        plan["second"] = 2

    seen = []
    barrier = threading.Barrier(8)
    plans = PlanCache(dict, fill)

    def use() -> None:
        barrier.wait()
        seen.append(dict(plans.get(shape)))

    threads = [threading.Thread(target=use) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert seen == [{"first": 1, "second": 2}] * 8
    assert len(calls) == 1


def test_a_recursive_shape_gets_its_unfinished_plan_while_it_is_filled() -> None:
    shape = compile_structure("Node", TABLES)
    child = shape.by_name["Child"].shape
    assert child is shape  # the table is recursive

    def fill(structure, plan) -> None:
        plan["self"] = plans.get(structure.by_name["Child"].shape)

    plans = PlanCache(dict, fill)
    plan = plans.get(shape)
    assert plan["self"] is plan
    assert plans.get(shape) is plan


def test_a_failed_fill_publishes_nothing() -> None:
    shape = compile_structure("Node", TABLES)

    def fill(structure, plan) -> None:
        plan["partial"] = True
        raise ValueError("no")

    failing = PlanCache(dict, fill)
    with pytest.raises(ValueError, match="no"):
        failing.get(shape)
    calls = []
    failing._fill = lambda s, p: (calls.append(s), p.update(ok=True))
    assert failing.get(shape) == {"ok": True}  # built anew: the partial plan was not kept
    assert calls == [shape]
