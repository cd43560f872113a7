"""Work run side by side in threads: order, errors, settings, and the same results as alone."""

from __future__ import annotations

import contextvars
import threading
import time
from pathlib import Path

import pandas as pd
import pytest

from influence import _parallel
from influence._parallel import THREADS_VARIABLE, cores, run_together
from influence.errors import InfluenceError
from influence.graph import community_codes
from influence.metrics import compute_metrics
from influence.sources import read

SETTING = contextvars.ContextVar("setting", default="unset")
DATASETS = Path(__file__).resolve().parent.parent / "datasets"


@pytest.fixture(params=["1", "2", "4"])
def threads(request, monkeypatch):
    monkeypatch.setenv(THREADS_VARIABLE, request.param)
    return int(request.param)


def test_results_come_in_task_order_whatever_order_they_finish(threads):
    def after(seconds, value):
        return lambda: (time.sleep(seconds), value)[1]

    tasks = [after(0.05, "slow"), after(0.0, "fast"), after(0.02, "middle")]
    assert run_together(tasks) == ["slow", "fast", "middle"]


def test_waiting_is_told_every_task_in_order_from_the_calling_thread(threads):
    told = []
    caller = threading.get_ident()
    run_together(
        [lambda: 1, lambda: 2, lambda: 3],
        waiting=lambda k: told.append((k, threading.get_ident() == caller)),
    )
    assert told == [(0, True), (1, True), (2, True)]


def test_tasks_run_side_by_side_when_threads_are_allowed(monkeypatch):
    monkeypatch.setenv(THREADS_VARIABLE, "2")
    both = threading.Barrier(2, timeout=10)  # breaks (raises) unless two tasks meet
    assert run_together([both.wait, both.wait]) in ([0, 1], [1, 0])


def test_one_thread_runs_every_task_in_the_calling_thread_in_order(monkeypatch):
    monkeypatch.setenv(THREADS_VARIABLE, "1")
    seen = []
    tasks = [lambda k=k: seen.append((k, threading.current_thread().name)) for k in range(3)]
    run_together(tasks)
    assert seen == [(k, threading.current_thread().name) for k in range(3)]


def test_the_first_failing_task_in_task_order_gives_the_error(threads):
    def fail(message, seconds=0.0):
        def task():
            time.sleep(seconds)
            raise ValueError(message)

        return task

    # the second task fails later than the third: its error is still the one raised
    with pytest.raises(ValueError, match=r"^second$"):
        run_together([lambda: 1, fail("second", 0.05), fail("third")])


def test_every_task_has_run_when_the_error_is_raised(threads):
    ran = []

    def fail():
        raise RuntimeError("first")

    def later(k):
        return lambda: (time.sleep(0.01), ran.append(k))

    with pytest.raises(RuntimeError, match="first"):
        run_together([later(0), fail, *[later(k) for k in range(2, 6)]])
    if threads > 1:  # side by side, every task runs whatever fails
        assert sorted(ran) == [0, 2, 3, 4, 5]
    else:  # alone, in order: the error stops the run as a loop would
        assert ran == [0]


def test_no_thread_outlives_the_call(threads):
    before = threading.active_count()
    run_together([lambda: 1, lambda: 2, lambda: 3])
    assert threading.active_count() == before


def test_tasks_see_the_callers_context(threads):
    token = SETTING.set("from the caller")
    try:
        assert run_together([SETTING.get, SETTING.get]) == ["from the caller"] * 2
    finally:
        SETTING.reset(token)


def test_threads_setting_must_be_a_positive_integer(monkeypatch):
    for bad in ("0", "-1", "two", "1.5"):
        monkeypatch.setenv(THREADS_VARIABLE, bad)
        with pytest.raises(
            InfluenceError, match=rf"^INFLUENCE_THREADS must be a positive integer \(got '{bad}'\)$"
        ):
            cores()
    monkeypatch.setenv(THREADS_VARIABLE, " 3 ")
    assert cores() == 3
    monkeypatch.delenv(THREADS_VARIABLE)
    assert cores() >= 1


def test_never_more_threads_than_tasks(monkeypatch):
    monkeypatch.setenv(THREADS_VARIABLE, "8")
    made = []
    real = _parallel.ThreadPoolExecutor

    def recording(max_workers, **kwargs):
        made.append(max_workers)
        return real(max_workers=max_workers, **kwargs)

    monkeypatch.setattr(_parallel, "ThreadPoolExecutor", recording)
    run_together([lambda: 1, lambda: 2, lambda: 3])
    assert made == [3]


def test_a_cached_array_is_computed_once_when_many_threads_ask(toy_community):
    codes = community_codes(toy_community)
    calls = []

    def compute():
        calls.append(1)
        time.sleep(0.05)  # long enough for every thread to ask while it runs
        return len(calls)

    start = threading.Barrier(6, timeout=10)

    def ask():
        start.wait()
        return codes.cached(("test", "once"), compute)

    threads_ = [threading.Thread(target=ask) for _ in range(6)]
    for thread in threads_:
        thread.start()
    for thread in threads_:
        thread.join()
    assert calls == [1] and codes.cached(("test", "once"), compute) == 1


@pytest.mark.parametrize(
    "dump", ["datasets/stackexchange-cardano-2021", "datasets/stackexchange-conlang-meta-2020"]
)
def test_metrics_on_threads_equal_the_metrics_in_one_thread(dump, monkeypatch):
    tables = {}
    for setting in ("1", "2"):
        monkeypatch.setenv(THREADS_VARIABLE, setting)
        community = read(dump, sentiment=False)  # a new community: nothing cached
        tables[setting] = compute_metrics(community)
    pd.testing.assert_frame_equal(tables["1"], tables["2"], check_exact=True)


def test_a_bad_threads_setting_is_one_line_from_the_command_line(monkeypatch):
    from click.testing import CliRunner

    from influence.cli import main

    monkeypatch.setenv(THREADS_VARIABLE, "two")
    result = CliRunner().invoke(
        main, ["analyze", str(DATASETS / "stackexchange-conlang-meta-2020"), "--out", "x", "-q"]
    )
    assert result.exit_code == 1
    assert result.output.strip().splitlines()[-1] == (
        "Error: INFLUENCE_THREADS must be a positive integer (got 'two')"
    )
