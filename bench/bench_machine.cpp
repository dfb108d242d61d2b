// The machine's own limits, measured on the spot: dense matrix-multiply peak (Eigen GEMM, built
// portable), Eigen's partial-pivot LU rate on the same matrices, tabrl's own dense LU
// (core/dominant_lu, with the vector kernels this processor runs), and memory bandwidth (a
// STREAM-like triad), plus one SPMA iteration on dense random MDPs as in
// bench/numpy_reference.py.
#include <benchmark/benchmark.h>

#include <Eigen/Dense>
#include <algorithm>
#include <fstream>
#include <memory>
#include <random>
#include <vector>

#include <tabrl/algorithms/spma.hpp>
#include <tabrl/core/dense_lu.hpp>
#include <tabrl/core/dominant_lu.hpp>
#include <tabrl/core/evaluation.hpp>
#include <tabrl/core/policy.hpp>
#include <tabrl/core/random.hpp>
#include <tabrl/mdps/transitions.hpp>

#include "bench_memory.hpp"

namespace {

using namespace tabrl;

using bench::peak_rss_megabytes;

// Repetitions of the small dense benchmarks, reported as their median and minimum: on a shared
// machine one repetition can be 50% off, and NumPy's side reports the same two statistics.
constexpr int kDenseRepetitions = 7;

double minimum_of(const std::vector<double>& values) {
  return *std::min_element(values.begin(), values.end());
}

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

// The bare factorisation the dense LU solver runs once per iteration (in place, core/dominant_lu),
// at the sizes of the dense-path target: an SPMA iteration against its own LU.
void lu_bare(benchmark::State& state) {
  const Eigen::Index n = state.range(0);
  Eigen::MatrixXd a = Eigen::MatrixXd::Random(n, n);
  a.diagonal().array() += 2.0 * static_cast<double>(n);  // dominant, as M^T is
  Eigen::MatrixXd work(n, n);
  for (auto _ : state) {
    work = a;
    tabrl::factor_dominant_lu(work.data(), n);
    benchmark::DoNotOptimize(work.data());
  }
  state.SetLabel(tabrl::to_string(tabrl::simd_level()));
  const auto size = static_cast<double>(n);
  state.counters["gflops"] = benchmark::Counter(2.0 / 3.0 * size * size * size,
                                                benchmark::Counter::kIsIterationInvariantRate,
                                                benchmark::Counter::kIs1000);
}
BENCHMARK(lu_bare)
    ->Arg(100)
    ->Arg(300)
    ->Arg(500)
    ->Arg(2000)
    ->Repetitions(kDenseRepetitions)
    ->ComputeStatistics("min", minimum_of)
    ->ReportAggregatesOnly(true)
    ->Unit(benchmark::kMicrosecond);

void memory_bandwidth(benchmark::State& state) {
  const Eigen::Index n = 32 * 1024 * 1024;  // three arrays of 256 MiB
  Eigen::VectorXd a = Eigen::VectorXd::Zero(n), b = Eigen::VectorXd::Ones(n),
                  c = Eigen::VectorXd::Ones(n);
  // One pass before timing: the compiler may turn the zero fill into calloc, whose pages are then
  // first touched inside the timed loop (page faults cost 3.5-4.6 s per GB on this machine, and
  // a cold triad measured 1.0 GB/s against 25-30 GB/s warm).
  a.noalias() = b + 3.0 * c;
  benchmark::DoNotOptimize(a.data());
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

// How many iterations from the uniform policy one batch of bench/numpy_reference.py times at S
// states (the same formula): both sides then average the same iterations of the same run.
Index numpy_batch_length(Index states) {
  const double cube =
      static_cast<double>(states) * static_cast<double>(states) * static_cast<double>(states);
  return std::max<Index>(3, std::min<Index>(2000, static_cast<Index>(2e8 / cube) + 3));
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
  // The run starts again from the uniform policy after each NumPy batch's length, so that the
  // iterations timed are those NumPy times (a long run's later iterations cost about the same).
  const Index batch = numpy_batch_length(states);
  int t = 0;
  double products = 0.0;
  long solves = 0;
  for (auto _ : state) {
    if (t == batch) {
      logits.setZero();
      t = 0;
    }
    // As the optimizer loop evaluates for SPMA: without the visitation, which it never reads.
    evaluator.evaluate_logits(logits, evaluation, spma.needs_visitation());
    products += evaluator.last_solve().iterations;
    ++solves;
    spma.step({.iteration = t++, .mdp = mdp, .optimal = unsolved, .evaluator = evaluator},
              evaluation, logits, next, diagnostics);
    logits.swap(next);
  }
  state.counters["S"] = static_cast<double>(states);
  state.counters["peak_rss_mb"] = peak_rss_megabytes();
  // Products with M per value solve: GMRES's (residual checks included) with the dense solver,
  // BiCGSTAB's with Krylov (two per iteration).
  if (solves > 0) state.counters["products"] = products / static_cast<double>(solves);
  state.SetLabel(to_string(evaluator.solver()));
}
BENCHMARK(dense_random_iteration)
    ->ArgNames({"S", "solver"})
    ->ArgsProduct({{10, 100, 300, 500, 1000, 2000},
                   {static_cast<int>(LinearSolverKind::dense_lu),
                    static_cast<int>(LinearSolverKind::krylov)}})
    ->Repetitions(kDenseRepetitions)
    ->ComputeStatistics("min", minimum_of)
    ->ReportAggregatesOnly(true)
    ->Unit(benchmark::kMicrosecond);

// The parts of one dense SPMA iteration, each timed alone at the sizes of the dense-path target:
//   0 = the assembly of I - gamma P_pi (DenseLu::prepare, with the row dot products it takes for
//       GMRES: M 1 and M times the warm start);
//   1 = the LU's two triangular solves for V (with M factorised), which with the bare LU
//       (lu_bare) is what the value solve costs without GMRES;
//   2 = Q = P V from the dense kernel (the (S A) x S product, row dot products);
//   3 = Eigen's GEMV of a matrix of the same shape (the speed that product could reach);
//   4 = the softmax of the logits and the SPMA update.
// The GMRES value solve is what the whole iteration (dense_random_iteration, with its products
// per solve) leaves of these: replaying a run's policies here would stream them through the
// second-level cache, which a run does not.
void dense_iteration_part(benchmark::State& state) {
  const Index states = state.range(0);
  const int part = static_cast<int>(state.range(1));
  const Mdp mdp = dense_random_mdp(states);
  PolicyEvaluator evaluator(mdp, LinearSolverKind::dense_lu);
  const OptimalSolution unsolved;
  Spma spma(mdp, {.step_size = 0.05});
  StateActionMatrix logits = uniform_logits(states, 4), next(states, 4);
  std::vector<double> diagnostics(1);
  Evaluation evaluation;
  evaluator.evaluate_logits(logits, evaluation);
  const Vector reward = evaluation.policy.cwiseProduct(mdp.rewards()).rowwise().sum();
  DenseLu solver(mdp), factors(mdp);
  Vector v;
  solver.prepare(evaluation.policy);
  solver.solve(reward, v, mdp.rho(), nullptr);  // warm, with a path: part 0 then predicts
  factors.prepare(evaluation.policy);
  factors.solve_value(reward, v);  // factorised: part 1 only solves
  StateActionMatrix q(states, 4);
  const Vector gemv_in = Vector::Random(states);
  Vector gemv_out(states * 4);
  for (auto _ : state) {
    switch (part) {
      case 0:
        solver.prepare(evaluation.policy);
        break;
      case 1:
        factors.solve_value(reward, v);
        break;
      case 2:
        mdp.apply_transitions(evaluation.v, q.data());
        break;
      case 3:
        gemv_out.noalias() = mdp.dense_transitions() * gemv_in;
        break;
      default:
        softmax_rows(logits, evaluation.policy);
        spma.step({.iteration = 0, .mdp = mdp, .optimal = unsolved, .evaluator = evaluator},
                  evaluation, logits, next, diagnostics);
        break;
    }
    benchmark::DoNotOptimize(v.data());
    benchmark::DoNotOptimize(q.data());
    benchmark::DoNotOptimize(gemv_out.data());
    benchmark::DoNotOptimize(next.data());
  }
  state.counters["S"] = static_cast<double>(states);
}

BENCHMARK(dense_iteration_part)
    ->ArgNames({"S", "part"})
    ->ArgsProduct({{100, 300, 500}, {0, 1, 2, 3, 4}})
    ->Repetitions(kDenseRepetitions)
    ->ComputeStatistics("min", minimum_of)
    ->ReportAggregatesOnly(true)
    ->Unit(benchmark::kMicrosecond);

}  // namespace
