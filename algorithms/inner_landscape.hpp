// The landscape of a log-linear method's inner problem at one iterate (docs/theory.md,
// "Log-linear policies", "Concave and non-concave inner problems"): the same monotone ascent,
// started from several theta, and where it lands. SPMA's L_t is concave in theta, so every start
// lands at one policy; MDPO's surrogate is not, and different starts may land at different
// local maxima. The reproduction report shows both on the same iterate and starts.
#pragma once

#include <vector>

#include <tabrl/core/evaluation.hpp>
#include <tabrl/core/features.hpp>

namespace tabrl {

enum class InnerObjective {
  spma,  // (1/eta) sum_s d_t[s] sum_a pi_t (1 + eta A_t) log pi_theta
  mdpo,  // sum_s d_t[s] (sum_a pi_theta A_t - KL(pi_theta[s] || pi_t[s]) / eta)
};

// The inner objective at theta for the iterate `evaluation` describes (pi_t, d_t, A_t), and its
// gradient in theta. Written from the formulas above, independently of LogLinearRule (the tests
// compare the two).
double inner_objective_value(InnerObjective objective, const FeatureMatrix& features,
                             const Evaluation& evaluation, double eta, const Vector& theta,
                             Vector& gradient);

struct InnerLanding {
  Vector start;
  Vector theta;
  StateActionMatrix policy;
  double value = 0.0;
  double gradient_norm = 0.0;
  int steps = 0;
  bool converged = false;  // gradient_norm <= the tolerance within the step budget
  int basin = 0;           // index of the first landing with the same policy
};

struct InnerLandscape {
  std::vector<InnerLanding> landings;
  int distinct = 0;  // number of distinct landing policies (basins) among converged landings
  // The largest max-norm difference between two landing policies, and the spread of the values.
  double policy_spread = 0.0;
  double value_spread = 0.0;
};

struct AscentOptions {
  double tolerance = 1e-9;  // |grad|_2 at which a landing counts as converged
  int max_steps = 20000;
  // Two converged landings are the same point when their policies differ by at most this
  // (max norm over the visited states, d_t[s] > 0: the objectives do not see the others).
  double same_policy = 1e-6;
};

// Gradient ascent with Armijo backtracking (and a step that doubles after every accepted step)
// from each start: monotone in the objective, so it stops at a stationary point that is not a
// minimum from almost every start.
InnerLandscape explore_inner_landscape(InnerObjective objective, const FeatureMatrix& features,
                                       const Evaluation& evaluation, double eta,
                                       const std::vector<Vector>& starts,
                                       const AscentOptions& options = {});

}  // namespace tabrl
