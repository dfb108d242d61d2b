#!/usr/bin/env python3
"""Turns the benchmark measurements into docs/performance.md.

usage: report_performance.py TABRL_JSON NUMPY_JSONL MEMORY_JSONL RUNS_JSONL [SIDE_BY_SIDE_JSONL]
       > docs/performance.md
"""
import datetime
import json
import os
import platform
import sys


# How the 1e6-state iteration is measured and what it moves (docs/performance.md keeps it).
ONE_MILLION_METHOD = (
    "**What one iteration at 1e6 states moves.** The iteration is memory-bound, so it is counted "
    "in passes over memory, which do not depend on the machine's load: a product with "
    "M = I - gamma P_pi reads 21.0 million entries of 12 bytes (252 MB) and two vectors of 8 MB. "
    "SPMA never reads the visitation d, so its loop solves M V = r_pi alone (docs/engine.md, "
    "\"Evaluations without the visitation\"): no transposed copy of M is made, and the BiCGSTAB "
    "iterations below are those of the value solve (with d they were about twice as many, plus "
    "the copy). The solver starts from an extrapolation of the last solutions (docs/engine.md, "
    "\"Krylov warm start\"), so the first eight iterations are slower while its path of past "
    "solutions fills up; the long run at 1e6 states is therefore 16 iterations, so that most of "
    "the difference of the two run lengths is in the steady state. The counts are deterministic; "
    "the times are wall-clock on a shared machine whose speed drifts by a third within minutes "
    "(the same phase bench, same binary, once gave 2.40 s and 1.48 s a few minutes apart), so "
    "they are valid only from a quiet machine."
)

def load(path):
    """Benchmarks by name; a repeated one (the small dense ones) by its run name, as its median
    over the repetitions (its minimum goes to the second dictionary)."""
    with open(path) as handle:
        data = json.load(handle)
    benches, minima = {}, {}
    for bench in data["benchmarks"]:
        if bench.get("run_type") != "aggregate":
            benches[bench["name"]] = bench
            continue
        name = bench["run_name"].split("/repeats:")[0]
        if bench["aggregate_name"] == "median":
            benches[name] = bench
        elif bench["aggregate_name"] == "min":
            minima[name] = bench
    return benches, minima, data["context"]


def round_times(side_rows, states, side, solver=None):
    """Per side-by-side round, in order: (round, the times of `side` at `states`, of `solver` if
    given)."""
    return [(round_, [row["seconds_per_iteration"] for row in side_rows
                      if row["round"] == round_ and row["states"] == states
                      and row["side"] == side and (solver is None or row.get("solver") == solver)])
            for round_ in sorted({row["round"] for row in side_rows})]


def median(values):
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else 0.5 * (ordered[middle - 1] + ordered[middle])


def seconds(bench):
    scale = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}[bench["time_unit"]]
    return bench["real_time"] * scale


def fmt_time(value):
    if value < 1e-3:
        return f"{value * 1e6:.3g} us"
    if value < 1:
        return f"{value * 1e3:.3g} ms"
    return f"{value:.3g} s"


def met(condition):
    return "met" if condition else "missed"


