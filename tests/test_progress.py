"""Step notifications: every step of an analysis, in order, to whoever watches."""

from __future__ import annotations

import pytest

from influence import progress
from influence.analysis import FINISH_STEPS, run_analysis
from influence.metrics import METRIC_STEPS, compute_metrics
from influence.progress import step, step_plan, watch_steps


def test_every_step_of_an_analysis_in_order(toy_community):
    seen = []
    with watch_steps(lambda name, k, n: seen.append((name, k, n))):
        analysis = run_analysis(toy_community)
    names = METRIC_STEPS + FINISH_STEPS
    assert seen == [(name, k, 9) for k, name in enumerate(names, start=1)]
    assert names[3] == "reputation" and len(analysis.users) == len(toy_community.user_ids)


def test_the_metrics_alone_have_their_own_plan(toy_community):
    seen = []
    with watch_steps(lambda name, k, n: seen.append((k, n))):
        compute_metrics(toy_community)
        compute_metrics(toy_community)  # twice: the count starts again
    assert seen == [(k, 7) for k in range(1, 8)] * 2


def test_nobody_watching_costs_nothing(toy_community, monkeypatch):
    class Recording:  # stands for the plan's ContextVar: records every use
        def __init__(self):
            self.uses = []

        def __getattr__(self, name):
            self.uses.append(name)
            raise AssertionError(f"the plan was used ({name}) with nobody watching")

    plan = Recording()
    monkeypatch.setattr(progress, "_STEP_PLAN", plan)
    run_analysis(toy_community)
    step("not a step")  # not even checked
    assert plan.uses == []


def test_a_step_outside_the_plan_is_a_bug():
    with watch_steps(lambda *_: None), step_plan(("a", "b")):
        with pytest.raises(ValueError, match="'c' is not one of the planned steps"):
            step("c")


def test_a_plan_that_is_not_part_of_the_current_one_takes_over():
    seen = []
    with watch_steps(lambda name, k, n: seen.append(f"{k}/{n} {name}")):
        with step_plan(("read", "score")):
            step("read")
            with step_plan(("score", "rank")):  # "rank" is not in the outer plan
                step("score")
                step("rank")
            step("score")  # the outer plan is back
    assert seen == ["1/2 read", "1/2 score", "2/2 rank", "2/2 score"]
