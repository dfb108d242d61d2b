// One exact-gradient iteration (exact evaluation of pi_t plus one update) on Garnet MDPs with
// A = 4 and branching 5, at S in {10, 100, 1000}, with the automatic solver choice.
#include <benchmark/benchmark.h>

#include <memory>

#include <tabrl/algorithms/npg.hpp>
#include <tabrl/algorithms/spg.hpp>
#include <tabrl/algorithms/spma.hpp>
#include <tabrl/core/evaluation.hpp>
#include <tabrl/core/policy.hpp>
#include <tabrl/mdps/builtin.hpp>

namespace {

using namespace tabrl;

enum Method { kSpma = 0, kNpg = 1, kSpg = 2 };

std::unique_ptr<UpdateRule> make_rule(Method method, const Mdp& mdp) {
  switch (method) {
    case kSpma:
      return std::make_unique<Spma>(mdp, SpmaOptions{.step_size = 0.05});
    case kNpg:
      return std::make_unique<Npg>(NpgOptions{.step_size = 1.0});
    case kSpg:
      return std::make_unique<Spg>(SpgOptions{.step_size = 0.5});
  }
  return nullptr;
}

void run_iterations(benchmark::State& state, LinearSolverKind solver) {
  const auto method = static_cast<Method>(state.range(0));
  const Index num_states = state.range(1);
  const Mdp mdp = make_garnet(num_states, 4, 5, 1, 0.9);
  PolicyEvaluator evaluator(mdp, solver);
  const OptimalSolution unsolved;  // V* is not needed by these rules
  const std::unique_ptr<UpdateRule> rule = make_rule(method, mdp);
  StateActionMatrix logits = uniform_logits(num_states, 4);
  StateActionMatrix next(num_states, 4);
  std::vector<double> diagnostics(rule->diagnostic_names().size());
  Evaluation evaluation;
  int t = 0;
  for (auto _ : state) {
    evaluator.evaluate_logits(logits, evaluation, rule->needs_visitation());
    rule->step({.iteration = t++, .mdp = mdp, .optimal = unsolved, .evaluator = evaluator},
               evaluation, logits, next, diagnostics);
    logits.swap(next);
    benchmark::DoNotOptimize(logits.data());
  }
  state.SetLabel(std::string(rule->name()) + ", " + to_string(evaluator.solver()));
  if (evaluator.solver() == LinearSolverKind::krylov) {
    state.counters["krylov_iterations"] = evaluator.last_solve().iterations;
  }
  state.counters["S"] = static_cast<double>(num_states);
}

void iteration(benchmark::State& state) { run_iterations(state, LinearSolverKind::automatic); }

// The sparse LU path forced, for comparison on the same Garnet MDPs.
void iteration_sparse_lu(benchmark::State& state) {
  run_iterations(state, LinearSolverKind::sparse_lu);
}

// The warm-started Krylov path (BiCGSTAB, relative residual 1e-12), up to 100,000 states.
void iteration_krylov(benchmark::State& state) { run_iterations(state, LinearSolverKind::krylov); }

BENCHMARK(iteration_sparse_lu)
    ->ArgNames({"method", "S"})
    ->ArgsProduct({{kSpma}, {100, 1000}})
    ->Unit(benchmark::kMicrosecond);

BENCHMARK(iteration_krylov)
    ->ArgNames({"method", "S"})
    ->ArgsProduct({{kSpma}, {1000, 10000, 100000}})
    ->Unit(benchmark::kMillisecond);

BENCHMARK(iteration)
    ->ArgNames({"method", "S"})
    ->ArgsProduct({{kSpma, kNpg, kSpg}, {10, 100, 1000}})
    ->Unit(benchmark::kMicrosecond);

}  // namespace
