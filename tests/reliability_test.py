#!/usr/bin/env python3
"""Outputs, write errors and signals, each with a hostile probe's reproduction as its case
(docs/reliability.md): symlinks, FIFOs and device nodes made in a temporary directory (never
the system's /dev/null), /dev/full and a full tmpfs, SIGINT and SIGTERM during `tabrl run`,
temporaries left by kill -9, and the small refusals.

usage: reliability_test.py PATH/TO/tabrl
"""
import os
import signal
import stat
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from checks import check, finish

TABRL = sys.argv[1]

# A run that takes minutes unless it is stopped.
LONG_RUN = ["run", "--mdp", "garnet(states=200,actions=4,branching=5,seed=3)", "--algo", "spg",
            "--step-size", "0.01", "--iterations", "100000000", "-q"]
SHORT_RUN = ["run", "--mdp", "five_by_five", "--algo", "spma", "--step-size", "0.05",
             "--iterations", "20", "-q"]



def tabrl(*args, **kwargs):
    return subprocess.run([TABRL, *map(str, args)], capture_output=True, text=True, **kwargs)


def complete_curve(text, rows_at_least=1):
    """Every line has the header's field count and the file ends with a newline."""
    if not text.endswith("\n"):
        return False
    lines = text.splitlines()
    if len(lines) < 1 + rows_at_least or not lines[0].startswith("iteration,"):
        return False
    width = lines[0].count(",")
    return all(line.count(",") == width for line in lines)


def temporaries(directory):
    return [p.name for p in Path(directory).iterdir() if ".tmp." in p.name]


def test_symlinks(tmp):
    target = tmp / "real.csv"
    target.write_text("old\n")
    link = tmp / "link.csv"
    link.symlink_to("real.csv")
    result = tabrl(*SHORT_RUN, "--out", link)
    check(result.returncode == 0, f"run through a symlink succeeds: {result.stderr}")
    check(link.is_symlink() and os.readlink(link) == "real.csv", "the symlink is kept")
    check(complete_curve(target.read_text(), 20), "the symlink's target holds the new curve")
    # A chain of links and a dangling link: the final target is written (created).
    (tmp / "chain.csv").symlink_to("link.csv")
    check(tabrl(*SHORT_RUN, "--out", tmp / "chain.csv").returncode == 0, "run through a chain")
    check((tmp / "chain.csv").is_symlink() and complete_curve(target.read_text(), 20),
          "a chain of links writes the last target")
    (tmp / "dangling.csv").symlink_to("created.csv")
    check(tabrl(*SHORT_RUN, "--out", tmp / "dangling.csv").returncode == 0, "dangling link")
    check((tmp / "dangling.csv").is_symlink() and complete_curve((tmp / "created.csv").read_text()),
          "a dangling link's target is created and the link kept")
    # mdp convert --to follows the same rules.
    toml_target = tmp / "model.toml"
    toml_target.write_text("")
    (tmp / "model_link.toml").symlink_to("model.toml")
    result = tabrl("mdp", "convert", "five_by_five", "--to", tmp / "model_link.toml")
    check(result.returncode == 0, f"convert through a symlink: {result.stderr}")
    check((tmp / "model_link.toml").is_symlink() and "gamma" in toml_target.read_text(),
          "convert writes the symlink's target and keeps the link")
    check(temporaries(tmp) == [], f"no temporaries left: {temporaries(tmp)}")


def test_fifo(tmp):
    fifo = tmp / "curve.fifo"
    os.mkfifo(fifo)
    reader = subprocess.Popen(["cat", str(fifo)], stdout=subprocess.PIPE, text=True)
    result = tabrl(*SHORT_RUN, "--out", fifo)
    received, _ = reader.communicate(timeout=60)
    check(result.returncode == 0, f"run into a FIFO succeeds: {result.stderr}")
    check(complete_curve(received, 20), "the FIFO's reader gets the whole curve")
    check(stat.S_ISFIFO(os.lstat(fifo).st_mode), "the FIFO is still a FIFO")


def test_device_nodes(tmp):
    if os.geteuid() != 0:
        print("device nodes: skipped (mknod needs root)", file=sys.stderr)
        return
    null = tmp / "null"
    os.mknod(null, 0o666 | stat.S_IFCHR, os.makedev(1, 3))
    result = tabrl(*SHORT_RUN, "--out", null)
    check(result.returncode == 0, f"run into a null device succeeds: {result.stderr}")
    check(stat.S_ISCHR(os.lstat(null).st_mode), "the device node is not replaced by a file")
    full = tmp / "full"
    os.mknod(full, 0o666 | stat.S_IFCHR, os.makedev(1, 7))
    result = tabrl(*SHORT_RUN, "--out", full)
    check(result.returncode == 1, f"run into a full device fails with exit 1: {result.returncode}")
    check(f"tabrl: cannot write '{full}': No space left on device" in result.stderr,
          f"the message names the path and the reason: {result.stderr!r}")
    check(stat.S_ISCHR(os.lstat(full).st_mode), "the full device is still a device")


