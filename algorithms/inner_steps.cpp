#include "inner_steps.hpp"

#include <cmath>
#include <string>

#include <tabrl/core/error.hpp>
#include <tabrl/core/format.hpp>

namespace tabrl {

std::vector<ParameterInfo> inner_step_parameters() {
  return {{"inner_steps",
           "integer",
           "10",
           "m, the number of inner gradient steps per update (at most 100000: one update is not "
           "interrupted)",
           {},
           {.low = 1.0, .high = 100000.0}},
          {"inner_step_size",
           "number",
           "",
           "alpha, the step of the inner gradient steps",
           {},
           {.low = 0.0, .low_open = true}}};
}

void validate_inner_steps(int inner_steps, double inner_step_size) {
  if (inner_steps < 1 || inner_steps > 100000) {
    throw InputError({.field = "inner_steps"},
                     "must be in [1, 100000], got " + std::to_string(inner_steps));
  }
  if (!(inner_step_size > 0.0 && std::isfinite(inner_step_size))) {
    throw InputError({.field = "inner_step_size"},
                     "must be > 0 and finite, got " + format_number(inner_step_size));
  }
}

bool inner_steps_lost_ground(double gain, double magnitude) {
  return std::isfinite(gain) && std::isfinite(magnitude) && gain < -kInnerLossSlack * magnitude;
}

}  // namespace tabrl
