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
// (cold-started) evaluation, and the mean of three SPMA iterations in steady state
// (warm-started evaluation plus update).
void garnet_1e6_phases(benchmark::State& state) {
  using Clock = std::chrono::steady_clock;
  const auto since = [](Clock::time_point start) {
    return std::chrono::duration<double>(Clock::now() - start).count();
  };
  constexpr Index kStates = 1000000;
  constexpr int kSteady = 3;
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
    evaluator.evaluate_logits(logits, evaluation);
    state.counters["first_evaluation_s"] = since(start);
    state.counters["first_krylov_iterations"] = evaluator.last_solve().iterations;
    start = Clock::now();
    for (int t = 0; t < kSteady; ++t) {
      spma.step({.iteration = t, .mdp = mdp, .optimal = optimal, .evaluator = evaluator},
                evaluation, logits, next, diagnostics);
      logits.swap(next);
      evaluator.evaluate_logits(logits, evaluation);
    }
    state.counters["iteration_s"] = since(start) / kSteady;
    state.counters["krylov_iterations"] = evaluator.last_solve().iterations;
  }
  state.counters["peak_rss_mb"] = peak_rss_megabytes();
}

BENCHMARK(garnet_1e6_phases)->Unit(benchmark::kSecond)->Iterations(1);

}  // namespace
