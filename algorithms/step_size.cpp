#include "algorithms/step_size.hpp"

#include <cmath>

#include "core/error.hpp"
#include "core/format.hpp"

namespace tabrl {

void validate_step_size(double step_size) {
  if (step_size > 0.0 && std::isfinite(step_size)) return;
  throw InputError({.field = "step_size"},
                   "must be > 0 and finite, got " + format_number(step_size));
}

}  // namespace tabrl
