// One log-linear SPMA iteration (exact evaluation of pi_theta plus the exact projection by
// Newton's method) on garnet(states=10000, actions=8, branching=5) with random(dim=64) features
// (docs/performance.md, "Log-linear SPMA"), next to the tabular SPMA iteration on the same MDP;
// and the parts of one Newton step: the weighted Gram (Hessian) matrix, and the objective with
// its gradient.
#include <benchmark/benchmark.h>

#include <memory>

#include <tabrl/algorithms/feature_spec.hpp>
#include <tabrl/algorithms/log_linear.hpp>
#include <tabrl/algorithms/spma.hpp>
#include <tabrl/algorithms/theory.hpp>
#include <tabrl/core/evaluation.hpp>
#include <tabrl/core/policy.hpp>
#include <tabrl/mdps/builtin.hpp>
#include <tabrl/mdps/registry.hpp>

namespace {

using namespace tabrl;

constexpr Index kStates = 10000;
constexpr Index kActions = 8;
constexpr double kStep = 0.09;  // below (1 - gamma) / R = 0.1: every target positive

const Mdp& garnet() {
  static const Mdp mdp = make_garnet(kStates, kActions, 5, 1, 0.9);
  return mdp;
}

std::shared_ptr<const FeatureMatrix> features(Index dim) {
  return std::make_shared<const FeatureMatrix>(kStates, kActions,
                                               random_features(kStates, kActions, dim, 0, 1.0));
}

// Iterations of a run: the benchmark's iteration t is the run's iteration t.
void run(benchmark::State& state, UpdateRule& rule) {
  const Mdp& mdp = garnet();
  PolicyEvaluator evaluator(mdp);
  const OptimalSolution unsolved;
  StateActionMatrix logits = uniform_logits(kStates, kActions);
  StateActionMatrix next(kStates, kActions);
  std::vector<double> diagnostics(rule.diagnostic_names().size());
  rule.initialize({.mdp = mdp, .optimal = unsolved, .evaluator = evaluator}, logits, logits);
  Evaluation evaluation;
  int t = 0;
  double newton_steps = 0.0, hessians = 0.0, evaluations = 0.0, floor_stops = 0.0;
  const auto* log_linear = dynamic_cast<const LogLinearRule*>(&rule);
  for (auto _ : state) {
    evaluator.evaluate_logits(logits, evaluation, rule.needs_visitation());
    rule.step({.iteration = t++, .mdp = mdp, .optimal = unsolved, .evaluator = evaluator},
              evaluation, logits, next, diagnostics);
    if (diagnostics.size() >= 3) newton_steps += diagnostics[2];
    if (log_linear != nullptr) {
      hessians += log_linear->last_projection().hessians;
      evaluations += log_linear->last_projection().evaluations;
      floor_stops += log_linear->last_projection().floor_stop ? 1.0 : 0.0;
    }
    logits.swap(next);
    benchmark::DoNotOptimize(logits.data());
  }
  state.SetLabel(rule.name() + ", " + to_string(evaluator.solver()));
  if (diagnostics.size() >= 3) {
    state.counters["newton_steps"] = newton_steps / static_cast<double>(t);
    state.counters["hessians"] = hessians / static_cast<double>(t);
    // Objective-and-gradient evaluations of the line searches, and the solves the rounding
    // floor (not the relative tolerance) ended.
    state.counters["evaluations"] = evaluations / static_cast<double>(t);
    state.counters["floor_stops"] = floor_stops;
    state.counters["gradient_norm"] = diagnostics[1];
  }
}

void log_linear_spma_iteration(benchmark::State& state) {
  LogLinearRule rule(features(state.range(0)),
                     {.method = LogLinearMethod::spma, .step_size = kStep});
  run(state, rule);
  state.counters["k"] = static_cast<double>(state.range(0));
}

void tabular_spma_iteration(benchmark::State& state) {
  Spma rule(garnet(), {.step_size = kStep});
  run(state, rule);
}

// The Hessian of one Newton step: sum_s c_s Xbar_s^T diag(p_s) Xbar_s, k x k.
void log_linear_hessian(benchmark::State& state) {
  const auto x = features(state.range(0));
  StateActionMatrix p = StateActionMatrix::Constant(kStates, kActions, 1.0 / kActions);
  const Vector c = Vector::Constant(kStates, 1.0 / kStates);
  Eigen::MatrixXd gram;
  for (auto _ : state) {
    x->weighted_gram(p, c, gram);
    benchmark::DoNotOptimize(gram.data());
  }
}

// The objective and its gradient at one trial point (two products with X, S A exp/log1p).
void log_linear_objective(benchmark::State& state) {
  const auto x = features(state.range(0));
  LogLinearRule rule(x, {.method = LogLinearMethod::spma, .step_size = kStep});
  PolicyEvaluator evaluator(garnet());
  Evaluation evaluation;
  evaluator.evaluate_logits(uniform_logits(kStates, kActions), evaluation);
  Vector delta = Vector::Constant(state.range(0), 1e-3), gradient;
  for (auto _ : state) {
    benchmark::DoNotOptimize(rule.spma_objective(evaluation, kStep, delta, gradient));
  }
}

// Whole runs of exact log-linear SPMA at the safe step on the small MDPs of the function
// approximation reproduction: 300 iterations from theta = 0 per benchmark iteration.
void log_linear_small_run(benchmark::State& state, const std::string& mdp_spec,
                          const std::string& feature_spec) {
  const Mdp mdp = make_builtin_mdp(mdp_spec);
  const auto features = make_features(feature_spec, mdp);
  PolicyEvaluator evaluator(mdp);
  const OptimalSolution unsolved;
  double newton_steps = 0.0, floor_stops = 0.0, hessians = 0.0, steps = 0.0;
  for (auto _ : state) {
    LogLinearRule rule(features,
                       {.method = LogLinearMethod::spma, .step_size = safe_step_rule(mdp)});
    StateActionMatrix logits = uniform_logits(mdp.num_states(), mdp.num_actions());
    StateActionMatrix next;
    std::vector<double> diagnostics(rule.diagnostic_names().size());
    rule.initialize({.mdp = mdp, .optimal = unsolved, .evaluator = evaluator}, logits, logits);
    Evaluation evaluation;
    for (int t = 0; t < 300; ++t) {
      evaluator.evaluate_logits(logits, evaluation);
      rule.step({.iteration = t, .mdp = mdp, .optimal = unsolved, .evaluator = evaluator},
                evaluation, logits, next, diagnostics);
      newton_steps += diagnostics[2];
      hessians += rule.last_projection().hessians;
      floor_stops += rule.last_projection().floor_stop ? 1.0 : 0.0;
      steps += 1.0;
      logits.swap(next);
    }
    benchmark::DoNotOptimize(logits.data());
  }
  state.counters["newton_steps"] = newton_steps / steps;
  state.counters["hessians"] = hessians / steps;
  state.counters["floor_stops"] = floor_stops / steps;
  state.SetLabel(mdp_spec + ", " + feature_spec);
}

}  // namespace

BENCHMARK_CAPTURE(log_linear_small_run, cliff_one_hot, "cliff_world", "one_hot")
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(log_linear_small_run, cliff_random16, "cliff_world", "random(dim=16)")
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(log_linear_small_run, lake_one_hot, "frozen_lake", "one_hot")
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(log_linear_small_run, lake_random16, "frozen_lake", "random(dim=16)")
    ->Unit(benchmark::kMillisecond);
BENCHMARK(log_linear_spma_iteration)->Arg(64)->Unit(benchmark::kMillisecond)->Iterations(20);
BENCHMARK(tabular_spma_iteration)->Unit(benchmark::kMillisecond)->Iterations(20);
BENCHMARK(log_linear_hessian)->Arg(64)->Unit(benchmark::kMillisecond);
BENCHMARK(log_linear_objective)->Arg(64)->Unit(benchmark::kMillisecond);
