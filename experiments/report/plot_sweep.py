#!/usr/bin/env python3
"""Figures of a sweep directory, written by `tabrl plot DIR --out FIGDIR [--all-steps]`.

Reads DIR/runs.csv, DIR/curves.csv, FIGDIR/summary.csv (from `tabrl summarize DIR --csv`,
which chooses each algorithm's best step size) and FIGDIR/algorithms.csv (the registry's
algorithms in order: each keeps its colour in every figure; the labels are runs.csv's settings)
and writes, as PNG and PDF:
  convergence            log suboptimality (1 - pi_t(a*) for bandits) against iteration, one panel
                         per MDP, one colour per algorithm, median and interquartile band over
                         seeds, the theory bound dashed where one exists;
  theory_steps           the same for the runs at a named step rule (safe, theory, gap), when any;
  loglog                 value_error_inf against iteration on log-log axes, every step size, with
                         reference slopes -1 and -2;
  escape_time            iterations to the largest tolerance against the scale of the adversarial
                         start, when the sweep has such starts;
  rate_vs_step           1 - q (q the fitted per-iteration contraction factor) against the step size;
  iterations_to_accuracy first iteration with value_error_inf <= eps against 1/eps, with
                         O(log 1/eps) and Theta(1/eps) reference slopes;
  spma_c                 SPMA's C_t (docs/theory.md, "Convergence guarantees") against iteration.
Sweeps with log-linear runs (a `features` column) also get:
  fa_convergence         suboptimality against iteration, one colour per feature set: exact SPMA
                         (solid) at the largest step valid for all its feature sets, NPG (dashed)
                         and softmax PG (dotted);
  fa_floor_vs_k          exact SPMA's floor against the feature dimension k, one line per step
                         (one-hot drawn at k = S A; hollow: still descending at the end);
  fa_spma_minus_mdpo     (MDPO - SPMA) / MDPO of the final suboptimalities against the number of
                         inner steps m, one line per feature set and inner step size.
usage: plot_sweep.py DIR FIGDIR [--all-steps] [--partial]
A sweep whose runs.csv lacks runs listed in DIR/manifest.json is refused unless --partial is
given; then every figure title starts with "partial: N of M runs".
Edit freely: this script only reads the CSV files and the manifest.
"""
import csv
import functools
import json
import math
import os
import signal
import socket
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

# One colour per algorithm, by its place in the registry (FIGDIR/algorithms.csv), the same in
# every figure; a setting (an algorithm with parameters or a start) takes its algorithm's colour.
PALETTE = list(plt.get_cmap("tab10").colors) + list(plt.get_cmap("Dark2").colors)
ORDER = []       # registry names, in registry order
ALL_STEPS = False  # --all-steps: every step is drawn, panels per MDP instance, no zoom
ALGORITHM = {}   # setting -> registry name (from runs.csv)
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
    if not step:
        return "no step"
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
        save_atomically(figure, figures / f"{name}.{suffix}", suffix, title)
    plt.close(figure)


def save_atomically(figure, path, suffix, title):
    """Writes the figure to a temporary file beside `path` and renames it into place, so that an
    interrupted plot never leaves a truncated figure (docs/reliability.md). The temporary is named
    as tabrl names its own (NAME.tmp.HOST.PID): one left by a killed process is removed by the
    next tabrl command writing to this directory."""
    host = (socket.gethostname() or "localhost").replace("/", "_")
    temporary = path.with_name(f"{path.name}.tmp.{host}.{os.getpid()}")
    try:
        figure.savefig(temporary, format=suffix, dpi=120, metadata={"Title": title})
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


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


def order_key(setting):
    algorithm = ALGORITHM.get(setting, setting)
    return (ORDER.index(algorithm) if algorithm in ORDER else len(ORDER), setting)


def colour(setting):
    algorithm = ALGORITHM.get(setting, setting)
    if algorithm not in ORDER:  # not in the registry's list (an older tabrl): next colour
        ORDER.append(algorithm)
    return PALETTE[ORDER.index(algorithm) % len(PALETTE)]


