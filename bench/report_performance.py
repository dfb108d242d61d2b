#!/usr/bin/env python3
"""Turns the benchmark measurements into docs/performance.md.

usage: report_performance.py TABRL_JSON NUMPY_JSONL MEMORY_JSONL > docs/performance.md
"""
import datetime
import json
import platform
import sys


def load(path):
    with open(path) as handle:
        data = json.load(handle)
    return {b["name"]: b for b in data["benchmarks"]}, data["context"]


def seconds(bench):
    scale = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}[bench["time_unit"]]
    return bench["real_time"] * scale


def fmt_time(value):
    if value < 1e-3:
        return f"{value * 1e6:.3g} us"
    if value < 1:
        return f"{value * 1e3:.3g} ms"
    return f"{value:.3g} s"


def main():
    benches, context = load(sys.argv[1])
    numpy = {row["states"]: row for row in map(json.loads, open(sys.argv[2]))}
    memory = [json.loads(line) for line in open(sys.argv[3])]
    dense_memory = {row["states"]: row["peak_rss_mb"] for row in memory if row["kind"] == "dense"}
    garnet_memory = {row["states"]: row["peak_rss_mb"] for row in memory if row["kind"] == "garnet"}
    out = []
    put = out.append
    put("# Performance\n")
    put(f"Measured by `scripts/bench.sh` on {datetime.date.today()} on this project's machine "
        f"({context.get('num_cpus', '?')} cores at {context.get('mhz_per_cpu', '?')} MHz; "
        f"{platform.machine()}), Release build (`-O3`, no `-march=native`). Regenerate with "
        "`bash scripts/bench.sh`; the numbers below are copied from its last run.\n")

    gemm = benches.get("gemm_peak/2000", {}).get("gflops", 0) / 1e9
    lu = benches.get("lu_rate/2000", {}).get("gflops", 0) / 1e9
    bandwidth = benches.get("memory_bandwidth", {}).get("gb_per_s", 0) / 1e9
    put("## The machine's limits, measured on the spot\n")
    put("| quantity | measured |\n|---|---|")
    put(f"| dense matrix multiply (Eigen GEMM, n = 2000, one core) | {gemm:.1f} GFLOP/s |")
    put(f"| dense LU (Eigen partial-pivot LU, n = 2000) | {lu:.1f} GFLOP/s, {lu / gemm:.2f} of GEMM |")
    put(f"| memory bandwidth (triad a = b + s c on 768 MiB) | {bandwidth:.1f} GB/s |\n")

    put("## One SPMA iteration: tabrl against the NumPy reference\n")
    put("Dense random MDPs (every row a flat Dirichlet over all states, A = 4, gamma = 0.9); one "
        "iteration is the exact evaluation (V and the visitation, two linear solves) plus the "
        "update. The NumPy reference (`bench/numpy_reference.py`) does the same with "
        "`numpy.linalg.solve` on dense arrays, measured in the same run. Debian's python3-numpy "
        "links the reference BLAS/LAPACK unless an optimised one (OpenBLAS) is installed and "
        "selected with update-alternatives; these numbers use what this machine has.\n")
    put("| S | NumPy | tabrl dense LU | speed-up | tabrl Krylov | speed-up | target | peak memory NumPy / tabrl |")
    put("|---:|---:|---:|---:|---:|---:|---|---:|")
    for states in (10, 100, 300, 1000, 2000):
        dense = benches.get(f"dense_random_iteration/S:{states}/solver:1")
        krylov = benches.get(f"dense_random_iteration/S:{states}/solver:3")
        reference = numpy.get(states)
        if not (dense and krylov and reference):
            continue
        n = reference["seconds_per_iteration"]
        d, k = seconds(dense), seconds(krylov)
        target = ">= 20x" if states <= 100 else ("no slower" if states == 2000 else "")
        best = n / min(d, k)
        met = ("met" if best >= 20 else f"missed ({best:.1f}x)") if states <= 100 else (
            ("met" if best >= 1 else f"missed ({best:.2f}x)") if states == 2000 else "")
        put(f"| {states} | {fmt_time(n)} | {fmt_time(d)} | {n / d:.1f}x | {fmt_time(k)} | {n / k:.1f}x | "
            f"{target} {met} | {reference['peak_rss_mb']:.0f} / {dense_memory.get(states, 0):.0f} MB |")
    # Why a target is missed: the LU alone needs (2/3) S^3 flops at no more than the GEMM peak.
    reference100 = numpy.get(100)
    if reference100 and gemm > 0:
        lu_floor = (2.0 / 3.0) * 100 ** 3 / (gemm * 1e9)
        put(f"\n**The S <= 100 target.** At S = 100 the dense LU alone needs (2/3) S^3 = 0.67 MFLOP, "
            f"at least {fmt_time(lu_floor)} at this machine's measured GEMM peak; with NumPy at "
            f"{fmt_time(reference100['seconds_per_iteration'])} a 20x speed-up would need the whole "
            f"iteration in {fmt_time(reference100['seconds_per_iteration'] / 20)}, so an exact dense "
            f"solve cannot reach it here (at most {reference100['seconds_per_iteration'] / lu_floor:.0f}x). "
            "The rest of tabrl's time at S = 100 goes to assembling I - gamma P_pi from the sparse "
            "kernel (S A S = 40,000 entries for these fully dense MDPs) and to Q = r + gamma P V. At "
            f"S = 10 NumPy's time is Python's per-call overhead; tabrl's {fmt_time(seconds(benches['dense_random_iteration/S:10/solver:1']))} "
            f"would have to drop to {fmt_time(numpy[10]['seconds_per_iteration'] / 20)} for 20x "
            "(fixed-size kernels, hand-written small triangular solves). Both misses are reported, "
            "not hidden; softmax was rewritten for small rows, the rest was not worked on further "
            "in this round.\n")
    put("\nOn these fully dense MDPs too, Krylov overtakes dense LU from a few hundred states on, "
        "which is why the automatic choice (dense LU up to 500 states, Krylov above) looks at the "
        "size only; dense LU stays the exact choice for small problems and `--solver dense` forces it.")
    put("\nPeak memory is each size in its own process: NumPy's reference script, and a 3-iteration "
        "`tabrl run` on the same kind of MDP (`garnet(states=S, actions=4, branching=S)`, fully dense "
        "rows) with `--solver dense`. tabrl keeps P sparse (12 bytes per entry, against NumPy's "
        "8 in a dense array) and builds it through a list of entries, hence more memory at S = 2000.\n")
    dense2000 = benches.get("dense_random_iteration/S:2000/solver:1")
    lu2000 = benches.get("lu_rate/2000")
    if dense2000 and lu2000:
        put(f"**The dense path against the LU limit.** At S = 2000 a whole SPMA iteration with dense LU "
            f"takes {fmt_time(seconds(dense2000))} against {fmt_time(seconds(lu2000))} for the bare "
            f"LU factorisation of a 2000 x 2000 matrix: {seconds(dense2000) / seconds(lu2000):.2f}x "
            "(target: within 3x).\n")

    put("## Garnet MDPs (A = 4, branching 5): every solver\n")
    put("| S | solver | chosen | time per SPMA iteration | BiCGSTAB iterations (both solves) | peak memory (`tabrl run`) |\n|---:|---|---|---:|---:|---:|")
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
        "under 2 GiB. The Krylov solver (BiCGSTAB, Jacobi preconditioner, warm-started from the "
        "previous iterate's V and visitation, true relative residual <= 1e-12 checked after each "
        "solve) is the automatic choice above 500 states; sparse LU fills in on random sparsity "
        "and is kept only as an option.\n")
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
            "the exact evaluation plus the projection solved to a gradient 1e-12 of its initial "
            "value (`bench/bench_log_linear.cpp`; 20 consecutive iterations of one run). Wall and "
            "CPU time are both given: the machine is shared.\n")
        put("| measurement | wall | CPU |\n|---|---:|---:|")
        put(f"| log-linear SPMA iteration (k = 64) | {fmt_time(seconds(log_linear))} | "
            f"{fmt_time(cpu(log_linear))} |")
        if tabular:
            put(f"| tabular SPMA iteration, same MDP | {fmt_time(seconds(tabular))} | "
                f"{fmt_time(cpu(tabular))} |")
        if hessian:
            put(f"| one Hessian (S A k^2 = 3.3e8 multiply-adds, symmetric rank-k update) | "
                f"{fmt_time(seconds(hessian))} | {fmt_time(cpu(hessian))} |")
        if objective:
            put(f"| one objective and gradient (two products with X) | "
                f"{fmt_time(seconds(objective))} | {fmt_time(cpu(objective))} |")
        put(f"\nPer iteration: {log_linear.get('newton_steps', 0):.3g} Newton steps, "
            f"{log_linear.get('hessians', 0):.3g} Hessians (target: under 100 ms).\n")
    put("## Other measurements\n")
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
