"""The Python examples (examples/python) run as a user runs them, each into a temporary directory,
and their outputs are checked: the figure is a PNG with both curves drawn, the sweep has every
run, converged, and its analysis agrees with runs.csv.

Usage: python_examples_test.py EXAMPLES_DIR   (with PYTHONPATH at the module, as CTest sets it)
"""

import pathlib
import subprocess
import sys
import tempfile

import pandas as pd


def run(script, *arguments):
    done = subprocess.run([sys.executable, str(script), *map(str, arguments)],
                          capture_output=True, text=True, timeout=240)
    sys.stdout.write(done.stdout)
    if done.returncode != 0:
        sys.stderr.write(done.stderr)
        raise SystemExit(f"{script.name}: exit {done.returncode}")
    return done.stdout


def check(condition, message):
    if not condition:
        raise SystemExit(f"python_examples_test: {message}")


def quickstart(examples, work):
    figure = work / "figures" / "quickstart.png"
    output = run(examples / "quickstart.py", figure)
    check(figure.is_file() and figure.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n",
          f"{figure} is not a PNG")
    check(figure.stat().st_size > 10_000, f"{figure} is too small to hold the curves")
    for name in ("SPMA (eta 0.09): converged", "NPG (eta 1): converged"):
        check(name in output, f"quickstart: no '{name}' in its output")
    check(f"figure: {figure}" in output, "quickstart does not print where the figure is")
    # Without an argument it writes into a new temporary directory and says where.
    output = run(examples / "quickstart.py")
    default = pathlib.Path(output.split("figure: ")[-1].strip())
    check(default.is_file(), f"quickstart's default figure {default} is missing")
    default.unlink()
    default.parent.rmdir()


def custom_sweep(examples, work):
    out = work / "custom"
    output = run(examples / "custom_mdp_sweep.py", out)
    runs = pd.read_csv(out / "sweep" / "runs.csv")
    check(len(runs) == 4 * 4, f"expected 16 runs (4 MDPs x 4 settings), got {len(runs)}")
    check(set(runs["status"]) == {"converged"}, f"statuses {set(runs['status'])}")
    check(len(list((out / "mdps").glob("corridor_slip*.toml"))) == 4, "the 4 MDP files")
    analysis = pd.read_csv(out / "analysis.csv")
    check(len(analysis) == 4 * 2, f"expected 8 rows (4 slips x 2 methods), got {len(analysis)}")
    # Each row is the fewest iterations to 1e-6 among that method's runs on that member.
    runs["slip"] = runs["mdp"].str.extract(r"slip([0-9.]+)\.toml$", expand=False).astype(float)
    for row in analysis.to_dict("records"):
        mine = runs[(runs["slip"] == row["slip"]) & (runs["algorithm"] == row["algorithm"])]
        check(len(mine) == 2 and row["iters_to_1e-06"] == mine["iters_to_1e-06"].min(),
              f"analysis row {row}")
    check("iterations to a value error of 1e-6" in output, "the pandas table is not printed")
    check("spma / npg" in output, "the ratio column is not printed")


def main():
    examples = pathlib.Path(sys.argv[1])
    with tempfile.TemporaryDirectory(prefix="tabrl-examples-") as directory:
        work = pathlib.Path(directory)
        quickstart(examples, work)
        custom_sweep(examples, work)
    print("python_examples_test: ok")


if __name__ == "__main__":
    main()
