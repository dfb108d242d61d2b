#!/usr/bin/env python3
"""Independent NumPy implementation of docs/theory.md, compared with `tabrl run` curve by curve.

Writes random MDPs as Cassandra files (named and numbered states, wildcards, dense rows, single
entries, r(s, a, s') rewards, gamma up to 0.99, bandits), runs tabrl on them, and checks every
recorded objective, suboptimality and value_error_inf against a dense NumPy computation.

usage: independent_check.py PATH/TO/tabrl
"""
import csv
import io
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

RELATIVE = 1e-6


def evaluate(P, r, gamma, rho, pi):
    """V, Q, A, d, J of pi by dense solves."""
    S, A = r.shape
    P_pi = np.einsum("sa,sat->st", pi, P)
    r_pi = (pi * r).sum(axis=1)
    M = np.eye(S) - gamma * P_pi
    V = np.linalg.solve(M, r_pi)
    Q = r + gamma * P @ V
    d = (1 - gamma) * np.linalg.solve(M.T, rho)
    return V, Q, Q - V[:, None], d, rho @ V


def optimal_values(P, r, gamma, rho):
    """Policy iteration (independent of tabrl's)."""
    S, A = r.shape
    policy = r.argmax(axis=1)
    while True:
        pi = np.eye(A)[policy]
        V, Q, _, _, _ = evaluate(P, r, gamma, rho, pi)
        best = Q.argmax(axis=1)
        improve = Q[np.arange(S), best] > Q[np.arange(S), policy] + 1e-13 * max(1, abs(V).max())
        if not improve.any():
            return V
        policy = np.where(improve, best, policy)


def softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def reference_curve(P, r, gamma, rho, algorithm, eta, iterations):
    V_star = optimal_values(P, r, gamma, rho)
    z = np.zeros(r.shape)
    rows = []
    for t in range(iterations + 1):
        pi = softmax(z)
        V, Q, Adv, d, J = evaluate(P, r, gamma, rho, pi)
        rows.append((t, J, rho @ (V_star - V), (V_star - V).max()))
        if algorithm == "spma":
            z = z + np.log1p(eta * Adv)
        elif algorithm == "npg":
            z = z + eta * Adv
        else:
            z = z + eta * d[:, None] * pi * Adv / (1 - gamma)
    return rows, rho @ V_star


def random_mdp(rng, S, A, gamma, reward_low, reward_high, branching=None):
    P = np.zeros((S, A, S))
    for s in range(S):
        for a in range(A):
            support = rng.choice(S, size=branching or S, replace=False)
            P[s, a, support] = rng.dirichlet(np.ones(len(support)))
    R3 = rng.uniform(reward_low, reward_high, size=(S, A, S))  # r(s, a, s')
    rho = rng.dirichlet(np.ones(S))
    return P, R3, gamma, rho


def write_cassandra(path, P, R3, gamma, rho, style, rng):
    """Writes the MDP in one of several Cassandra styles; returns the reduced reward r[s, a]."""
    S, A, _ = P.shape
    names = style.get("names", False)
    state = (lambda s: f"st{s}") if names else str
    action = (lambda a: f"act{a}") if names else str
    lines = [f"# generated: {style}", f"discount: {gamma!r}", "values: reward"]
    lines.append("states: " + (" ".join(state(s) for s in range(S)) if names else str(S)))
    lines.append("actions: " + (" ".join(action(a) for a in range(A)) if names else str(A)))
    lines.append("start: " + " ".join(repr(float(p)) for p in rho))
    R_eff = R3.copy()
    if style["transitions"] == "matrix":
        for a in range(A):
            lines.append(f"T: {action(a)}")
            for s in range(S):
                lines.append(" ".join(repr(float(p)) for p in P[s, a]))
    elif style["transitions"] == "rows":
        lines.append("T: * uniform  # overridden below")
        for s in range(S):
            for a in range(A):
                lines.append(f"T: {action(a)} : {state(s)}\n  " +
                             " ".join(repr(float(p)) for p in P[s, a]))
    else:  # single entries, after a wildcard row that they partly override
        for s in range(S):
            lines.append(f"T: * : {state(s)} : * 0.0")
            for a in range(A):
                for n in range(S):
                    if P[s, a, n] > 0:
                        lines.append(f"T: {action(a)} : {state(s)} : {state(n)} {float(P[s, a, n])!r}")
    if style["rewards"] == "entries":
        lines.append("R: * : * : * 0.5")
        R_eff[:] = 0.5
        for s in range(S):
            for a in range(A):
                for n in range(S):
                    if P[s, a, n] > 0 and rng.uniform() < 0.7:
                        lines.append(f"R: {action(a)} : {state(s)} : {state(n)} {float(R3[s, a, n])!r}")
                        R_eff[s, a, n] = R3[s, a, n]
    elif style["rewards"] == "rows":
        for s in range(S):
            for a in range(A):
                lines.append(f"R: {action(a)} : {state(s)} " + " ".join(repr(float(v)) for v in R3[s, a]))
    else:  # matrices
        for a in range(A):
            lines.append(f"R: {action(a)}")
            for s in range(S):
                lines.append(" ".join(repr(float(v)) for v in R3[s, a]))
    Path(path).write_text("\n".join(lines) + "\n")
    return (P * R_eff).sum(axis=2)


