#!/usr/bin/env python3
"""The NumPy reference for the per-iteration benchmark: the same SPMA iteration as tabrl (exact
evaluation of V with dense numpy.linalg.solve, Q and A, then z += log1p(eta A); SPMA never reads
the visitation, so neither side solves for it) on
random MDPs with A = 4 and gamma = 0.9: every row a flat Dirichlet over all states, or (S:B) over
B distinct random next states, as a Garnet, stored densely: NumPy's solve needs the dense
I - gamma P_pi, and the einsum the dense kernel.

Each batch starts from the uniform policy (z = 0) and times its first `repeats` iterations, after
one untimed iteration from z = 0 (bench/bench_machine.cpp times the same iterations); sizes below
5,000 states run several batches and report their median and their minimum.

usage: numpy_reference.py LABEL S[:B] [S[:B] ...]
  prints one JSON line per size: seconds per iteration (median and minimum over the batches),
  peak RSS, and the BLAS NumPy loaded (threadpoolctl; an empty list is the reference BLAS, which
  threadpoolctl does not report)
"""
import json
import resource
import statistics
import sys
import time

import numpy as np


def random_mdp(states, actions, seed, branching=None):
    rng = np.random.default_rng(seed)
    if branching is None:
        P = rng.exponential(size=(states, actions, states))
    else:
        P = np.zeros((states, actions, states))
        for s in range(states):
            for a in range(actions):
                P[s, a, rng.choice(states, size=branching, replace=False)] = rng.exponential(
                    size=branching)
    P /= P.sum(axis=2, keepdims=True)
    r = rng.uniform(size=(states, actions))
    rho = np.full(states, 1.0 / states)
    return P, r, rho


def spma_iteration(P, r, rho, gamma, z, eta):
    pi = np.exp(z - z.max(axis=1, keepdims=True))
    pi /= pi.sum(axis=1, keepdims=True)
    P_pi = np.einsum("sa,sat->st", pi, P)
    r_pi = (pi * r).sum(axis=1)
    M = np.eye(len(rho)) - gamma * P_pi
    V = np.linalg.solve(M, r_pi)
    Q = r + gamma * (P @ V)
    A = Q - V[:, None]
    return z + np.log1p(eta * A), rho @ V


def blas_in_use():
    try:
        import threadpoolctl
    except ImportError:
        return "unknown (python3-threadpoolctl not installed)"
    found = [f"{info['internal_api']} {info.get('version') or ''} ({info['num_threads']} threads, "
             f"{info['filepath']})" for info in threadpoolctl.threadpool_info()
             if info.get("user_api") == "blas"]
    return "; ".join(found) if found else "reference BLAS/LAPACK (not an optimised BLAS)"


def main():
    label = sys.argv[1]
    blas = blas_in_use()
    for size in sys.argv[2:]:
        states, _, branching = size.partition(":")
        states = int(states)
        branching = int(branching) if branching else None
        P, r, rho = random_mdp(states, 4, 1, branching)
        large = states >= 5000
        repeats = 1 if large else max(3, min(2000, int(2e8 / states ** 3) + 3))
        batches = 1 if large else (7 if states <= 1000 else 3)
        times = []
        for _ in range(batches):
            z = np.zeros(r.shape)
            if not large:
                spma_iteration(P, r, rho, 0.9, z, 0.05)  # warm up (discarded)
            start = time.perf_counter()
            for _ in range(repeats):
                z, _ = spma_iteration(P, r, rho, 0.9, z, 0.05)
            times.append((time.perf_counter() - start) / repeats)
        seconds = statistics.median(times)
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
        print(json.dumps({"label": label, "blas": blas, "states": states, "branching": branching,
                          "seconds_per_iteration": seconds,
                          "best_seconds_per_iteration": min(times), "batches": batches,
                          "peak_rss_mb": peak_mb, "repeats": repeats}), flush=True)


if __name__ == "__main__":
    main()
