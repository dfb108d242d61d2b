#!/usr/bin/env python3
"""Figures of a sweep directory, written by `tabrl plot DIR --out FIGDIR [--all-steps]`.

Reads DIR/runs.csv, DIR/curves.csv and FIGDIR/summary.csv (from `tabrl summarize DIR --csv`,
which chooses each algorithm's best step size) and writes, as PNG and PDF:
  convergence            log suboptimality (1 - pi_t(a*) for bandits) against iteration, one panel
                         per MDP, one colour per algorithm, median and interquartile band over
                         seeds, the theory bound dashed where one exists;
  rate_vs_step           1 - q (q the fitted per-iteration contraction factor) against the step size;
  iterations_to_accuracy first iteration with value_error_inf <= eps against 1/eps, with
                         O(log 1/eps) and Theta(1/eps) reference slopes;
  spma_c                 SPMA's C_t (docs/theory.md, "Convergence guarantees") against iteration.
usage: plot_sweep.py DIR FIGDIR [--all-steps] [--partial]
A sweep whose runs.csv lacks runs listed in DIR/manifest.json is refused unless --partial is
given; then every figure title starts with "partial: N of M runs".
Edit freely: this script only reads the CSV files and the manifest.
"""
import csv
import json
import math
import sys
from collections import defaultdict
from pathlib import Path

try:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np
except ImportError as missing:
    sys.exit(f"plot_sweep.py: {sys.executable} cannot import {missing.name}: install Debian's "
             "python3-matplotlib (apt-get install python3-matplotlib)")

# One colour per algorithm, the same in every figure.
COLOURS = {"spma": "tab:blue", "npg": "tab:orange", "spg": "tab:green"}
LABELS = {"spma": "SPMA", "npg": "NPG", "spg": "softmax PG"}
ORDER = list(COLOURS)
FLOOR = 1e-16  # values at or below rounding are drawn at the floor
# "partial: N of M runs" when runs.csv lacks runs of the grid; prefixed to every figure title.
PARTIAL = ""


def read_rows(path):
    with open(path, newline="") as handle:
        return list(csv.DictReader(handle))


def number(text, default=math.nan):
    try:
        return float(text)
    except ValueError:
        return default


def step_text(run):
    step, value = run["step_size"], number(run["step_value"])
    clip = " (clip)" if run.get("clip") == "true" else ""
    try:
        return f"{float(step):.3g}{clip}"
    except ValueError:
        return (f"{step} = {value:.3g}" if not math.isnan(value) else step) + clip


def panel_grid(count, width=5.2, height=4.0):
    columns = min(3, count)
    rows = math.ceil(count / columns)
    figure, axes = plt.subplots(rows, columns, figsize=(width * columns, height * rows), squeeze=False)
    for axis in axes.flat[count:]:
        axis.set_visible(False)
    return figure, list(axes.flat[:count])


def title(mdp, runs):
    gammas = sorted({r["gamma"] for r in runs})
    return f"{mdp}\ngamma = {', '.join(gammas)}"


def suptitle(figure, text):
    """The figure title, saying first when the sweep is partial."""
    full = f"[{PARTIAL}] {text}" if PARTIAL else text
    figure.suptitle(full, fontsize="medium", color="tab:red" if PARTIAL else "black")
    figure.tabrl_title = full


def save(figure, figures, name):
    figure.tight_layout()
    # The title also goes into the file's metadata, where scripts (and tests) can read it.
    title = getattr(figure, "tabrl_title", name)
    for suffix in ("png", "pdf"):
        figure.savefig(figures / f"{name}.{suffix}", dpi=120, metadata={"Title": title})
    plt.close(figure)


def coverage(directory, runs):
    """(runs of the manifest present in runs.csv, runs in the manifest); None without one."""
    try:
        run_ids = json.loads((directory / "manifest.json").read_text())["run_ids"]
    except (OSError, ValueError, KeyError):
        return None
    present = {run["run_id"] for run in runs} & set(run_ids)
    return len(present), len(run_ids)


def median_band(run_curves):
    """Median and quartiles over runs of {iteration: value} curves, interpolated in log space on
    the union of iterations; a run that stopped early keeps its last value."""
    iterations = np.array(sorted({t for points in run_curves for t in points}))
    logs = []
    for points in run_curves:
        ts = np.array(sorted(points))
        logs.append(np.interp(iterations, ts, np.log10([points[t] for t in ts])))
    logs = np.array(logs)
    return (iterations, 10 ** np.median(logs, axis=0), 10 ** np.percentile(logs, 25, axis=0),
            10 ** np.percentile(logs, 75, axis=0))


def sorted_algorithms(names):
    return sorted(names, key=lambda a: ORDER.index(a) if a in ORDER else len(ORDER))


