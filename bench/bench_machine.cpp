// The machine's own limits, measured on the spot: dense matrix-multiply peak (Eigen GEMM), the
// LU factorisation rate on the same matrices, and memory bandwidth (a STREAM-like triad), plus
// one SPMA iteration on dense random MDPs as in bench/numpy_reference.py.
#include <benchmark/benchmark.h>

#include <Eigen/Dense>
#include <fstream>
#include <memory>
#include <random>

#include <tabrl/algorithms/spma.hpp>
#include <tabrl/core/dense_lu.hpp>
#include <tabrl/core/evaluation.hpp>
#include <tabrl/core/policy.hpp>
#include <tabrl/core/random.hpp>
#include <tabrl/mdps/transitions.hpp>

#include "bench_memory.hpp"

namespace {

using namespace tabrl;

using bench::peak_rss_megabytes;

void gemm_peak(benchmark::State& state) {
  const Eigen::Index n = state.range(0);
  const Eigen::MatrixXd a = Eigen::MatrixXd::Random(n, n), b = Eigen::MatrixXd::Random(n, n);
  Eigen::MatrixXd c(n, n);
  for (auto _ : state) {
    c.noalias() = a * b;
    benchmark::DoNotOptimize(c.data());
  }
  const auto size = static_cast<double>(n);
  state.counters["gflops"] =
      benchmark::Counter(2.0 * size * size * size, benchmark::Counter::kIsIterationInvariantRate,
                         benchmark::Counter::kIs1000);
}
BENCHMARK(gemm_peak)->Arg(1000)->Arg(2000)->Unit(benchmark::kMillisecond);

void lu_rate(benchmark::State& state) {
  const Eigen::Index n = state.range(0);
  Eigen::MatrixXd a = Eigen::MatrixXd::Random(n, n);
  a.diagonal().array() += static_cast<double>(n);
  Eigen::PartialPivLU<Eigen::MatrixXd> lu(n);
  for (auto _ : state) {
    lu.compute(a);
    benchmark::DoNotOptimize(lu.matrixLU().data());
  }
  const auto size = static_cast<double>(n);
  state.counters["gflops"] = benchmark::Counter(2.0 / 3.0 * size * size * size,
                                                benchmark::Counter::kIsIterationInvariantRate,
                                                benchmark::Counter::kIs1000);
}
BENCHMARK(lu_rate)->Arg(1000)->Arg(2000)->Unit(benchmark::kMillisecond);

// The bare factorisation the dense LU solver runs once per iteration (in place, no condition
// estimate), at the sizes of the dense-path target: an SPMA iteration against its own LU.
void lu_bare(benchmark::State& state) {
  const Eigen::Index n = state.range(0);
  Eigen::MatrixXd a = Eigen::MatrixXd::Random(n, n);
  a.diagonal().array() += static_cast<double>(n);
  Eigen::MatrixXd work(n, n);
  Eigen::Transpositions<Eigen::Dynamic, Eigen::Dynamic, int> rows(n);
  for (auto _ : state) {
    work = a;
    tabrl::partial_pivot_lu_in_place(work, rows);
    benchmark::DoNotOptimize(work.data());
  }
}
BENCHMARK(lu_bare)->Arg(100)->Arg(300)->Arg(500)->Unit(benchmark::kMicrosecond);

void memory_bandwidth(benchmark::State& state) {
  const Eigen::Index n = 32 * 1024 * 1024;  // three arrays of 256 MiB
  Eigen::VectorXd a = Eigen::VectorXd::Zero(n), b = Eigen::VectorXd::Ones(n),
                  c = Eigen::VectorXd::Ones(n);
  for (auto _ : state) {
    a.noalias() = b + 3.0 * c;
    benchmark::DoNotOptimize(a.data());
  }
  state.counters["gb_per_s"] = benchmark::Counter(3.0 * 8.0 * static_cast<double>(n),
                                                  benchmark::Counter::kIsIterationInvariantRate,
                                                  benchmark::Counter::kIs1000);
}
BENCHMARK(memory_bandwidth)->Unit(benchmark::kMillisecond);

// Dense random MDP as in numpy_reference.py: every row a flat Dirichlet over all states, A = 4.
Mdp dense_random_mdp(Index states) {
  Random random(1);
  constexpr Index kActions = 4;
  std::vector<TransitionEntry> entries;
  entries.reserve(static_cast<std::size_t>(states * kActions * states));
  std::vector<double> weights(static_cast<std::size_t>(states));
  for (Index s = 0; s < states; ++s) {
    for (Index a = 0; a < kActions; ++a) {
      double total = 0.0;
      for (double& w : weights) total += (w = random.exponential());
      for (Index n = 0; n < states; ++n)
        entries.push_back({s, a, n, weights[static_cast<std::size_t>(n)] / total});
    }
  }
  StateActionMatrix rewards(states, kActions);
  for (Index s = 0; s < states; ++s) {
    for (Index a = 0; a < kActions; ++a) rewards(s, a) = random.uniform();
  }
  return Mdp({.num_states = states,
              .num_actions = kActions,
              .gamma = 0.9,
              .rho = Vector::Constant(states, 1.0 / static_cast<double>(states)),
              .rewards = rewards,
              .transitions = make_transitions(states, kActions, entries)});
}

void dense_random_iteration(benchmark::State& state) {
  const Index states = state.range(0);
  const auto solver = static_cast<LinearSolverKind>(state.range(1));
  const Mdp mdp = dense_random_mdp(states);
  PolicyEvaluator evaluator(mdp, solver);
  const OptimalSolution unsolved;  // V* is not needed by these rules
  Spma spma(mdp, {.step_size = 0.05});
  StateActionMatrix logits = uniform_logits(states, 4), next(states, 4);
  std::vector<double> diagnostics(1);
  Evaluation evaluation;
  int t = 0;
  for (auto _ : state) {
    evaluator.evaluate_logits(logits, evaluation);
    spma.step({.iteration = t++, .mdp = mdp, .optimal = unsolved, .evaluator = evaluator},
              evaluation, logits, next, diagnostics);
    logits.swap(next);
  }
  state.counters["S"] = static_cast<double>(states);
  state.counters["peak_rss_mb"] = peak_rss_megabytes();
  state.SetLabel(to_string(evaluator.solver()));
}
BENCHMARK(dense_random_iteration)
    ->ArgNames({"S", "solver"})
    ->ArgsProduct({{10, 100, 300, 500, 1000, 2000},
                   {static_cast<int>(LinearSolverKind::dense_lu),
                    static_cast<int>(LinearSolverKind::krylov)}})
    ->Unit(benchmark::kMicrosecond);

}  // namespace
