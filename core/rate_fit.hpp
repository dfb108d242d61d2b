// Measuring a convergence rate (MATH.md section 5, "Measuring a rate"): least-squares fits of
// log(gap_t) = a + t log(q) (linear rate q) and log(gap_t) = b + k log(t) (log-log slope k) over
// the tail of the curve where the gap is above the floating-point floor.
#pragma once

#include <span>

namespace tabrl {

struct RateFit {
  double rate = 0.0;          // q: per-iteration contraction factor; < 1 means linear
  double r_squared = 0.0;     // of the linear-rate fit
  double loglog_slope = 0.0;  // k: about -1 for Theta(1/t)
  int first_iteration = 0;    // the tail used
  int last_iteration = 0;
  int points = 0;             // 0 when fewer than 3 points lie above the floor: no fit
};

// The floor of MATH.md: 1e-13 * max(1, |J*|).
double gap_floor(double optimal_objective);

// `iterations` increasing, `gaps` >= 0 of the same length. The tail is the later half (by count,
// at least 3 points) of the points whose gap is above `floor`, cut at the first point at or below
// it. RateFit::points == 0 when there are fewer than 3 such points.
RateFit fit_rate(std::span<const int> iterations, std::span<const double> gaps, double floor);

}  // namespace tabrl