def convergence(panels, curves, figures):
    figure, axes = panel_grid(len(panels))
    for axis, (mdp, groups) in zip(axes, panels.items()):
        members_all = [r for rs in groups.values() for r in rs]
        bandit = all(r["states"] == "1" for r in members_all)
        longest = max(int(r["iterations"]) for r in members_all)
        stopped_early = []
        for (algorithm, step), members in sorted(groups.items(), key=lambda item: (ORDER.index(item[0][0]) if item[0][0] in ORDER else 9, number(item[1][0]["step_value"]))):
            values, bounds = [], []
            for run in members:
                points, bound_points = {}, {}
                for point in curves.get(run["run_id"], []):
                    t = int(point["iteration"])
                    value = (1.0 - float(point["optimal_action_prob"]) if bandit
                             else float(point["suboptimality"]))
                    points[t] = max(value, FLOOR)
                    bound = number(point["bound"])
                    if not math.isnan(bound) and bound > 0:
                        bound_points[t] = max(bound, FLOOR)
                if points:
                    values.append(points)
                if len(bound_points) >= 2:
                    bounds.append(bound_points)
            if not values:
                continue
            colour = COLOURS.get(algorithm, "tab:gray")
            iterations, median, low, high = median_band(values)
            # Runs stop at different iterations (stop_tolerance): draw up to the median end, so
            # that the line does not pretend a plateau after most runs have stopped.
            ends = [max(points) for points in values]
            cut = float(np.median(ends))
            keep = iterations <= cut
            iterations, median, low, high = iterations[keep], median[keep], low[keep], high[keep]
            stopped_early.append(cut if cut < longest else None)
            label = (f"{LABELS.get(algorithm, algorithm)}, eta {step_text(members[0])}"
                     f" ({len(members)} run{'s' if len(members) > 1 else ''})")
            axis.plot(iterations, median, color=colour, label=label, linewidth=1.6)
            if len(members) > 1:
                axis.fill_between(iterations, low, high, color=colour, alpha=0.2, linewidth=0)
            if bounds:
                b_iterations, b_median, _, _ = median_band(bounds)
                axis.plot(b_iterations, b_median, color=colour, linestyle="--", linewidth=1.0,
                          label=f"{LABELS.get(algorithm, algorithm)} theory bound")
        # When every fast method stopped early, zoom on them: the slow ones are cut, not hidden.
        early = [c for c in stopped_early if c is not None]
        if early and len(early) < len(stopped_early):
            axis.set_xlim(0, max(1.3 * max(early), 20))
        axis.set_yscale("log")
        top = axis.get_ylim()[1]
        axis.set_ylim(max(axis.get_ylim()[0], 1e-17), min(top, 1e4))
        axis.set_xlabel("iteration t")
        axis.set_ylabel("1 - pi_t(a*)" if bandit else "suboptimality J* - J(pi_t)")
        steps = ", ".join(f"{LABELS.get(a, a)} {step_text(rs[0])}"
                          for (a, _), rs in sorted(groups.items(), key=lambda item: ORDER.index(item[0][0]) if item[0][0] in ORDER else 9))
        axis.set_title(f"{title(mdp, members_all)}\neta: {steps}", fontsize="small")
        axis.grid(True, which="major", alpha=0.3)
        axis.legend(loc="best", fontsize="x-small", framealpha=0.8)
    suptitle(figure,
             "Convergence (median and interquartile range over seeds; dashed: theory bound)")
    save(figure, figures, "convergence")


def rate_vs_step(by_mdp, figures):
    figure, axes = panel_grid(len(by_mdp))
    for axis, (mdp, runs) in zip(axes, by_mdp.items()):
        for algorithm in sorted_algorithms({r["setting"] for r in runs}):
            per_step = defaultdict(list)
            for run in runs:
                if run["setting"] == algorithm and not math.isnan(number(run["rate"])):
                    per_step[number(run["step_value"])].append(number(run["rate"]))
            steps = sorted(s for s in per_step if not math.isnan(s) and s > 0)
            if not steps:
                continue
            decrease = [max(1.0 - float(np.median(per_step[s])), 1e-16) for s in steps]
            axis.plot(steps, decrease, marker="o", color=COLOURS.get(algorithm, "tab:gray"),
                      label=LABELS.get(algorithm, algorithm))
        axis.set_xscale("log")
        axis.set_yscale("log")
        axis.set_xlabel("step size eta")
        axis.set_ylabel("1 - q (q: fitted contraction per iteration)")
        axis.set_title(title(mdp, runs), fontsize="medium")
        axis.grid(True, which="major", alpha=0.3)
        axis.legend(loc="best", fontsize="x-small")
    suptitle(figure, "Fitted linear rate against step size (median over seeds; higher is faster)")
    save(figure, figures, "rate_vs_step")


