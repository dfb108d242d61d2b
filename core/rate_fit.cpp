#include "core/rate_fit.hpp"

#include <algorithm>
#include <cmath>
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

double gap_floor(double optimal_objective) {
  return 1e-13 * std::max(1.0, std::abs(optimal_objective));
}

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
  result.loglog_slope = log_t.size() >= 2 ? fit_line(log_t, y).slope : 0.0;
  result.first_iteration = iterations[begin];
  result.last_iteration = iterations[above - 1];
  result.points = static_cast<int>(above - begin);
  return result;
}

}  // namespace tabrl
