#!/usr/bin/env python3
"""Independent NumPy implementation of log-linear policies (docs/theory.md, "Log-linear
policies"; docs/algorithms.md, "Log-linear policies"), compared with
`tabrl run --features FILE.csv` curve by curve on random Cassandra MDPs and random feature files.

The oracle is written from the docs only, not from the C++ sources, and solves differently:
the exact SPMA projection by Newton steps whose directions come from NumPy's SVD least squares
(np.linalg.lstsq on the weighted centred features) with plain halving, in the direct
(not the shifted) form of the objective; compatible NPG by the same lstsq.

Cases: exact spma, spma(inner_steps=5,inner_step_size=0.5), mdpo(inner_steps=5,
inner_step_size=0.5), npg and spg, on random MDPs (S in 3..7, A in 2..4) with random feature files
of several widths (k from 2 to S A + 1, states and actions by index or by name), plus one exact
spma case whose step makes 1 + eta A <= 0 (status step_invalid, exit 1, the rows so far kept) and
one-hot features against the tabular closed forms. Compared per row: objective, suboptimality,
value_error_inf at 1e-6 relative (absolute floor 1e-12 max(1, |J*|)), step_size at 1e-9, and
projection_error of spma and npg at 1e-5 relative with a floor of 1e-10; the row count, the status
and the exit code. Before that the oracle checks itself: finite differences of its gradients, the
one-hot SPMA projection against z + log1p(eta A), and its NPG against a closed form.

usage: loglinear_check.py PATH/TO/tabrl [--verbose]
"""
import argparse
import csv
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from independent_check import random_mdp, write_cassandra  # noqa: E402
from zoo_check import Evaluation, Mdp, log_softmax, softmax  # noqa: E402

RELATIVE = 1e-6
FLOOR = 1e-12
STEP_RELATIVE = 1e-9
PROJECTION_RELATIVE = 1e-5
PROJECTION_FLOOR = 1e-10


# ------------------------------------------------------------------------------------------------
# The oracle
# ------------------------------------------------------------------------------------------------

def centred(X, pi, S, A):
    """phibar(s, a) = phi(s, a) - sum_b pi[s, b] phi(s, b), as an (S A) x k array."""
    Xs = X.reshape(S, A, -1)
    return (Xs - np.einsum("sa,sak->sk", pi, Xs)[:, None, :]).reshape(S * A, -1)


def spma_objective(X, theta, d, target, eta, S, A):
    """L_t(theta) = (1/eta) sum_s d sum_a target log pi_theta, and its theta-gradient."""
    logp = log_softmax((X @ theta).reshape(S, A))
    value = float((d[:, None] * target * logp).sum() / eta)
    G = d[:, None] * (target - np.exp(logp)) / eta
    return value, X.T @ G.reshape(-1)


def spma_projection(X, theta_t, d, pi, adv, eta, S, A):
    """argmax_theta L_t by Newton with SVD least-squares directions and halving."""
    target = pi * (1 + eta * adv)
    theta = theta_t.copy()
    value, g = spma_objective(X, theta, d, target, eta, S, A)
    g0 = np.linalg.norm(g)
    for _ in range(200):
        if np.linalg.norm(g) <= 1e-13 * g0:
            break
        p = softmax((X @ theta).reshape(S, A))
        B = np.sqrt((d[:, None] * p / eta).reshape(-1))[:, None] * centred(X, p, S, A)
        # Newton direction H^+ g with H = B^T B: the minimum-norm solution of B^T B x = g.
        direction = np.linalg.lstsq(B.T @ B, g, rcond=None)[0]
        step, moved = 1.0, False
        for _ in range(60):
            trial = theta + step * direction
            trial_value, trial_g = spma_objective(X, trial, d, target, eta, S, A)
            if trial_value >= value + 1e-4 * step * (g @ direction) or \
                    np.linalg.norm(trial_g) <= 0.5 * np.linalg.norm(g):
                theta, value, g, moved = trial, trial_value, trial_g, True
                break
            step /= 2
        if not moved:
            break
    return theta


