"""tabrl.sweep, tabrl.read_sweep and tabrl.plot against `tabrl sweep` and `tabrl plot`."""

import json
import os

import numpy as np
import pandas as pd
import pytest

import tabrl

CONFIG = """\
[sweep]
name = "tiny"
iterations = 60
record = "all"

[[mdp]]
spec = "five_by_five"
[[mdp]]
spec = "bandit(means=[0.2,0.9])"

[[algorithm]]
name = "spma"
step_size = [0.05, 0.099]
[[algorithm]]
name = "npg"
step_size = 1
"""


@pytest.fixture()
def config(tmp_path):
    path = tmp_path / "tiny.toml"
    path.write_text(CONFIG)
    return path


def test_sweep_equals_the_cli(cli, tmp_path, config):
    runs, curves = tabrl.sweep(config, tmp_path / "python", jobs=2)
    cli("sweep", config, "--out", tmp_path / "cli", "--jobs", "1", "--quiet")
    cli_runs, cli_curves = tabrl.read_sweep(tmp_path / "cli")
    assert len(runs) == 6 and set(runs["status"]) == {"max_iterations"}
    assert runs["run_id"].dtype == object
    pd.testing.assert_frame_equal(runs.drop(columns="wall_seconds"),
                                  cli_runs.drop(columns="wall_seconds"), check_exact=True)
    pd.testing.assert_frame_equal(curves, cli_curves, check_exact=True)
    assert (tmp_path / "python" / "curves.csv").read_text() == \
        (tmp_path / "cli" / "curves.csv").read_text()


def test_a_sweep_run_equals_tabrl_run_and_its_summary(tmp_path, config):
    runs, curves = tabrl.sweep(config, tmp_path / "out", jobs=1)
    row = runs[(runs["mdp"] == "five_by_five") & (runs["step_size"].astype(str) == "0.099")]
    assert len(row) == 1
    row = row.iloc[0]
    result = tabrl.run("five_by_five", "spma", step_size=0.099, iterations=60)
    curve = curves[curves["run_id"] == row["run_id"]].reset_index(drop=True)
    for column in result.curve.columns:
        np.testing.assert_array_equal(curve[column].to_numpy(), result.curve[column].to_numpy())
    for key, value in result.summary.items():
        if key in ("status", "message", "convergence", "theory_bound"):
            assert (value or np.nan) == row[key] or (value == "" and pd.isna(row[key])), key
        elif value is None:
            assert pd.isna(row[key]), key
        else:
            assert value == row[key], key


def test_resuming_and_partial_directories(tmp_path, config):
    out = tmp_path / "out"
    runs, _ = tabrl.sweep(config, out)
    again, _ = tabrl.sweep(config, out)  # every run already done: the same files
    pd.testing.assert_frame_equal(runs, again, check_exact=True)
    manifest = json.loads((out / "manifest.json").read_text())
    lines = (out / "runs.csv").read_text().splitlines()
    (out / "runs.csv").write_text("\n".join(lines[:-2]) + "\n")  # two runs missing
    with pytest.raises(ValueError, match=r"4 of 6 runs"):
        tabrl.read_sweep(out)
    partial, _ = tabrl.read_sweep(out, partial=True)
    assert len(partial) == 4 and len(manifest["run_ids"]) == 6
    with pytest.raises(ValueError):
        tabrl.read_sweep(tmp_path / "nothing")


def test_a_cut_or_edited_directory_is_refused(tmp_path, config):
    # pandas reads a last line cut short with empty fields, and a repeated row as another run:
    # read_sweep refuses both, as tabrl summarize does.
    out = tmp_path / "out"
    tabrl.sweep(config, out)
    curves = (out / "curves.csv").read_bytes()
    (out / "curves.csv").write_bytes(curves[:-5])
    with pytest.raises(ValueError, match=r"curves.csv: the last line has no line break"):
        tabrl.read_sweep(out)
    (out / "curves.csv").write_bytes(curves)
    runs = (out / "runs.csv").read_text()
    (out / "runs.csv").write_text(runs + runs.splitlines()[1] + "\n")
    with pytest.raises(ValueError, match=r"1 rows repeat a run listed before"):
        tabrl.read_sweep(out)


