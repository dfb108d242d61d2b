#!/usr/bin/env python3
"""Sweep driver contract: determinism across --jobs, agreement with `tabrl run`, resumption
after kill -9 at random moments, refusal of a foreign directory, bad configs, shards and merge.

usage: sweep_test.py PATH/TO/tabrl DATA_DIR
"""
import csv
import fcntl
import io
import json
import os
import random
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from checks import check, finish
from sweep_results import same_results

TABRL = sys.argv[1]
DATA = Path(sys.argv[2])



def tabrl(*args, env=None):
    # A bound on every command: a regression that blocks (a FIFO read) fails instead of hanging.
    return subprocess.run([TABRL, *map(str, args)], capture_output=True, text=True, env=env,
                          timeout=600)


def journal_has_torn_tail(path):
    """True when the journal ends in a partial record (a kill during an append)."""
    data = path.read_bytes()
    position = 0
    while position < len(data):
        end = data.find(b"\n", position)
        if end < 0:
            return True
        fields = data[position:end].split()
        if len(fields) != 4 or fields[0] != b"TABRL-RUN":
            return True
        size = int(fields[2])
        if end + 1 + size > len(data):
            return True
        position = end + 1 + size
    return False


def limited_memory(megabytes):
    """preexec_fn: caps the address space of the child, so a runaway expansion fails fast."""
    def apply():
        limit = megabytes * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    return apply


def grid_limit(work):
    """The probe: a 1e8-run grid (1,000 Garnet seeds x 100,000 step sizes) used to expand until
    memory ran out. It is refused from its size, quickly and in little memory."""
    huge = work / "huge.toml"
    seeds = ", ".join(str(i) for i in range(1000))
    huge.write_text(f"""
[[mdp]]
spec = "garnet(states=5,actions=2,branching=2)"
seed = [{seeds}]
[[algorithm]]
name = "npg"
step_size = {{ logspace = [-3, 2, 100000] }}
""")
    start = time.time()
    try:
        result = subprocess.run([TABRL, "sweep", str(huge), "--out", str(work / "huge")],
                                capture_output=True, text=True, timeout=60,
                                preexec_fn=limited_memory(1024))
    except subprocess.TimeoutExpired:
        check(False, "a 1e8-run grid is refused within 60 s")
        return
    elapsed = time.time() - start
    check(result.returncode == 2,
          f"a 1e8-run grid exits 2: {result.returncode} {result.stderr[-300:]}")
    check("100000000 runs" in result.stderr and "--max-runs 100000000" in result.stderr,
          f"the message gives the count and the option: {result.stderr.strip()}")
    check(elapsed < 10, f"refused quickly ({elapsed:.1f} s)")
    check(not (work / "huge").exists(), "a refused grid creates no output directory")
    # --max-runs moves the limit both ways.
    small = work / "limit.toml"
    small.write_text('[[mdp]]\nspec = "five_by_five"\n[[algorithm]]\nname = "npg"\n'
                     'step_size = [0.5, 1, 2]\n[sweep]\niterations = 5\n')
    result = tabrl("sweep", small, "--out", work / "limit", "--max-runs", 2, "--quiet")
    check(result.returncode == 2 and "3 runs" in result.stderr and "--max-runs 3" in result.stderr,
          f"--max-runs 2 refuses 3 runs: {result.stderr.strip()}")
    result = tabrl("sweep", small, "--out", work / "limit", "--max-runs", 3, "--quiet")
    check(result.returncode == 0, f"--max-runs 3 allows 3 runs: {result.stderr.strip()}")
    result = tabrl("sweep", small, "--out", work / "limit", "--max-runs", 0)
    check(result.returncode == 2 and "max-runs" in result.stderr, "--max-runs 0 is bad usage")


def summary_rows(directory, *extra):
    result = tabrl("summarize", directory, "--csv", *extra)
    return result, list(csv.DictReader(io.StringIO(result.stdout)))


def plot_with_feature_files(work):
    """The probe: `tabrl plot` crashed on any sweep whose features came from a file (their k was
    unknown, so the floor figure's log axis had no positive value) and on a sweep with a run
    that ended in error (no iteration count)."""
    rows = ["state,action,f0,f1"] + [f"{s},{a},{(s * 5 + a) % 3 - 1},{(s + 2 * a) % 4}"
                                     for s in range(5) for a in range(5)]
    (work / "phi.csv").write_text("\n".join(rows) + "\n")
    (work / "phi_bad_state.csv").write_text("state,action,f0\n7,0,1\n")
    config = work / "files.toml"
    config.write_text('[sweep]\niterations = 30\n[[mdp]]\nspec = "five_by_five"\n'
                      '[[algorithm]]\nname = ["spma", "npg"]\n'
                      'features = ["phi.csv", "phi_bad_state.csv"]\nstep_size = [0.5, 1]\n')
    out = work / "files"
    check(tabrl("sweep", config, "--out", out, "--quiet").returncode == 0, "feature-file sweep runs")
    statuses = sorted({r["status"] for r in csv.DictReader(open(out / "runs.csv", newline=""))})
    check(statuses == ["error", "max_iterations"], f"one file fits, the other ends in error: {statuses}")
    result = tabrl("plot", out, "--out", out / "figures")
    check(result.returncode == 0, f"plot exits 0: {result.stderr[-300:]}")
    check((out / "figures" / "fa_floor_vs_k.png").exists(), "the floor figure, with k read from the file")
    # The manifest's commit is found at build time, not at configure time (it went stale).
    head = subprocess.run(["git", "rev-parse", "--short=12", "HEAD"], cwd=DATA.parent.parent,
                          capture_output=True, text=True)
    if head.returncode == 0:
        recorded = json.loads((out / "manifest.json").read_text()).get("git_commit", "")
        check(recorded.split("+")[0] == head.stdout.strip(),
              f"manifest.json records the built commit: {recorded} vs {head.stdout.strip()}")


