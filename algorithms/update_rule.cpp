#include "update_rule.hpp"

#include <tabrl/core/policy.hpp>

namespace tabrl {

void UpdateRule::initialize(const StepContext& /*context*/, const StateActionMatrix& initial_logits,
                            StateActionMatrix& parameters) {
  if (form() == PolicyForm::probabilities) {
    softmax_rows(initial_logits, parameters);
  } else {
    parameters = initial_logits;
  }
}

RunStatus status_of(StepOutcome outcome) {
  switch (outcome) {
    case StepOutcome::invalid:
      return RunStatus::step_invalid;
    case StepOutcome::stationary:
      return RunStatus::stationary;
    case StepOutcome::line_search_failed:
      return RunStatus::line_search_failed;
    case StepOutcome::non_finite:
    case StepOutcome::ok:
      break;
  }
  return RunStatus::non_finite;
}

}  // namespace tabrl