def shade(setting, step, groups):
    """The algorithm's colour, darker for larger steps when a panel has several of its steps."""
    steps = sorted({s for (a, s), members in groups.items() if a == setting},
                   key=lambda s: number(groups[(setting, s)][0]["step_value"]))
    base = np.array(matplotlib.colors.to_rgb(colour(setting)))
    if len(steps) < 2:
        return tuple(base)
    position = steps.index(step) / (len(steps) - 1)  # 0 (smallest step) .. 1 (largest)
    light, dark = base + (1.0 - base) * 0.55, base * 0.55
    return tuple(light + (dark - light) * position)


def sorted_algorithms(names):
    return sorted(names, key=order_key)


def steps_sorted(groups):
    """(setting, step) groups in registry order, then by step value."""
    return sorted(groups.items(), key=lambda item: (order_key(item[0][0]), number(item[1][0]["step_value"])))


def convergence(panels, curves, figures, name="convergence",
                heading="Convergence (median and interquartile range over seeds; dashed: theory bound)"):
    figure, axes = panel_grid(len(panels), width=8.0)
    for axis, (mdp, groups) in zip(axes, panels.items()):
        members_all = [r for rs in groups.values() for r in rs]
        # A bandit is one state with gamma = 0 (docs/theory.md): one state with gamma > 0 is an
        # MDP, whose curves leave optimal_action_prob empty.
        bandit = all(r["states"] == "1" and float(r["gamma"]) == 0.0 for r in members_all)
        longest = max(int(r["iterations"]) for r in members_all)
        stopped_early = []
        for (algorithm, step), members in steps_sorted(groups):
            values, bounds = [], []
            for run in members:
                points, bound_points = {}, {}
                for point in curves.get(run["run_id"], []):
                    t = int(point["iteration"])
                    value = (1.0 - float(point["optimal_action_prob"]) if bandit
                             else float(point["suboptimality"]))
                    points[t] = max(value, FLOOR)
                    bound = number(point["bound"])
                    # A bandit panel shows 1 - pi_t(a*): only the bounds stated on it are drawn
                    # (SPMA's); those on J* - J (npg_agarwal, spg_bandit) are not comparable.
                    delta_bound = run["theory_bound"].startswith("spma_bandit")
                    if not math.isnan(bound) and bound > 0 and (delta_bound or not bandit):
                        bound_points[t] = max(bound, FLOOR)
                if points:
                    values.append(points)
                if len(bound_points) >= 2:
                    bounds.append(bound_points)
            if not values:
                continue
            line_colour = shade(algorithm, step, groups)
            iterations, median, low, high = median_band(values)
            # Runs stop at different iterations (stop_tolerance): draw up to the median end, so
            # that the line does not pretend a plateau after most runs have stopped.
            ends = [max(points) for points in values]
            cut = float(np.median(ends))
            keep = iterations <= cut
            iterations, median, low, high = iterations[keep], median[keep], low[keep], high[keep]
            stopped_early.append(cut if cut < longest else None)
            label = (f"{algorithm}, eta {step_text(members[0])}" if members[0]["step_size"]
                     else algorithm) + f" ({len(members)} run{'s' if len(members) > 1 else ''})"
            # Each later line is thinner, so that coinciding curves (SPMA and NPG at a small
            # step agree to first order) stay visible.
            width = max(3.8 - 1.1 * len(stopped_early), 1.0)
            ended = sorted({r["status"] for r in members} - {"converged", "max_iterations"})
            if ended:  # a run that stopped on a status (step_invalid, non_finite): marked x
                label += f" [{', '.join(ended)}]"
            axis.plot(iterations, median, color=line_colour, label=label, linewidth=width)
            if ended and len(iterations):
                axis.plot(iterations[-1:], median[-1:], marker="x", markersize=8,
                          color=line_colour, linestyle="none")
            if len(members) > 1:
                axis.fill_between(iterations, low, high, color=line_colour, alpha=0.2, linewidth=0)
            if bounds:
                b_iterations, b_median, _, _ = median_band(bounds)
                axis.plot(b_iterations, b_median, color=line_colour, linestyle="--", linewidth=1.0,
                          label=f"{algorithm} theory bound ({members[0]['theory_bound']})")
        # When every fast method stopped early, zoom on them: the slow ones are cut, not hidden.
        early = [c for c in stopped_early if c is not None]
        if early and len(early) < len(stopped_early) and not ALL_STEPS:
            axis.set_xlim(0, max(1.3 * max(early), 20))
        axis.set_yscale("log")
        top = axis.get_ylim()[1]
        axis.set_ylim(max(axis.get_ylim()[0], 1e-17), min(top, 1e4))
        axis.set_xlabel("iteration t")
        axis.set_ylabel("1 - pi_t(a*)" if bandit else "suboptimality J* - J(pi_t)")
        axis.set_title(title(mdp, members_all), fontsize="small")
        axis.grid(True, which="major", alpha=0.3)
        if bandit and any(not r["theory_bound"].startswith("spma_bandit") and r["theory_bound"] != "none"
                          for r in members_all):
            axis.set_title(axis.get_title() + "\n(bounds on J* - J not drawn on 1 - pi(a*))",
                           fontsize="small")
        axis.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize="x-small",
                    framealpha=0.8)
    suptitle(figure, heading)
    save(figure, figures, name)