def test_bad_configs_are_value_errors(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("[sweep]\niteratons = 5\n")
    with pytest.raises(ValueError, match=r"bad.toml:2: sweep.iteratons: unknown key; did you mean"):
        tabrl.sweep(bad, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_plot_draws_the_figures(tmp_path, config):
    tabrl.sweep(config, tmp_path / "out")
    convergence = tabrl.plot(tmp_path / "out")
    assert convergence == tmp_path / "out" / "figures" / "convergence.png"
    for name in ("convergence.png", "rate_vs_step.pdf", "summary.csv"):
        assert (tmp_path / "out" / "figures" / name).stat().st_size > 0


def test_yes_no_arguments_take_bools_only(tmp_path, config, monkeypatch):
    # bool("false") is True: restart="false" used to delete the directory's results.
    runs, _ = tabrl.sweep(config, tmp_path / "out", jobs=1)
    before = (tmp_path / "out" / "runs.csv").read_bytes()
    with pytest.raises(TypeError, match="restart: expected True or False, got str"):
        tabrl.sweep(config, tmp_path / "out", restart="false")
    with pytest.raises(TypeError, match="partial: expected True or False, got int"):
        tabrl.read_sweep(tmp_path / "out", partial=1)
    with pytest.raises(TypeError, match="all_steps: expected True or False, got str"):
        tabrl.plot(tmp_path / "out", all_steps="no")
    assert (tmp_path / "out" / "runs.csv").read_bytes() == before
    tabrl.read_sweep(tmp_path / "out", partial=np.bool_(False))
    # A tabrl program that cannot be run is a RuntimeError, as the docs say.
    monkeypatch.setenv("TABRL_CLI", str(tmp_path / "no-such-tabrl"))
    with pytest.raises(RuntimeError, match="cannot run the tabrl program"):
        tabrl.plot(tmp_path / "out")


def test_log_linear_runs_start_from_uniform_and_the_rest_is_a_warning(tmp_path):
    path = tmp_path / "features.toml"
    path.write_text("""\
[sweep]
iterations = 3
init = ["uniform", "adversarial(scale=5)"]
[[mdp]]
spec = "five_by_five"
[[algorithm]]
name = "npg"
step_size = 0.01
[[algorithm]]
name = "npg"
features = "one_hot"
step_size = 0.01
""")
    with pytest.warns(UserWarning, match="1 combination"):
        runs, _ = tabrl.sweep(path, tmp_path / "out", jobs=1)
    assert len(runs) == 3
    assert set(runs.loc[runs["features"].notna(), "init"]) == {"uniform"}


def test_paths_that_look_like_options_or_are_empty(tmp_path, config, monkeypatch):
    # A directory named "--help" is a directory, not the option (plot used to return the help's
    # first line as the figure's path); an empty output path is refused (it put locks/ in the
    # working directory).
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ValueError, match=r"\./--help: not a tabrl sweep directory"):
        tabrl.plot("--help")
    with pytest.raises(ValueError, match="--out: the directory path is empty"):
        tabrl.sweep(config, "")
    assert sorted(path.name for path in tmp_path.iterdir()) == ["tiny.toml"]
    # A bytes path that is not UTF-8 is the file system's own, as for Mdp.load, for sweep,
    # read_sweep and plot alike.
    odd = os.fsencode(tmp_path) + b"/o\xfft"
    runs, _ = tabrl.sweep(config, odd)
    assert len(runs) > 0
    assert os.fsencode(tabrl.plot(odd)) == odd + b"/figures/convergence.png"
    with pytest.raises(ValueError, match="directory: embedded null byte"):
        tabrl.read_sweep(tmp_path / "out\x00x")
    # A tabrl program that fails without a word, or prints nothing, is a RuntimeError saying so.
    tabrl.sweep(config, tmp_path / "out")
    monkeypatch.setenv("TABRL_CLI", "/bin/false")
    with pytest.raises(RuntimeError, match="ended with status 1 and no message"):
        tabrl.plot(tmp_path / "out")
    monkeypatch.setenv("TABRL_CLI", "/bin/true")
    with pytest.raises(RuntimeError, match="printed no figure path"):
        tabrl.plot(tmp_path / "out")
