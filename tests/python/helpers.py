"""Helpers of the Python module's tests."""

import io

import numpy as np
import pandas as pd


def read_curve_csv(text):
    """A curve CSV as the module's DataFrame holds it: every double exactly, empty fields NaN."""
    frame = pd.read_csv(io.StringIO(text), float_precision="round_trip")
    # A column of whole numbers (a step of 5, clipped = 0) reads as integers; the module's are
    # doubles, as the engine's values are.
    return frame.astype({column: np.float64 for column in frame.columns if column != "iteration"})


def write_toml_mdp(path, P, r, gamma, rho):
    """The arrays as tabrl's TOML format: dense matrices per action, rewards r[s, a] as the
    `rewards` table or r[s, a, s'] as [[reward]] blocks, every number with 17 digits."""
    S, A, _ = P.shape
    number = lambda x: repr(float(x)) if np.isfinite(x) else ("nan" if np.isnan(x) else
                                                             ("inf" if x > 0 else "-inf"))
    row = lambda values: "[" + ", ".join(number(x) for x in values) + "]"
    lines = [f"gamma = {number(gamma)}", f"states = {S}", f"actions = {A}",
             f"start = {row(rho)}"]
    if r.ndim == 2:
        lines.append("rewards = [" + ", ".join(row(r[s]) for s in range(S)) + "]")
    lines.append("[dense]")
    for a in range(A):
        lines.append(f'"{a}" = [' + ", ".join(row(P[s, a]) for s in range(S)) + "]")
    if r.ndim == 3:
        for s in range(S):
            for a in range(A):
                for n in range(S):
                    lines += ["[[reward]]", f"from = {s}", f"action = {a}", f"to = {n}",
                              f"value = {number(r[s, a, n])}"]
    path.write_text("\n".join(lines) + "\n")
    return path
