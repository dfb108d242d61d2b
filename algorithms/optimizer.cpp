#include "algorithms/optimizer.hpp"

#include <chrono>
#include <cmath>

#include "core/error.hpp"
#include "core/metrics.hpp"

namespace tabrl {

void OptimizerOptions::validate() const {
  if (max_iterations < 0) {
    throw InputError({.field = "iterations"},
                     "must be >= 0, got " + std::to_string(max_iterations));
  }
}

OptimizerResult optimize(const Mdp& mdp, const OptimalSolution& optimal, UpdateRule& rule,
                         StateActionMatrix initial_logits, const OptimizerOptions& options,
                         std::span<IterationCallback* const> callbacks) {
  options.validate();
  if (initial_logits.rows() != mdp.num_states() || initial_logits.cols() != mdp.num_actions()) {
    throw InputError({.field = "initial_logits"}, "expected a " + std::to_string(mdp.num_states()) +
                                                      " x " + std::to_string(mdp.num_actions()) +
                                                      " table");
  }
  if (!initial_logits.allFinite()) {
    throw InputError({.field = "initial_logits"}, "every logit must be finite");
  }
  const auto start = std::chrono::steady_clock::now();
  PolicyEvaluator evaluator(mdp, options.solver);
  Evaluation evaluation;
  OptimizerResult result;
  result.logits = std::move(initial_logits);
  StateActionMatrix next_logits(mdp.num_states(), mdp.num_actions());
  const std::vector<std::string> diagnostic_names = rule.diagnostic_names();
  std::vector<double> diagnostics(diagnostic_names.size());
  const Index optimal_action = mdp.is_bandit() ? optimal.policy.front() : -1;

  for (int t = 0;; ++t) {
    evaluator.evaluate_logits(result.logits, evaluation);
    const StepReport report = rule.step({.iteration = t, .mdp = mdp}, evaluation, result.logits,
                                        next_logits, diagnostics);
    IterationSummary summary{
        .iteration = t,
        .evaluation = evaluation,
        .objective = evaluation.objective,
        .suboptimality = suboptimality(mdp.rho(), optimal.v, evaluation.v),
        .value_error_inf = value_error_inf(optimal.v, evaluation.v),
        .step = report,
        .diagnostics = diagnostics,
        .elapsed_seconds =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count()};
    if (optimal_action >= 0) summary.optimal_action_prob = evaluation.policy(0, optimal_action);

    CallbackAction action = CallbackAction::proceed;
    for (IterationCallback* callback : callbacks) {
      const CallbackAction requested = callback->on_iteration(summary);
      if (requested == CallbackAction::converged && action != CallbackAction::stop) {
        action = CallbackAction::converged;
      } else if (requested == CallbackAction::stop) {
        action = CallbackAction::stop;
      }
    }

    bool done = true;
    if (!evaluation.v.allFinite() || !std::isfinite(evaluation.objective)) {
      result.status = RunStatus::non_finite;
      result.message = "the value of iterate " + std::to_string(t) + " is not finite";
    } else if (action == CallbackAction::converged) {
      result.status = RunStatus::converged;
    } else if (action == CallbackAction::stop) {
      result.status = RunStatus::stopped;
    } else if (options.cancel != nullptr && options.cancel->load(std::memory_order_relaxed)) {
      result.status = RunStatus::interrupted;
      result.message = "interrupted after iteration " + std::to_string(t);
    } else if (t >= options.max_iterations) {
      result.status = RunStatus::max_iterations;
    } else if (!report.valid) {
      result.status = RunStatus::step_invalid;
      result.message = report.message;
    } else if (!next_logits.allFinite()) {
      result.status = RunStatus::non_finite;
      result.message =
          "the update at iteration " + std::to_string(t) + " produced non-finite logits";
    } else {
      done = false;
    }
    if (done) {
      result.iterations = t;
      result.objective = summary.objective;
      result.suboptimality = summary.suboptimality;
      result.value_error_inf = summary.value_error_inf;
      for (IterationCallback* callback : callbacks) callback->on_finish(summary, result);
      return result;
    }
    result.logits.swap(next_logits);
  }
}

}  // namespace tabrl