def failed_runs_never_best(work):
    """The probe: step_size = [1e308, 1.0] reported best_step 1e+308, a run that ended non_finite
    (right after jumping to the optimum, so its last finite gap was 0)."""
    config = work / "probe.toml"
    config.write_text('[sweep]\niterations = 50\n[[mdp]]\nspec = "five_by_five"\n'
                      '[[algorithm]]\nname = "npg"\nstep_size = [1e308, 1.0]\n'
                      '[[algorithm]]\nname = "spma"\nstep_size = [1e308]\n')
    out = work / "probe"
    check(tabrl("sweep", config, "--out", out, "--quiet").returncode == 0, "probe sweep runs")
    statuses = {(r["algorithm"], r["step_size"]): r["status"]
                for r in csv.DictReader(open(out / "runs.csv", newline=""))}
    check(statuses[("npg", "1e+308")] == "non_finite", f"the 1e308 NPG run fails: {statuses}")
    result, rows = summary_rows(out)
    check(result.returncode == 0, f"summarize exits 0: {result.stderr}")
    by_algorithm = {row["algorithm"]: row for row in rows}
    npg, spma = by_algorithm.get("npg", {}), by_algorithm.get("spma", {})
    check(npg.get("best_step") == "1" and npg.get("failed") == "1" and npg.get("steps") == "2",
          f"a failed run is never the best step, and is counted: {npg}")
    check(spma.get("best_step") == "-" and spma.get("failed") == "1" and spma.get("runs") == "0",
          f"no best step when every run failed: {spma}")
    table = tabrl("summarize", out).stdout
    check("failed" in table.splitlines()[0] and "1e+308" not in table,
          f"the table has a failed column and no 1e+308 best step:\n{table}")


def regularised_rates_marked(work):
    """rate_vs_step draws an entropy-regularised method's rate, fitted on its regularised error,
    dashed and says so; a sweep without one says nothing of it."""
    config = work / "entropy.toml"
    config.write_text("""
[sweep]
iterations = 60
[[mdp]]
spec = "five_by_five"
[[algorithm]]
name = "spma"
step_size = [0.1, 1.0]
[[algorithm]]
name = "npg_entropy"
tau = 0.1
step_size = [0.1, 1.0]
""")
    out = work / "entropy"
    check(tabrl("sweep", config, "--out", out, "--quiet").returncode == 0, "entropy sweep runs")
    check(tabrl("plot", out, "--out", out / "figures").returncode == 0, "entropy sweep plots")
    figure = (out / "figures" / "rate_vs_step.png").read_bytes()
    check(b"dashed: entropy-regularised" in figure,
          "rate_vs_step says which rates are those of the regularised error")
    config.write_text(config.read_text().replace('name = "npg_entropy"\ntau = 0.1', 'name = "npg"'))
    out = work / "no_entropy"
    check(tabrl("sweep", config, "--out", out, "--quiet").returncode == 0, "npg sweep runs")
    check(tabrl("plot", out, "--out", out / "figures").returncode == 0, "npg sweep plots")
    figure = (out / "figures" / "rate_vs_step.png").read_bytes()
    check(b"Fitted linear rate" in figure and b"regularised" not in figure,
          "no regularised note without an entropy-regularised method")

    # Runs whose MDP cannot be built have no curve: plot refuses a sweep of only those before it
    # writes anything, and --all-steps draws the others of a mixed sweep. (A map's cells are
    # checked when the MDP is built.)
    config.write_text('[sweep]\niterations = 5\n[[mdp]]\nspec = "gridworld(map=S.X/..G)"\n'
                      '[[algorithm]]\nname = "npg"\nstep_size = [1, 2]\n')
    out = work / "unbuildable"
    check(tabrl("sweep", config, "--out", out, "--quiet").returncode == 0, "unbuildable sweep runs")
    for extra in ([], ["--all-steps"]):
        result = tabrl("plot", out, "--out", out / "figures", *extra)
        check(result.returncode == 2 and "has no run" in result.stderr
              and not (out / "figures").exists(),
              f"nothing to plot {extra}: exit 2, nothing written: {result.stderr[-300:]}")
    config.write_text(config.read_text() + '[[mdp]]\nspec = "chain"\n')
    out = work / "half_buildable"
    check(tabrl("sweep", config, "--out", out, "--quiet").returncode == 0, "mixed sweep runs")
    check(tabrl("plot", out, "--out", out / "figures", "--all-steps").returncode == 0,
          "--all-steps plots the runs that have curves")


def partial_summaries(work, config):
    """An interrupted sweep and a failed merge leave a runs.csv with part of the grid: summarize,
    plot and reproduce refuse it (exit 2, saying how many runs and how to finish) unless
    --partial, and then say "partial: N of M runs"."""
    out = work / "partial"
    tabrl("sweep", config, "--out", out, "--shard", "0/3", "--quiet")
    result = tabrl("summarize", out, "--partial")
    check(result.returncode == 2 and "tabrl merge" in result.stderr
          and "no runs.csv yet: the journals hold 7 of 20 runs" in result.stderr,
          f"an unassembled sweep: {result.stderr}")
    merged = tabrl("merge", out)
    check(merged.returncode == 1 and (out / "runs.csv").exists(),
          "the failed merge writes runs.csv")
    result = tabrl("summarize", out)
    check(result.returncode == 2, f"summarize refuses a partial sweep: {result.returncode}")
    check("runs.csv holds 7 of 20 runs of the sweep (13 missing)" in result.stderr
          and "tabrl sweep" in result.stderr and "tabrl merge" in result.stderr
          and "--partial" in result.stderr,
          f"the refusal says how many and how to finish: {result.stderr}")
    check(result.stdout == "", "nothing is printed on stdout when refused")
    result = tabrl("summarize", out, "--partial")
    check(result.returncode == 0 and result.stdout.startswith("partial: 7 of 20 runs"),
          f"--partial summarizes and says so: {result.stdout[:200]}")
    result, rows = summary_rows(out, "--partial")
    check(result.returncode == 0 and rows and "partial: 7 of 20 runs" in result.stderr,
          f"--csv --partial: the CSV, and the notice on stderr: {result.stderr}")
    figures = work / "partial_figures"
    result = tabrl("plot", out, "--out", figures)
    check(result.returncode == 2 and "7 of 20 runs" in result.stderr,
          f"plot refuses: {result.stderr}")
    check(not (figures / "convergence.png").exists(), "no figure of a refused plot")
    result = tabrl("plot", out, "--out", figures, "--partial")
    check(result.returncode == 0, f"plot --partial draws: {result.stderr}")
    for name in ("convergence.png", "convergence.pdf", "rate_vs_step.png"):
        path = figures / name
        check(path.exists() and b"partial: 7 of 20 runs" in path.read_bytes(),
              f"the title of {name} says partial: 7 of 20 runs")
    # The script refuses on its own too, when run by hand.
    script = DATA.resolve().parent.parent / "experiments" / "report" / "plot_sweep.py"
    result = subprocess.run(["/usr/bin/python3", str(script), str(out), str(figures)],
                            capture_output=True, text=True)
    check(result.returncode == 2 and "7 of 20 runs" in result.stderr,
          f"plot_sweep.py refuses a partial sweep without --partial: {result.stderr[-300:]}")
    # A complete sweep says nothing about being partial.
    tabrl("sweep", config, "--out", out, "--quiet")
    result = tabrl("summarize", out)
    check(result.returncode == 0 and "partial" not in result.stdout + result.stderr,
          "a finished sweep is not partial")


