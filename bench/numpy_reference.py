#!/usr/bin/env python3
"""The NumPy reference for the per-iteration benchmark: the same SPMA iteration as tabrl (exact
evaluation with dense numpy.linalg.solve for V and the visitation, then z += log1p(eta A)) on
dense random MDPs (every row a flat Dirichlet over all states, A = 4, gamma = 0.9).

usage: numpy_reference.py S [S ...]   prints one JSON line per S: seconds per iteration, peak RSS
"""
import json
import resource
import sys
import time

import numpy as np


def random_mdp(states, actions, seed):
    rng = np.random.default_rng(seed)
    P = rng.exponential(size=(states, actions, states))
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


def main():
    for states in map(int, sys.argv[1:]):
        P, r, rho = random_mdp(states, 4, 1)
        z = np.zeros(r.shape)
        repeats = max(3, min(2000, int(2e8 / states ** 3) + 3))
        z, _ = spma_iteration(P, r, rho, 0.9, z, 0.05)  # warm up
        start = time.perf_counter()
        for _ in range(repeats):
            z, _ = spma_iteration(P, r, rho, 0.9, z, 0.05)
        seconds = (time.perf_counter() - start) / repeats
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
        print(json.dumps({"states": states, "seconds_per_iteration": seconds, "peak_rss_mb": peak_mb,
                          "repeats": repeats}), flush=True)


if __name__ == "__main__":
    main()