def run_tabrl(tabrl, mdp, algorithm, eta, iterations):
    result = subprocess.run([tabrl, "run", "--mdp", mdp, "--algo", algorithm, "--step-size",
                             repr(eta), "--iterations", str(iterations), "--quiet"],
                            capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"tabrl failed ({result.returncode}): {result.stderr}")
    return list(csv.DictReader(io.StringIO(result.stdout)))


def compare(label, rows, reference, J_star):
    floor = 1e-9 * max(1.0, abs(J_star))
    if len(rows) != len(reference):
        return [f"{label}: {len(rows)} rows, expected {len(reference)}"]
    failures = []
    for row, (t, J, gap, worst) in zip(rows, reference):
        if int(row["iteration"]) != t:
            failures.append(f"{label}: iteration {row['iteration']} != {t}")
            continue
        for column, expected in (("objective", J), ("suboptimality", gap), ("value_error_inf", worst)):
            got = float(row[column])
            if abs(got - expected) > RELATIVE * abs(expected) + floor:
                failures.append(f"{label}: t={t} {column} {got!r} vs {expected!r}")
    return failures


def main():
    tabrl = sys.argv[1]
    rng = np.random.default_rng(20261129)
    styles = [
        {"names": True, "transitions": "matrix", "rewards": "matrices"},
        {"names": False, "transitions": "rows", "rewards": "rows"},
        {"names": True, "transitions": "entries", "rewards": "entries"},
        {"names": False, "transitions": "entries", "rewards": "matrices"},
    ]
    cases = []  # (label, S, A, gamma, reward range, branching, style)
    for index, (S, A, gamma) in enumerate([(4, 3, 0.9), (7, 2, 0.99), (5, 4, 0.5), (6, 3, 0.95)]):
        branching = None if index % 2 == 0 else 2
        cases.append((f"mdp{index}", S, A, gamma, (0.0, 1.0) if index < 2 else (-1.0, 1.0),
                      branching, styles[index]))
    cases.append(("bandit", 1, 5, 0.0, (0.0, 1.0), None, styles[0]))
    checked, failures = 0, []
    with tempfile.TemporaryDirectory() as work:
        for label, S, A, gamma, (low, high), branching, style in cases:
            P, R3, gamma, rho = random_mdp(rng, S, A, gamma, low, high, branching)
            path = str(Path(work) / f"{label}.mdp")
            r = write_cassandra(path, P, R3, gamma, rho, style, rng)
            reward_range = r.max() - r.min()
            steps = {"spma": 0.9 * (1 - gamma) / reward_range, "npg": 1.3,
                     "spg": 0.8 if S > 1 else 0.4}
            for algorithm, eta in steps.items():
                iterations = 150
                reference, J_star = reference_curve(P, r, gamma, rho, algorithm, eta, iterations)
                rows = run_tabrl(tabrl, path, algorithm, eta, iterations)
                failures += compare(f"{label}/{algorithm}", rows, reference, J_star)
                checked += len(rows)
    for failure in failures[:20]:
        print("FAIL:", failure)
    print(f"independent_check: {checked} rows compared, {len(failures)} mismatches")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
