// What mdpo and smdpo share (docs/algorithms.md, "mdpo" and "smdpo"): the parameters of their m
// plain inner gradient steps of size alpha, and the check of their values.
#pragma once

#include <vector>

#include <tabrl/core/spec.hpp>

namespace tabrl {

// inner_steps (integer >= 1, default 10) and inner_step_size (number > 0, required).
std::vector<ParameterInfo> inner_step_parameters();

// Throws InputError naming inner_steps or inner_step_size when out of range.
void validate_inner_steps(int inner_steps, double inner_step_size);

}  // namespace tabrl
