// One optimizer loop shared by every method: evaluate pi_t exactly, report it to the callbacks,
// check whether to stop, then apply the method's update rule.
#pragma once

#include <atomic>
#include <limits>
#include <span>
#include <string>
#include <vector>

#include <tabrl/algorithms/status.hpp>
#include <tabrl/algorithms/update_rule.hpp>
#include <tabrl/core/optimal.hpp>

namespace tabrl {

// Everything known about iterate t, handed to every callback.
struct IterationSummary {
  int iteration = 0;
  const Evaluation& evaluation;
  double objective = 0.0;        // J(pi_t)
  double suboptimality = 0.0;    // rho^T (V* - V^pi_t)
  double value_error_inf = 0.0;  // max_s (V* - V^pi_t)
  // pi_t(a*) for bandits (S = 1, gamma = 0): the total probability of the optimal arms
  // (docs/theory.md, "Convergence guarantees"); NaN otherwise.
  double optimal_action_prob = std::numeric_limits<double>::quiet_NaN();
  const StepReport& step;  // the step that leaves pi_t
  std::span<const double> diagnostics;
  double elapsed_seconds = 0.0;
};

enum class CallbackAction { proceed, converged, stop };

struct OptimizerResult {
  RunStatus status = RunStatus::max_iterations;
  std::string message;
  int iterations = 0;            // index of the last evaluated iterate
  StateActionMatrix parameters;  // the rule's parameters of the last evaluated iterate
  StateActionMatrix policy;      // its probabilities
  // Its logits: the parameters of a logit method; the log-probabilities (-inf at zeros) of a
  // direct one.
  StateActionMatrix logits;
  // Log-linear rules: theta of the last evaluated iterate (its logits are X theta); empty for
  // tabular ones.
  Vector theta;
  double objective = 0.0;
  double suboptimality = 0.0;
  double value_error_inf = 0.0;
  // The linear solver the run ended with, and when the automatic choice's Krylov solver failed
  // and the run changed to a direct one, why (empty otherwise; docs/engine.md, "Solvers").
  LinearSolverKind solver = LinearSolverKind::automatic;
  std::string solver_note;
  // Wall time of the loop, from setting up the evaluator to the last callback's on_finish: the
  // engine's own time, which callers (the Python module's benchmark) compare their overhead with.
  double elapsed_seconds = 0.0;
};

class IterationCallback {
 public:
  virtual ~IterationCallback() = default;
  virtual CallbackAction on_iteration(const IterationSummary& summary) = 0;
  // Whether on_iteration reads summary.evaluation.visitation: it is solved for only when the
  // rule or some callback needs it (all NaN otherwise).
  virtual bool needs_visitation() const { return false; }
  // Called once with the last iterate's summary after the run ends.
  virtual void on_finish(const IterationSummary& /*last*/, const OptimizerResult& /*result*/) {}
};

struct OptimizerOptions {
  int max_iterations = 1000;
  LinearSolverKind solver = LinearSolverKind::automatic;
  // Raised by the caller (a signal handler, the Python module) to end the run after the iterate
  // being evaluated, with status `interrupted`. Libraries install no signal handlers.
  const std::atomic<bool>* cancel = nullptr;

  // Throws InputError naming the offending field.
  void validate() const;
};

// Runs `rule` from `initial_logits` (S x A; UpdateRule::initialize turns them into the rule's
// parameters). `optimal` supplies V* for the error metrics.
OptimizerResult optimize(const Mdp& mdp, const OptimalSolution& optimal, UpdateRule& rule,
                         StateActionMatrix initial_logits, const OptimizerOptions& options,
                         std::span<IterationCallback* const> callbacks = {});

// What a run says about its linear solver, one line each, empty where neither changed: the
// optimal solve's change of solver ("the optimal solve: ..."), then the run's own (`tabrl run`'s
// stderr, Python's RunResult.solver_note; docs/engine.md, "Fallback of the automatic choice").
std::vector<std::string> solver_notes(const OptimalSolution& optimal,
                                      const OptimizerResult& result);

}  // namespace tabrl
