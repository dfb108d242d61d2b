"""A sweep over an MDP family of your own, analysed in pandas.

    PYTHONPATH=build/python /usr/bin/python3 examples/python/custom_mdp_sweep.py [OUT_DIR]

The family: a corridor of 6 cells where action "right" moves right and "left" moves left, each
slipping the other way with probability `slip`; the right end pays 1 per step, everything else
0. Each member is built from NumPy arrays (checked by tabrl.Mdp.from_arrays), written as a tabrl
TOML file, and the sweep config lists the files. SPMA and NPG run at a few step sizes on every
member; pandas then picks each method's best step per member and compares how many iterations
each needs to reach a value error of 1e-6. Everything goes into OUT_DIR (default: a new
temporary directory): the MDP files, sweep.toml, the sweep directory and analysis.csv.
"""

import pathlib
import sys
import tempfile

import numpy as np
import pandas as pd

import tabrl

CELLS = 6
SLIPS = [0.0, 0.1, 0.2, 0.3]


def corridor(slip):
    """P[s, a, s'] and r[s, a] of the corridor with the given slip; start in the left cell."""
    P = np.zeros((CELLS, 2, CELLS))
    for s in range(CELLS):
        left, right = max(s - 1, 0), min(s + 1, CELLS - 1)
        P[s, 0, left] += 1 - slip   # action 0: left
        P[s, 0, right] += slip
        P[s, 1, right] += 1 - slip  # action 1: right
        P[s, 1, left] += slip
    r = np.zeros((CELLS, 2))
    r[CELLS - 1, :] = 1.0
    rho = np.zeros(CELLS)
    rho[0] = 1.0
    return P, r, rho


def write_toml(mdp, path):
    """An Mdp as tabrl's TOML format (docs/mdp-formats.md), every number written exactly."""
    S, A = mdp.states, mdp.actions
    P = mdp.transitions().toarray().reshape(S, A, S)
    row = lambda values: "[" + ", ".join(repr(float(x)) for x in values) + "]"
    lines = [f"gamma = {mdp.gamma!r}", f"states = {S}", f"actions = {A}",
             f"start = {row(mdp.rho)}",
             "rewards = [" + ", ".join(row(rewards) for rewards in mdp.rewards()) + "]",
             "[dense]"]
    lines += [f'"{a}" = [' + ", ".join(row(P[s, a]) for s in range(S)) + "]" for a in range(A)]
    path.write_text("\n".join(lines) + "\n")


def main():
    out = (pathlib.Path(sys.argv[1]) if len(sys.argv) > 1
           else pathlib.Path(tempfile.mkdtemp(prefix="tabrl-custom-sweep-")))
    (out / "mdps").mkdir(parents=True, exist_ok=True)

    # 1. The family, from arrays, as files.
    for slip in SLIPS:
        P, r, rho = corridor(slip)
        mdp = tabrl.Mdp.from_arrays(P, r, gamma=0.9, rho=rho, actions=["left", "right"])
        write_toml(mdp, out / "mdps" / f"corridor_slip{slip}.toml")

    # 2. The sweep: every file x (SPMA, NPG) x step sizes.
    blocks = "".join(f'[[mdp]]\nfile = "mdps/corridor_slip{slip}.toml"\n' for slip in SLIPS)
    config = out / "sweep.toml"
    config.write_text(f"""[sweep]
name = "corridor-family"
iterations = 4000
record = "log"
stop_tolerance = 1e-8
{blocks}
[[algorithm]]
name = "spma"
step_size = [0.05, 0.09]
[[algorithm]]
name = "npg"
step_size = [0.5, 1.0]
""")
    runs, curves = tabrl.sweep(config, out / "sweep", jobs=2)
    print(f"{len(runs)} runs, {len(curves)} curve rows, statuses: "
          f"{runs['status'].value_counts().to_dict()}")

    # 3. The analysis in pandas: the slip of each run from its file name, each method's best step
    #    per member (fewest iterations to a value error of 1e-6), and their ratio.
    runs["slip"] = runs["mdp"].str.extract(r"slip([0-9.]+)\.toml$", expand=False).astype(float)
    best = (runs.sort_values("iters_to_1e-06")
                .groupby(["slip", "algorithm"], as_index=False)
                .first()[["slip", "algorithm", "step_size", "iters_to_1e-06", "rate",
                          "convergence", "bound_held"]])
    table = best.pivot(index="slip", columns="algorithm", values="iters_to_1e-06")
    table["spma / npg"] = table["spma"] / table["npg"]
    print("iterations to a value error of 1e-6 at each method's best step:")
    print(table.to_string())
    best.to_csv(out / "analysis.csv", index=False)

    # Every run's last recorded suboptimality, from curves.csv.
    finals = curves.groupby("run_id")["suboptimality"].last()
    print(f"largest final suboptimality over all runs: {finals.max():.3g}")
    print(f"analysis: {out / 'analysis.csv'}")


if __name__ == "__main__":
    main()
