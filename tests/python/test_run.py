"""tabrl.run against `tabrl run`: the same curve to the last bit, for every algorithm of the
registry, the same status and message, the same errors."""

import concurrent.futures
import decimal
import os
import re
import threading

import numpy as np
import pandas as pd
import pytest

import tabrl
from helpers import read_curve_csv, write_toml_mdp

DEFAULT_VALUES = {"number": "0.1", "integer": "2", "boolean": "false", "list of numbers": "[0.5]"}


def cli_run(cli, tmp_path, mdp, algo, step, iterations, *options):
    """`tabrl run`'s curve (a DataFrame), status, iteration and message, or its error text."""
    out = tmp_path / "curve.csv"
    arguments = ["run", "--mdp", mdp, "--algo", algo, "--iterations", iterations, "--out", out]
    if step is not None:
        arguments += ["--step-size", step]
    done = cli(*arguments, *options, check=False)
    if done.returncode == 2:
        return None, done.stderr
    status = re.search(r"^tabrl run: (\w+) at iteration (\d+):", done.stderr, re.M)
    message = [line[len("tabrl run: "):] for line in done.stderr.splitlines()[1:]
               if line.startswith("tabrl run: ")]
    return read_curve_csv(out.read_text()), (status.group(1), int(status.group(2)),
                                             message[0] if message else "")


def assert_same_run(cli, tmp_path, mdp, algo, step, iterations, cli_options=(), **options):
    expected, outcome = cli_run(cli, tmp_path, mdp, algo, step, iterations, *cli_options)
    if expected is None:  # refused: the same message as a ValueError
        with pytest.raises(ValueError) as error:
            tabrl.run(mdp, algo=algo, step_size=step, iterations=iterations, **options)
        assert str(error.value) in outcome
        return None
    result = tabrl.run(mdp, algo=algo, step_size=step, iterations=iterations, **options)
    assert list(result.curve.columns) == list(expected.columns)
    assert result.curve["iteration"].dtype == np.int64
    pd.testing.assert_frame_equal(result.curve, expected, check_exact=True)
    assert (result.status, result.iterations, result.message) == outcome
    return result


def registry_spec(entry):
    """The algorithm's spec with a value for each required parameter."""
    required = [f"{p['name']}={p['choices'][0] if p['choices'] else DEFAULT_VALUES[p['type']]}"
                for p in entry["parameters"] if p["default"] is None]
    return entry["name"] + (f"({','.join(required)})" if required else "")


@pytest.mark.parametrize("entry", tabrl.algorithms(), ids=lambda entry: entry["name"])
def test_every_algorithm_equals_the_cli(cli, tmp_path, entry):
    step = 0.05 if entry["takes_step_size"] else None
    for mdp in ("five_by_five", "bandit(means=[0.2,0.5,0.9])"):
        assert_same_run(cli, tmp_path, mdp, registry_spec(entry), step, 60)


def test_step_rules_records_tolerances_and_inits(cli, tmp_path):
    assert_same_run(cli, tmp_path, "bandit(means=[0.2,0.5,0.9])", "spma", "gap", 8)
    assert_same_run(cli, tmp_path, "cliff_world", "spma", "safe", 200, ["--record", "log"],
                    record="log")
    assert_same_run(cli, tmp_path, "five_by_five", "spma", 0.099, 3000, ["--tolerance", "1e-6",
                    "--record", "7"], tolerance=1e-6, record=7)
    assert_same_run(cli, tmp_path, "cliff_world", "npg(schedule=geometric)", 0.5, 40,
                    ["--init", "random(seed=3,scale=2)"], init="random(seed=3,scale=2)")
    assert_same_run(cli, tmp_path, "five_by_five", "spg", "theory", 50,
                    ["--init", "adversarial(scale=5)"], init="adversarial(scale=5)")
    assert_same_run(cli, tmp_path, "frozen_lake", "spma(clip=true)", 3, 30)


def test_a_run_that_breaks_down_has_the_cli_status_and_message(cli, tmp_path):
    result = assert_same_run(cli, tmp_path, "cliff_world", "spma", 5, 100)
    assert result.status == "step_invalid" and "steps must stay below" in result.message


def test_unstable_inner_steps_are_counted_and_said(cli, tmp_path):
    """smdpo's inner steps at alpha = 10 and eta = 1e-300 jump far past L_t's maximum: the curve
    counts the states (inner_lost), the summary's message and tabrl run's warning say so."""
    spec = "smdpo(inner_steps=5,inner_step_size=10)"
    expected, outcome = cli_run(cli, tmp_path, "cliff_world", spec, 1e-300, 3)
    result = tabrl.run("cliff_world", algo=spec, step_size=1e-300, iterations=3)
    pd.testing.assert_frame_equal(result.curve, expected, check_exact=True)
    assert result.curve["inner_lost"].iloc[0] > 0
    lost = int(result.curve["inner_lost"].sum())
    note = f"the inner steps ended below their start on L_t in {lost} state updates"
    assert note in result.summary["message"]
    assert outcome[0] == "max_iterations" and outcome[2].startswith("warning: " + note)


