// The one thing an optimization method contributes to the shared loop: its update rule.
#pragma once

#include <limits>
#include <span>
#include <string>
#include <vector>

#include "algorithms/theory_bound.hpp"
#include "core/evaluation.hpp"

namespace tabrl {

// What the rule reports about the step that leaves iterate t.
struct StepReport {
  double step_size = 0.0;  // NaN when the rule has no single scalar step (gap-dependent steps)
  bool valid = true;       // false: the update is undefined here; `message` says why
  std::string message;
};

struct StepContext {
  int iteration = 0;
  const Mdp& mdp;
};

class UpdateRule {
 public:
  virtual ~UpdateRule() = default;

  virtual std::string name() const = 0;
  // The bound of docs/theory.md that applies to this rule on `mdp` from the uniform policy.
  virtual TheoryBound theory_bound(const Mdp& /*mdp*/) const { return TheoryBound::none; }
  // The constant step size eta the bounds are stated in (NaN when there is none).
  virtual double nominal_step_size() const { return std::numeric_limits<double>::quiet_NaN(); }
  // Method-specific curve columns (e.g. spma_c), filled by step() in this order.
  virtual std::vector<std::string> diagnostic_names() const { return {}; }
  // Computes next_logits from the logits of iterate t and their exact evaluation.
  virtual StepReport step(const StepContext& context, const Evaluation& evaluation,
                          const StateActionMatrix& logits, StateActionMatrix& next_logits,
                          std::span<double> diagnostics) = 0;
};

}  // namespace tabrl
