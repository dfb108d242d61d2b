// The one thing an optimization method contributes to the shared loop: its update rule
// (docs/engine.md, "Update rules").
#pragma once

#include <limits>
#include <span>
#include <string>
#include <vector>

#include <tabrl/algorithms/status.hpp>
#include <tabrl/algorithms/theory_bound.hpp>
#include <tabrl/core/evaluation.hpp>
#include <tabrl/core/optimal.hpp>

namespace tabrl {

// What a rule's parameters are: softmax logits z (pi = softmax(z)), or the probabilities
// themselves (direct parameterisation: zeros are legal).
enum class PolicyForm { logits, probabilities };

// How the update that leaves iterate t went.
enum class StepOutcome {
  ok,
  invalid,             // the update is undefined here (status step_invalid)
  stationary,          // a zero gradient: the iterate is a fixed point (status stationary)
  line_search_failed,  // no trial step was accepted (status line_search_failed)
  non_finite,          // the step or the update is not finite (status non_finite)
};

// What the rule reports about the step that leaves iterate t.
struct StepReport {
  double step_size = std::numeric_limits<double>::quiet_NaN();  // NaN: no single scalar step
  StepOutcome outcome = StepOutcome::ok;
  std::string message;  // why, when outcome is not ok
};

// What the loop hands a rule besides the evaluation of its current iterate.
struct StepContext {
  int iteration = 0;
  const Mdp& mdp;
  const OptimalSolution& optimal;
  // The run's own evaluator (it honours --solver): look-ahead methods evaluate other policies
  // with it (APG's momentum point, Armijo's trial points).
  PolicyEvaluator& evaluator;
};

class UpdateRule {
 public:
  virtual ~UpdateRule() = default;

  virtual std::string name() const = 0;
  virtual PolicyForm form() const { return PolicyForm::logits; }
  // The bound of docs/theory.md that applies to this rule on `mdp`, or none.
  virtual TheoryBound theory_bound(const Mdp& /*mdp*/) const { return TheoryBound::none; }
  // For bounds stated in the rule's own quantities (cen_entropy): the bound's value at row t,
  // NaN where it says nothing. The analysis compares it with the bounded diagnostic.
  virtual double bound_value(int /*iteration*/) const {
    return std::numeric_limits<double>::quiet_NaN();
  }
  // The constant step size eta the bounds are stated in (NaN when there is none).
  virtual double nominal_step_size() const { return std::numeric_limits<double>::quiet_NaN(); }
  // The entropy temperature tau of an entropy-regularised rule (which then reports the
  // regularised_diagnostic_names() columns), 0 for the others: the run's rate is fitted on the
  // regularised error (docs/theory.md, "Measuring a rate").
  virtual double temperature() const { return 0.0; }
  // Method-specific curve columns (e.g. spma_c), filled by step() in this order. A diagnostic
  // without a value at some row is NaN there (an empty CSV field).
  virtual std::vector<std::string> diagnostic_names() const { return {}; }
  // The parameters of iterate 0 from the run's initial logits: the logits themselves, or
  // softmax(logits) for direct methods. Value iteration ignores them (docs/algorithms.md).
  virtual void initialize(const StepContext& context, const StateActionMatrix& initial_logits,
                          StateActionMatrix& parameters);
  // Whether step() reads the evaluation's visitation d. Rules that do not (SPMA, NPG, policy
  // and value iteration, PMD) are evaluated without the transposed solve, which is about half of
  // an evaluation on large MDPs (docs/engine.md, "Evaluations without the visitation").
  virtual bool needs_visitation() const { return true; }
  // Log-linear rules (algorithms/log_linear.hpp): theta of the iterate last stepped from; the
  // tabular rules have none.
  virtual const Vector* feature_weights() const { return nullptr; }
  // Computes the parameters of iterate t + 1 from those of iterate t and their exact evaluation.
  virtual StepReport step(const StepContext& context, const Evaluation& evaluation,
                          const StateActionMatrix& parameters, StateActionMatrix& next_parameters,
                          std::span<double> diagnostics) = 0;
};

// The status a step outcome ends a run with (ok: none, the run goes on).
RunStatus status_of(StepOutcome outcome);

}  // namespace tabrl