def with_several_steps(by_mdp):
    """The MDPs whose runs have at least two step values: with one step per method, or none (pi,
    vi), there is nothing to draw against the step."""
    return {mdp: runs for mdp, runs in by_mdp.items()
            if len({r["step_value"] for r in runs if r["step_size"]}) >= 2}


def fitted_on_regularised_error(curves):
    """The run ids whose curves carry the regularised error (entropy-regularised methods): their
    rate is fitted on it, not on value_error_inf (docs/sweeps.md, "Rate analysis")."""
    return {run_id for run_id, rows in curves.items()
            if rows and (rows[0].get("reg_q_error_inf") or rows[0].get("reg_suboptimality"))}


def rate_vs_step(by_mdp, curves, figures):
    by_mdp = with_several_steps(by_mdp)
    if not by_mdp:
        return
    regularised_runs = fitted_on_regularised_error(curves)
    any_regularised = False
    figure, axes = panel_grid(len(by_mdp))
    for axis, (mdp, runs) in zip(axes, by_mdp.items()):
        for algorithm in sorted_algorithms({r["setting"] for r in runs}):
            regularised = any(r["run_id"] in regularised_runs for r in runs
                              if r["setting"] == algorithm)
            per_step = defaultdict(list)
            for run in runs:
                # A rate fitted over fewer than 10 iterations (a run done in a few steps) says
                # nothing about a rate.
                window = number(run["rate_last_iteration"]) - number(run["rate_first_iteration"])
                if run["setting"] == algorithm and not math.isnan(number(run["rate"])) and window >= 10:
                    per_step[number(run["step_value"])].append(number(run["rate"]))
            steps = sorted(s for s in per_step if not math.isnan(s) and s > 0)
            if not steps:
                continue
            decrease = [max(1.0 - float(np.median(per_step[s])), 1e-16) for s in steps]
            any_regularised = any_regularised or regularised
            axis.plot(steps, decrease, marker="o", color=colour(algorithm),
                      linestyle="--" if regularised else "-",
                      label=algorithm + (" (regularised error)" if regularised else ""))
        axis.set_xscale("log")
        axis.set_yscale("log")
        axis.set_xlabel("step size eta")
        axis.set_ylabel("1 - q (q: fitted contraction per iteration)")
        axis.set_title(title(mdp, runs), fontsize="medium")
        axis.grid(True, which="major", alpha=0.3)
        axis.legend(loc="best", fontsize="x-small")
    heading = "Fitted linear rate against step size (median over seeds; higher is faster)"
    if any_regularised:
        # Their rate is that of reg_q_error_inf (reg_suboptimality on bandits).
        heading += "\ndashed: entropy-regularised, the rate of their regularised error"
    suptitle(figure, heading)
    save(figure, figures, "rate_vs_step")