def restart_keeps_user_files(work, config):
    """--restart removes what tabrl wrote (as listed in the manifest) and prints it; the user's
    notes.txt and figs/ stay, and so does anything reached through a symbolic link."""
    out = work / "restart"
    check(tabrl("sweep", config, "--out", out, "--quiet").returncode == 0, "sweep before restart")
    check(tabrl("plot", out, "--out", out / "figures").returncode == 0, "plot into the sweep dir")
    manifest = json.loads((out / "manifest.json").read_text())
    check({"runs.csv", "curves.csv", "journal/*.log", "figures/convergence.png"}
          <= set(manifest.get("written", [])), f"the manifest lists what tabrl wrote: {manifest}")
    (out / "notes.txt").write_text("my notes\n")
    (out / "figs").mkdir()
    (out / "figs" / "mine.png").write_bytes(b"my figure")
    (out / "figures" / "keep.txt").write_text("mine too\n")  # in a directory tabrl made
    (out / "data.tmp.csv").write_text("not a temporary of tabrl's\n")
    outside = work / "restart_outside"
    outside.mkdir()
    (outside / "x.png").write_text("outside")
    (out / "linked").symlink_to(outside, target_is_directory=True)
    manifest["written"].append("linked/x.png")  # through a link: must not be followed
    (out / "manifest.json").write_text(json.dumps(manifest))
    journals = {p.name for p in (out / "journal").glob("*.log")}

    other = work / "restart_other.toml"
    other.write_text(config.read_text().replace("iterations = 300", "iterations = 200"))
    result = tabrl("sweep", other, "--out", out, "--restart", "--quiet")
    check(result.returncode == 0, f"--restart runs: {result.stderr}")
    for name in ("runs.csv", "curves.csv", "figures/convergence.png", "figures/summary.csv"):
        check(f"  {name}\n" in result.stderr, f"--restart prints that it removed {name}")
    check(any(f"  journal/{j}" in result.stderr for j in journals), "--restart lists the journals")
    check("notes.txt" not in result.stderr and "figs" not in result.stderr.replace("figures", ""),
          f"--restart lists only its own files: {result.stderr}")
    check((out / "notes.txt").read_text() == "my notes\n", "notes.txt survives --restart")
    check((out / "figs" / "mine.png").read_bytes() == b"my figure", "figs/ survives --restart")
    check((out / "figures" / "keep.txt").exists(), "a user file in tabrl's figures/ survives")
    check(not (out / "figures" / "convergence.png").exists(), "tabrl's figures are removed")
    check((out / "data.tmp.csv").exists(), "a user file named like a temporary survives")
    check((outside / "x.png").exists(), "nothing is removed through a symbolic link")
    check(not journals & {p.name for p in (out / "journal").glob("*.log")},
          "the old journals are gone")
    check(max(int(r["iterations"]) for r in csv.DictReader(open(out / "runs.csv"))) <= 200,
          "runs.csv belongs to the new config")

    # A manifest that lists a path outside the directory: nothing is deleted.
    victim = work / "victim.txt"
    victim.write_text("keep")
    manifest = json.loads((out / "manifest.json").read_text())
    manifest["written"].append("../victim.txt")
    (out / "manifest.json").write_text(json.dumps(manifest))
    result = tabrl("sweep", config, "--out", out, "--restart", "--quiet")
    check(result.returncode == 2 and "../victim.txt" in result.stderr
          and "nothing was deleted" in result.stderr, f"a path outside is refused: {result.stderr}")
    check(victim.exists() and (out / "runs.csv").exists(), "nothing deleted")


def wait_for_lock(path, pid, timeout=20):
    """Until the lock file names `pid` (the process holds it)."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        if path.exists() and f"pid {pid} " in path.read_text():
            return True
        time.sleep(0.02)
    return False


def locks(work):
    """A second process on the same shard, a merge, or a --restart while a sweep runs exits 2
    naming the pid and host holding the lock; different shards share the directory."""
    config = work / "locked.toml"
    config.write_text("""
