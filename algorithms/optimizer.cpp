#include "optimizer.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <string>

#include <tabrl/algorithms/theory.hpp>
#include <tabrl/core/error.hpp>
#include <tabrl/core/metrics.hpp>
#include <tabrl/core/policy.hpp>

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
  // Where the optimal solve's automatic choice changed to a direct solver, the run's would fail
  // the same way: it starts with that solver (and J* and the curve come from one solver).
  if (options.solver == LinearSolverKind::automatic && !optimal.solver_note.empty()) {
    evaluator.start_with_fallback(
        optimal.solver, std::string("started with the ") + to_string(optimal.solver) +
                            " solver, the one the optimal solve's automatic choice changed to");
  }
  // V* of the curve: the optimal solve's, unless the run's evaluator falls back partway to
  // another solver than the optimal solve's; from then on pi*'s values computed again by the
  // run's new solver, so that J* and each iterate come from one solver (docs/engine.md, "One
  // decision for the optimal solve and the run").
  const Vector* v_star = &optimal.v;
  Vector v_star_of_fallback;
  bool fell_back = evaluator.fell_back();
  int fallback_iteration = -1;
  const StepContext context_zero{.mdp = mdp, .optimal = optimal, .evaluator = evaluator};
  StateActionMatrix parameters(mdp.num_states(), mdp.num_actions());
  rule.initialize(context_zero, initial_logits, parameters);
  StateActionMatrix next_parameters(mdp.num_states(), mdp.num_actions());
  const bool direct = rule.form() == PolicyForm::probabilities;
  const bool visitation =
      rule.needs_visitation() ||
      std::any_of(callbacks.begin(), callbacks.end(),
                  [](const IterationCallback* callback) { return callback->needs_visitation(); });
  Evaluation evaluation;
  OptimizerResult result;
  const std::vector<std::string> diagnostic_names = rule.diagnostic_names();
  std::vector<double> diagnostics(diagnostic_names.size());

  for (int t = 0;; ++t) {
    if (direct) {
      evaluator.evaluate_policy(parameters, evaluation, visitation);
    } else {
      evaluator.evaluate_logits(parameters, evaluation, visitation);
    }
    if (!fell_back && evaluator.fell_back()) {
      fell_back = true;
      fallback_iteration = t;
      if (evaluator.solver() != optimal.solver && !optimal.policy.empty()) {
        PolicyEvaluator named(mdp, evaluator.solver());
        StateActionMatrix q_star;
        named.evaluate_values(deterministic_policy(optimal.policy, mdp.num_actions()),
                              v_star_of_fallback, q_star);
        v_star = &v_star_of_fallback;
      }
    }
    std::fill(diagnostics.begin(), diagnostics.end(), std::numeric_limits<double>::quiet_NaN());
    const StepContext context{
        .iteration = t, .mdp = mdp, .optimal = optimal, .evaluator = evaluator};
    const StepReport report =
        rule.step(context, evaluation, parameters, next_parameters, diagnostics);
    IterationSummary summary{
        .iteration = t,
        .evaluation = evaluation,
        .objective = evaluation.objective,
        .suboptimality = suboptimality(mdp.rho(), *v_star, evaluation.v),
        .value_error_inf = value_error_inf(*v_star, evaluation.v),
        .step = report,
        .diagnostics = diagnostics,
        .elapsed_seconds =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count()};
    if (mdp.is_bandit())
      summary.optimal_action_prob = optimal_arms_probability(mdp, evaluation.policy);

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
    } else if (report.outcome != StepOutcome::ok) {
      result.status = status_of(report.outcome);
      result.message = report.message;
    } else if (!next_parameters.allFinite()) {
      result.status = RunStatus::non_finite;
      result.message = "the update at iteration " + std::to_string(t) + " produced non-finite " +
                       (direct ? "probabilities" : "logits");
    } else {
      done = false;
    }
    if (done) {
      result.iterations = t;
      result.objective = summary.objective;
      result.suboptimality = summary.suboptimality;
      result.value_error_inf = summary.value_error_inf;
      result.solver = evaluator.solver();
      result.solver_note = evaluator.fallback_reason();
      if (fallback_iteration >= 0) {
        result.solver_note += " (at iteration " + std::to_string(fallback_iteration) + ")";
      }
      result.policy = evaluation.policy;
      result.logits = direct ? StateActionMatrix(parameters.array().log()) : parameters;
      result.parameters = std::move(parameters);
      if (const Vector* theta = rule.feature_weights()) result.theta = *theta;
      for (IterationCallback* callback : callbacks) callback->on_finish(summary, result);
      result.elapsed_seconds =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      return result;
    }
    parameters.swap(next_parameters);
  }
}

std::vector<std::string> solver_notes(const OptimalSolution& optimal,
                                      const OptimizerResult& result) {
  std::vector<std::string> notes;
  if (!optimal.solver_note.empty()) notes.push_back("the optimal solve: " + optimal.solver_note);
  if (!result.solver_note.empty()) notes.push_back(result.solver_note);
  return notes;
}

}  // namespace tabrl