def inner_gradient(method, X, theta, d, pi, logpi, adv, eta, S, A):
    logp = log_softmax((X @ theta).reshape(S, A))
    p = np.exp(logp)
    if method == "spma":
        G = d[:, None] * (pi * (1 + eta * adv) - p) / eta
    else:  # mdpo
        ratio = logp - logpi
        kl = (p * ratio).sum(axis=1, keepdims=True)
        mean = (p * adv).sum(axis=1, keepdims=True)
        G = d[:, None] * p * ((adv - mean) - (ratio - kl) / eta)
    return X.T @ G.reshape(-1)


def compatible_npg(X, d, pi, adv, S, A):
    weights = np.sqrt((d[:, None] * pi).reshape(-1))
    B = weights[:, None] * centred(X, pi, S, A)
    b = weights * adv.reshape(-1)
    w = np.linalg.lstsq(B, b, rcond=None)[0]
    return w, float(((B @ w - b) ** 2).sum())


def run_oracle(mdp, X, algo, params, eta, iterations):
    S, A = mdp.S, mdp.A
    theta = np.zeros(X.shape[1])
    rows = []
    for t in range(iterations + 1):
        z = (X @ theta).reshape(S, A)
        pi = softmax(z)
        ev = Evaluation(mdp, pi)
        gap = mdp.V_star - ev.V
        row = {"iteration": t, "objective": ev.J, "suboptimality": float(mdp.rho @ gap),
               "value_error_inf": float(gap.max()), "step_size": eta}
        rows.append(row)
        if t == iterations:
            return rows, "max_iterations"
        d, adv = ev.d, ev.Adv
        if algo == "spma" and not params:
            if (1 + eta * adv <= 0).any():
                return rows, "step_invalid"
            new_theta = spma_projection(X, theta, d, pi, adv, eta, S, A)
            target = pi * (1 + eta * adv)
            logp = log_softmax((X @ new_theta).reshape(S, A))
            row["projection_error"] = float(
                (d[:, None] * target * (np.log(target) - logp)).sum())
            theta = new_theta
        elif algo in ("spma", "mdpo"):
            logpi = log_softmax(z)
            new_theta = theta.copy()
            for _ in range(params["inner_steps"]):
                new_theta = new_theta + params["inner_step_size"] * inner_gradient(
                    algo, X, new_theta, d, pi, logpi, adv, eta, S, A)
            theta = new_theta
        elif algo == "npg":
            w, residual = compatible_npg(X, d, pi, adv, S, A)
            row["projection_error"] = residual
            theta = theta + eta * w
        elif algo == "spg":
            G = d[:, None] * pi * adv / (1 - mdp.gamma)
            theta = theta + eta * X.T @ G.reshape(-1)
        else:
            raise ValueError(algo)
    return rows, "max_iterations"


# ------------------------------------------------------------------------------------------------
# The oracle's own checks
# ------------------------------------------------------------------------------------------------

