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
  if (!geometric) return eta;
  const double growth = std::pow(gamma, -static_cast<double>(iteration));
  // gamma^(-t) overflows long before eta gamma^(-t) does when eta is small: then the product is
  // taken in logarithms (only where the plain product would be inf; elsewhere its bits stay).
  if (std::isinf(growth) && eta > 0.0 && gamma > 0.0) {
    return std::exp(std::log(eta) - static_cast<double>(iteration) * std::log(gamma));
  }
  return eta * growth;
}

StepReport non_finite_step(double step_size, int iteration) {
  return {.step_size = step_size,
          .outcome = StepOutcome::non_finite,
          .message = "the geometric step at iteration " + std::to_string(iteration) +
                     " overflowed (" + format_number(step_size) + ")"};
}

}  // namespace tabrl
