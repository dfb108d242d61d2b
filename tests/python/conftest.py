"""Fixtures of the Python module's tests (docs/python.md). CTest runs them with Debian's
interpreter, PYTHONPATH=build/python and TABRL_CLI=the tabrl binary (tests/CMakeLists.txt):

    PYTHONPATH=build/python TABRL_CLI=build/experiments/tabrl /usr/bin/python3 -m pytest tests/python
"""

import os
import subprocess

import pytest


@pytest.fixture(scope="session")
def cli():
    """Runs the tabrl command line and returns the CompletedProcess; an exit status other than
    0 or 1 (bad usage, a signal) fails the test."""
    binary = os.environ.get("TABRL_CLI")
    if not binary:
        pytest.skip("TABRL_CLI (the tabrl binary) is not set")

    def run(*arguments, check=True):
        done = subprocess.run([binary, *map(str, arguments)], capture_output=True, text=True)
        if check and done.returncode not in (0, 1):
            raise AssertionError(f"tabrl {' '.join(map(str, arguments))}: exit "
                                 f"{done.returncode}\n{done.stderr}")
        return done

    return run