def iterations_to_accuracy(panels, figures, tolerance_columns):
    figure, axes = panel_grid(len(panels))
    for axis, (mdp, groups) in zip(axes, panels.items()):
        members_all = [r for rs in groups.values() for r in rs]
        anchor = None
        for (algorithm, step), members in steps_sorted(groups):
            xs, ys = [], []
            for column, eps in tolerance_columns:
                reached = [number(r[column], math.inf) for r in members]
                median = float(np.median(reached))
                if math.isfinite(median):
                    xs.append(1.0 / eps)
                    ys.append(max(median, 1.0))
            if xs:
                axis.plot(xs, ys, marker="o", color=colour(algorithm),
                          label=f"{algorithm}, eta {step_text(members[0])}")
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
    spma = {mdp: [r for (a, _), rs in groups.items() if ALGORITHM.get(a) == "spma" for r in rs]
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
                axis.plot(*zip(*points), color=colour("spma"), alpha=0.7, linewidth=1.0)
        axis.set_yscale("log")
        axis.set_xlabel("iteration t")
        axis.set_ylabel("C_t = min_s pi_t(s, g_t(s)) gap_t(s)")
        axis.set_title(f"{title(mdp, runs)}, SPMA eta {step_text(runs[0])}", fontsize="medium")
        axis.grid(True, which="major", alpha=0.3)
    suptitle(figure, "SPMA's C_t (docs/theory.md): linear convergence once it stays away from 0")
    save(figure, figures, "spma_c")


def iterations_vs_step(by_mdp, figures, tolerance_columns):
    """Iterations to the smallest tolerance against eta, one line per method; policy iteration
    (no step) as a horizontal line: where both SPMA and NPG meet it, both are PI."""
    column, eps = tolerance_columns[-1]
    stepped = with_several_steps(by_mdp)
    if not stepped:
        return
    figure, axes = panel_grid(len(stepped), width=6.0)
    for axis, (mdp, runs) in zip(axes, stepped.items()):
        for algorithm in sorted_algorithms({r["setting"] for r in runs}):
            members = [r for r in runs if r["setting"] == algorithm]
            if not members[0]["step_size"]:
                reached = [number(r[column], math.inf) for r in members]
                if math.isfinite(min(reached)):
                    axis.axhline(max(min(reached), 1), color=colour(algorithm), linestyle=":",
                                 label=f"{algorithm} (no step)")
                continue
            label = algorithm + (" (clip)" if members[0]["clip"] == "true" else "")
            instances = defaultdict(list)  # one line per MDP instance (each Garnet seed)
            for run in members:
                instances[run["mdp"]].append(run)
            for index, runs_of_instance in enumerate(instances.values()):
                points = sorted(((number(r["step_value"]), number(r[column], math.inf), r)
                                 for r in runs_of_instance), key=lambda point: point[:2])
                reached = [(s, max(y, 1)) for s, y, _ in points if math.isfinite(y)]
                line, = axis.plot([s for s, _ in reached], [y for _, y in reached], marker="o",
                                  color=colour(algorithm), label=label if index == 0 else None)
                # A run that ended in error has no iterations to draw.
                missed = [(s, int(r["iterations"])) for s, y, r in points
                          if not math.isfinite(y) and r["iterations"]]
                if missed:
                    axis.plot([s for s, _ in missed], [b for _, b in missed], marker="^",
                              linestyle="none", color=line.get_color())
        axis.set_xscale("log")
        axis.set_yscale("log")
        axis.set_xlabel("step size eta")
        axis.set_ylabel(f"first iteration with value_error_inf <= {eps:g}")
        axis.set_title(title(mdp, runs), fontsize="small")
        axis.grid(True, which="major", alpha=0.3)
        axis.legend(loc="upper right", fontsize="x-small")
    suptitle(figure, "Iterations to the smallest tolerance against the step size (one line per "
                     "MDP instance; triangles: not reached within the budget; dotted: PI)")
    save(figure, figures, "iterations_vs_step")


LINESTYLES = ["-", "--", "-.", ":", (0, (5, 1, 1, 1, 1, 1))]
STEP_STYLE = {}  # step as written -> line style, the same in every panel


def loglog(panels, curves, figures):
    """Every step of every method, value_error_inf against t on log-log axes: a Theta(1/t) tail
    is a line of slope -1, an O(1/t^2) tail one of slope -2, a linear rate bends down."""
    figure, axes = panel_grid(len(panels), width=8.0)
    for axis, (mdp, groups) in zip(axes, panels.items()):
        members_all = [r for rs in groups.values() for r in rs]
        ends = []
        for (algorithm, step), members in steps_sorted(groups):
            values = []
            for run in members:
                points = {int(p["iteration"]): max(float(p["value_error_inf"]), FLOOR)
                          for p in curves.get(run["run_id"], []) if int(p["iteration"]) >= 1}
                if points:
                    values.append(points)
            if not values:
                continue
            iterations, median, _, _ = median_band(values)
            linestyle = STEP_STYLE.setdefault(step, LINESTYLES[len(STEP_STYLE) % len(LINESTYLES)])
            axis.plot(iterations, median, color=colour(algorithm), linestyle=linestyle,
                      linewidth=1.3, label=f"{algorithm}, eta {step_text(members[0])}")
            ends.append((iterations[-1], median[-1]))
        # The reference slopes end at the median final value of the curves still running at
        # the budget.
        longest = max((t for t, _ in ends), default=0)
        finals = sorted(v for t, v in ends if t == longest and v > 1e-12)
        if longest > 100 and finals:
            last_t, last_value = longest, finals[len(finals) // 2]
            x = np.array([last_t / 100.0, last_t])
            for slope, shade in ((-1, "black"), (-2, "gray")):
                axis.plot(x, last_value * (x / last_t) ** slope, color=shade, linestyle=":",
                          linewidth=1.2, label=f"slope {slope}")
        axis.set_xscale("log")
        axis.set_yscale("log")
        axis.set_ylim(max(axis.get_ylim()[0], 1e-17), min(axis.get_ylim()[1], 1e4))
        axis.set_xlabel("iteration t")
        axis.set_ylabel("value_error_inf = ||V* - V_t||_inf")
        axis.set_title(title(mdp, members_all), fontsize="small")
        axis.grid(True, which="major", alpha=0.3)
        axis.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize="xx-small",
                    framealpha=0.8)
    suptitle(figure, "Tails on log-log axes (median over seeds; dotted: slopes -1 and -2)")
    save(figure, figures, "loglog")


def adversarial_scale(init):
    if init == "uniform":
        return 0.0
    if init.startswith("adversarial(scale=") and init.endswith(")"):
        return number(init[len("adversarial(scale="):-1])
    return math.nan


def escape_time(by_mdp, figures, tolerance_columns):
    """Iterations to the largest tolerance against the adversarial start's scale (0: uniform)."""
    column = tolerance_columns[0][0]
    figure, axes = panel_grid(len(by_mdp))
    for axis, (mdp, runs) in zip(axes, by_mdp.items()):
        methods = defaultdict(dict)
        for run in runs:
            scale = adversarial_scale(run["init"])
            if not math.isnan(scale):
                methods[(run["algorithm"], run["step_size"], run["clip"])][scale] = run
        for (algorithm, _, _), members in sorted(methods.items(), key=lambda item: order_key(item[0][0])):
            scales = sorted(members)
            ys = [number(members[s][column], math.inf) for s in scales]
            label = f"{algorithm}, eta {step_text(members[scales[0]])}"
            reached = [(s, y) for s, y in zip(scales, ys) if math.isfinite(y)]
            line, = axis.plot([s for s, _ in reached], [max(y, 1) for _, y in reached], marker="o",
                              color=colour(algorithm), label=label,
                              linestyle="--" if members[scales[0]]["clip"] == "true" else "-")
            budget = [s for s, y in zip(scales, ys) if not math.isfinite(y)]
            if budget:
                top = max(int(members[s]["iterations"]) for s in budget)
                axis.plot(budget, [top] * len(budget), marker="^", linestyle="none",
                          color=line.get_color())
        axis.set_yscale("log")
        axis.set_xlabel("adversarial scale (logit of the worst action; 0: uniform)")
        axis.set_ylabel(f"first iteration with value_error_inf <= {tolerance_columns[0][1]:g}")
        axis.set_title(title(mdp, runs), fontsize="small")
        axis.grid(True, which="major", alpha=0.3)
        axis.legend(loc="upper left", fontsize="xx-small")
    suptitle(figure, "Escape from the adversarial start (triangles: not reached within the budget)")
    save(figure, figures, "escape_time")


def feature_dim(run):
    """k of random(dim=k), S A for one-hot, the feature count of a feature file (NaN if the file
    cannot be read any more)."""
    features = run["features"]
    if features == "one_hot":
        return int(run["states"]) * int(run["actions"])
    if "dim=" in features:
        return int(features.split("dim=")[1].split(",")[0].split(")")[0])
    return feature_file_dim(features)


@functools.lru_cache(maxsize=None)
def feature_file_dim(path):
    """k of a feature file: the f0, f1, ... columns of a CSV header, `dim` of a TOML [features]
    table (the file as runs.csv names it, an absolute path)."""
    try:
        if path.endswith(".toml"):
            import tomllib
            with open(path, "rb") as stream:
                return int(tomllib.load(stream)["features"]["dim"])
        with open(path, encoding="utf-8-sig") as stream:
            header = next(line for line in stream if line.strip())
        return sum(1 for column in header.strip().split(",")[2:] if column.strip().startswith("f"))
    except (OSError, ValueError, KeyError, StopIteration, TypeError):
        return math.nan


def spec_value(spec, key):
    """The value of key= in a resolved spec, '' when absent."""
    for part in spec.replace("(", ",").replace(")", ",").split(","):
        if part.startswith(key + "="):
            return part[len(key) + 1:]
    return ""


def features_label(run):
    k = feature_dim(run)
    return f"one-hot (k = {k})" if run["features"] == "one_hot" else f"k = {k}"


def feature_colours(runs):
    """One colour per feature set, in increasing k (one-hot after random features of its k)."""
    keys = sorted({r["features"] for r in runs},
                  key=lambda f: (feature_dim(next(r for r in runs if r["features"] == f)),
                                 f == "one_hot", f))
    cmap = plt.get_cmap("viridis")
    return {f: cmap(i / max(len(keys) - 1, 1) * 0.9) for i, f in enumerate(keys)}


def is_exact_spma(run):
    return run["algorithm"] == "spma" and spec_value(run["algorithm_spec"], "inner_steps") in ("", "0")


def finished(run):
    return run["status"] in ("converged", "max_iterations")


def fa_figures(runs, curves, figures):
    """The log-linear figures (docs/reproduce.md, "Log-linear policies")."""
    fa = [r for r in runs if r.get("features")]
    mdps = list(dict.fromkeys(r["mdp"] for r in fa))
    colours = feature_colours(fa)

    # Suboptimality against iteration, one colour per feature set.
    figure, axes = panel_grid(len(mdps), width=7.5)
    for axis, mdp in zip(axes, mdps):
        exact = [r for r in fa if r["mdp"] == mdp and is_exact_spma(r)]
        steps = sorted({float(r["step_size"]) for r in exact})
        valid = [s for s in steps
                 if all(finished(r) for r in exact if float(r["step_size"]) == s)]
        chosen = max(valid) if valid else None
        lines = [(r, "-", "SPMA") for r in exact if chosen is not None and float(r["step_size"]) == chosen]
        lines += [(r, "--", "NPG") for r in fa if r["mdp"] == mdp and r["algorithm"] == "npg"]
        lines += [(r, ":", "softmax PG") for r in fa if r["mdp"] == mdp and r["algorithm"] == "spg"]
        for run, style, name in lines:
            points = sorted((int(p["iteration"]), max(float(p["suboptimality"]), FLOOR))
                            for p in curves.get(run["run_id"], []))
            if not points:
                continue
            axis.plot([t for t, _ in points], [v for _, v in points], linestyle=style,
                      color=colours.get(run["features"], "grey"),
                      label=f"{name}, eta {step_text(run)}, {features_label(run)}")
        axis.set_yscale("log")
        axis.set_xlabel("iteration t")
        axis.set_ylabel("suboptimality J* - J(pi_t)")
        axis.set_title(mdp, fontsize="small")
        axis.grid(True, alpha=0.3)
        axis.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize="x-small")
    suptitle(figure, "Log-linear policies: exact SPMA (solid) at the largest step valid for every "
             "feature set, NPG (dashed), softmax PG (dotted)")
    save(figure, figures, "fa_convergence")

    # The floor against k (runs whose k is unknown, a feature file no longer readable, left out).
    with_k = [r for r in fa if is_exact_spma(r) and finished(r) and math.isfinite(feature_dim(r))]
    if with_k:
        floor_vs_k(with_k, mdps, figures)

    inner_step_figure(fa, mdps, colours, figures)