def self_test(rng):
    P, R3, gamma, rho = random_mdp(rng, 4, 3, 0.9, 0.0, 1.0)
    mdp = Mdp(P, (P * R3).sum(axis=2), gamma, rho)
    S, A = 4, 3
    X = rng.normal(size=(S * A, 5))
    theta_t = rng.normal(size=5) * 0.5
    pi = softmax((X @ theta_t).reshape(S, A))
    ev = Evaluation(mdp, pi)
    eta, h = 0.7, 1e-6
    theta = theta_t + 0.3 * rng.normal(size=5)
    target = pi * (1 + eta * ev.Adv)
    _, g = spma_objective(X, theta, ev.d, target, eta, S, A)
    logpi = log_softmax((X @ theta_t).reshape(S, A))

    def mdpo_value(x):
        logp = log_softmax((X @ x).reshape(S, A))
        p = np.exp(logp)
        return float((ev.d * ((p * ev.Adv).sum(axis=1) - (p * (logp - logpi)).sum(axis=1) / eta)).sum())

    g_mdpo = inner_gradient("mdpo", X, theta, ev.d, pi, logpi, ev.Adv, eta, S, A)
    g_spma = inner_gradient("spma", X, theta, ev.d, pi, logpi, ev.Adv, eta, S, A)
    for j in range(5):
        e = np.zeros(5)
        e[j] = h
        fd = (spma_objective(X, theta + e, ev.d, target, eta, S, A)[0]
              - spma_objective(X, theta - e, ev.d, target, eta, S, A)[0]) / (2 * h)
        assert abs(fd - g[j]) <= 1e-6 * max(1, abs(fd)), ("spma gradient", j, fd, g[j])
        assert abs(fd - g_spma[j]) <= 1e-6 * max(1, abs(fd)), ("spma inner", j)
        fd = (mdpo_value(theta + e) - mdpo_value(theta - e)) / (2 * h)
        assert abs(fd - g_mdpo[j]) <= 1e-6 * max(1, abs(fd)), ("mdpo gradient", j, fd, g_mdpo[j])
    # One-hot: the projection is the tabular SPMA step, the compatible NPG step is A (up to a
    # constant per state).
    one_hot = np.eye(S * A)
    z = rng.normal(size=(S, A))
    pi = softmax(z)
    ev = Evaluation(mdp, pi)
    eta = 0.5 * (1 - gamma)
    theta = spma_projection(one_hot, z.reshape(-1), ev.d, pi, ev.Adv, eta, S, A)
    expected = softmax(z + np.log1p(eta * ev.Adv))
    assert np.abs(softmax(theta.reshape(S, A)) - expected).max() <= 1e-12, "one-hot SPMA"
    w, residual = compatible_npg(one_hot, ev.d, pi, ev.Adv, S, A)
    assert residual <= 1e-20, ("one-hot NPG residual", residual)
    expected = softmax(z + ev.Adv)
    assert np.abs(softmax(z + w.reshape(S, A)) - expected).max() <= 1e-12, "one-hot NPG"


# ------------------------------------------------------------------------------------------------
# The driver
# ------------------------------------------------------------------------------------------------

def write_features(path, X, S, A, names):
    state = (lambda s: f"st{s}") if names else str
    action = (lambda a: f"act{a}") if names else str
    k = X.shape[1]
    lines = ["state,action," + ",".join(f"f{j}" for j in range(k))]
    order = [(s, a) for s in range(S) for a in range(A)]
    rng = np.random.default_rng(len(order) + k)
    rng.shuffle(order)  # any row order
    for s, a in order:
        lines.append(f"{state(s)},{action(a)}," + ",".join(repr(float(v)) for v in X[s * A + a]))
    Path(path).write_text("\n".join(lines) + "\n")


def run_tabrl(tabrl, workdir, label, mdp_path, features, spec, eta, iterations):
    out = Path(workdir) / f"{label}.csv"
    command = [tabrl, "run", "--mdp", str(mdp_path), "--features", str(features), "--algo", spec,
               "--step-size", repr(eta), "--iterations", str(iterations), "--out", str(out)]
    result = subprocess.run(command, capture_output=True, text=True)
    rows = []
    if out.exists():
        with out.open() as handle:
            rows = list(csv.DictReader(handle))
    found = re.search(r"^tabrl run: (\w+) at iteration", result.stderr, re.MULTILINE)
    return command, result, rows, found.group(1) if found else None