def test_standard_output_errors():
    for args in (SHORT_RUN, SHORT_RUN + ["--out", "-"], ["mdp", "solve", "five_by_five"],
                 ["list"], ["mdp", "info", "five_by_five"], ["--help"]):
        with open("/dev/full", "w") as full:
            result = subprocess.run([TABRL, *args], stdout=full, stderr=subprocess.PIPE, text=True)
        check(result.returncode == 1, f"{args[0]} > /dev/full exits 1, got {result.returncode}")
        check("tabrl: cannot write 'stdout': No space left on device" in result.stderr,
              f"{args[0]} > /dev/full says why: {result.stderr!r}")


def test_full_disk(tmp):
    mount = tmp / "small"
    mount.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(mount)],
                      capture_output=True).returncode != 0:
        print("full disk: skipped (cannot mount a tmpfs here; /dev/full covers stdout)",
              file=sys.stderr)
        return
    try:
        keep = mount / "curve.csv"
        keep.write_text("previous\n")
        result = tabrl("run", "--mdp", "five_by_five", "--algo", "spma", "--step-size", "0.05",
                       "--iterations", "20000", "-q", "--out", keep)
        check(result.returncode == 1, f"a full disk fails with exit 1, got {result.returncode}")
        check(f"cannot write '{keep}': No space left on device" in result.stderr,
              f"the full disk is named: {result.stderr!r}")
        check(keep.read_text() == "previous\n", "the previous file is untouched")
        check(temporaries(mount) == [], f"no temporary left on the full disk: {temporaries(mount)}")
        # The same for convert and for stdout redirected into the full file system.
        result = tabrl("mdp", "convert", "garnet(states=300,actions=4,branching=10)", "--to",
                       mount / "big.toml")
        check(result.returncode == 1 and "No space left on device" in result.stderr,
              f"convert onto a full disk fails: {result.returncode} {result.stderr!r}")
        check(not (mount / "big.toml").exists() and temporaries(mount) == [],
              "convert leaves nothing on a full disk")
        with open(mount / "stdout.csv", "w") as out:
            result = subprocess.run([TABRL, "run", "--mdp", "five_by_five", "--algo", "spma",
                                     "--step-size", "0.05", "--iterations", "20000", "-q"],
                                    stdout=out, stderr=subprocess.PIPE, text=True)
        check(result.returncode == 1 and "cannot write 'stdout'" in result.stderr,
              f"> file on a full disk fails: {result.returncode} {result.stderr!r}")
    finally:
        subprocess.run(["umount", str(mount)], capture_output=True)


def test_refusals_before_work(tmp):
    start = time.monotonic()
    result = tabrl(*LONG_RUN, "--out", tmp / "missing" / "curve.csv")
    check(result.returncode == 2, f"a missing output directory is a usage error: {result.returncode}")
    check("directory" in result.stderr and "does not exist" in result.stderr,
          f"the message says the directory is missing: {result.stderr!r}")
    check(time.monotonic() - start < 20, "the missing directory is found before the computation")
    (tmp / "adir.csv").mkdir()
    result = tabrl(*SHORT_RUN, "--out", tmp / "adir.csv")
    check(result.returncode == 2 and "is a directory" in result.stderr,
          f"a directory as --out is refused: {result.stderr!r}")
    result = tabrl(*SHORT_RUN, "--clip-floor", "1e-3")
    check(result.returncode == 2 and "--clip-floor" in result.stderr,
          f"--clip-floor without --clip is refused: {result.returncode} {result.stderr!r}")
    result = tabrl("mdp", "solve", "five_by_five(gamma=0.9999999999999999)")
    check(result.returncode == 2 and "cannot be resolved in double precision" in result.stderr,
          f"a gamma within 1e-12 of 1 is refused: {result.returncode} {result.stderr!r}")
    result = tabrl("mdp", "solve", "gridworld(map=S..G,goal_reward=1e-15)")
    j_star = float(result.stdout.splitlines()[1].split("=")[1])
    check(abs(j_star - 8.1e-16) <= 1e-12 * 8.1e-16, f"J* at a tiny reward scale: {j_star}")


