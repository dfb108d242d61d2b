#include "rate_fit.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

namespace tabrl {
namespace {

struct LineFit {
  double slope = 0.0;
  double r_squared = 0.0;
};

LineFit fit_line(const std::vector<double>& x, const std::vector<double>& y) {
  const double n = static_cast<double>(x.size());
  double mean_x = 0.0, mean_y = 0.0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    mean_x += x[i];
    mean_y += y[i];
  }
  mean_x /= n;
  mean_y /= n;
  double sxx = 0.0, sxy = 0.0, syy = 0.0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    sxx += (x[i] - mean_x) * (x[i] - mean_x);
    sxy += (x[i] - mean_x) * (y[i] - mean_y);
    syy += (y[i] - mean_y) * (y[i] - mean_y);
  }
  LineFit fit;
  fit.slope = sxx > 0.0 ? sxy / sxx : 0.0;
  const double residual = syy - fit.slope * sxy;
  fit.r_squared = syy > 0.0 ? std::clamp(1.0 - residual / syy, 0.0, 1.0) : 1.0;
  return fit;
}

}  // namespace

double gap_floor(double value_scale) { return kRelativeGapFloor * value_scale; }

RateFit fit_rate(std::span<const int> iterations, std::span<const double> gaps, double floor) {
  RateFit result;
  std::size_t above = 0;
  while (above < gaps.size() && gaps[above] > floor && std::isfinite(gaps[above])) ++above;
  if (above < 3) return result;
  const std::size_t begin = std::min(above / 2, above - 3);
  std::vector<double> t, log_t, log_gap;
  for (std::size_t i = begin; i < above; ++i) {
    t.push_back(iterations[i]);
    log_gap.push_back(std::log(gaps[i]));
  }
  const LineFit linear = fit_line(t, log_gap);
  result.rate = std::exp(linear.slope);
  result.r_squared = linear.r_squared;
  // The log-log slope needs t >= 1.
  std::vector<double> y;
  for (std::size_t i = 0; i < t.size(); ++i) {
    if (t[i] >= 1.0) {
      log_t.push_back(std::log(t[i]));
      y.push_back(log_gap[i]);
    }
  }
  if (log_t.size() >= 2) {
    const LineFit loglog = fit_line(log_t, y);
    result.loglog_slope = loglog.slope;
    result.loglog_r_squared = loglog.r_squared;
  }
  result.first_iteration = iterations[begin];
  result.last_iteration = iterations[above - 1];
  result.points = static_cast<int>(above - begin);
  return result;
}

ConvergenceKind classify_convergence(std::span<const int> iterations, std::span<const double> gaps,
                                     double floor) {
  std::size_t above = 0;
  while (above < gaps.size() && gaps[above] > floor && std::isfinite(gaps[above])) ++above;
  // Super-linear: over consecutive iterations with gap < 1/2, log g_{t+1} / log g_t (which tends
  // to 1 for a linear rate and is 2 for squaring) stays large; the next point may be the floor.
  std::vector<double> ratios;
  for (std::size_t i = 0; i + 1 < gaps.size() && i < above; ++i) {
    if (iterations[i + 1] != iterations[i] + 1 || !(gaps[i] < 0.5)) continue;
    const double next = std::max(gaps[i + 1], std::numeric_limits<double>::min());
    ratios.push_back(std::log(next) / std::log(gaps[i]));
  }
  if (ratios.size() >= 2) {
    std::vector<double> tail(ratios.begin() + static_cast<std::ptrdiff_t>(ratios.size() / 2),
                             ratios.end());
    std::sort(tail.begin(), tail.end());
    if (tail[tail.size() / 2] >= 1.3) return ConvergenceKind::superlinear;
  }
  const RateFit fit = fit_rate(iterations, gaps, floor);
  if (fit.points == 0) return ConvergenceKind::unknown;
  const std::size_t first = static_cast<std::size_t>(
      std::find(iterations.begin(), iterations.end(), fit.first_iteration) - iterations.begin());
  if (!(gaps[above - 1] < 0.9 * gaps[first])) return ConvergenceKind::stalled;
  if (fit.loglog_r_squared > fit.r_squared && fit.loglog_slope < 0.0)
    return ConvergenceKind::sublinear;
  if (fit.r_squared >= 0.9 && fit.rate < 1.0) {
    const double decades = std::log10(gaps[first] / gaps[above - 1]);
    return decades >= kLinearDecades ? ConvergenceKind::linear : ConvergenceKind::inconclusive;
  }
  return fit.loglog_slope < 0.0 ? ConvergenceKind::sublinear : ConvergenceKind::stalled;
}

}  // namespace tabrl