[sweep]
iterations = 400
record = 50
[[mdp]]
spec = "garnet(states=250,actions=4,branching=5)"
seed = [1, 2, 3, 4]
[[algorithm]]
name = "spma"
step_size = [0.02, 0.05]
[[algorithm]]
name = "npg"
step_size = 1
""")
    host = socket.gethostname()
    out = work / "locked"
    background = subprocess.Popen([TABRL, "sweep", config, "--out", out, "--quiet", "--jobs", "1"],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    held = wait_for_lock(out / "locks" / "shard-0-of-1.lock", background.pid)
    check(held, "the background sweep holds the lock of shard 0/1")
    holder = f"pid {background.pid} on host {host}"
    second = tabrl("sweep", config, "--out", out, "--quiet")
    check(second.returncode == 2 and "shard 0/1" in second.stderr and holder in second.stderr,
          f"a second sweep of the same shard exits 2 naming {holder}: {second.stderr}")
    merge = tabrl("merge", out)
    check(merge.returncode == 2 and holder in merge.stderr and "in use" in merge.stderr,
          f"a merge exits 2 naming {holder}: {merge.stderr}")
    other = work / "locked_other.toml"
    other.write_text(config.read_text().replace("iterations = 400", "iterations = 20"))
    restart = tabrl("sweep", other, "--out", out, "--restart", "--shard", "1/2", "--quiet")
    check(restart.returncode == 2 and holder in restart.stderr and "--restart" in restart.stderr,
          f"--restart of a directory in use exits 2 naming {holder}: {restart.stderr}")
    still_running = background.poll() is None
    check(still_running, "the background sweep was still running during the checks")
    background.wait()
    check(background.returncode == 0, f"the locked sweep finishes: {background.stderr.read()}")
    check((out / "runs.csv").exists() and len(list(csv.DictReader(open(out / "runs.csv")))) == 12,
          "the refused processes did not disturb it")

    # A merge holding the directory (simulated here: its lock taken exclusively with its line)
    # refuses a sweep, naming it.
    with open(out / "locks" / "directory.lock", "r+") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        lock.truncate(0)
        lock.write("tabrl merge, pid 4242 on host elsewhere (since now)\n")
        lock.flush()
        refused = tabrl("sweep", config, "--out", out, "--quiet")
        fcntl.flock(lock, fcntl.LOCK_UN)
    check(refused.returncode == 2 and "tabrl merge, pid 4242 on host elsewhere" in refused.stderr,
          f"a sweep during a merge exits 2 naming it: {refused.stderr}")

    # Different shards of one sweep run at the same time in one directory.
    shared = work / "locked_shards"
    shards = [subprocess.Popen([TABRL, "sweep", config, "--out", shared, "--shard", f"{i}/2",
                                "--quiet", "--jobs", "1"], stderr=subprocess.PIPE, text=True)
              for i in range(2)]
    both = all(wait_for_lock(shared / "locks" / f"shard-{i}-of-2.lock", process.pid)
               for i, process in enumerate(shards))
    check(both and shards[0].poll() is None,
          "shard 1/2 took its lock while shard 0/2 was still running")
    for process in shards:
        process.wait()
    check(all(process.returncode == 0 for process in shards),
          f"two shards run concurrently: {[process.stderr.read() for process in shards]}")
    check((shared / "runs.csv").exists() and same_results(out, shared),
          "concurrent shards assemble the same results as one sweep")


def sbatch_arguments(line):
    """The arguments sbatch reads from the rest of an #SBATCH line, as its get_argument does: a
    blank ends an argument unless quoted (a backslash does not protect it), quotes group, a
    backslash takes the next character, an unquoted # ends the line."""
    arguments, i = [], 0
    while True:
        while i < len(line) and line[i].isspace():
            i += 1
        argument, quote, escape, comment = "", None, False, False
        while i < len(line) and (quote or not line[i].isspace()):
            c = line[i]
            if escape:
                escape = False
            elif c == "\\":
                escape, i = True, i + 1
                continue
            elif quote:
                if c == quote:
                    quote, i = None, i + 1
                    continue
            elif c in "\"'":
                quote, i = c, i + 1
                continue
            elif c == "#":
                comment = True
                break
            argument += c
            i += 1
        if quote:
            raise ValueError(f"sbatch: unmatched {quote} in {line!r}")
        if argument:
            arguments.append(argument)
        if comment or not argument:
            return arguments


INJECTED = {f"INJECTED_{name}" for name in ("cfg", "cfg2", "out", "out2", "bin", "mdp", "name",
                                             "name2", "name3")}


def injected_files(root):
    return [os.path.join(d, f) for d, _, files in os.walk(root) for f in files if f in INJECTED]