def test_an_mdp_from_arrays_runs_as_its_file(cli, tmp_path):
    rng = np.random.default_rng(11)
    P = rng.random((6, 3, 6)) ** 4
    P /= P.sum(axis=2, keepdims=True)
    r = rng.normal(size=(6, 3))
    rho = np.full(6, 1 / 6)
    path = write_toml_mdp(tmp_path / "model.toml", P, r, 0.95, rho)
    expected, outcome = cli_run(cli, tmp_path, path, "spma", 0.02, 500)
    result = tabrl.run(tabrl.Mdp.from_arrays(P, r, 0.95, rho), "spma", step_size=0.02,
                       iterations=500)
    pd.testing.assert_frame_equal(result.curve, expected, check_exact=True)


def test_logits_as_an_array_equal_a_logit_file(cli, tmp_path):
    mdp = tabrl.Mdp.load("garnet(states=8,actions=3,branching=2,seed=4)")
    logits = np.random.default_rng(2).normal(size=(8, 3))
    path = tmp_path / "logits.csv"
    path.write_text("state,action,logit\n" + "".join(
        f"{s},{a},{logits[s, a]!r}\n" for s in range(8) for a in range(3)))
    expected, _ = cli_run(cli, tmp_path, "garnet(states=8,actions=3,branching=2,seed=4)", "npg",
                          0.3, 30, "--init", path)
    for init in (logits, path, str(path)):
        result = tabrl.run(mdp, "npg", step_size=0.3, iterations=30, init=init)
        pd.testing.assert_frame_equal(result.curve, expected, check_exact=True)
    with pytest.raises(ValueError, match=r"init: expected .* shape \(8, 3\)"):
        tabrl.run(mdp, "npg", step_size=0.3, iterations=3, init=logits.T)
    # Arrays of logits and features take the dtypes the MDP's arrays take, no others.
    for bad in (logits + 1j, logits > 0, logits.astype(object)):
        with pytest.raises(TypeError, match=r"^init: expected a float64 array"):
            tabrl.run(mdp, "npg", step_size=0.3, iterations=3, init=bad)
    with pytest.raises(TypeError, match=r"^features: expected a float64 array .* got dtype object$"):
        tabrl.run(mdp, "npg", step_size=0.3, iterations=3, features=np.eye(24).astype(object))
    with pytest.raises(ValueError, match=r"^init: not an array: "):
        tabrl.run(mdp, "npg", step_size=0.3, iterations=3, init=[[0.0, 1.0], [2.0]])


def test_result_fields():
    mdp = tabrl.Mdp.load("five_by_five")
    result = tabrl.run(mdp, step_size=0.099, iterations=400)
    assert result.status == "max_iterations" and result.iterations == 400
    assert len(result.curve) == 401 and result.theta is None
    assert result.policy.shape == (5, 5) and np.allclose(result.policy.sum(axis=1), 1)
    np.testing.assert_allclose(np.exp(result.logits) / np.exp(result.logits).sum(axis=1)[:, None],
                               result.policy, rtol=1e-12)
    summary = result.summary
    assert summary["status"] == "max_iterations" and summary["theory_bound"] == "spma_contraction"
    assert summary["bound_held"] is True and summary["bound_checks"] > 0
    assert summary["convergence"] in ("linear", "inconclusive", "superlinear")
    assert 0 < summary["rate"] < 1 and summary["iters_to_0.01"] is not None
    assert summary["final_suboptimality"] == result.curve["suboptimality"].iloc[-1]
    assert 0 < result.engine_seconds
    # Direct methods: the logits are the log-probabilities, -inf at zeros.
    names = [entry["name"] for entry in tabrl.algorithms()]
    for name in ("pi", "ppg", "pmd_euclidean"):
        if name not in names:
            continue
        run = tabrl.run(mdp, name, step_size=1.0 if name != "pi" else None, iterations=5)
        assert np.array_equal(np.isneginf(run.logits), run.policy == 0)
        np.testing.assert_allclose(np.exp(run.logits), run.policy, rtol=1e-15, atol=0)


def test_pi_and_vi_ignore_the_default_step():
    names = {entry["name"]: entry for entry in tabrl.algorithms()}
    for name in ("pi", "vi"):
        if name in names:
            assert tabrl.run("five_by_five", name, iterations=3).iterations <= 3


