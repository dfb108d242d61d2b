"""tabrl.run, tabrl.sweep, tabrl.read_sweep and tabrl.plot: argument handling and pandas
conversion around the extension module (python/src), which does the work without the GIL."""

import numbers
import operator
import os
import pathlib
import subprocess
import warnings

import numpy as np
import pandas as pd

from . import _tabrl
from ._tabrl import Mdp
from ._types import RunResult

__all__ = ["run", "sweep", "read_sweep", "plot"]


class _DefaultStep(float):
    """The default step size 0.1; methods without a step size (pi, vi) ignore it."""


_DEFAULT_STEP = _DefaultStep(0.1)


def _step_text(step_size, algo):
    if step_size is _DEFAULT_STEP:
        return "" if not _tabrl._takes_step_size(algo) else repr(float(step_size))
    if step_size is None:
        return ""
    if isinstance(step_size, str):
        return step_size
    if isinstance(step_size, numbers.Real) and not isinstance(step_size, bool):
        return repr(float(step_size))  # the shortest text that reads back as the same double
    raise TypeError(f"step_size: expected a number, a step rule name or None, got {step_size!r}")


def _record_text(record):
    if isinstance(record, str):
        return record
    if isinstance(record, numbers.Integral) and not isinstance(record, bool):
        return str(int(record))
    raise TypeError(f"record: expected 'all', 'log' or an integer stride, got {record!r}")


def _int_argument(value, name):
    """An integer argument, as the engine's 32-bit int takes it: a bool or a float is a
    TypeError, a value beyond int's range a ValueError, each naming the argument (pybind11 would
    refuse both with its own dump of the internal function's signature)."""
    if isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name}: expected an integer, got {type(value).__name__}")
    try:
        value = operator.index(value)  # ints, NumPy integers and 0-d integer arrays
    except TypeError:
        raise TypeError(f"{name}: expected an integer, got {type(value).__name__}") from None
    if not -2**31 <= value < 2**31:
        raise ValueError(f"{name}: {value} is out of range (at most {2**31 - 1})")
    return value