def slurm_script_injection(work):
    """--slurm with paths and an MDP file name holding spaces, quotes, $(), backticks, line
    breaks, '#' and '%', and a config name trying to inject lines: the script passes bash -n,
    sbatch reads the intended --output and job name, and run with a stub tabrl it hands the
    paths over intact and executes nothing else."""
    root = work / "injection"
    config_dir = root / ("cfg dir 'single' \"double\" $(touch INJECTED_cfg) "
                         "`touch INJECTED_cfg2`\nline2")
    out = root / "out 'q' \"dq\" $(touch INJECTED_out) `touch INJECTED_out2` #hash %p ;&|<>*?"
    bin_dir = root / "bin $(touch INJECTED_bin) 'q' `x`"
    cwd = root / "cwd"
    for directory in (config_dir, bin_dir, cwd):
        directory.mkdir(parents=True)
    mdp_name = "mdp 'q' $(touch INJECTED_mdp) `tick`\nnl.mdp"
    shutil.copy(DATA / "two_state.mdp", config_dir / mdp_name)
    config = config_dir / "grid.toml"
    config.write_text('[sweep]\nname = "evil\\n#SBATCH --wrap=touch INJECTED_name\\ntouch '
                      'INJECTED_name2 $(touch INJECTED_name3)"\niterations = 5\n'
                      '[[mdp]]\nfile = "mdp \'q\' $(touch INJECTED_mdp) `tick`\\nnl.mdp"\n'
                      '[[algorithm]]\nname = "npg"\nstep_size = [1, 2]\n')
    executable = bin_dir / "tabrl"
    shutil.copy(TABRL, executable)
    result = subprocess.run([str(executable), "sweep", str(config), "--out", str(out), "--slurm",
                             "--dry-run", "--max-runs", "50"], capture_output=True, text=True,
                            cwd=cwd)
    check(result.returncode == 0, f"--slurm --dry-run with odd paths exits 0: {result.stderr}")
    script_path = out / "slurm" / "sweep.sbatch"
    script = script_path.read_text() if script_path.exists() else ""
    check(script and script == result.stdout, "the script is written and printed")
    syntax = subprocess.run(["bash", "-n", str(script_path)], capture_output=True, text=True)
    check(syntax.returncode == 0, f"bash -n accepts the script: {syntax.stderr}")

    # What sbatch reads: the directives end at the first command line.
    directives = {}
    for line in script.split("\n")[1:]:
        if not line.startswith("#"):
            break
        if line.startswith("#SBATCH"):
            for argument in sbatch_arguments(line[len("#SBATCH"):]):
                key, _, value = argument.partition("=")
                directives[key] = value
    expected_output = str(out).replace("%", "%%") + "/slurm/task-%A_%a.out"
    check(directives.get("--output") == expected_output,
          f"sbatch reads the --output path intact: {directives.get('--output')!r}")
    check(set(directives) == {"--job-name", "--array", "--cpus-per-task", "--output"},
          f"no directive was injected: {sorted(directives)}")
    check(all(c.isalnum() or c in "._+-" for c in directives.get("--job-name", "?")),
          f"the job name is plain: {directives.get('--job-name')!r}")

    # Run the script with a stub in place of tabrl: the arguments arrive intact.
    arguments_file = root / "arguments.json"
    executable.unlink()
    executable.write_text("#!/bin/sh\nexec /usr/bin/python3 -c 'import json, sys; "
                          "open(sys.argv[1], \"w\").write(json.dumps(sys.argv[2:]))' "
                          "\"$STUB_OUT\" \"$@\"\n")
    executable.chmod(0o755)
    ran = subprocess.run(["bash", str(script_path)], capture_output=True, text=True, cwd=cwd,
                         env=dict(os.environ, STUB_OUT=str(arguments_file)))
    check(ran.returncode == 0, f"the script runs with the stub: {ran.stderr}")
    received = json.loads(arguments_file.read_text()) if arguments_file.exists() else None
    check(received == ["sweep", str(config), "--out", str(out), "--jobs", "1", "--max-runs", "50",
                       "--quiet"], f"the stub received the paths intact: {received!r}")
    check(not injected_files(root), f"nothing was executed: {injected_files(root)}")

    # What #SBATCH cannot carry is refused before anything is created.
    newline_out = root / "out\nnewline"
    result = tabrl("sweep", config, "--out", newline_out, "--slurm", "--dry-run")
    check(result.returncode == 2 and "out: " in result.stderr and "line break" in result.stderr,
          f"a line break in --out is refused: {result.stderr}")
    check(not newline_out.exists(), "and no directory is created")
    result = tabrl("sweep", config, "--out", root / "other", "--slurm", "--dry-run",
                   "--partition", "gpu\n#SBATCH --wrap=x")
    check(result.returncode == 2 and "partition: " in result.stderr,
          f"a partition with a line break is refused: {result.stderr}")
    result = tabrl("sweep", config, "--out", root / "other", "--slurm", "--dry-run",
                   "--time", "1:00:00 --wrap=x")
    check(result.returncode == 2 and "time: " in result.stderr,
          f"an odd --time is refused: {result.stderr}")
    # The tasks read the config again: a pipe would be gone by then.
    fifo = root / "config.fifo"
    os.mkfifo(fifo)
    result = tabrl("sweep", fifo, "--out", root / "piped", "--slurm", "--dry-run")
    check(result.returncode == 2 and "is not a regular file" in result.stderr
          and not (root / "piped").exists(), f"a config that is a pipe is refused: {result.stderr}")