def test_bad_arguments(cli, tmp_path):
    mdp = tabrl.Mdp.load("five_by_five")
    with pytest.raises(ValueError, match=r"apg does not support features \(log-linear policies\)"):
        tabrl.run(mdp, "apg", features="one_hot")
    with pytest.raises(ValueError, match="features"):
        tabrl.run(mdp, features=np.zeros((3, 2)))
    _, error = cli_run(cli, tmp_path, "five_by_five", "spmx", 0.1, 10)
    with pytest.raises(ValueError) as raised:
        tabrl.run(mdp, "spmx")
    assert str(raised.value) in error and "did you mean 'spma'" in str(raised.value)
    for step, message in ((-1, "step"), ("fast", "step")):
        with pytest.raises(ValueError, match=message):
            tabrl.run(mdp, "spma", step_size=step)
    with pytest.raises(ValueError, match="iterations"):
        tabrl.run(mdp, iterations=-1)
    with pytest.raises(ValueError, match="record"):
        tabrl.run(mdp, record="sometimes")
    with pytest.raises(TypeError, match=r"^iterations: expected an integer, got float$"):
        tabrl.run(mdp, iterations=10.5)
    with pytest.raises(TypeError, match=r"^iterations: expected an integer, got bool$"):
        tabrl.run(mdp, iterations=True)
    with pytest.raises(ValueError, match=r"^iterations: 2147483648 is out of range"):
        tabrl.run(mdp, iterations=2**31)
    assert tabrl.run(mdp, step_size=0.1, iterations=np.int64(3)).iterations == 3
    assert tabrl.run(mdp, step_size=0.1, iterations=np.array(3)).iterations == 3
    assert tabrl.run(b"five_by_five", step_size=0.1, iterations=3,
                     tolerance=decimal.Decimal("1e-3")).iterations == 3
    for tolerance in ("1e-3", True, np.True_):
        with pytest.raises(TypeError, match=r"^tolerance: expected a number or None"):
            tabrl.run(mdp, iterations=3, tolerance=tolerance)
    for solver in (None, b"dense"):
        with pytest.raises(TypeError, match=r"^solver: expected 'auto'"):
            tabrl.run(mdp, iterations=3, solver=solver)
    with pytest.raises(ValueError, match=r"^jobs: 1099511627776 is out of range"):
        tabrl.sweep(tmp_path / "none.toml", tmp_path / "out", jobs=2**40)
    with pytest.raises(TypeError, match="mdp: expected"):
        tabrl.run(42)


def test_runs_in_threads_share_an_mdp_and_equal_sequential_runs():
    mdp = tabrl.Mdp.load("garnet(states=60,actions=4,branching=3,seed=9)")
    steps = [0.01, 0.02, 0.03, 0.04]
    sequential = [tabrl.run(mdp, "spma", step_size=step, iterations=300).curve for step in steps]
    with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
        threaded = list(pool.map(
            lambda step: tabrl.run(mdp, "spma", step_size=step, iterations=300).curve, steps))
    for one, other in zip(sequential, threaded):
        pd.testing.assert_frame_equal(one, other, check_exact=True)


def test_the_gil_is_released_while_the_engine_runs():
    mdp = tabrl.Mdp.load("garnet(states=200,actions=4,branching=3,seed=1)")
    worker = threading.Thread(target=tabrl.run, args=(mdp, "spma"),
                              kwargs={"step_size": 0.01, "iterations": 2000})
    worker.start()
    spins = 0
    while worker.is_alive():  # runs only while the engine does not hold the GIL
        spins += 1
    worker.join()
    # About 1.5 million spins a second here; with the GIL held, only the Python around the run
    # (under 5 ms, a few thousand spins).
    assert spins > 50_000, spins


def test_the_curve_frame_owns_its_memory_and_both_ways_of_making_it_agree():
    """The curve's arrays come from the engine's buffers without a copy, past the first block
    of 65,536 rows too (the block grows), and a tolerance stop leaves part of it unused."""
    from tabrl import _api, _tabrl

    mdp = tabrl.Mdp.load("five_by_five")
    for iterations, tolerance in ((70_000, None), (3000, 1e-6)):
        out = _tabrl._run(mdp, "spma", "0.099", iterations, tolerance, None, None, "all", "auto")
        arguments = (out["columns"], out["curve_iterations"], out["curve_values"])
        fast, plain = _api._frame_from_blocks(*arguments), _api._frame_from_columns(*arguments)
        pd.testing.assert_frame_equal(fast, plain, check_exact=True)
        assert list(fast["iteration"]) == list(range(len(fast)))
    curve = tabrl.run(mdp, "spma", step_size=0.099, iterations=2000).curve
    expected = curve.copy()
    del out, arguments, fast, plain
    import gc

    gc.collect()
    pd.testing.assert_frame_equal(curve, expected, check_exact=True)
    curve.loc[0, "objective"] = 0.0  # writable, and only this frame changes
    assert expected.loc[0, "objective"] != 0.0


