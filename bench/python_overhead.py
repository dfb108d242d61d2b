#!/usr/bin/env python3
"""The overhead of tabrl.run over the engine (issue 13; docs/python.md, "Overhead").

For 10,000 SPMA iterations on the 5x5 MDP (every iterate recorded, as tabrl.run records by
default) it measures, per repetition:
  wall    the wall time of the whole tabrl.run call (arguments, the run, the NumPy arrays, the
          DataFrame, the summary);
  engine  the optimizer loop's own time inside that call, as the C++ API measures it
          (OptimizerResult::elapsed_seconds, RunResult.engine_seconds);
  bare    the same loop through the C++ API with a CurveRecorder alone (no RunAnalysis, no
          signal check), in the same process, just before the call;
and checks wall <= 1.05 x engine + 1 ms for each repetition.

    PYTHONPATH=build/python /usr/bin/python3 bench/python_overhead.py [--repeats 15]
Exit status 1 when the median repetition misses the target.
"""

import argparse
import statistics
import sys
import time

import tabrl
from tabrl import _tabrl


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--iterations", type=int, default=10_000)
    parser.add_argument("--mdp", default="five_by_five")
    parser.add_argument("--step-size", type=float, default=0.099)
    arguments = parser.parse_args()
    mdp = tabrl.Mdp.load(arguments.mdp)
    step = repr(arguments.step_size)
    tabrl.run(mdp, "spma", step_size=arguments.step_size, iterations=100)  # warm up
    rows = []
    result = None
    for _ in range(arguments.repeats):
        # The bare loop next to the call, under the same load; then a short call, so that the
        # timed one finds Python's caches and heap as a call after a call does.
        bare = _tabrl._engine_loop_seconds(mdp, "spma", step, arguments.iterations)
        tabrl.run(mdp, "spma", step_size=arguments.step_size, iterations=10)
        # The previous result is freed before the clock starts: freeing it is not this call's work.
        del result
        start = time.perf_counter()
        result = tabrl.run(mdp, "spma", step_size=arguments.step_size,
                           iterations=arguments.iterations)
        wall = time.perf_counter() - start
        assert len(result.curve) == arguments.iterations + 1
        rows.append((wall, result.engine_seconds, bare))

    print(f"tabrl.run overhead: {arguments.iterations} SPMA iterations on {arguments.mdp}, "
          f"{arguments.repeats} repetitions (milliseconds)")
    print(f"{'':>8} {'wall':>9} {'engine':>9} {'bare':>9} {'wall-engine':>12} "
          f"{'wall/engine':>12} {'target':>9} {'ok':>4}")
    passed = []
    for k, (wall, engine, bare) in enumerate(rows):
        target = 1.05 * engine + 0.001
        passed.append(wall <= target)
        print(f"{k:>8} {wall * 1e3:9.3f} {engine * 1e3:9.3f} {bare * 1e3:9.3f} "
              f"{(wall - engine) * 1e3:12.3f} {wall / engine:12.4f} {target * 1e3:9.3f} "
              f"{'yes' if passed[-1] else 'NO':>4}")
    median = [statistics.median(column) for column in zip(*rows)]
    wall, engine, bare = median
    ok = wall <= 1.05 * engine + 0.001
    print(f"{'median':>8} {wall * 1e3:9.3f} {engine * 1e3:9.3f} {bare * 1e3:9.3f} "
          f"{(wall - engine) * 1e3:12.3f} {wall / engine:12.4f} "
          f"{(1.05 * engine + 0.001) * 1e3:9.3f} {'yes' if ok else 'NO':>4}")
    print(f"within target: {sum(passed)} of {len(rows)} repetitions; median overhead "
          f"{(wall - engine) * 1e3:.3f} ms over the engine, {(wall - bare) * 1e3:.3f} ms over "
          f"the bare C++ loop ({wall / bare:.4f} x)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
