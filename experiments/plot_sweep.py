#!/usr/bin/env python3
"""Figures of a sweep directory, written by `tabrl plot DIR --out FIGDIR`.

Reads DIR/runs.csv, DIR/curves.csv and FIGDIR/summary.csv (from `tabrl summarize DIR --csv`,
which chooses each algorithm's best step size) and writes FIGDIR/convergence.png and .pdf:
one panel per MDP, one colour per algorithm (the same in every figure), the median over seeds
of the best step size as a line and the interquartile range as a band. Bandits show
1 - pi_t(a*), other MDPs the suboptimality J* - J(pi_t), both on a log scale.

usage: plot_sweep.py DIR FIGDIR
Edit freely: this script only reads the CSV files.
"""
import csv
import math
import sys
from collections import defaultdict
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

COLOURS = {"spma": "tab:blue", "npg": "tab:orange", "spg": "tab:green"}
LABELS = {"spma": "SPMA", "npg": "NPG", "spg": "softmax PG"}
FLOOR = 1e-16  # values at or below rounding are drawn at the floor


def read_rows(path):
    with open(path, newline="") as handle:
        return list(csv.DictReader(handle))


def step_text(step, value):
    if step.replace(".", "", 1).replace("e-", "", 1).isdigit():
        return f"{float(step):.3g}"
    return f"{step} = {float(value):.3g}" if value not in ("", "nan") else step


def main():
    directory, figures = Path(sys.argv[1]), Path(sys.argv[2])
    runs = read_rows(directory / "runs.csv")
    best = {(row["mdp"], row["algorithm"]): row["best_step"]
            for row in read_rows(figures / "summary.csv")}
    curves = defaultdict(list)
    for row in read_rows(directory / "curves.csv"):
        curves[row["run_id"]].append(row)

    panels = defaultdict(lambda: defaultdict(list))  # mdp -> algorithm -> runs
    for run in runs:
        if best.get((run["mdp_label"], run["algorithm"])) == run["step_size"]:
            panels[run["mdp_label"]][run["algorithm"]].append(run)
    if not panels:
        sys.exit("plot_sweep.py: no finished runs to plot")

    columns = min(3, len(panels))
    rows = math.ceil(len(panels) / columns)
    figure, axes = plt.subplots(rows, columns, figsize=(5.2 * columns, 4.0 * rows), squeeze=False)
    for axis in axes.flat[len(panels):]:
        axis.set_visible(False)
    for axis, (mdp, by_algorithm) in zip(axes.flat, panels.items()):
        bandit = all(r["states"] == "1" for rs in by_algorithm.values() for r in rs)
        gammas = sorted({r["gamma"] for rs in by_algorithm.values() for r in rs})
        for algorithm in sorted(by_algorithm, key=lambda a: list(COLOURS).index(a) if a in COLOURS else 9):
            members = by_algorithm[algorithm]
            # Each run's curve as {iteration: value}; a run that stopped early (converged) keeps
            # its last value afterwards, so the median does not jump when runs drop out.
            run_curves = []
            for run in members:
                points = {}
                for point in curves.get(run["run_id"], []):
                    value = (1.0 - float(point["optimal_action_prob"]) if bandit
                             else float(point["suboptimality"]))
                    points[int(point["iteration"])] = max(value, FLOOR)
                if points:
                    run_curves.append(points)
            if not run_curves:
                continue
            # Runs may be recorded at different iterations (one stops early and records its last
            # one): interpolate each in log space on the union of iterations.
            iterations = np.array(sorted({t for points in run_curves for t in points}))
            logs = []
            for points in run_curves:
                ts = np.array(sorted(points))
                logs.append(np.interp(iterations, ts, np.log10([points[t] for t in ts])))
            stacked = [10.0 ** np.array(column) for column in np.array(logs).T]
            median = np.array([np.median(v) for v in stacked])
            low = np.array([np.percentile(v, 25) for v in stacked])
            high = np.array([np.percentile(v, 75) for v in stacked])
            colour = COLOURS.get(algorithm, "tab:gray")
            label = (f"{LABELS.get(algorithm, algorithm)}, eta {step_text(members[0]['step_size'], members[0]['step_value'])}"
                     f" ({len(members)} run{'s' if len(members) > 1 else ''})")
            axis.plot(iterations, median, color=colour, label=label, linewidth=1.6)
            if len(members) > 1:
                axis.fill_between(iterations, low, high, color=colour, alpha=0.2, linewidth=0)
        axis.set_yscale("log")
        axis.set_xlabel("iteration t")
        axis.set_ylabel("1 - pi_t(a*)" if bandit else "suboptimality J* - J(pi_t)")
        axis.set_title(f"{mdp}\ngamma = {', '.join(gammas)}", fontsize="medium")
        axis.grid(True, which="major", alpha=0.3)
        axis.legend(loc="upper right", fontsize="x-small", framealpha=0.8)
    figure.suptitle("Convergence at each algorithm's best step size (median and interquartile range over seeds)",
                    fontsize="medium")
    figure.tight_layout()
    figures.mkdir(parents=True, exist_ok=True)
    for suffix in ("png", "pdf"):
        figure.savefig(figures / f"convergence.{suffix}", dpi=120)


if __name__ == "__main__":
    main()