def _bool_argument(value, name):
    """A yes/no argument: a bool (or a NumPy bool) only. bool() of a string is True for "false",
    and restart=True deletes a directory's results."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name}: expected True or False, got {type(value).__name__}")
    return bool(value)


def _tolerance_argument(tolerance):
    if tolerance is None:
        return None
    if isinstance(tolerance, (bool, np.bool_, str, bytes)):
        raise TypeError(f"tolerance: expected a number or None, got {type(tolerance).__name__}")
    try:
        return float(tolerance)  # numbers, Decimals, 0-d arrays
    except (TypeError, ValueError):
        raise TypeError(f"tolerance: expected a number or None, got "
                        f"{type(tolerance).__name__}") from None


def _as_mdp(mdp):
    if isinstance(mdp, Mdp):
        return mdp
    if isinstance(mdp, (str, bytes, os.PathLike)):
        return Mdp.load(mdp)
    raise TypeError(f"mdp: expected a tabrl.Mdp, a built-in spec or a file, got {type(mdp).__name__}")


def _curve_frame(columns, iterations, values):
    """The curve as a DataFrame, without copying: `iterations` (int64) is the first column and
    the rows of the float64 block `values` the others, laid out as pandas keeps a frame. The
    blocks are handed to pandas' BlockManager (pandas 1.5, Debian 12's); where that internal
    interface differs, the frame is made from the columns the public way (one copy)."""
    try:
        return _frame_from_blocks(columns, iterations, values)
    except (ImportError, AttributeError, TypeError, ValueError, AssertionError):
        return _frame_from_columns(columns, iterations, values)


# The column labels of each curve schema seen, made once: an Index is immutable, so frames can
# share it, and making one costs more than the rest of the frame.
_COLUMN_INDEXES = {}


def _column_index(columns):
    key = tuple(columns)
    index = _COLUMN_INDEXES.get(key)
    if index is None:
        index = _COLUMN_INDEXES.setdefault(key, pd.Index(key))
    return index


def _frame_from_blocks(columns, iterations, values):
    from pandas.core.internals import BlockManager
    from pandas.core.internals.blocks import new_block

    blocks = (new_block(iterations.reshape(1, -1), placement=slice(0, 1), ndim=2),
              new_block(values, placement=slice(1, len(columns)), ndim=2))
    manager = BlockManager(blocks, [_column_index(columns), pd.RangeIndex(len(iterations))])
    return pd.DataFrame(manager)


def _frame_from_columns(columns, iterations, values):
    data = {columns[0]: iterations}
    data.update(zip(columns[1:], values))  # a dict keeps the order; columns= would be slower
    return pd.DataFrame(data)


def run(mdp, algo="spma", step_size=_DEFAULT_STEP, iterations=1000, tolerance=None, init=None,
        features=None, record="all", solver="auto"):
    """Runs one exact optimization, as ``tabrl run`` does (docs/cli.md), and returns a RunResult.

    mdp: a tabrl.Mdp, or a built-in spec or file as Mdp.load takes it.
    algo: an algorithm spec of the registry (``tabrl.algorithms()``; docs/algorithms.md), e.g.
        "spma", "spma(clip=true)", "npg(schedule=geometric)".
    step_size: eta (a number), a named step rule of the method ("safe", "gap", "theory"), or None
        for methods without a step (pi, vi; the default 0.1 is dropped for them).
    iterations: the iteration budget; tolerance: stop (converged) once value_error_inf <= it.
    init: None (uniform), an initial-policy spec ("random(seed=1,scale=2)", "adversarial(scale=5)"),
        a CSV file of logits, or an (S, A) array of logits.
    features: None (tabular softmax), or log-linear policies pi ∝ exp(phi^T theta) from theta = 0
        (docs/algorithms.md, "Log-linear policies"; spma, npg, spg, mdpo): a spec ("one_hot",
        "random(dim=8,seed=1)"), a CSV or TOML feature file, or an (S*A, k) array (row s*A + a).
        The result's ``theta`` is the final parameter vector.
    record: "all", "log" or an integer stride: which iterations the curve keeps (the last always).
    solver: "auto", "dense", "sparse" or "krylov".

    The GIL is released while the engine runs. Ctrl-C raises KeyboardInterrupt within about 50 ms,
    after the engine has stopped cleanly through its cancel flag.
    """
    mdp = _as_mdp(mdp)
    if not isinstance(algo, str):
        raise TypeError(f"algo: expected an algorithm spec string, got {type(algo).__name__}")
    if not isinstance(solver, str):
        raise TypeError(f"solver: expected 'auto', 'dense', 'sparse' or 'krylov', got "
                        f"{type(solver).__name__}")
    out = _tabrl._run(mdp, algo, _step_text(step_size, algo),
                      _int_argument(iterations, "iterations"), _tolerance_argument(tolerance),
                      init, features, _record_text(record), solver)
    curve = _curve_frame(out["columns"], out["curve_iterations"], out["curve_values"])
    return RunResult(curve=curve, status=out["status"],
                     message=out["message"], iterations=out["iterations"], policy=out["policy"],
                     logits=out["logits"], theta=out["theta"], summary=out["summary"],
                     engine_seconds=out["engine_seconds"], solver=out["solver"],
                     solver_note=out["solver_note"])


def sweep(config_path, out, jobs=None, restart=False):
    """Runs the sweep of a TOML config (docs/sweeps.md) into the directory ``out``, as
    ``tabrl sweep CONFIG --out OUT --jobs JOBS`` does (resumable: finished runs are kept), and
    returns ``(runs, curves)`` as read_sweep does. ``jobs``: runs in parallel, default all cores.
    ``restart``: as --restart, for a directory made by another config. Ctrl-C raises
    KeyboardInterrupt once the runs in progress have finished and been committed."""
    if jobs is not None:
        jobs = _int_argument(jobs, "jobs")
    outcome = _tabrl._sweep(os.fsencode(config_path), os.fsencode(out), jobs,
                            _bool_argument(restart, "restart"))
    if outcome["left_out_note"]:  # tabrl sweep's note (docs/sweeps.md)
        warnings.warn(outcome["left_out_note"], stacklevel=2)
    if not outcome["assembled"]:
        raise RuntimeError(f"{outcome['missing']} runs of the grid in {os.fspath(out)} are not "
                           "finished; run the sweep again to finish them")
    return read_sweep(out)


def read_sweep(directory, partial=False):
    """The ``(runs, curves)`` DataFrames of a finished sweep directory: runs.csv and curves.csv
    (docs/sweeps.md), numbers read back exactly. A directory whose runs.csv lacks runs of its
    manifest is refused (ValueError) unless ``partial=True``."""
    directory = pathlib.Path(os.fsdecode(directory))  # str, bytes or os.PathLike
    _tabrl._check_sweep(os.fsencode(directory), _bool_argument(partial, "partial"))
    options = dict(float_precision="round_trip", dtype={"run_id": str})
    runs = pd.read_csv(directory / "runs.csv", **options)
    curves = pd.read_csv(directory / "curves.csv", **options)
    return runs, curves


def _program():
    """The `tabrl` program: $TABRL_CLI; an installed module's PREFIX/bin/tabrl (the module is in
    PREFIX/lib/python3/dist-packages/tabrl); else the one of the build the module comes from."""
    given = os.environ.get("TABRL_CLI")
    if given:
        return given
    parents = pathlib.Path(__file__).resolve().parents
    if len(parents) > 4:
        installed = parents[4] / "bin" / "tabrl"
        if installed.is_file() and os.access(installed, os.X_OK):
            return str(installed)
    return _tabrl._build_cli


def plot(directory, out=None, all_steps=False, partial=False):
    """Draws the figures of a sweep directory by running ``tabrl plot DIR --out OUT`` (the command
    itself: experiments/report/plot_sweep.py with Debian's /usr/bin/python3, or $TABRL_PYTHON).
    ``out`` defaults to DIR/figures. Returns the path of convergence.png. A refused directory
    (missing runs without ``partial=True``, not a sweep) is a ValueError with the command's
    message; any other failure a RuntimeError."""
    directory = _not_an_option(os.fsdecode(directory))  # str, bytes or os.PathLike
    out = os.path.join(directory, "figures") if out is None else _not_an_option(os.fsdecode(out))
    command = [_program(), "plot", directory, "--out", out]
    command += ["--all-steps"] if _bool_argument(all_steps, "all_steps") else []
    command += ["--partial"] if _bool_argument(partial, "partial") else []
    try:
        # Paths that are not UTF-8 pass through as the file system's bytes both ways.
        done = subprocess.run(command, capture_output=True, text=True, errors="surrogateescape")
    except OSError as error:  # $TABRL_CLI missing or not executable
        raise RuntimeError(f"cannot run the tabrl program {command[0]}: {error.strerror}") from None
    if done.returncode != 0:
        message = done.stderr.strip().removeprefix("tabrl plot: error: ")
        if not message:
            message = f"{command[0]} plot ended with status {done.returncode} and no message"
        raise (ValueError if done.returncode == 2 else RuntimeError)(message)
    printed = done.stdout.strip().splitlines()
    if not printed:
        raise RuntimeError(f"{command[0]} plot printed no figure path")
    return pathlib.Path(printed[-1])


def _not_an_option(path):
    """A path as the command line reads it: one that starts with '-' would be read as an option
    (tabrl.plot("--help")), so it gets a "./" prefix."""
    return "./" + path if path.startswith("-") else path
