#!/usr/bin/env python3
"""Plots the demo curves: log suboptimality against iteration, one panel per MDP.

Usage: plot_demo.py CURVE_DIR OUTPUT.png
Reads CURVE_DIR/<mdp>_<algorithm>.csv files written by `tabrl run`.
"""
import csv
import pathlib
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

# One colour per algorithm, the same in every figure.
COLOURS = {"spma": "tab:blue", "npg": "tab:orange", "spg": "tab:green"}
LABELS = {"spma": "SPMA", "npg": "NPG", "spg": "softmax PG"}
FLOOR = 1e-16  # suboptimality at or below rounding is drawn at the floor


def read_curve(path):
    iterations, gaps, steps = [], [], []
    with open(path, newline="") as handle:
        for row in csv.DictReader(handle):
            iterations.append(int(row["iteration"]))
            gaps.append(max(float(row["suboptimality"]), FLOOR))
            steps.append(row["step_size"])
    return iterations, gaps, steps[0] if steps else "?"


def main():
    curve_dir, output = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
    panels = {}
    for path in sorted(curve_dir.glob("*.csv")):
        mdp, _, algorithm = path.stem.rpartition("_")
        panels.setdefault(mdp, {})[algorithm] = read_curve(path)
    if not panels:
        sys.exit(f"plot_demo.py: no curves in {curve_dir}")
    figure, axes = plt.subplots(1, len(panels), figsize=(5 * len(panels), 4), squeeze=False)
    for axis, (mdp, curves) in zip(axes[0], sorted(panels.items())):
        for algorithm in ("spma", "npg", "spg"):
            if algorithm not in curves:
                continue
            iterations, gaps, step = curves[algorithm]
            axis.plot(iterations, gaps, color=COLOURS[algorithm],
                      label=f"{LABELS[algorithm]} (eta = {float(step):.3g})")
        axis.set_yscale("log")
        axis.set_xlabel("iteration t")
        axis.set_ylabel("suboptimality J* - J(pi_t)")
        axis.set_title(f"{mdp} (gamma = 0.9)")
        axis.grid(True, which="major", alpha=0.3)
        axis.legend(loc="best", fontsize="small")
    figure.tight_layout()
    output.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(output, dpi=120)


if __name__ == "__main__":
    main()