def main():
    work = Path(tempfile.mkdtemp(prefix="tabrl-sweep-test-"))
    try:
        shutil.copy(DATA / "two_state.mdp", work / "two_state.mdp")
        small = work / "small.toml"
        small.write_text("""
[sweep]
name = "small"
iterations = 300
record = "all"
stop_tolerance = 1e-9
[[mdp]]
spec = "five_by_five"
[[mdp]]
spec = "cliff_world"
[[mdp]]
file = "two_state.mdp"
[[mdp]]
spec = "bandit(means=[0.2,0.5,0.9])"
[[algorithm]]
name = "spma"
step_size = ["safe", 0.05]
[[algorithm]]
name = "npg"
step_size = [0.5, 2]
[[algorithm]]
name = "spg"
step_size = "theory"
""")
        grid_limit(work)
        failed_runs_never_best(work)
        plot_with_feature_files(work)
        regularised_rates_marked(work)

        one, two = work / "jobs1", work / "jobs2"
        result = tabrl("sweep", small, "--out", one, "--jobs", 1, "--quiet")
        check(result.returncode == 0, f"small sweep exits 0: {result.stderr}")
        result = tabrl("sweep", small, "--out", two, "--jobs", 2)
        check(result.returncode == 0, "small sweep with 2 jobs exits 0")
        check("20/20 runs" in result.stderr, "progress lines on a non-terminal stderr")
        check(same_results(one, two), "--jobs 1 and --jobs 2 give identical results")
        runs = list(csv.DictReader(open(one / "runs.csv", newline="")))
        check(len(runs) == 20, f"20 runs, got {len(runs)}")

        # Each run's curve equals a single `tabrl run`.
        curves = {}
        for row in csv.DictReader(open(one / "curves.csv", newline="")):
            curves.setdefault(row["run_id"], []).append(row)
        for run in runs:
            single = tabrl("run", "--mdp", run["mdp"], "--algo", run["algorithm"], "--step-size",
                           run["step_size"], "--iterations", 300, "--tolerance", "1e-9", "--quiet")
            expected = list(csv.DictReader(io.StringIO(single.stdout)))
            got = curves.get(run["run_id"], [])
            same = len(expected) == len(got) and all(
                e[c] == g[c] for e, g in zip(expected, got) for c in e.keys())
            check(same, f"curve of {run['mdp']} {run['algorithm']} {run['step_size']} equals tabrl run")
            check(run["status"] == ("converged" if float(run["final_value_error_inf"]) <= 1e-9
                                    else run["status"]), "status consistent")

        # Running again does nothing and changes nothing.
        before = (one / "curves.csv").read_bytes()
        result = tabrl("sweep", small, "--out", one)
        check("0 runs done, 20 already done" in result.stderr, "a finished sweep is not rerun")
        check((one / "curves.csv").read_bytes() == before, "rerun keeps curves.csv")

        # A directory whose rows another tabrl rendered with other columns (a method that gained
        # one, as mdpo's inner_lost) is refused: its rows would land under the wrong header.
        manifest_path = one / "manifest.json"
        manifest_text = manifest_path.read_text()
        manifest = json.loads(manifest_text)
        manifest["curves_header"] = manifest["curves_header"].replace(",bound", "")
        manifest_path.write_text(json.dumps(manifest, indent=2) + "\n")
        result = tabrl("sweep", small, "--out", one)
        check(result.returncode == 2 and "curves.csv columns differ" in result.stderr
              and "--restart" in result.stderr and (one / "curves.csv").read_bytes() == before,
              f"a directory of another curve layout is refused: {result.stderr.strip()}")
        manifest_path.write_text(manifest_text)

        # A different config is refused without --restart, accepted with it.
        other = work / "other.toml"
        other.write_text(small.read_text().replace("iterations = 300", "iterations = 200"))
        result = tabrl("sweep", other, "--out", one)
        check(result.returncode == 2 and "different sweep config" in result.stderr,
              "a directory of another config is refused")
        result = tabrl("sweep", other, "--out", one, "--restart", "--quiet")
        check(result.returncode == 0, "--restart starts over")
        check(max(int(r["iterations"]) for r in csv.DictReader(open(one / "runs.csv"))) <= 200,
              "--restart results belong to the new config")

        # A manifest this tabrl cannot use (a key deleted, or no JSON at all): refused with the way
        # out, and --restart cleans it like another config's, keeping the user's own files.
        for damage in ("missing", "broken"):
            manifest = json.loads(manifest_path.read_text())
            del manifest["curves_header"]
            manifest_path.write_text(json.dumps(manifest) if damage == "missing" else "{broken")
            (one / "mine.txt").write_text("keep me")
            result = tabrl("sweep", small, "--out", one)
            check(result.returncode == 2 and "cannot use" in result.stderr
                  and "--restart" in result.stderr,
                  f"a {damage} manifest is refused with the way out: {result.stderr.strip()}")
            result = tabrl("sweep", small, "--out", one, "--restart")
            check(result.returncode == 0 and "curves.csv" in result.stderr
                  and (one / "mine.txt").read_text() == "keep me"
                  and len(list(csv.DictReader(open(one / "runs.csv")))) == 20
                  and "curves_header" in json.loads(manifest_path.read_text()),
                  f"--restart cleans a {damage} manifest's directory: {result.stderr.strip()}")

        # A manifest's list of written files damaged by hand is as good as none: the sweep
        # resumes, and --restart cleans from the names any sweep writes.
        manifest = json.loads(manifest_path.read_text())
        manifest["written"] = 5
        manifest_path.write_text(json.dumps(manifest))
        result = tabrl("sweep", small, "--out", one, "--quiet")
        check(result.returncode == 0, f"a damaged 'written' list resumes: {result.stderr.strip()}")
        manifest_path.write_text(json.dumps(dict(manifest, config_digest="other")))
        result = tabrl("sweep", small, "--out", one, "--restart", "--quiet")
        check(result.returncode == 0 and "journal/" in result.stderr
              and len(list(csv.DictReader(open(one / "runs.csv")))) == 20,
              f"--restart cleans with a damaged 'written' list: {result.stderr.strip()}")

        # A manifest.json that is no regular file (a FIFO would block a reader forever; a link
        # would be written through) is refused by every command, and left alone.
        saved = manifest_path.read_text()
        outside = work / "outside.json"
        outside.write_text("not json")
        for kind in ("fifo", "link", "dangling link"):
            manifest_path.unlink()
            if kind == "fifo":
                os.mkfifo(manifest_path)
            else:
                os.symlink(outside if kind == "link" else work / "nowhere.json", manifest_path)
            for command in (["sweep", small, "--out", one],
                            ["sweep", small, "--out", one, "--restart"], ["summarize", one],
                            ["merge", one]):
                result = tabrl(*command)
                check(result.returncode == 2 and "is not a regular file" in result.stderr
                      and (manifest_path.is_fifo() if kind == "fifo" else
                           manifest_path.is_symlink())
                      and outside.read_text() == "not json" and (one / "runs.csv").exists(),
                      f"{command[0]} refuses a {kind} manifest.json: {result.stderr.strip()}")
        manifest_path.unlink()
        manifest_path.write_text(saved)
        # reproduce --partial looks at each sweep's manifest before running anything.
        (work / "reproduction" / "bandits").mkdir(parents=True)
        os.symlink(work / "nowhere.json", work / "reproduction" / "bandits" / "manifest.json")
        result = tabrl("reproduce", "--out", work / "reproduction", "--partial")
        check(result.returncode == 2 and "is not a regular file" in result.stderr,
              f"reproduce refuses a dangling manifest.json link: {result.stderr.strip()}")

        # A directory of the user's with a manifest.json of its own is no sweep directory, even
        # with --restart: nothing in it is touched.
        foreign = work / "webapp"
        foreign.mkdir()
        (foreign / "manifest.json").write_text('{"name": "my app", "written": ["notes.txt"]}')
        (foreign / "runs.csv").write_text("mine")
        (foreign / "notes.txt").write_text("mine")
        result = tabrl("sweep", small, "--out", foreign, "--restart")
        check(result.returncode == 2 and "not a tabrl sweep directory" in result.stderr
              and sorted(p.name for p in foreign.iterdir()) ==
              ["manifest.json", "notes.txt", "runs.csv"]
              and (foreign / "runs.csv").read_text() == "mine",
              f"a foreign manifest.json is refused, nothing touched: {result.stderr.strip()}")

        # Bad configs fail before anything is created.
        bad = work / "bad.toml"
        bad.write_text(small.read_text().replace('name = "npg"', 'name = "ngp"'))
        result = tabrl("sweep", bad, "--out", work / "never")
        check(result.returncode == 2, "bad config exits 2")
        check("bad.toml:" in result.stderr and "unknown algorithm 'ngp'" in result.stderr,
              f"bad config message names file and line: {result.stderr.strip()}")
        check(not (work / "never").exists(), "bad config creates no output directory")

        # Kill -9 at random moments, resume, compare with an uninterrupted sweep.
        slow = work / "slow.toml"
        slow.write_text("""
[sweep]
iterations = 250
record = 7
[[mdp]]
spec = "garnet(states=250,actions=4,branching=5)"
seed = [1, 2, 3, 4]
[[algorithm]]
name = "spma"
step_size = [0.02, 0.05]
[[algorithm]]
name = "npg"
step_size = 1
""")
        reference = work / "reference"
        start = time.time()
        check(tabrl("sweep", slow, "--out", reference, "--quiet").returncode == 0, "slow sweep runs")
        duration = time.time() - start
        rng = random.Random(7)
        torn_tails = 0  # kills that landed in the middle of an append (informational)
        for attempt in range(3):
            target = work / f"killed{attempt}"
            kills = 0
            for _ in range(4):
                process = subprocess.Popen([TABRL, "sweep", slow, "--out", target, "--quiet"],
                                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                time.sleep(rng.uniform(0.05, max(0.1, duration * 0.6)))
                if process.poll() is None:
                    process.send_signal(signal.SIGKILL)
                    kills += 1
                process.wait()
                torn_tails += sum(journal_has_torn_tail(p) for p in (target / "journal").glob("*.log"))
            result = tabrl("sweep", slow, "--out", target, "--quiet")
            check(result.returncode == 0, "resumed sweep finishes")
            check(same_results(reference, target),
                  f"resumed after {kills} kills equals the uninterrupted sweep")
            leftovers = [p for p in target.rglob("*") if ".tmp." in p.name]
            check(not leftovers, f"no temporary files left: {leftovers[:3]}")

        print(f"sweep_test: {torn_tails} journal tails torn by kills", file=sys.stderr)

        # Shards into one directory, into two directories plus merge, and from SLURM variables.
        shared = work / "shards"
        first = tabrl("sweep", small, "--out", shared, "--shard", "0/2", "--quiet")
        check(first.returncode == 0 and not (shared / "runs.csv").exists(),
              "a lone shard does not assemble")
        env = dict(os.environ, SLURM_ARRAY_TASK_ID="1", SLURM_ARRAY_TASK_COUNT="2")
        second = tabrl("sweep", small, "--out", shared, "--quiet", env=env)
        check(second.returncode == 0, "shard from SLURM variables")
        check((shared / "runs.csv").exists() and same_results(one_fresh := work / "jobs2", shared),
              "two shards in one directory equal a local sweep")
        a, b = work / "shard_a", work / "shard_b"
        tabrl("sweep", small, "--out", a, "--shard", "0/3", "--quiet")
        tabrl("sweep", small, "--out", b, "--shard", "1/3", "--quiet")
        # A shard directory whose rows another tabrl rendered with other columns is refused
        # before anything is copied: its rows would land under the target's header.
        manifest_path = b / "manifest.json"
        manifest_text = manifest_path.read_text()
        manifest = json.loads(manifest_text)
        manifest["curves_header"] = manifest["curves_header"].replace(",bound", "")
        manifest_path.write_text(json.dumps(manifest, indent=2) + "\n")
        journals = sorted(path.name for path in (a / "journal").iterdir())
        refused = tabrl("merge", a, b)
        check(refused.returncode == 2 and "columns differ" in refused.stderr
              and sorted(path.name for path in (a / "journal").iterdir()) == journals,
              f"merge refuses a shard of another curve layout: {refused.stderr.strip()}")
        manifest_path.write_text(manifest_text)
        partial = tabrl("merge", a, b)
        check(partial.returncode == 1 and "missing" in partial.stderr, "merge reports missing runs")
        c = work / "shard_c"
        tabrl("sweep", small, "--out", c, "--shard", "2/3", "--quiet")
        # A directory named twice, or the target again under another spelling, is merged once.
        merged = tabrl("merge", a, b, str(b) + "/.", a, c)
        check(merged.returncode == 0, f"merge of three shard directories: {merged.stderr}")
        check(same_results(one_fresh, a), "merged shards equal a local sweep")
        check(tabrl("sweep", small, "--out", a, "--shard", "3/3").returncode == 2, "bad shard refused")
        env = dict(os.environ, SLURM_ARRAY_TASK_ID="x1", SLURM_ARRAY_TASK_COUNT="2")
        garbled = tabrl("sweep", small, "--out", work / "garbled", "--quiet", env=env)
        check(garbled.returncode == 2 and "SLURM_ARRAY_TASK_ID=x1: expected integers" in garbled.stderr
              and not (work / "garbled").exists(),
              f"a SLURM task id that is not an integer is refused, not read as 0: {garbled.stderr}")

        partial_summaries(work, small)
        restart_keeps_user_files(work, small)
        locks(work)
        slurm_script_injection(work)

        summary = tabrl("summarize", two)
        check(summary.returncode == 0 and "best_step" in summary.stdout, "summarize prints a table")
        check("five_by_five" in summary.stdout and "spma_contraction" in summary.stdout,
              "summary names MDP and bound")
        figures = work / "figures"
        plot = tabrl("plot", two, "--out", figures)
        check(plot.returncode == 0, f"plot exits 0: {plot.stderr}")
        for name in ("convergence.png", "convergence.pdf", "summary.csv", "rate_vs_step.png",
                     "iterations_to_accuracy.png", "spma_c.png", "rate_vs_step.pdf", "loglog.png",
                     "algorithms.csv"):
            path = figures / name
            check(path.exists() and path.stat().st_size > 1000 or name == "summary.csv" and path.exists(),
                  f"plot writes a non-empty {name}")
        check((figures / "convergence.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", "PNG signature")

        # `tabrl reproduce` end to end on tiny stand-ins of the reproduction configs.
        scripts = work / "scripts"
        (scripts / "configs").mkdir(parents=True)
        (scripts / "report").mkdir()
        (scripts / "report" / "plot_sweep.py").symlink_to(
            DATA.resolve().parent.parent / "experiments" / "report" / "plot_sweep.py")
        five = '[[mdp]]\nspec = "five_by_five"\n'
        tiny = {
            "theory_steps": ('[sweep]\niterations = 300\n' + five +
                             '[[algorithm]]\nname = "spma"\nstep_size = "safe"\n'
                             '[[algorithm]]\nname = "npg"\nstep_size = "safe"\n'
                             '[[algorithm]]\nname = "spg"\nstep_size = "theory"\n'),
            "spma_linear": ('[sweep]\niterations = 400\n' + five +
                            '[[algorithm]]\nname = "spma"\nstep_size = ["safe", 0.05, 3.0]\n'),
            "pg_comparison": ('[sweep]\niterations = 300\n' + five +
                              '[[algorithm]]\nname = "spma"\nstep_size = "safe"\n'
                              '[[algorithm]]\nname = "spma"\nstep_size = 1.0\nclip = true\n'
                              '[[algorithm]]\nname = "spg"\nstep_size = ["theory", 1.0]\n'
                              '[[algorithm]]\nname = "apg"\nstep_size = ["theory", 1.0]\n'),
            "npg_comparison": ('[sweep]\niterations = 300\n' + five +
                               '[[algorithm]]\nname = "spma"\nstep_size = [1.0, 100.0]\nclip = true\n'
                               '[[algorithm]]\nname = "npg"\nstep_size = [1.0, 100.0]\n'
                               '[[algorithm]]\nname = "pi"\n'),
            "hard_start": ('[sweep]\niterations = 300\ntolerances = [1e-1, 1e-3]\n'
                           'init = ["uniform", "adversarial(scale=2)", "adversarial(scale=4)"]\n' + five +
                           '[[algorithm]]\nname = "npg"\nstep_size = 1.0\n'
                           '[[algorithm]]\nname = "spg"\nstep_size = 1.0\n'),
            "bandits": ('[[mdp]]\nspec = "random_bandit"\narms = [2, 5]\nmin_gap = 0.2\n'
                        '[[algorithm]]\nname = "spma"\nstep_size = ["gap", 1.0]\n'
                        '[[algorithm]]\nname = "spg"\nstep_size = "theory"\n'),
            "function_approximation": (
                '[sweep]\niterations = 200\n[[mdp]]\nspec = "garnet(states=5,actions=3,branching=2,seed=1)"\n'
                '[[algorithm]]\nname = "spma"\nfeatures = ["random(dim=2,seed=1)", "one_hot"]\n'
                'step_size = [0.3, 30]\n'
                '[[algorithm]]\nname = ["spma", "mdpo"]\nfeatures = "random(dim=2,seed=1)"\n'
                'inner_steps = [1, 5, 20]\ninner_step_size = 1\nstep_size = 1\n'),
        }
        for name, text in tiny.items():
            (scripts / "configs" / f"{name}.toml").write_text(text)
        reproduced = work / "reproduced"
        result = tabrl("reproduce", "--out", reproduced, env=dict(os.environ, TABRL_SCRIPTS=str(scripts)))
        check(result.returncode == 0, f"reproduce exits 0: {result.stderr[-500:]}")
        report = (reproduced / "report.md").read_text() if (reproduced / "report.md").exists() else ""
        for claim in ("SPMA converges linearly with a constant step size",
                      "SPMA is faster than constant-step softmax PG and APG",
                      "SPMA is comparable to NPG at the same step size",
                      "From the adversarial start softmax PG and APG plateau; SPMA and NPG do not",
                      "SPMA with the gap-dependent step converges super-linearly on bandits",
                      "With m inner steps, SPMA is at least as good as MDPO at small m",
                      "MDPO's inner objective is not concave: different starts land at different "
                      "policies; SPMA's lands at one"):
            check(f"| {claim} | **" in report, f"report states a verdict for: {claim}")
        check("theory_steps/figures/theory_steps.png" in report, "the headline is the theory-step figure")
        check(report.index("theory_steps.png") < report.index("pg_comparison/figures/convergence.png"),
              "the tuned panel comes second")
        check("| five_by_five | 3 | step_invalid |" in report, "an undefined SPMA step is listed")
        for name in tiny:
            check((reproduced / name / "figures" / "convergence.png").exists(), f"{name} figures drawn")
        for figure in ("fa_convergence", "fa_floor_vs_k", "fa_spma_minus_mdpo"):
            check((reproduced / "function_approximation" / "figures" / f"{figure}.png").exists(),
                  f"the log-linear figure {figure}")
        check("function_approximation/figures/fa_floor_vs_k.png" in report,
              "the floor figure is linked from its claim")
        check((reproduced / "hard_start" / "figures" / "escape_time.png").exists(),
              "the escape-time figure of the hard start")
        check((reproduced / "pg_comparison" / "figures" / "loglog.png").exists(), "the log-log tails")
        # --partial reports what is there: a sweep of another config under a reproduction name is
        # refused (it would be reported under that sweep's claims).
        shutil.rmtree(reproduced / "bandits")
        shutil.copytree(reproduced / "spma_linear", reproduced / "bandits")
        result = tabrl("reproduce", "--out", reproduced, "--partial",
                       env=dict(os.environ, TABRL_SCRIPTS=str(scripts)))
        check(result.returncode == 2 and "was made by another config than the reproduction's "
              "bandits.toml" in result.stderr, f"a foreign sweep is refused: {result.stderr[-300:]}")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    sys.exit(finish("sweep_test"))


if __name__ == "__main__":
    main()
