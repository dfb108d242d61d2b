// Scale of the MDP path: garnet(states=100000, actions=4, branching=5) generated, validated and
// written in each format. Peak memory is the process's high-water mark (VmHWM) after the runs.
#include <benchmark/benchmark.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>

#include <tabrl/algorithms/spma.hpp>
#include <tabrl/core/evaluation.hpp>
#include <tabrl/core/optimal.hpp>
#include <tabrl/core/policy.hpp>
#include <tabrl/mdps/builtin.hpp>
#include <tabrl/mdps/formats.hpp>

#include "bench_memory.hpp"

namespace {

using namespace tabrl;

using bench::peak_rss_megabytes;

void garnet_100k(benchmark::State& state) {
  const MdpFormat& format = mdp_formats()[static_cast<std::size_t>(state.range(0))];
  const std::filesystem::path path = std::filesystem::temp_directory_path() / "tabrl_bench_garnet";
  for (auto _ : state) {
    const Mdp mdp = make_garnet(100000, 4, 5, 1);
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    format.write(out, mdp);
  }
  state.counters["file_mb"] = static_cast<double>(std::filesystem::file_size(path)) / 1e6;
  state.counters["peak_rss_mb"] = peak_rss_megabytes();
  std::filesystem::remove(path);
  state.SetLabel(std::string(format.extensions.front().substr(1)));
}

BENCHMARK(garnet_100k)
    ->ArgName("format")
    ->DenseRange(0, static_cast<int>(mdp_formats().size()) - 1)  // every row of the table
    ->Unit(benchmark::kSecond)
    ->Iterations(1);

// The 1e6-state Garnet's setup and iterations, phase by phase, on all cores: generation and
// validation, the optimal solve (policy iteration, loose then tight Krylov solves), the first
// (cold-started) evaluation, then SPMA iterations (update plus warm-started evaluation): the
// mean of the first kWarmUp, while the Krylov solver's path of past solutions fills up (its warm
// start extrapolates up to SolutionPath::kLength of them, docs/engine.md), and the mean of the
// next kSteady, in steady state, with their BiCGSTAB iterations (the value solve only, as SPMA's
// loop evaluates; mean per SPMA iteration; two matrix products each, plus about two per SPMA
// iteration for the restart and the true-residual check).
void garnet_1e6_phases(benchmark::State& state) {
  using Clock = std::chrono::steady_clock;
  const auto since = [](Clock::time_point start) {
    return std::chrono::duration<double>(Clock::now() - start).count();
  };
  constexpr Index kStates = 1000000;
  constexpr int kWarmUp = 8;
  constexpr int kSteady = 8;
  for (auto _ : state) {
    auto start = Clock::now();
    const Mdp mdp = make_garnet(kStates, 4, 5, 1);
    state.counters["generate_s"] = since(start);
    start = Clock::now();
    const OptimalSolution optimal = solve_optimal(mdp);
    state.counters["optimal_s"] = since(start);
    state.counters["sweeps"] = optimal.iterations;
    PolicyEvaluator evaluator(mdp);
    Spma spma(mdp, {.step_size = 0.05});
    StateActionMatrix logits = uniform_logits(kStates, 4), next(kStates, 4);
    std::vector<double> diagnostics(1);
    Evaluation evaluation;
    start = Clock::now();
    // Without the visitation, as the optimizer loop evaluates for SPMA.
    evaluator.evaluate_logits(logits, evaluation, spma.needs_visitation());
    state.counters["first_evaluation_s"] = since(start);
    state.counters["first_krylov_iterations"] = evaluator.last_solve().iterations;
    double krylov_iterations = 0.0;
    const auto iterate = [&](int first, int count) {
      krylov_iterations = 0.0;
      const auto begin = Clock::now();
      for (int t = first; t < first + count; ++t) {
        spma.step({.iteration = t, .mdp = mdp, .optimal = optimal, .evaluator = evaluator},
                  evaluation, logits, next, diagnostics);
        logits.swap(next);
        evaluator.evaluate_logits(logits, evaluation, spma.needs_visitation());
        krylov_iterations += evaluator.last_solve().iterations;
      }
      return since(begin) / count;
    };
    state.counters["warm_up_iteration_s"] = iterate(0, kWarmUp);
    state.counters["warm_up_krylov_iterations"] = krylov_iterations / kWarmUp;
    state.counters["iteration_s"] = iterate(kWarmUp, kSteady);
    state.counters["krylov_iterations"] = krylov_iterations / kSteady;
  }
  state.counters["peak_rss_mb"] = peak_rss_megabytes();
}

BENCHMARK(garnet_1e6_phases)->Unit(benchmark::kSecond)->Iterations(1);

}  // namespace
