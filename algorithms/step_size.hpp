// Step sizes shared by every method with a numeric step (docs/algorithms.md, "Step-size
// schedule").
#pragma once

#include <tabrl/algorithms/update_rule.hpp>

namespace tabrl {

// Throws InputError "step_size: must be > 0, got X" unless 0 < step_size < infinity.
void validate_step_size(double step_size);

// The step of the update that leaves iterate t: eta (constant), or eta gamma^(-t) (geometric;
// the first update uses eta). Infinite once eta gamma^(-t) overflows (taken in logarithms where
// gamma^(-t) alone overflows).
double scheduled_step(double eta, bool geometric, double gamma, int iteration);

// The report that ends a run whose scheduled step is not finite (status non_finite).
StepReport non_finite_step(double step_size, int iteration);

}  // namespace tabrl
