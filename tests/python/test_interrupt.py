"""Ctrl-C during a long run: a KeyboardInterrupt through the engine's cancel flag (docs/python.md,
"Ctrl-C"), soon, with the process fine afterwards; the module installs no signal handler."""

import os
import signal
import threading
import time

import pytest

import tabrl

LONG_MDP = "garnet(states=300,actions=4,branching=3,seed=1)"


def interrupt_after(seconds):
    timer = threading.Timer(seconds, os.kill, (os.getpid(), signal.SIGINT))
    timer.start()
    return timer


def test_ctrl_c_stops_a_long_run():
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    mdp = tabrl.Mdp.load(LONG_MDP)
    timer = interrupt_after(0.5)
    start = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        tabrl.run(mdp, "spma", step_size=0.01, iterations=2_000_000_000)
    waited = time.monotonic() - start
    timer.join()
    assert 0.4 < waited < 3, waited
    # Python's handler is still Python's, and the module works on.
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    result = tabrl.run(mdp, "spma", step_size=0.01, iterations=20)
    assert result.status == "max_iterations" and len(result.curve) == 21


# Policy iteration from the reward-greedy policy (back everywhere) switches one state to forward per
# sweep: N sweeps, each a dense LU of N states.
def long_solve(states):
    return tabrl.Mdp.load(f"chain(n={states},slip=0,back_reward=0.2,forward_reward=1000,"
                          "gamma=0.999)")


def test_ctrl_c_stops_a_long_optimal_solve():
    # The optimal solve before a run answers between policy-iteration sweeps: 1,000 sweeps of
    # 1,000 states take about 30 s uninterrupted.
    mdp = long_solve(1000)
    timer = interrupt_after(0.5)
    start = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        tabrl.run(mdp, "spma", step_size=1e-4, iterations=1, solver="dense")
    waited = time.monotonic() - start
    timer.join()
    assert 0.4 < waited < 5, waited
    # Mdp.solve() alike (automatic solver: dense up to 500 states). Its uninterrupted time sets
    # the scale: interrupted at a quarter of it, it ends long before half of it.
    mdp = long_solve(500)
    start = time.monotonic()
    mdp.solve()
    full = time.monotonic() - start
    timer = interrupt_after(full / 4)
    start = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        mdp.solve()
    waited = time.monotonic() - start
    timer.join()
    assert waited < full / 2, (waited, full)
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def interrupted_load(spec):
    """Loads `spec` whole, then again with a Ctrl-C at a quarter of that time: the second load
    must end with KeyboardInterrupt before half of it."""
    start = time.monotonic()
    tabrl.Mdp.load(spec)
    full = time.monotonic() - start
    timer = interrupt_after(full / 4)
    start = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        tabrl.Mdp.load(spec)
    waited = time.monotonic() - start
    timer.join()
    assert waited < full / 2, (waited, full)


def test_ctrl_c_stops_a_long_load(cli, tmp_path):
    # A Garnet's generation and a file's reading poll Python's handlers as they go (the state
    # loop, the file's lines); without that, Ctrl-C waited for the whole load.
    interrupted_load("garnet(states=1000000,actions=4,branching=5)")
    path = tmp_path / "big.csv"
    cli("mdp", "convert", "garnet(states=100000,actions=4,branching=5)", "--to", path)
    interrupted_load(str(path))
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    assert tabrl.Mdp.load(str(path)).states == 100000


def test_a_python_handler_that_does_not_raise_lets_the_run_finish():
    seen = []
    previous = signal.signal(signal.SIGINT, lambda number, frame: seen.append(number))
    try:
        timer = interrupt_after(0.05)
        result = tabrl.run(LONG_MDP, "spma", step_size=0.01, iterations=300)
        timer.join()
    finally:
        signal.signal(signal.SIGINT, previous)
    assert seen == [signal.SIGINT]
    assert result.status == "max_iterations"


def test_ctrl_c_stops_a_sweep_after_the_runs_in_progress(tmp_path):
    config = tmp_path / "long.toml"
    config.write_text('[sweep]\niterations = 300\nrecord = "log"\n'
                      f'[[mdp]]\nspec = "{LONG_MDP}"\n'
                      '[[algorithm]]\nname = "spma"\nstep_size = { logspace = [-3, -2, 40] }\n')
    timer = interrupt_after(0.5)
    with pytest.raises(KeyboardInterrupt):
        tabrl.sweep(config, tmp_path / "out", jobs=1)
    timer.join()
    with pytest.raises(ValueError, match="runs.csv"):
        tabrl.read_sweep(tmp_path / "out")