def floor_vs_k(fa, mdps, figures):
    figure, axes = panel_grid(len(mdps))
    for axis, mdp in zip(axes, mdps):
        exact = [r for r in fa if r["mdp"] == mdp]
        for i, step in enumerate(sorted({r["step_size"] for r in exact}, key=float)):
            members = sorted((r for r in exact if r["step_size"] == step), key=feature_dim)
            ks = [feature_dim(r) for r in members]
            floors = [max(number(r["floor"]), FLOOR) for r in members]
            colour = PALETTE[i % len(PALETTE)]
            axis.plot(ks, floors, color=colour, label=f"eta {step}")
            for r, k, f in zip(members, ks, floors):
                # As the report decides (docs/reproduce.md): still descending unless the floor
                # vanished (<= 1e-6 |J*|) or its drift is at most 1e-2.
                vanished = number(r["floor"]) <= 1e-6 * abs(number(r["optimal_objective"]))
                descending = not vanished and not number(r["floor_drift"]) <= 1e-2
                one_hot = r["features"] == "one_hot"
                # The star is drawn under the circles: random features with k = S A share its x.
                axis.plot([k], [f], marker="*" if one_hot else "o",
                          markersize=13 if one_hot else 6, zorder=2 if one_hot else 3,
                          markerfacecolor="none" if descending else colour, color=colour)
        axis.set_xscale("log", base=2)
        axis.set_yscale("log")
        axis.set_xlabel("feature dimension k (star: one-hot, k = S A)")
        axis.set_ylabel("floor: smallest suboptimality, last tenth")
        axis.set_title(mdp, fontsize="small")
        axis.grid(True, alpha=0.3)
        axis.legend(fontsize="x-small")
    suptitle(figure, "Exact log-linear SPMA: the floor against the feature dimension "
             "(hollow: still descending at the end of the budget)")
    save(figure, figures, "fa_floor_vs_k")


