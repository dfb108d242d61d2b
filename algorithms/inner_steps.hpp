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

// Inner steps that lost ground (docs/algorithms.md, "Inner steps that lose ground"). Plain
// gradient steps of a small enough alpha never lower the smooth function they climb, so m steps
// that end below where they started in a state were unstable: alpha is too large for this eta.
// mdpo and smdpo count such states in their diagnostic column inner_lost. The check takes `gain`,
// the state's change times c / d_t[s] with c = min(1, eta) (positive factors, which keep its
// sign, chosen so that neither 1/eta nor eta overflows it), and `magnitude`, a bound on the size
// of its terms in the same units: its log-ratios are rounded by a few units of |theta| + |z|
// and their log-sum-exps, far below kInnerLossSlack of it. A gain or magnitude that is not
// finite tells nothing, and is not counted.
inline constexpr double kInnerLossSlack = 1e-9;
bool inner_steps_lost_ground(double gain, double magnitude);

}  // namespace tabrl
