#include "algorithms/spg.hpp"

#include "algorithms/step_size.hpp"

namespace tabrl {

void SpgOptions::validate() const { validate_step_size(step_size); }

Spg::Spg(SpgOptions options) : options_(options) { options_.validate(); }

StepReport Spg::step(const StepContext& context, const Evaluation& evaluation,
                     const StateActionMatrix& logits, StateActionMatrix& next_logits,
                     std::span<double> /*diagnostics*/) {
  policy_gradient(evaluation, context.mdp.gamma(), gradient_);
  next_logits.noalias() = logits + options_.step_size * gradient_;
  return {.step_size = options_.step_size};
}

}  // namespace tabrl