def compare(mdp, expected, expected_status, command, result, rows, status):
    floor = FLOOR * max(1.0, abs(mdp.J_star))
    text = " ".join(command)
    if result.returncode == 2:
        return f"{text}\n    refused: {result.stderr.strip()[:300]}"
    for want, have in zip(expected, rows):
        t = want["iteration"]
        for column in ("objective", "suboptimality", "value_error_inf"):
            value = float(have[column])
            if not abs(value - want[column]) <= RELATIVE * abs(want[column]) + floor:
                return f"{text}\n    row {t}: {column} = {value!r}, expected {want[column]!r}"
        if not abs(float(have["step_size"]) - want["step_size"]) <= STEP_RELATIVE * want["step_size"]:
            return f"{text}\n    row {t}: step_size {have['step_size']}"
        if "projection_error" in want:
            value = float(have["projection_error"])
            bound = PROJECTION_RELATIVE * abs(want["projection_error"]) + PROJECTION_FLOOR
            if not abs(value - want["projection_error"]) <= bound:
                return (f"{text}\n    row {t}: projection_error = {value!r}, expected "
                        f"{want['projection_error']!r}")
    if len(rows) != len(expected):
        return f"{text}\n    {len(rows)} rows, expected {len(expected)}"
    if status != expected_status:
        return f"{text}\n    status {status}, expected {expected_status}"
    exit_code = 1 if expected_status == "step_invalid" else 0
    if result.returncode != exit_code:
        return f"{text}\n    exit {result.returncode}, expected {exit_code}"
    return None


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("tabrl")
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args()
    rng = np.random.default_rng(20261212)
    self_test(rng)
    styles = [{"names": True, "transitions": "matrix", "rewards": "matrices"},
              {"names": False, "transitions": "rows", "rewards": "rows"},
              {"names": True, "transitions": "entries", "rewards": "entries"},
              {"names": False, "transitions": "entries", "rewards": "matrices"}]
    shapes = [(4, 3, 0.9, None), (5, 2, 0.8, 2), (3, 4, 0.7, None), (7, 3, 0.9, 3)]
    failures, count = [], 0
    with tempfile.TemporaryDirectory(prefix="tabrl_loglinear_") as workdir:
        for index, (S, A, gamma, branching) in enumerate(shapes):
            P, R3, gamma, rho = random_mdp(rng, S, A, gamma, 0.0, 1.0, branching)
            rho = 0.5 * rho + 0.5 / S  # full support
            mdp_path = Path(workdir) / f"mdp{index}.mdp"
            r = write_cassandra(mdp_path, P, R3, gamma, rho, styles[index], rng)
            mdp = Mdp(P, r, gamma, rho)
            R = mdp.reward_range
            for k in sorted({2, 3, max(2, S * A // 2), S * A + 1}):
                X = rng.normal(size=(S * A, k))
                features = Path(workdir) / f"features{index}_{k}.csv"
                write_features(features, X, S, A, styles[index]["names"])
                cases = [("spma", {}, 0.9 * (1 - gamma) / R),
                         ("spma", {"inner_steps": 5, "inner_step_size": 0.5}, 0.5),
                         ("mdpo", {"inner_steps": 5, "inner_step_size": 0.5}, 1.0),
                         ("npg", {}, 1.3),
                         ("spg", {}, 0.8)]
                if k == 3:
                    cases.append(("spma", {}, 50.0 / R))  # 1 + eta A <= 0 soon: step_invalid
                for algo, params, eta in cases:
                    spec = algo if not params else algo + "(" + ",".join(
                        f"{key}={value}" for key, value in params.items()) + ")"
                    expected, expected_status = run_oracle(mdp, X, algo, params, eta, 25)
                    label = f"m{index}_k{k}_{algo}_{len(params)}_{count}"
                    got = run_tabrl(args.tabrl, workdir, label, mdp_path, features, spec, eta, 25)
                    count += 1
                    failure = compare(mdp, expected, expected_status, *got)
                    if failure:
                        failures.append(failure)
                    elif args.verbose:
                        print(f"ok   {label}: {spec} eta={eta:.3g} ({expected_status}, "
                              f"{len(expected)} rows)")
            # One-hot features reproduce the tabular closed forms.
            for algo, eta in (("spma", 0.9 * (1 - gamma) / R), ("npg", 1.3), ("spg", 0.8)):
                expected, expected_status = run_oracle(mdp, np.eye(S * A), algo, {}, eta, 25)
                got = run_tabrl(args.tabrl, workdir, f"onehot{index}_{algo}", mdp_path,
                                "one_hot", algo, eta, 25)
                count += 1
                failure = compare(mdp, expected, expected_status, *got)
                if failure:
                    failures.append(failure)
    for failure in failures:
        print("FAIL " + failure)
    print(f"loglinear_check: {count - len(failures)} of {count} runs agree with the NumPy oracle")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
