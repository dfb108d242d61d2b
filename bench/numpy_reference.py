#!/usr/bin/env python3
"""The NumPy reference for the per-iteration benchmark: the same SPMA iteration as tabrl (exact
evaluation with dense numpy.linalg.solve for V and the visitation, then z += log1p(eta A)) on
random MDPs with A = 4 and gamma = 0.9: every row a flat Dirichlet over all states, or (S:B) over
B distinct random next states, as a Garnet, stored densely: NumPy's solve needs the dense
I - gamma P_pi, and the einsum the dense kernel.

usage: numpy_reference.py LABEL S[:B] [S[:B] ...]
  prints one JSON line per size: seconds per iteration, peak RSS, and the BLAS NumPy loaded
  (threadpoolctl; an empty list is the reference BLAS, which threadpoolctl does not report)
"""
import json
import resource
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
    d = (1 - gamma) * np.linalg.solve(M.T, rho)
    Q = r + gamma * (P @ V)
    A = Q - V[:, None]
    return z + np.log1p(eta * A), d


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
        z = np.zeros(r.shape)
        large = states >= 5000
        repeats = 1 if large else max(3, min(2000, int(2e8 / states ** 3) + 3))
        if not large:
            z, _ = spma_iteration(P, r, rho, 0.9, z, 0.05)  # warm up
        start = time.perf_counter()
        for _ in range(repeats):
            z, _ = spma_iteration(P, r, rho, 0.9, z, 0.05)
        seconds = (time.perf_counter() - start) / repeats
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
        print(json.dumps({"label": label, "blas": blas, "states": states, "branching": branching,
                          "seconds_per_iteration": seconds, "peak_rss_mb": peak_mb,
                          "repeats": repeats}), flush=True)


if __name__ == "__main__":
    main()
