"""Counting checks for the script tests: a failed check is reported at once and the run goes on,
so that one run shows every failure; finish() prints the counts and gives the exit status."""
import sys

failures = []
passes = 0


def check(condition, description):
    global passes
    if condition:
        passes += 1
    else:
        failures.append(description)
        print("FAIL:", description, file=sys.stderr)


def finish(name):
    print(f"{name}: {passes} passed, {len(failures)} failed")
    return 1 if failures else 0