def inner_step_figure(fa, mdps, colours, figures):
    # (MDPO - SPMA) / MDPO against m.
    inner = [r for r in fa if r["algorithm"] in ("spma", "mdpo") and not is_exact_spma(r)]
    if not inner:
        return
    figure, axes = panel_grid(len(mdps))
    for axis, mdp in zip(axes, mdps):
        finals = defaultdict(dict)  # (features, alpha) -> m -> {algorithm: final}
        for r in inner:
            if r["mdp"] != mdp or not finished(r):
                continue
            key = (r["features"], spec_value(r["algorithm_spec"], "inner_step_size"))
            m = int(spec_value(r["algorithm_spec"], "inner_steps"))
            finals[key].setdefault(m, {})[r["algorithm"]] = (float(r["final_suboptimality"]), r)
        for (features, alpha), by_m in finals.items():
            ms = sorted(m for m in by_m if len(by_m[m]) == 2)
            if not ms:
                continue
            gaps = [(by_m[m]["mdpo"][0] - by_m[m]["spma"][0]) / max(abs(by_m[m]["mdpo"][0]), 1e-300)
                    for m in ms]
            run = by_m[ms[0]]["spma"][1]
            largest_alpha = max(float(spec_value(r["algorithm_spec"], "inner_step_size"))
                                for r in inner)
            axis.plot(ms, gaps, marker="o", color=colours.get(run["features"], "grey"),
                      linestyle="-" if float(alpha) == largest_alpha else "--",
                      label=f"{features_label(run)}, alpha {alpha}")
        axis.axhline(0.0, color="black", linewidth=0.8)
        # Ties: within 1e-3 relative, as the report counts them.
        axis.axhspan(-1e-3, 1e-3, color="grey", alpha=0.15, linewidth=0)
        axis.set_xscale("log")
        axis.set_yscale("symlog", linthresh=1e-4)
        axis.set_xlabel("inner steps m")
        axis.set_ylabel("(MDPO - SPMA) / MDPO, final suboptimality")
        axis.set_title(mdp, fontsize="small")
        axis.grid(True, alpha=0.3)
        axis.legend(fontsize="x-small")
    suptitle(figure, "SPMA against MDPO with m inner steps (above 0: SPMA ends lower)")
    save(figure, figures, "fa_spma_minus_mdpo")


