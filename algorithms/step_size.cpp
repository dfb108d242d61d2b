#include "step_size.hpp"

#include <cmath>

#include <tabrl/core/error.hpp>
#include <tabrl/core/format.hpp>

namespace tabrl {

void validate_step_size(double step_size) {
  if (step_size > 0.0 && std::isfinite(step_size)) return;
  throw InputError({.field = "step_size"},
                   "must be > 0 and finite, got " + format_number(step_size));
}

double scheduled_step(double eta, bool geometric, double gamma, int iteration) {
  return geometric ? eta * std::pow(gamma, -static_cast<double>(iteration)) : eta;
}

StepReport non_finite_step(double step_size, int iteration) {
  return {.step_size = step_size,
          .outcome = StepOutcome::non_finite,
          .message = "the geometric step at iteration " + std::to_string(iteration) +
                     " overflowed (" + format_number(step_size) + ")"};
}

}  // namespace tabrl
