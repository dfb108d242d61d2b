// Measuring a convergence rate (docs/theory.md, "Measuring a rate"): least-squares fits of
// log(gap_t) = a + t log(q) (linear rate q) and log(gap_t) = b + k log(t) (log-log slope k) over
// the tail of the curve where the gap is above the floating-point floor.
#pragma once

#include <span>

#include <tabrl/core/enum_names.hpp>

namespace tabrl {

struct RateFit {
  double rate = 0.0;          // q: per-iteration contraction factor; < 1 means linear
  double r_squared = 0.0;     // of the linear-rate fit
  double loglog_slope = 0.0;  // k: about -1 for Theta(1/t)
  double loglog_r_squared = 0.0;
  int first_iteration = 0;  // the tail used
  int last_iteration = 0;
  int points = 0;  // 0 when fewer than 3 points lie above the floor: no fit
};

// Gaps at or below 1e-13 of the value scale R/(1 - gamma) are rounding noise: the last digits
// of values of that size.
constexpr double kRelativeGapFloor = 1e-13;
double gap_floor(double value_scale);

// `iterations` increasing, `gaps` >= 0 of the same length. The tail is the later half (by count,
// at least 3 points) of the points whose gap is above `floor`, cut at the first point at or below
// it. RateFit::points == 0 when there are fewer than 3 such points.
RateFit fit_rate(std::span<const int> iterations, std::span<const double> gaps, double floor);

enum class ConvergenceKind {
  superlinear,  // log(gap) ratios grow: log g_{t+1} / log g_t >= 1.3 over the tail (2 for squaring)
  linear,       // log(gap) linear in t (R^2 >= 0.9, q < 1) and fitted better than log-log, over
                // at least kLinearDecades decades of decrease inside the fitted window
  inconclusive,  // would be linear, but the fitted window decreases by fewer decades
  sublinear,     // log(gap) linear in log(t) and fitted better than linear, slope < 0
  stalled,       // no visible decrease over the tail
  unknown,       // too few points above the floor to tell
};

constexpr EnumName<ConvergenceKind> kConvergenceNames[] = {
    {ConvergenceKind::superlinear, "superlinear"},   {ConvergenceKind::linear, "linear"},
    {ConvergenceKind::inconclusive, "inconclusive"}, {ConvergenceKind::sublinear, "sublinear"},
    {ConvergenceKind::stalled, "stalled"},           {ConvergenceKind::unknown, "unknown"}};

inline const char* to_string(ConvergenceKind kind) { return enum_name(kind, kConvergenceNames); }

// A curve is called linear only when its fitted window shows this many decades of decrease: a
// q = 0.9999 fitted on a curve that barely moves is not evidence of a linear rate.
constexpr double kLinearDecades = 3.0;

// Classifies a curve of gaps (every iteration, or a subsample with increasing iterations).
ConvergenceKind classify_convergence(std::span<const int> iterations, std::span<const double> gaps,
                                     double floor);

}  // namespace tabrl