def test_log_linear_runs_equal_the_cli(cli, tmp_path):
    """features= gives the run of `tabrl run --features` to the last bit, and theta."""
    rng = np.random.default_rng(3)
    mdp = tabrl.Mdp.load("five_by_five")
    S, A = mdp.states, mdp.actions
    X = rng.normal(size=(S * A, 6))
    path = tmp_path / "phi.csv"
    path.write_text("state,action," + ",".join(f"f{j}" for j in range(6)) + "\n" + "".join(
        f"{s},{a}," + ",".join(repr(float(v)) for v in X[s * A + a]) + "\n"
        for s in range(S) for a in range(A)))
    for algo in ("spma", "spma(inner_steps=5,inner_step_size=0.5)", "npg", "spg",
                 "mdpo(inner_steps=5,inner_step_size=0.5)"):
        for features in (str(path), X):
            run = assert_same_run(cli, tmp_path, "five_by_five", algo, 0.05, 20,
                                  ("--features", str(path)), features=features)
            assert run.theta.shape == (6,)
            np.testing.assert_allclose(run.logits, (X @ run.theta).reshape(S, A), rtol=0,
                                       atol=1e-12)
    one_hot = tabrl.run(mdp, "npg", 1.0, iterations=5, features="one_hot")
    tabular = tabrl.run(mdp, "npg", 1.0, iterations=5)
    np.testing.assert_allclose(one_hot.policy, tabular.policy, rtol=0, atol=1e-12)
    assert tabular.theta is None and one_hot.theta.shape == (S * A,)


def test_a_bad_simd_level_is_refused_at_import():
    """TABRL_SIMD (docs/cli.md) is read when the module is imported: a bad value is an
    ImportError naming the variable, and a good one is what the module reports."""
    import subprocess
    import sys
    environment = dict(os.environ, TABRL_SIMD="avx512")
    done = subprocess.run([sys.executable, "-c", "import tabrl"], env=environment,
                          capture_output=True, text=True)
    assert done.returncode != 0
    assert "ImportError: tabrl: TABRL_SIMD: unknown value 'avx512'" in done.stderr
    environment["TABRL_SIMD"] = "portable"
    done = subprocess.run([sys.executable, "-c", "import tabrl; print(tabrl._tabrl.simd_level)"],
                          env=environment, capture_output=True, text=True)
    assert done.stdout.strip() == "portable", done.stderr


def test_a_features_array_is_checked_as_a_feature_file():
    features = np.zeros((25, 2))
    features[:, 0] = 1e308  # finite, but its products overflow
    features[:, 1] = np.arange(25) % 3
    with pytest.raises(ValueError, match=r"features: an entry is beyond 1e\+100 in magnitude"):
        tabrl.run("five_by_five", "spg", 0.09, iterations=3, features=features)


def test_the_program_exiting_while_a_thread_runs_exits_with_its_status():
    # A daemon thread still in a run when the program exits: Python 3.11 ends such a thread by
    # unwinding its C++ frames when it takes the GIL back, which aborted the process (status 134).
    import subprocess
    import sys
    import textwrap
    program = textwrap.dedent("""
        import sys, threading, time
        import tabrl
        threading.Thread(target=lambda: tabrl.run("five_by_five", "spma", 0.09,
                         iterations=10**8, record=10**7), daemon=True).start()
        time.sleep(0.5)
        sys.exit(3)
    """)
    done = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 3, done.stderr
    # The thread that runs the finalization itself goes on (a __del__ that calls tabrl during
    # shutdown): it used to wait for ever.
    program = textwrap.dedent("""
        import tabrl
        class Late:
            def __init__(self, mdp):
                self.mdp = mdp
            def __del__(self):
                self.mdp.evaluate([[1.0]])
        late = Late(tabrl.Mdp.load("bandit(means=[0.5])"))
    """)
    done = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr


def test_initial_logits_of_the_wrong_shape_or_not_finite_name_init():
    with pytest.raises(ValueError, match=r"^init: every logit must be finite$"):
        tabrl.run("five_by_five", "spma", 0.1, iterations=2, init=np.full((5, 5), np.nan))
    with pytest.raises(ValueError, match=r"of shape \(5, 5\), got shape \(4, 5\)$"):
        tabrl.run("five_by_five", "spma", 0.1, iterations=2, init=np.zeros((4, 5)))
    with pytest.raises(ValueError, match=r"got shape \(3,\)$"):
        tabrl.run("five_by_five", "spma", 0.1, iterations=2, init=np.zeros(3))