def wait_for_rows(path_glob_dir, rows, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for name in temporaries(path_glob_dir):
            if (Path(path_glob_dir) / name).stat().st_size > rows * 40:
                return True
        time.sleep(0.05)
    return False


def test_signals(tmp):
    for signal_number, status in ((signal.SIGINT, 130), (signal.SIGTERM, 143)):
        directory = tmp / f"signal{signal_number}"
        directory.mkdir()
        out = directory / "curve.csv"
        process = subprocess.Popen([TABRL, *LONG_RUN[:-1], "--out", str(out)],
                                   stderr=subprocess.PIPE, text=True)
        check(wait_for_rows(directory, 200), "the curve streams to its temporary file")
        process.send_signal(signal_number)
        _, stderr = process.communicate(timeout=60)
        check(process.returncode == status,
              f"signal {signal_number} exits {status}, got {process.returncode}")
        check("interrupted at iteration" in stderr, f"the status line says interrupted: {stderr!r}")
        text = out.read_text() if out.exists() else ""
        check(complete_curve(text, 200), "the curve so far is written completely")
        last = int(text.splitlines()[-1].split(",")[0]) if text else -1
        check(f"interrupted at iteration {last}:" in stderr, "the last row is the last iterate")
        check(temporaries(directory) == [], f"no temporary left: {temporaries(directory)}")


def test_signal_during_optimal_solve(tmp):
    """Ctrl-C while `tabrl run` solves for V*: the solve ends after its sweep in progress, nothing
    is written, exit 130. Policy iteration on this chain switches one state per sweep: 1,000
    dense sweeps, about 30 s uninterrupted."""
    out = tmp / "curve.csv"
    process = subprocess.Popen([TABRL, "run", "--mdp",
                                "chain(n=1000,slip=0,back_reward=0.2,forward_reward=1000,gamma=0.999)",
                                "--algo", "spma", "--step-size", "1e-4", "--iterations", "1",
                                "--solver", "dense", "--out", str(out)],
                               stderr=subprocess.PIPE, text=True)
    time.sleep(1.0)
    sent = time.monotonic()
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    waited = time.monotonic() - sent
    check(process.returncode == 130, f"SIGINT in the optimal solve exits 130, got {process.returncode}")
    check(waited < 10, f"the solve ends within a sweep of the signal, took {waited:.1f} s")
    check("interrupted during the optimal solve" in stderr, f"stderr says where: {stderr!r}")
    check(not out.exists(), "nothing was published")
    check(temporaries(tmp) == [], f"no temporary left: {temporaries(tmp)}")


def test_second_signal(tmp):
    """A second signal ends `tabrl run` at once and takes the temporary file with it. The two are
    SIGINT and SIGTERM: two signals of one kind sent together may merge into one. Either may be
    the one that ends the process: two threads can take them at the same moment."""
    directory = tmp / "second_signal"
    directory.mkdir()
    out = directory / "curve.csv"
    process = subprocess.Popen([TABRL, "run", "--mdp", "garnet(states=200000,actions=4,branching=5,seed=3)",
                                "--algo", "spma", "--step-size", "0.01", "--iterations", "100000000",
                                "-q", "--out", str(out)], stderr=subprocess.PIPE, text=True)
    # Rows reach the temporary at least once a second, even 0.2 s apart at this size.
    check(wait_for_rows(directory, 2), "the curve reaches its temporary file within seconds")
    process.send_signal(signal.SIGINT)
    process.send_signal(signal.SIGTERM)
    process.communicate(timeout=60)
    check(process.returncode in (-signal.SIGINT, -signal.SIGTERM),
          f"the second signal ends the process, got status {process.returncode}")
    check(temporaries(directory) == [], f"no temporary left: {temporaries(directory)}")
    check(not out.exists(), "nothing was published")


def small_sweep(tmp, step_sizes, iterations):
    """A finished NPG sweep on five_by_five in tmp/sweep, to plot: (its config, its directory)."""
    config = tmp / "small_sweep.toml"
    config.write_text('[[mdp]]\nspec = "five_by_five"\n[[algorithm]]\nname = "npg"\n'
                      f'step_size = {step_sizes}\n[sweep]\niterations = {iterations}\n')
    sweep = tmp / "sweep"
    check(tabrl("sweep", config, "--out", sweep, "--quiet").returncode == 0, "the sweep to plot")
    return config, sweep


def test_interrupted_plot(tmp):
    """Signals while `tabrl plot` waits for its plotting script. Before, std::system ignored SIGINT
    in the waiting process: a Ctrl-C ended the script alone and tabrl said "the plotting script
    failed" (exit 1). Now tabrl, as a shell does, records a signal it receives, passes SIGTERM on
    to the script, and once the script has ended dies of that signal, leaving no temporary; a
    script that merely exits 130 is a failed plot. A later plot writes every figure through
    temporaries it renames (none left behind)."""
    _, sweep = small_sweep(tmp, "[0.5, 1]", 5)
    started = tmp / "script_started"
    python = tmp / "slow_python"
    python.write_text('#!/bin/sh\nif [ "$1" = "-c" ]; then exec /usr/bin/python3 "$@"; fi\n'
                      f'touch "{started}"\n'
                      'if [ "$SCRIPT" = exit130 ]; then exit 130; fi\n'
                      'exec /usr/bin/python3 -c "import time; time.sleep(120)"\n')
    python.chmod(0o755)
    figures = tmp / "figures"

    def plot(script, send=None):
        """tabrl plot in its own process group; `send(process)` once the script has started."""
        if started.exists():
            started.unlink()
        process = subprocess.Popen([TABRL, "plot", sweep, "--out", figures], start_new_session=True,
                                   env=dict(os.environ, TABRL_PYTHON=str(python), SCRIPT=script),
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 60
        while not started.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        check(started.exists(), "the plotting script started")
        if send:
            send(process)
        _, stderr = process.communicate(timeout=60)
        return process.returncode, stderr

    # Ctrl-C: the terminal signals the whole process group.
    status, stderr = plot("sleep", lambda p: os.killpg(p.pid, signal.SIGINT))
    check(status == -signal.SIGINT, f"tabrl plot dies of the Ctrl-C, got status {status}: {stderr!r}")
    check("failed" not in stderr, f"no plotting failure is reported: {stderr!r}")
    check(temporaries(figures) == [], f"no temporary left: {temporaries(figures)}")
    # SIGTERM to tabrl alone reaches the script too, and ends both.
    status, stderr = plot("sleep", lambda p: p.send_signal(signal.SIGTERM))
    check(status == -signal.SIGTERM, f"SIGTERM ends tabrl plot, got status {status}: {stderr!r}")
    check(temporaries(figures) == [], f"no temporary left: {temporaries(figures)}")
    # A script that exits 130 by itself, with no signal to tabrl, is a failed plot.
    status, stderr = plot("exit130")
    check(status == 1 and "plotting script failed" in stderr,
          f"an exit status of 130 is a failure, not a signal: {status}, {stderr!r}")
    result = tabrl("plot", sweep, "--out", figures)
    check(result.returncode == 0, f"a later plot succeeds: {result.stderr}")
    check((figures / "convergence.png").stat().st_size > 0 and
          (figures / "convergence.pdf").stat().st_size > 0, "the figures are written")
    check(temporaries(figures) == [], f"the figures' temporaries are renamed: {temporaries(figures)}")


def test_memory_does_not_grow_with_iterations(tmp):
    """--record all streams: the peak memory of a long run is that of a short one."""
    def peak_kib(iterations):
        process = subprocess.Popen([TABRL, "run", "--mdp", "five_by_five", "--algo", "npg",
                                    "--step-size", "0.1", "--iterations", str(iterations), "-q",
                                    "--out", str(tmp / f"memory{iterations}.csv")])
        _, _, usage = os.wait4(process.pid, 0)
        return usage.ru_maxrss
    short, long = peak_kib(1000), peak_kib(400000)
    check(long < short + 4096, f"peak memory {long} KiB after 400,000 rows vs {short} KiB after 1,000")


def test_stale_temporaries(tmp):
    directory = tmp / "stale"
    directory.mkdir()
    process = subprocess.Popen([TABRL, *LONG_RUN, "--out", str(directory / "killed.csv")])
    check(wait_for_rows(directory, 50), "the killed run had started writing")
    process.kill()
    process.wait()
    left = temporaries(directory)
    check(len(left) == 1, f"kill -9 leaves its temporary: {left}")
    foreign = directory / "x.csv.tmp.some-other-host.12345"
    foreign.write_text("another host's live file\n")
    user_file = directory / "notes.tmp.txt"
    user_file.write_text("mine\n")
    check(tabrl(*SHORT_RUN, "--out", directory / "next.csv").returncode == 0, "a later run")
    remaining = sorted(temporaries(directory))
    check(remaining == sorted([foreign.name, user_file.name]),
          f"only this host's dead temporaries are removed: {remaining}")


def test_output_directories(tmp):
    """--out of plot, reproduce and sweep names a directory: a file there, or a file among its
    parents, is a usage error naming --out (exit 2, before any work), not a filesystem exception
    (exit 1).
    A dangling symlink as an input file names its missing target."""
    config, sweep = small_sweep(tmp, "[1]", 3)
    a_file = tmp / "a_file"
    a_file.write_text("mine\n")
    for out, reason in ((a_file, "exists and is not a directory"),
                        (a_file / "figures", "cannot make the directory")):
        result = tabrl("plot", sweep, "--out", out)
        check(result.returncode == 2 and "--out" in result.stderr and reason in result.stderr,
              f"plot --out {out.name}: {result.returncode} {result.stderr!r}")
    result = tabrl("sweep", config, "--out", a_file / "sweep", "--quiet")
    check(result.returncode == 2 and "cannot make the sweep directory" in result.stderr,
          f"sweep --out under a file: {result.returncode} {result.stderr!r}")
    start = time.monotonic()
    result = tabrl("reproduce", "--out", a_file)
    check(result.returncode == 2 and "exists and is not a directory" in result.stderr,
          f"reproduce --out a file: {result.returncode} {result.stderr!r}")
    check(time.monotonic() - start < 10, "reproduce refuses before its sweeps")
    check(a_file.read_text() == "mine\n", "the file named by --out is left alone")
    # An empty --out used to put locks/ (and the results) in the working directory.
    workdir = tmp / "empty_out_workdir"
    workdir.mkdir()
    result = tabrl("sweep", config, "--out", "", "--quiet", cwd=workdir)
    check(result.returncode == 2 and "--out: the directory path is empty" in result.stderr,
          f"sweep --out '': {result.returncode} {result.stderr!r}")
    check(list(workdir.iterdir()) == [], f"sweep --out '' left {list(workdir.iterdir())}")
    dangling = tmp / "dangling.toml"
    dangling.symlink_to(tmp / "gone.toml")
    result = tabrl("sweep", dangling, "--out", tmp / "never")
    check(result.returncode == 2 and "symbolic link" in result.stderr and "gone.toml" in result.stderr,
          f"a dangling symlink names its target: {result.stderr!r}")


def test_missing_matplotlib(tmp):
    """A plotting interpreter without matplotlib: one line naming the Debian package, no
    traceback, and reproduce refuses before its sweeps."""
    python = tmp / "python_without_site_packages"
    python.write_text('#!/bin/sh\nexec /usr/bin/python3 -S "$@"\n')
    python.chmod(0o755)
    env = dict(os.environ, TABRL_PYTHON=str(python))
    for args in (["plot", tmp / "no_sweep", "--out", tmp / "figures"],
                 ["reproduce", "--out", tmp / "reproduction"]):
        start = time.monotonic()
        result = tabrl(*args, env=env)
        lines = result.stderr.strip().splitlines()
        check(result.returncode == 1, f"{args[0]} without matplotlib exits 1: {result.returncode}")
        check(len(lines) == 1 and "python3-matplotlib" in lines[0] and "Traceback" not in result.stderr,
              f"{args[0]} without matplotlib says so in one line: {result.stderr!r}")
        check(time.monotonic() - start < 10, f"{args[0]} fails before any work")
    check(not (tmp / "reproduction").exists(), "reproduce wrote nothing")
    # An interpreter that cannot be run at all is a bad setting, named as such (it was reported
    # as a missing matplotlib).
    result = tabrl("plot", tmp / "no_sweep", "--out", tmp / "figures",
                   env=dict(os.environ, TABRL_PYTHON=str(tmp / "no_such_python")))
    check(result.returncode == 2 and "TABRL_PYTHON: cannot run" in result.stderr
          and "No such file or directory" in result.stderr,
          f"an interpreter that does not exist is named: {result.returncode}, {result.stderr!r}")
    result = subprocess.run(["/usr/bin/python3", "-S",
                             str(Path(__file__).resolve().parent.parent / "experiments" / "report" / "plot_sweep.py"),
                             str(tmp), str(tmp)], capture_output=True, text=True)
    check(result.returncode != 0 and "python3-matplotlib" in result.stderr
          and "Traceback" not in result.stderr, f"the script itself says so: {result.stderr!r}")


def main():
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        for test in (test_symlinks, test_fifo, test_device_nodes, test_full_disk,
                     test_refusals_before_work, test_signals, test_signal_during_optimal_solve,
                     test_second_signal,
                     test_stale_temporaries, test_interrupted_plot,
                     test_memory_does_not_grow_with_iterations, test_output_directories,
                     test_missing_matplotlib):
            directory = tmp / test.__name__
            directory.mkdir()
            test(directory)
        test_standard_output_errors()
    return finish("reliability_test")


if __name__ == "__main__":
    sys.exit(main())