def main():
    global PARTIAL, ALL_STEPS
    directory, figures = Path(sys.argv[1]), Path(sys.argv[2])
    all_steps = "--all-steps" in sys.argv[3:]
    ALL_STEPS = all_steps
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
    if (figures / "algorithms.csv").exists():
        ORDER.extend(row["name"] for row in read_rows(figures / "algorithms.csv"))
    else:
        print(f"plot_sweep.py: no {figures}/algorithms.csv (written by `tabrl plot`): colours "
              "follow the order in which algorithms appear", file=sys.stderr)
    ALGORITHM.update((run["setting"], run["algorithm"]) for run in runs)
    curves = defaultdict(list)
    for row in read_rows(directory / "curves.csv"):
        curves[row["run_id"]].append(row)
    tolerance_columns = sorted(((name, float(name[len("iters_to_"):])) for name in runs[0]
                                if name.startswith("iters_to_")), key=lambda item: -item[1]) if runs else []

    by_mdp = defaultdict(list)
    # mdp -> (setting, step) -> runs; a setting is the algorithm with its non-default parameters
    # and initial policy (runs.csv `setting`), as summaries group them.
    panels = defaultdict(lambda: defaultdict(list))
    every_step = defaultdict(lambda: defaultdict(list))
    theory = defaultdict(lambda: defaultdict(list))
    for run in runs:
        if not run["iterations"]:  # ended before its first iterate (its MDP was not built)
            continue
        by_mdp[run["mdp_label"]].append(run)
        step_key = run["step_size"] + ("+clip" if run["clip"] == "true" else "")
        if all_steps:  # every run: one panel per MDP instance (each seed its own)
            panels[run["mdp"]][(run["setting"], step_key)].append(run)
        elif best.get((run["mdp_label"], run["setting"])) == step_key:
            panels[run["mdp_label"]][(run["setting"], step_key)].append(run)
        every_step[run["mdp_label"]][(run["setting"], step_key)].append(run)
        if run["step_size"] in ("safe", "theory", "gap"):
            theory[run["mdp_label"]][(run["setting"], step_key)].append(run)
    if not panels:
        sys.exit("plot_sweep.py: no finished runs to plot")
    figures.mkdir(parents=True, exist_ok=True)
    convergence(panels, curves, figures)
    if theory:
        convergence(theory, curves, figures, "theory_steps",
                    "Every method at its theory or safe step (median over seeds; dashed: the "
                    "bound it is checked against)")
    loglog(every_step, curves, figures)
    if tolerance_columns and any(r["init"].startswith("adversarial(") for r in runs):
        escape_time(by_mdp, figures, tolerance_columns)
    rate_vs_step(by_mdp, curves, figures)
    if tolerance_columns:
        iterations_vs_step(by_mdp, figures, tolerance_columns)
    if tolerance_columns:
        iterations_to_accuracy(panels, figures, tolerance_columns)
    spma_c(panels, curves, figures)
    if any(r.get("features") for r in runs):
        fa_figures(runs, curves, figures)


class Interrupted(BaseException):
    """A signal that ends the script: raised where the script is, so that `save_atomically` removes
    its temporary on the way out."""


def interrupt(signal_number, _frame):
    # A second signal must not cut the cleanup short: ignored from here on.
    for other in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(other, signal.SIG_IGN)
    raise Interrupted(signal_number)


if __name__ == "__main__":
    # SIGINT, SIGTERM and SIGHUP end the script through its cleanups, then as the signal would
    # have (tabrl reads the wait status); one it was started ignoring stays ignored.
    for handled in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        if signal.getsignal(handled) is not signal.SIG_IGN:
            signal.signal(handled, interrupt)
    try:
        main()
    except Interrupted as stop:
        signal.signal(stop.args[0], signal.SIG_DFL)
        os.kill(os.getpid(), stop.args[0])
