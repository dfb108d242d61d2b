#include "algorithms/step_size.hpp"

#include <cmath>
#include <sstream>

#include "core/error.hpp"

namespace tabrl {

void validate_step_size(double step_size) {
  if (step_size > 0.0 && std::isfinite(step_size)) return;
  std::ostringstream text;
  text.precision(17);
  text << "must be > 0 and finite, got " << step_size;
  throw InputError({.field = "step_size"}, text.str());
}

}  // namespace tabrl
