"""Helpers shared by the sweep and SLURM tests: comparing sweep outputs."""
import csv


def without_wall_time(path):
    """runs.csv without its wall_seconds column (the only column allowed to differ)."""
    rows = list(csv.reader(open(path, newline="")))
    column = rows[0].index("wall_seconds")
    return [row[:column] + row[column + 1:] for row in rows]


def same_results(a, b):
    """Two sweep directories hold the same results: runs.csv up to wall time, curves.csv byte for byte."""
    return (without_wall_time(a / "runs.csv") == without_wall_time(b / "runs.csv")
            and (a / "curves.csv").read_bytes() == (b / "curves.csv").read_bytes())
