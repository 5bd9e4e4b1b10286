"""Work for the kernel's idle time: it waits for quiet, takes turns a call at a time, survives a
failing job, and in a real kernel prepares a control's layouts while the reader reads, but not
while cells run one after another (a headless run pays nothing for it)."""

import asyncio
import textwrap
import time
from types import SimpleNamespace

import pytest
from kernels import started_kernel

from transformer_lib.widgets import idle


@pytest.fixture
def quick_idle(monkeypatch):
    """`idle` on a plain asyncio loop (`asyncio.run`) standing in for the kernel's, with 50 ms of quiet."""
    monkeypatch.setattr(idle, "IDLE_SECONDS", 0.05)
    monkeypatch.setattr(idle, "_jobs", type(idle._jobs)())
    monkeypatch.setattr(idle, "_state", {**idle._state, "ticking": False, "cell_running": False, "cell": None})
    monkeypatch.setattr(idle, "_kernel_loop", asyncio.get_running_loop)


def test_outside_a_kernel_nothing_is_scheduled():
    assert idle.when_idle(lambda: False) is False


def test_jobs_wait_for_quiet_then_take_turns_until_done(quick_idle):
    asyncio.run(_jobs_wait_for_quiet_then_take_turns())


async def _jobs_wait_for_quiet_then_take_turns():
    calls = []

    def counting(name, times):
        def job():
            calls.append((name, time.monotonic()))
            return sum(1 for called, _ in calls if called == name) < times
        return job

    start = time.monotonic()
    assert idle.when_idle(counting("a", 3)) and idle.when_idle(counting("b", 2))
    await asyncio.sleep(0.02)
    assert calls == []  # not before 50 ms of quiet
    await asyncio.sleep(0.4)
    assert [name for name, _ in calls] == ["a", "b", "a", "b", "a"]
    assert calls[0][1] - start >= 0.05
    assert idle._state["ticking"] is False  # no job left: the loop is left alone


def test_a_busy_control_or_a_running_cell_holds_the_work_back(quick_idle):
    asyncio.run(_a_busy_control_or_a_running_cell_holds_the_work_back())


async def _a_busy_control_or_a_running_cell_holds_the_work_back():
    calls = []
    idle.when_idle(lambda: calls.append(time.monotonic()) or False)
    idle._cell_started()
    await asyncio.sleep(0.15)
    assert calls == []  # a cell is running
    idle._cell_ended()
    ended = time.monotonic()
    for _ in range(3):  # a reader moving a control every 30 ms
        await asyncio.sleep(0.03)
        idle.busy_now()
    assert calls == []
    await asyncio.sleep(0.2)
    assert len(calls) == 1 and calls[0] - ended >= 0.09 + 0.05


def test_a_failing_job_is_dropped_and_the_others_go_on(quick_idle):
    asyncio.run(_a_failing_job_is_dropped_and_the_others_go_on())


async def _a_failing_job_is_dropped_and_the_others_go_on():
    loop = asyncio.get_running_loop()
    errors = []
    loop.set_exception_handler(lambda _loop, context: errors.append(context["exception"]))
    calls = []

    def failing():
        raise RuntimeError("broken")

    idle.when_idle(failing)
    idle.when_idle(lambda: calls.append(1) or False)
    await asyncio.sleep(0.3)
    assert calls == [1] and [str(e) for e in errors] == ["broken"]


def test_a_cell_run_again_drops_the_jobs_its_earlier_run_scheduled(quick_idle):
    asyncio.run(_a_cell_run_again_drops_the_jobs_its_earlier_run_scheduled())


async def _a_cell_run_again_drops_the_jobs_its_earlier_run_scheduled():
    calls = []

    def run_cell(cell_id, name):
        idle._cell_started(SimpleNamespace(cell_id=cell_id))
        idle.when_idle(lambda: calls.append(name) or False)
        idle._cell_ended()

    run_cell("a", "first control of cell a")
    run_cell("b", "control of cell b")
    run_cell(None, "control of a cell the front end does not name")
    run_cell("a", "cell a's control after it ran again")
    await asyncio.sleep(0.3)
    assert calls == ["control of cell b", "control of a cell the front end does not name",
                     "cell a's control after it ran again"]
    idle._cell_started(SimpleNamespace(cell_id="c"))
    idle.when_idle(lambda: calls.append("cell c") or False)
    idle._cell_ended()
    idle._cell_started(SimpleNamespace(cell_id="c"))  # run again: its only job dropped, nothing left to tick for
    idle._cell_ended()
    await asyncio.sleep(0.3)
    assert calls[-1] != "cell c" and idle._state["ticking"] is False


def test_a_kernel_prepares_the_layouts_while_idle_and_not_between_cells_run_in_a_row():
    with started_kernel() as (_, client):
        def run(code: str) -> str:
            printed = []

            def hook(message):
                if message["msg_type"] in ("stream", "error"):
                    printed.append(message["content"].get("text", message["content"].get("evalue", "")))

            reply = client.execute_interactive(textwrap.dedent(code), timeout=120, output_hook=hook)
            assert reply["content"]["status"] == "ok", "".join(printed)
            return "".join(printed).strip()

        def run_in_cell(code: str, cell_id: str) -> None:
            """Run `code` as JupyterLab runs a cell, naming the cell in the request's metadata."""
            request = client.session.msg("execute_request", {"code": code, "silent": False, "store_history": True,
                                                              "user_expressions": {}, "allow_stdin": False,
                                                              "stop_on_error": True}, metadata={"cellId": cell_id})
            client.shell_channel.send(request)
            while True:
                reply = client.get_shell_msg(timeout=120)
                if reply["parent_header"].get("msg_id") == request["header"]["msg_id"]:
                    assert reply["content"]["status"] == "ok", reply["content"]
                    return

        run("""
            import matplotlib
            matplotlib.use("Agg")
            from transformer_lib.widgets.attention import multi_head_explorer
            in_a_row = multi_head_explorer()
            """)
        run_in_cell("replaced = multi_head_explorer()", "cell-x")
        run_in_cell("replacing = multi_head_explorer()", "cell-x")  # the same cell run again
        # The next cell at once, as a headless run sends it: nothing was prepared in between.
        assert run("print(in_a_row.layouts_kept())") == "1"
        run("read_slowly = multi_head_explorer()")
        kept, deadline = "1", time.monotonic() + 90
        while kept != "4" and time.monotonic() < deadline:  # a reader reading: the kernel idle between looks
            time.sleep(idle.IDLE_SECONDS + 1.5)
            kept = run("print(read_slowly.layouts_kept())")
        assert kept == "4", "the kernel did not prepare the 3 other layouts of the multi-head control while idle"
        assert run("print(in_a_row.layouts_kept(), read_slowly.prepare_layouts())") == "4 0"
        # The control of the cell's first run was replaced: its preparation was dropped, not the new one's.
        assert run("print(replaced.layouts_kept(), replacing.layouts_kept())") == "1 4"