def iterations_to_accuracy(panels, figures, tolerance_columns):
    figure, axes = panel_grid(len(panels))
    for axis, (mdp, groups) in zip(axes, panels.items()):
        members_all = [r for rs in groups.values() for r in rs]
        anchor = None
        for (algorithm, step), members in sorted(groups.items(), key=lambda item: ORDER.index(item[0][0]) if item[0][0] in ORDER else 9):
            xs, ys = [], []
            for column, eps in tolerance_columns:
                reached = [number(r[column], math.inf) for r in members]
                median = float(np.median(reached))
                if math.isfinite(median):
                    xs.append(1.0 / eps)
                    ys.append(max(median, 1.0))
            if xs:
                axis.plot(xs, ys, marker="o", color=COLOURS.get(algorithm, "tab:gray"),
                          label=f"{LABELS.get(algorithm, algorithm)}, eta {step_text(members[0])}")
                anchor = anchor or (xs[0], ys[0])
        if anchor:
            x = np.logspace(math.log10(min(1.0 / e for _, e in tolerance_columns)),
                            math.log10(max(1.0 / e for _, e in tolerance_columns)), 50)
            axis.plot(x, anchor[1] * np.log(x) / math.log(anchor[0]), color="black", linestyle=":",
                      linewidth=1.0, label="O(log 1/eps) reference")
            axis.plot(x, anchor[1] * x / anchor[0], color="gray", linestyle="--", linewidth=1.0,
                      label="Theta(1/eps) reference")
        axis.set_xscale("log")
        axis.set_yscale("log")
        axis.set_xlabel("1 / eps")
        axis.set_ylabel("first iteration with value_error_inf <= eps")
        axis.set_title(title(mdp, members_all), fontsize="medium")
        axis.grid(True, which="major", alpha=0.3)
        axis.legend(loc="upper left", fontsize="x-small")
    suptitle(figure,
             "Iterations to accuracy at each algorithm's best step size (median over seeds)")
    save(figure, figures, "iterations_to_accuracy")


def spma_c(panels, curves, figures):
    spma = {mdp: [r for (a, _), rs in groups.items() if a == "spma" for r in rs]
            for mdp, groups in panels.items()}
    spma = {mdp: runs for mdp, runs in spma.items() if runs}
    if not spma:
        return
    figure, axes = panel_grid(len(spma))
    for axis, (mdp, runs) in zip(axes, spma.items()):
        for run in runs:
            points = [(int(p["iteration"]), number(p["spma_c"])) for p in curves.get(run["run_id"], [])]
            points = [(t, c) for t, c in points if not math.isnan(c) and c > 0]
            if points:
                axis.plot(*zip(*points), color=COLOURS["spma"], alpha=0.7, linewidth=1.0)
        axis.set_yscale("log")
        axis.set_xlabel("iteration t")
        axis.set_ylabel("C_t = min_s pi_t(s, g_t(s)) gap_t(s)")
        axis.set_title(f"{title(mdp, runs)}, SPMA eta {step_text(runs[0])}", fontsize="medium")
        axis.grid(True, which="major", alpha=0.3)
    suptitle(figure, "SPMA's C_t (docs/theory.md): linear convergence once it stays away from 0")
    save(figure, figures, "spma_c")


def main():
    global PARTIAL
    directory, figures = Path(sys.argv[1]), Path(sys.argv[2])
    all_steps = "--all-steps" in sys.argv[3:]
    allow_partial = "--partial" in sys.argv[3:]
    runs = read_rows(directory / "runs.csv")
    counts = coverage(directory, runs)
    if counts and counts[0] < counts[1]:
        if not allow_partial:
            print(f"plot_sweep.py: {directory}/runs.csv holds {counts[0]} of {counts[1]} runs of "
                  "the sweep; finish the sweep (run it again, or `tabrl merge`) or pass --partial",
                  file=sys.stderr)
            sys.exit(2)
        PARTIAL = f"partial: {counts[0]} of {counts[1]} runs"
    best = {(row["mdp"], row["algorithm"]): row["best_step"]
            for row in read_rows(figures / "summary.csv")}
    curves = defaultdict(list)
    for row in read_rows(directory / "curves.csv"):
        curves[row["run_id"]].append(row)
    tolerance_columns = sorted(((name, float(name[len("iters_to_"):])) for name in runs[0]
                                if name.startswith("iters_to_")), key=lambda item: -item[1]) if runs else []

    by_mdp = defaultdict(list)
    # mdp -> (setting, step) -> runs; a setting is the algorithm with its non-default parameters
    # and initial policy (runs.csv `setting`), as summaries group them.
    panels = defaultdict(lambda: defaultdict(list))
    for run in runs:
        by_mdp[run["mdp_label"]].append(run)
        step_key = run["step_size"] + ("+clip" if run["clip"] == "true" else "")
        if all_steps or best.get((run["mdp_label"], run["setting"])) == step_key:
            panels[run["mdp_label"]][(run["setting"], step_key)].append(run)
    if not panels:
        sys.exit("plot_sweep.py: no finished runs to plot")
    figures.mkdir(parents=True, exist_ok=True)
    convergence(panels, curves, figures)
    rate_vs_step(by_mdp, figures)
    if tolerance_columns:
        iterations_to_accuracy(panels, figures, tolerance_columns)
    spma_c(panels, curves, figures)


if __name__ == "__main__":
    main()