def main():
    benches, minima, context = load(sys.argv[1])
    side_rows = ([json.loads(line) for line in open(sys.argv[5])]
                 if len(sys.argv) > 5 else [])
    numpy_rows = [json.loads(line) for line in open(sys.argv[2])]
    numpy = {row["states"]: row for row in numpy_rows
             if row.get("label") == "openblas" and not row.get("branching")}
    numpy_reference = {row["states"]: row for row in numpy_rows
                       if row.get("label") == "reference" and not row.get("branching")}
    numpy_garnet = {row["states"]: row for row in numpy_rows if row.get("branching")}
    runs = [json.loads(line) for line in open(sys.argv[4])] if len(sys.argv) > 4 else []
    memory = [json.loads(line) for line in open(sys.argv[3])]
    dense_memory = {row["states"]: row["peak_rss_mb"] for row in memory if row["kind"] == "dense"}
    garnet_memory = {row["states"]: row["peak_rss_mb"] for row in memory if row["kind"] == "garnet"}
    out = []
    put = out.append
    summary = {}  # target -> (measured, met)
    put("# Performance\n")
    # The processor's name, as scripts/bench.sh recorded it beside the raw measurements: the
    # machines that run these benchmarks differ from session to session.
    cpu_path = os.path.join(os.path.dirname(os.path.abspath(sys.argv[1])), "cpu.txt")
    cpu = open(cpu_path).read().strip() + ", " if os.path.exists(cpu_path) else ""
    put(f"Measured by `scripts/bench.sh` on {datetime.date.today()} on this project's machine "
        f"({cpu}{context.get('num_cpus', '?')} cores at {context.get('mhz_per_cpu', '?')} MHz; "
        f"{platform.machine()}), Release build (`-O3`, no `-march=native`). Regenerate with "
        "`bash scripts/bench.sh`; the numbers below are copied from its last run.\n")

    gemm = benches.get("gemm_peak/2000", {}).get("gflops", 0) / 1e9
    lu = benches.get("lu_rate/2000", {}).get("gflops", 0) / 1e9
    bandwidth = benches.get("memory_bandwidth", {}).get("gb_per_s", 0) / 1e9
    put("## The machine's limits, measured on the spot\n")
    put("| quantity | measured |\n|---|---|")
    put(f"| dense matrix multiply (Eigen GEMM, n = 2000, one core) | {gemm:.1f} GFLOP/s |")
    put(f"| dense LU (Eigen partial-pivot LU, n = 2000, portable build) | {lu:.1f} GFLOP/s, {lu / gemm if gemm else float('nan'):.2f} of GEMM |")
    for size in (100, 500, 2000):
        own = benches.get(f"lu_bare/{size}")
        if own:
            put(f"| tabrl's dense LU (`core/dominant_lu`, {own.get('label', '?')} kernels), "
                f"n = {size} | {own.get('gflops', 0) / 1e9:.1f} GFLOP/s |")
    put(f"| memory bandwidth (triad a = b + s c on 768 MiB) | {bandwidth:.1f} GB/s |\n")

    put("## One SPMA iteration: tabrl against NumPy\n")
    blas = next(iter(numpy.values()), {}).get("blas", "?")
    reference_blas = next(iter(numpy_reference.values()), {}).get("blas", "?")
    put("Dense random MDPs (every row a flat Dirichlet over all states, A = 4, gamma = 0.9: "
        "tabrl stores their kernel dense); one iteration is the exact evaluation of V (one linear "
        "solve; SPMA never reads the visitation, so neither side solves for it), Q and A, plus "
        "the update. The NumPy reference "
        "(`bench/numpy_reference.py`) does the same with `numpy.linalg.solve` on dense arrays, "
        "measured in the same run, once with OpenBLAS and once with the reference BLAS/LAPACK. "
        "Each NumPy process picks its BLAS through `LD_LIBRARY_PATH` (Debian's "
        "`openblas-pthread` directory, or the reference `blas` and `lapack` directories), so the "
        "system's selection stays as it is. threadpoolctl reports, for the first: "
        f"{blas}; for the second: {reference_blas}. tabrl runs on all cores (its large loops "
        "only; below about 30,000 entries a loop stays on one thread).\n")
    put("| S | NumPy + OpenBLAS | NumPy + reference BLAS | tabrl dense | tabrl Krylov | "
        "tabrl best | speed-up vs OpenBLAS | vs reference | target | peak memory NumPy / tabrl |")
    put("|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|")
    targets = {100: 8.0, 1000: 3.0}
    # The targets are judged side by side (below) where those rounds ran: each round's NumPy
    # and tabrl ran back to back, so their ratio does not carry the machine's drift between the
    # separate runs of this table.
    side_ratios = {}
    for states in targets:
        ratios = []
        for (round_, tabrl_times), (_, numpy_times) in zip(
                round_times(side_rows, states, "tabrl"), round_times(side_rows, states, "numpy")):
            if tabrl_times and numpy_times:
                ratios.append((round_, numpy_times[0], min(tabrl_times)))
        if ratios:
            side_ratios[states] = ratios
        elif side_rows:
            print(f"report_performance: no side-by-side rounds for S = {states}; the target is "
                  "judged on the main table", file=sys.stderr)
    for states in (10, 100, 300, 500, 1000, 2000):
        dense = benches.get(f"dense_random_iteration/S:{states}/solver:1")
        krylov = benches.get(f"dense_random_iteration/S:{states}/solver:3")
        fast = numpy.get(states)
        slow = numpy_reference.get(states)
        if not (dense and krylov and fast):
            continue
        n = fast["seconds_per_iteration"]
        m = slow["seconds_per_iteration"] if slow else float("nan")
        d, k = seconds(dense), seconds(krylov)
        best = min(d, k)
        target = ""
        if states in targets:
            goal = targets[states]
            ratio = (median([numpy_time / tabrl_time for _, numpy_time, tabrl_time
                             in side_ratios[states]]) if states in side_ratios else n / best)
            where = "side by side" if states in side_ratios else "this table"
            target = f">= {goal:g}x " + (f"met ({ratio:.1f}x {where})" if ratio >= goal
                                         else f"missed ({ratio:.1f}x {where})")
            summary[f"S = {states} (dense): >= {goal:g}x NumPy + OpenBLAS"] = (
                f"{ratio:.1f}x ({where})", ratio >= goal)
        put(f"| {states} | {fmt_time(n)} | {fmt_time(m) if slow else ''} | {fmt_time(d)} | "
            f"{fmt_time(k)} | {fmt_time(best)} | {n / best:.1f}x | "
            f"{(m / best) if slow else float('nan'):.1f}x | {target} | "
            f"{fast['peak_rss_mb']:.0f} / {dense_memory.get(states, 0):.0f} MB |")
    put("\nTimes are medians: tabrl's over 7 repetitions of its benchmark, NumPy's over 7 batches "
        "(3 from S = 2000 on); each batch or repetition times the first iterations of a run from "
        "the uniform policy (203 at S = 100, 3 at S = 1000), the same iterations on both sides.")
    if side_ratios:
        put("\n**Side by side.** The speed of this shared machine drifts by a third within minutes, "
            "so the two targets are judged on rounds that time tabrl's iteration and NumPy + "
            "OpenBLAS's back to back, size by size, seconds apart (`scripts/bench.sh`), "
            f"{len(side_ratios[next(iter(side_ratios))])} times; the verdict takes the median of the "
            "rounds' ratios (tabrl's time is the faster of its two solvers, as in the table):\n")
        put("| S | round | NumPy + OpenBLAS | tabrl | ratio |\n|---:|---:|---:|---:|---:|")
        for states, ratios in side_ratios.items():
            for round_, numpy_time, tabrl_time in ratios:
                put(f"| {states} | {round_} | {fmt_time(numpy_time)} | {fmt_time(tabrl_time)} | "
                    f"{numpy_time / tabrl_time:.1f}x |")
    garnet = numpy_garnet.get(10000)
    krylov10k = benches.get("iteration_krylov/method:0/S:10000")
    if garnet and krylov10k:
        ratio = garnet["seconds_per_iteration"] / seconds(krylov10k)
        put(f"\n**S = 10,000, branching 5.** NumPy has no sparse solver of its own, so it densifies "
            f"the kernel (S A S = 4e8 entries, {garnet['peak_rss_mb'] / 1024:.1f} GiB peak) and runs one "
            f"dense LU solve: {fmt_time(garnet['seconds_per_iteration'])} per iteration on "
            f"OpenBLAS, against {fmt_time(seconds(krylov10k))} for tabrl's sparse Krylov path: "
            f"{ratio:.0f}x (target >= 20x: {'met' if ratio >= 20 else 'missed'}).\n")
        summary["S = 1e4, branching 5: >= 20x NumPy + OpenBLAS"] = (f"{ratio:.0f}x", ratio >= 20)
    put("\n**The dense path against its own LU.** One whole SPMA iteration (assembly of "
        "I - gamma P_pi from the dense kernel, the value solve: GMRES from the extrapolated warm "
        "start, accepted at the LU's backward error, or the LU where GMRES does not converge "
        "(docs/engine.md, \"Dense solver\"), Q = r + gamma P V, "
        "the update) against the bare in-place LU of a matrix of the same size, in the same run "
        "(target: within 1.5x for S = 100..500); medians of 7 repetitions, and the fastest of the 7 "
        "as well. The two medians come from minutes apart, so the target is judged on the "
        "side-by-side rounds, which time the LU and the iteration back to back (the median of "
        "their ratios):\n")
    put("| S | bare LU | SPMA iteration, dense solver | ratio | best of 7 each (LU / iteration) | "
        "side by side, per round | target <= 1.5x |\n|---:|---:|---:|---:|---:|---:|---|")
    for states in (100, 300, 500):
        lu = benches.get(f"lu_bare/{states}")
        dense = benches.get(f"dense_random_iteration/S:{states}/solver:1")
        if lu and dense:
            ratio = seconds(dense) / seconds(lu)
            # Judged side by side where those rounds ran (the LU and the iteration back to back).
            round_ratios = []
            for (_, its), (_, lus) in zip(round_times(side_rows, states, "tabrl", "dense"),
                                          round_times(side_rows, states, "lu")):
                if lus and its:
                    round_ratios.append(its[0] / lus[0])
            side = median(round_ratios) if round_ratios else None
            if side is not None:
                ratio = side
            best_lu = minima.get(f"lu_bare/{states}")
            best_dense = minima.get(f"dense_random_iteration/S:{states}/solver:1")
            best = (f"{fmt_time(seconds(best_lu))} / {fmt_time(seconds(best_dense))}: "
                    f"{seconds(best_dense) / seconds(best_lu):.2f}x"
                    if best_lu and best_dense else "")
            rounds = (" ".join(f"{r:.2f}" for r in round_ratios) + f" (median {side:.2f}x)"
                      if round_ratios else "")
            put(f"| {states} | {fmt_time(seconds(lu))} | {fmt_time(seconds(dense))} | "
                f"{seconds(dense) / seconds(lu):.2f}x | {best} | {rounds} | {met(ratio <= 1.5)} |")
            summary[f"S = {states} (dense): SPMA iteration <= 1.5x the bare LU"] = (
                f"{ratio:.2f}x" + (" (side by side)" if round_ratios else ""), ratio <= 1.5)
    parts = {(int(b["S"]), int(name.split("part:")[1].split("/")[0])): seconds(b)
             for name, b in benches.items() if name.startswith("dense_iteration_part/")}
    if parts:
        put("\n**Inside the dense iteration.** Each part timed alone (`dense_iteration_part`): "
            "the assembly of I - gamma P_pi (with the two row dot products it takes for GMRES: "
            "M 1 and M times the warm start), Q = P V from the dense kernel (an (S A) x S "
            "product, row dot products of `core/dense_rows`) against Eigen's GEMV of the same "
            "shape (portable build), and the softmax plus the SPMA update; what the whole "
            "iteration leaves of them is the GMRES value solve and the evaluator's own work, "
            "shown with GMRES's products with M per solve (residual checks included) on the "
            "timed run, and against what the bare LU and its two triangular solves would cost "
            "instead:\n")
        put("| S | assembly | Q = P V | Eigen GEMV, same shape | update | rest: value solve (GMRES) "
            "| products per solve | LU + solves instead | whole iteration |")
        put("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
        for states in (100, 300, 500):
            if not all((states, k) in parts for k in range(5)):
                continue
            dense = benches.get(f"dense_random_iteration/S:{states}/solver:1")
            lu = benches.get(f"lu_bare/{states}")
            if not dense or not lu:
                continue
            whole = seconds(dense)
            rest = whole - parts[(states, 0)] - parts[(states, 2)] - parts[(states, 4)]
            products = dense.get("products")
            products_text = f"{products:.1f}" if products is not None else ""
            put(f"| {states} | {fmt_time(parts[(states, 0)])} | {fmt_time(parts[(states, 2)])} | "
                f"{fmt_time(parts[(states, 3)])} | {fmt_time(parts[(states, 4)])} | "
                f"{fmt_time(rest)} | {products_text} | "
                f"{fmt_time(seconds(lu) + parts[(states, 1)])} | {fmt_time(whole)} |")
    put("")
    # What the S = 100 target asks: NumPy's time over 8, against the bare LU and the rest.
    reference100 = numpy.get(100)
    lu100 = benches.get("lu_bare/100")
    dense100 = benches.get("dense_random_iteration/S:100/solver:1")
    if reference100 and lu100 and dense100:
        allowed = reference100["seconds_per_iteration"] / 8.0
        pieces = ""
        if all((100, k) in parts for k in range(5)):
            rest = (seconds(dense100) - parts[(100, 0)] - parts[(100, 2)] - parts[(100, 4)])
            pieces = (f" Timed alone (table above), the assembly takes "
                      f"{fmt_time(parts[(100, 0)])}, Q {fmt_time(parts[(100, 2)])} and the "
                      f"softmax with the update {fmt_time(parts[(100, 4)])}, which leaves "
                      f"{fmt_time(rest)} for the GMRES value solve and the evaluator's own work "
                      f"(the LU and its solves would take "
                      f"{fmt_time(seconds(lu100) + parts[(100, 1)])}).")
        spread100 = ""
        if 100 in side_ratios:
            ratios100 = [numpy_time / tabrl_time for _, numpy_time, tabrl_time in side_ratios[100]]
            spread100 = (f" In this run the side-by-side ratio at S = 100 ranged from "
                         f"{min(ratios100):.1f}x to {max(ratios100):.1f}x over the rounds.")
        put(f"\n**The S = 100 targets.** 8x NumPy + OpenBLAS "
            f"({fmt_time(reference100['seconds_per_iteration'])} in the table above) allows "
            f"{fmt_time(allowed)} per iteration, and 1.5x the bare LU "
            f"{fmt_time(1.5 * seconds(lu100))}. tabrl's bare LU of the 100 x 100 system takes "
            f"{fmt_time(seconds(lu100))} ({lu100.get('gflops', 0) / 1e9:.1f} GFLOP/s), the whole "
            f"iteration {fmt_time(seconds(dense100))}.{pieces} Since 2026-11-30 the iteration "
            "does without the LU: the dense solver runs GMRES from the extrapolated path of the "
            "last solutions, deflated along the ones vector, and accepts its answer only at the "
            "LU's own backward error, checked on the true residual (docs/engine.md, \"Dense "
            "solver\"); about three products with M (80 KB) replace the LU. Later the same day "
            "the kernel and M moved to cache-line aligned storage (with glibc's 16-byte "
            "alignment half of the rows' 32-byte loads straddled two cache lines), and M 1 and M "
            "times the warm start came to be summed in the pass that writes each row of M "
            "instead of two row dot products afterwards: the iteration took 29.3-34.5 us "
            "(median 31.2 us) against 32.7-46.3 us (35.9 us) before both, in eight alternating "
            "runs of the two builds, and 40 minutes later, in six, 30.4-35.5 us (32.4 us) "
            "against 30.6-42.7 us (33.5 us): the old build was fast or slow by the alignment its "
            "process happened to draw. What is left is "
            "mostly the two passes over the (S A) x S kernel (320 KB: the assembly of "
            "I - gamma P_pi and Q), which are bound by the vector units' loads, not by the "
            "second-level cache: timed alone, Q's row dot products take as long with the kernel "
            "rows in the first-level cache as streamed from the second, and one pass over the "
            "kernel for Q, the SPMA step and the next assembly (measured again on 2026-11-30: "
            "12.3 us apart, 11.1 us fused; with aligned rows, in a stand-alone loop, 8.4 us "
            "apart and 8.8-10.9 us fused) saves a microsecond at best, and with aligned rows "
            "nothing, for an SPMA-specific loop that no other method could use. Stand-alone "
            "loops on a later machine (2026-11-30, late) put numbers on the assembly: 6.7 us, of "
            "which writing M (80 KB) is 2.1 us (4.5 us without the stores), against 3.7 us for a "
            "bare AVX read of the 320 KB kernel (2.9 us with AVX-512). AVX-512 row dot products, "
            "which can keep the AVX sums' bits (one 8-lane accumulator is the two 4-lane ones "
            "side by side), were 0-15% faster for Q there, within the machine's noise, so the "
            "kernels stay AVX. The same machine's noise is in time, not in the process: 40 "
            "chunks of 203 iterations in one process ranged from 26 to 40 us. Both cores at "
            "S = 100 saved nothing "
            "measurable with spinning threads (a parallel region costs about a microsecond) and "
            "cost 6x with sleeping ones (`OMP_WAIT_POLICY=passive`, which `tabrl run` sets for "
            "loaded machines). Iterative refinement with the factors of an earlier policy (a "
            "NumPy prototype, before GMRES) needed 4 or more corrections per iteration and a "
            "fresh LU in more than half of them. The bare LU's time includes copying the matrix "
            "back before each factorisation (80 KB at S = 100, 2 MB at S = 500), as an "
            "iteration's assembly writes it. A profile of the timed S = 100 iteration "
            "(2026-12-01, `perf record` on `dense_random_iteration`) puts 29% in the assembly's "
            "row pass and 30% in row dot products (Q and GMRES's products with M); the rest is a "
            "dozen pieces of 1-4% each (C_t 4.3%, log1p 4.2%, the softmax 4.1%, the assembly's "
            "per-row setup 3.9%, the extrapolation's error pass 3.5%, GMRES's own work 2.8%, "
            "exp 2.0%, the SPMA step 1.9%), each worth a microsecond at most. The assembly with "
            "fused multiply-subtracts (which the sparse kernel's rows would then have to match) "
            "took as long as without, 9.5-10.9 us both in four alternations: it is bound by its "
            "loads and stores, not by its arithmetic." + spread100 + " On 2026-12-01 five rounds, "
            "each timing all of tabrl's sizes before NumPy's, measured 5.8x (NumPy 146-227 us, "
            "tabrl 27-29 us); on 2026-12-02, in two runs of that protocol, 8.4x and 8.7x (NumPy "
            "131-215 us, tabrl 18-25 us, with rounds from 5.3x to 11.6x), with no change to the "
            "dense path in between: the verdict at S = 100 was within the machine's drift. Those "
            "runs were on processors at 2096 MHz with a triad of 29 GB/s. Since 2026-12-02 "
            "(second session) each round times the two sides at one size seconds apart, and "
            "there are seven rounds; its first run, on an AMD EPYC at 2596 MHz with a triad of "
            "19.4 GB/s, measured 6.5x (NumPy 130-238 us, tabrl 20-30 us, rounds from 5.0x to "
            "8.2x), and the dense iteration at S = 1000 took 6.6 ms against 4.1 ms before. A "
            "later session the same day, on an AMD EPYC at 2096 MHz (family 26), measured 8.2x "
            "(NumPy 137-235 us, tabrl 18.6-26.2 us, rounds from 5.3x to 10.2x) before two "
            "changes to the iteration's own work: C_t in one pass, and M built by one call from "
            "the weights gamma pi (the assembly alone 5.8-5.9 us against 6.0-6.2 us in six "
            "alternations); the tables above include both. On that machine the iteration's time "
            "was bimodal, about 19 us or about 25 us for minutes at a time, whichever build ran. "
            "Stand-alone loops there measured AVX-512 row dot products for Q 6% faster than AVX "
            "(3.44 against 3.65 us) and the assembly no faster (4.3 against 4.4 us), and one pass "
            "over each state's kernel rows for Q, a stand-in update and the next assembly 7.1 us "
            "against 8.7 us apart (63 against 86 us at S = 300): unlike the earlier measurement, "
            "a fused loop would save about 8% of the S = 100 iteration there, for a path that "
            "only updates computed state by state from Q (SPMA, NPG) could take.\n")
    crossover = next((states for states in (10, 100, 300, 500, 1000, 2000)
                      if benches.get(f"dense_random_iteration/S:{states}/solver:3") and
                      benches.get(f"dense_random_iteration/S:{states}/solver:1") and
                      seconds(benches[f"dense_random_iteration/S:{states}/solver:3"]) <
                      seconds(benches[f"dense_random_iteration/S:{states}/solver:1"])), None)
    faster = (f"Krylov is faster than the dense solver from S = {crossover} on in this run"
              if crossover else "the dense solver is faster than Krylov at every size above in "
              "this run")
    put(f"\nOn these fully dense MDPs {faster}; the automatic choice (dense up to 500 states, "
        "Krylov above) looks at the size only, and `--solver dense` forces the dense solver, "
        "exact to the LU's rounding, at any size.")
    put("\nPeak memory is each size in its own process: NumPy's reference script, and a 3-iteration "
        "`tabrl run` on the same kind of MDP (`garnet(states=S, actions=4, branching=S)`, fully dense "
        "rows) with `--solver dense`. tabrl keeps the sparse form of P (12 bytes per entry) and, "
        "these kernels being dense, the dense array too (8 bytes per entry, the form its loops "
        "read), against NumPy's 8 bytes per entry.\n")
    dense2000 = benches.get("dense_random_iteration/S:2000/solver:1")
    lu2000 = benches.get("lu_bare/2000")
    if dense2000 and lu2000:
        put(f"**The dense path against the LU limit.** At S = 2000 a whole SPMA iteration with the dense solver "
            f"takes {fmt_time(seconds(dense2000))} against {fmt_time(seconds(lu2000))} for the bare "
            f"LU factorisation of a 2000 x 2000 matrix: {seconds(dense2000) / seconds(lu2000):.2f}x "
            "(target: within 3x).\n")
        summary["S = 2000 (dense): SPMA iteration <= 3x the bare LU"] = (
            f"{seconds(dense2000) / seconds(lu2000):.2f}x", seconds(dense2000) / seconds(lu2000) <= 3)

    put("## Garnet MDPs (A = 4, branching 5): every solver\n")
    put("| S | solver | chosen | time per SPMA iteration | BiCGSTAB iterations (value solve) | peak memory (`tabrl run`) |\n|---:|---|---|---:|---:|---:|")
    for name, bench in sorted(benches.items(), key=lambda item: (item[1].get("S", 0), item[0])):
        if not name.startswith(("iteration/method:0", "iteration_krylov", "iteration_sparse_lu")):
            continue
        solver = bench.get("label", "").split(", ")[-1]
        iterations = bench.get("krylov_iterations")
        mb = garnet_memory.get(int(bench["S"])) if solver == "krylov" else None
        chosen = "automatic" if name.startswith("iteration/") else "forced"
        put(f"| {int(bench['S'])} | {solver} | {chosen} | {fmt_time(seconds(bench))} | "
            f"{int(iterations) if iterations else ''} | {f'{mb} MB' if mb else ''} |")
    put("\nTarget: one SPMA iteration on the 100,000-state Garnet in under 1 s with peak memory "
        "under 2 GiB. The Krylov solver (BiCGSTAB, Jacobi preconditioner, warm-started from an "
        "extrapolation of the previous iterates' V, true relative residual <= 1e-12 "
        "checked after each "
        "solve) is the automatic choice above 500 states; sparse LU fills in on random sparsity; "
        "it is an option, and the automatic choice's fallback where the MDP's structure is narrow "
        "(docs/engine.md, \"Fallback of the automatic choice\").\n")
    log_linear = next((b for n, b in benches.items() if n.startswith("log_linear_spma_iteration")),
                      None)
    if log_linear:
        tabular = next((b for n, b in benches.items() if n.startswith("tabular_spma_iteration")),
                       {})
        hessian = next((b for n, b in benches.items() if n.startswith("log_linear_hessian")), {})
        objective = next((b for n, b in benches.items() if n.startswith("log_linear_objective")),
                         {})

        def cpu(bench):
            scale = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}[bench["time_unit"]]
            return bench["cpu_time"] * scale

        put("## Log-linear SPMA\n")
        put("One iteration of exact log-linear SPMA (docs/theory.md, \"Log-linear policies\") on "
            "garnet(states=10000, actions=8, branching=5) with random(dim=64) features, step 0.09: "
            "the exact evaluation plus the projection solved until its gradient is 1e-12 of its "
            "initial value or below its rounding floor (`bench/bench_log_linear.cpp`; 20 "
            "consecutive iterations of one run). Wall and CPU time are both given: the machine is "
            f"shared (load average {', '.join(f'{x:.2f}' for x in context.get('load_avg', []))} "
            "when the benchmarks started).\n")
        put("| measurement | wall | CPU |\n|---|---:|---:|")
        put(f"| log-linear SPMA iteration (k = 64) | {fmt_time(seconds(log_linear))} | "
            f"{fmt_time(cpu(log_linear))} |")
        if tabular:
            put(f"| tabular SPMA iteration, same MDP | {fmt_time(seconds(tabular))} | "
                f"{fmt_time(cpu(tabular))} |")
        if hessian:
            put(f"| one Hessian (S A k^2 = 3.3e8 multiply-adds, symmetric rank-k updates) | "
                f"{fmt_time(seconds(hessian))} | {fmt_time(cpu(hessian))} |")
        if objective:
            put(f"| one objective and gradient (one fused pass over X) | "
                f"{fmt_time(seconds(objective))} | {fmt_time(cpu(objective))} |")
        put(f"\nPer iteration: {log_linear.get('newton_steps', 0):.3g} Newton steps, "
            f"{log_linear.get('evaluations', 0):.3g} objective evaluations in the line searches "
            f"(plus one at theta_t), {log_linear.get('hessians', 0):.3g} Hessians (the last "
            "solve's Hessian serves the first step while it cuts the gradient tenfold), "
            f"{log_linear.get('floor_stops', 0):.3g} solves ended by the rounding floor in 20 "
            "(target: under 100 ms).\n")
        small = [(n, b) for n, b in benches.items() if n.startswith("log_linear_small_run")]
        if small:
            put("Whole runs of 300 iterations of exact log-linear SPMA at the safe step on the "
                "small MDPs of the function-approximation reproduction:\n")
            put("| MDP, features | wall | CPU | per iteration (CPU) | Newton steps | Hessians | "
                "share of solves ended by the floor |\n|---|---:|---:|---:|---:|---:|---:|")
            for name, bench in small:
                put(f"| {bench.get('label', name)} | {fmt_time(seconds(bench))} | "
                    f"{fmt_time(cpu(bench))} | {fmt_time(cpu(bench) / 300)} | "
                    f"{bench.get('newton_steps', 0):.3g} | {bench.get('hessians', 0):.3g} | "
                    f"{bench.get('floor_stops', 0):.3g} |")
            put("")
    timed = {(r["states"], r["threads"], r["iterations"]): r for r in runs if "threads" in r}
    identical = {r["states"]: r["identical_curves"] for r in runs if "identical_curves" in r}
    if timed:
        put("## Threads: 1 against 2, and the 1e6-state Garnet\n")
        put("Whole `tabrl run`s on `garnet(states=S, actions=4, branching=5)` with SPMA (Krylov, "
            "kernel sparse). One iteration in steady state is the difference of two run lengths "
            "divided by the difference of their iteration counts; setup is generation, "
            "validation and the optimal solve (the run of one iteration, which evaluates two policies, minus two iterations). "
            "The curves of the two thread counts are compared byte for byte.\n")
        put("| S | threads | run of 1 iteration | one SPMA iteration | speed-up | peak memory | "
            "curves identical |\n|---:|---:|---:|---:|---:|---:|---|")
        for states in sorted({key[0] for key in timed}):
            longs = sorted({key[2] for key in timed if key[0] == states and key[2] > 1})
            if not longs:
                continue
            per = {}
            for threads in (1, 2):
                short = timed.get((states, threads, 1))
                long = timed.get((states, threads, longs[-1]))
                if short and long:
                    per[threads] = (long["seconds"] - short["seconds"]) / (longs[-1] - 1)
            for threads in (1, 2):
                short = timed.get((states, threads, 1))
                long = timed.get((states, threads, longs[-1]))
                if not (short and long and threads in per):
                    continue
                speed = f"{per[1] / per[2]:.2f}x" if threads == 2 and 1 in per else ""
                put(f"| {states} | {threads} | {short['seconds']:.2f} s | {fmt_time(per[threads])} | "
                    f"{speed} | {max(short['peak_rss_mb'], long['peak_rss_mb'])} MB | "
                    f"{('yes' if identical.get(states) else 'NO') if threads == 2 else ''} |")
        big = timed.get((1000000, 2, 1))
        big_long = [r for key, r in timed.items() if key[0] == 1000000 and key[1] == 2 and key[2] > 1]
        if big and big_long:
            iteration = (big_long[0]["seconds"] - big["seconds"]) / (big_long[0]["iterations"] - 1)
            setup = big["seconds"] - 2 * iteration
            peak = max(big["peak_rss_mb"], big_long[0]["peak_rss_mb"]) / 1024
            summary["1e6 setup < 15 s (2 threads)"] = (f"{setup:.1f} s", setup < 15)
            summary["1e6 SPMA iteration < 1.2 s (2 threads)"] = (f"{iteration:.2f} s", iteration < 1.2)
            summary["1e6 peak memory < 3 GiB"] = (f"{peak:.2f} GiB", peak < 3)
            put(f"\n**1e6 states, 2 threads.** Setup (generation, validation, optimal solve) "
                f"{setup:.1f} s (target < 15 s: {'met' if setup < 15 else 'missed'}); one SPMA "
                f"iteration {iteration:.2f} s (target < 1.2 s: "
                f"{'met' if iteration < 1.2 else 'missed'}); peak memory {peak:.2f} GiB "
                f"(target < 3 GiB: {'met' if peak < 3 else 'missed'}).\n")
            put(ONE_MILLION_METHOD + "\n")
    for states, same in sorted(identical.items()):
        summary[f"curves identical on 1 and 2 threads, S = {states}"] = (
            "yes" if same else "no", bool(same))
    phases = next((b for n, b in benches.items() if n.startswith("garnet_1e6_phases")), None)
    if phases:
        put("\n**The 1e6-state Garnet, phase by phase** (`garnet_1e6_phases`, in one process on all "
            "cores; the optimal solve is policy iteration whose Krylov solves run to a relative "
            "residual of 1e-6 until the policy is stable, then to 1e-12; its Krylov system is "
            "assembled from the kernel rows the deterministic policy selects, with no product):\n")
        put("| phase | time | detail |\n|---|---:|---|")
        put(f"| generation and validation | {phases['generate_s']:.2f} s | sequential (the seed "
            "fixes the instance) |")
        put(f"| optimal solve | {phases['optimal_s']:.2f} s | {phases['sweeps']:.0f} sweeps |")
        put(f"| first evaluation (cold start, V) | "
            f"{phases['first_evaluation_s']:.2f} s | {phases['first_krylov_iterations']:.0f} "
            "BiCGSTAB iterations (value solve) |")
        if "warm_up_iteration_s" in phases:
            put(f"| SPMA iterations 1 to 8 (mean; the warm start's path fills up) | "
                f"{phases['warm_up_iteration_s']:.2f} s | "
                f"{phases['warm_up_krylov_iterations']:.1f} BiCGSTAB iterations (value solve) |")
        put(f"| one SPMA iteration in steady state (mean of iterations 9 to 16) | "
            f"{phases['iteration_s']:.2f} s | "
            f"{phases['krylov_iterations']:.1f} BiCGSTAB iterations (value solve) |")
        put(f"| peak memory | {phases['peak_rss_mb'] / 1024:.2f} GiB | |\n")
    put("## Targets of the speed issue, met or missed\n")
    put("Every target with its measurement from this run (the sections above give the details).\n")
    put("| target | measured | |\n|---|---:|---|")
    for target, (value, ok) in summary.items():
        put(f"| {target} | {value} | {met(ok)} |")
    put("\n## Other measurements\n")
    overhead = next((b for name, b in benches.items() if name.startswith("sweep_overhead")), None)
    if overhead:
        put(f"- Sweep driver on 1,000 short runs: {overhead['sweep_s']:.2f} s against "
            f"{overhead['work_s']:.2f} s of optimization: {overhead['overhead_pct']:.1f}% overhead "
            "(target < 5%).")
    # One benchmark per row of the MDP format table (mdps/formats.cpp), in the table's order.
    writes = [(name, bench) for name, bench in benches.items() if name.startswith("garnet_100k/")]
    for _, bench in sorted(writes, key=lambda item: int(item[0].split("format:")[1].split("/")[0])):
        put(f"- garnet(states=100000, actions=4, branching=5) generated, validated and written as "
            f"{bench.get('label')}: {fmt_time(seconds(bench))}, {bench['file_mb']:.0f} MB file, "
            f"peak RSS {bench['peak_rss_mb']:.0f} MB.")
    print("\n".join(out))


if __name__ == "__main__":
    main()
