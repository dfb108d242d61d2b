#include "dense_gmres.hpp"

#include <cmath>
#include <limits>

#include <tabrl/core/parallel.hpp>

namespace tabrl {

DenseGmres::DenseGmres(Index n, int max_steps) : max_steps_(max_steps) {
  basis_.resize(n, max_steps + 1);
  hessenberg_.setZero(max_steps + 1, max_steps);
  cosines_.resize(max_steps);
  sines_.resize(max_steps);
  rotated_rhs_.resize(max_steps + 1);
  coefficients_.resize(max_steps);
  projection_.resize(max_steps + 1);
  for (Vector* work : {&work_, &residual_, &trial_, &start_, &scaled_rhs_}) work->resize(n);
}

void DenseGmres::multiply(const Eigen::Ref<const StateActionMatrix>& a, bool transposed,
                          const double* in, Vector& out) const {
  // Both products compute each entry the same way on any thread count (core/parallel.hpp).
  if (transposed) {
    dense_transposed_product(a, in, out.data());
  } else {
    dense_row_dots(a, in, out.data());
  }
}

DenseGmres::Result DenseGmres::solve(const Eigen::Ref<const StateActionMatrix>& a, bool transposed,
                                     double norm, const Vector& b, Vector& x, double target,
                                     const GmresKnownProducts& known) {
  Result result;
  // Solved for x 2^-e with b 2^-e, e the exponent of the largest |b|: exact, so a scaling of the
  // rewards by a power of two scales the answer exactly, and the sums of squares below stay
  // clear of underflow and overflow whatever the rewards' magnitude.
  // (NaN-propagating maxima: a NaN anywhere makes the solve fail, and the LU answers.)
  const double magnitude = b.cwiseAbs().maxCoeff<Eigen::PropagateNaN>();
  if (!std::isfinite(magnitude)) return result;
  if (magnitude == 0.0) {  // A x = 0: x = 0
    x.setZero();
    result.converged = true;
    return result;
  }
  int exponent = 0;
  std::frexp(magnitude, &exponent);
  // Beyond this the scale factors themselves leave double range (an MDP's values, at most 1e300,
  // never get there): the LU answers.
  if (exponent < -1000 || exponent > 1000) return result;
  const double down = std::ldexp(1.0, -exponent);
  scaled_rhs_ = b * down;
  const double rhs_size = magnitude * down;  // the largest |scaled b|: the scaling is exact
  // The backward error of a candidate y with residual r = b - A y; NaN where either is not finite
  // (and NaN fails every test).
  const auto backward_error = [&](const Vector& y, const Vector& r) {
    const double scale = norm * y.cwiseAbs().maxCoeff<Eigen::PropagateNaN>() + rhs_size;
    const double size = r.cwiseAbs().maxCoeff<Eigen::PropagateNaN>();
    return scale > 0.0 ? size / scale : std::numeric_limits<double>::quiet_NaN();
  };
  const auto residual_of = [&](const Vector& y, Vector& r) {
    multiply(a, transposed, y.data(), r);
    r = scaled_rhs_ - r;
    ++result.products;
  };
  // Accepts y (scaled) as the answer when its true residual r meets the target.
  const auto accept = [&](const Vector& y, const Vector& r) {
    result.backward_error = backward_error(y, r);
    if (!(result.backward_error <= target)) return false;
    x = y * std::ldexp(1.0, exponent);
    result.converged = true;
    return true;
  };
  start_ = x * down;
  if (known.guess_image != nullptr) {
    residual_ = scaled_rhs_ - *known.guess_image * down;
  } else {
    residual_of(start_, residual_);
  }
  if (accept(start_, residual_)) return result;
  if (const Vector* deflation_image = known.ones_image; deflation_image != nullptr) {
    // x + c 1 with c minimising ||r - c A 1||: r - c A 1 is that start's residual, up to the
    // rounding of x + c (A 1 is computed, not assumed).
    const double image_norm = deflation_image->squaredNorm();
    if (image_norm > 0.0) {
      const double c = deflation_image->dot(residual_) / image_norm;
      if (std::isfinite(c)) {
        start_.array() += c;
        residual_ -= c * *deflation_image;
      }
    }
  }
  const double beta = residual_.norm();
  if (!std::isfinite(beta)) return result;
  if (beta == 0.0) {  // the deflated start solves the system, as far as the update can tell
    residual_of(start_, residual_);
    accept(start_, residual_);
    return result;
  }
  // The true residual is checked once the least-squares residual falls below kCheckScale times
  // the allowance at the start's size (a 2-norm: the largest of n entries is typically far
  // smaller), and at the last step; after a check that fails, only once it has fallen four
  // times further.
  constexpr double kCheckScale = 3.0;
  double check_below = kCheckScale * target * (norm * start_.lpNorm<Eigen::Infinity>() + rhs_size);
  basis_.col(0) = residual_ / beta;
  rotated_rhs_.setZero();
  rotated_rhs_[0] = beta;
  int misses = 0;
  for (int j = 0; j < max_steps_; ++j) {
    const Index used = j + 1;
    multiply(a, transposed, basis_.col(j).data(), work_);
    ++result.products;
    ++result.steps;
    // Classical Gram-Schmidt, twice.
    auto column = hessenberg_.col(j).head(used + 1);
    column.head(used).noalias() = basis_.leftCols(used).transpose() * work_;
    work_.noalias() -= basis_.leftCols(used) * column.head(used);
    projection_.head(used).noalias() = basis_.leftCols(used).transpose() * work_;
    work_.noalias() -= basis_.leftCols(used) * projection_.head(used);
    column.head(used) += projection_.head(used);
    const double next_norm = work_.norm();
    column[used] = next_norm;
    // The earlier rotations, then the one that zeroes the subdiagonal entry.
    for (int i = 0; i < j; ++i) {
      const double upper = column[i];
      const double lower = column[i + 1];
      column[i] = cosines_[i] * upper + sines_[i] * lower;
      column[i + 1] = -sines_[i] * upper + cosines_[i] * lower;
    }
    const double length = std::hypot(column[j], column[used]);
    if (!(length > 0.0 && std::isfinite(length))) return result;
    cosines_[j] = column[j] / length;
    sines_[j] = column[used] / length;
    column[j] = length;
    column[used] = 0.0;
    rotated_rhs_[used] = -sines_[j] * rotated_rhs_[j];
    rotated_rhs_[j] *= cosines_[j];
    const double estimate = std::abs(rotated_rhs_[used]);
    const bool breakdown = !(next_norm > 0.0);  // the solution lies in the basis
    if (estimate <= check_below || breakdown || used == max_steps_) {
      // y = R^{-1} g, then the candidate x + V y and its true residual.
      for (Index i = j; i >= 0; --i) {
        double sum = rotated_rhs_[i];
        for (Index k = i + 1; k < used; ++k) sum -= hessenberg_(i, k) * coefficients_[k];
        coefficients_[i] = sum / hessenberg_(i, i);
      }
      const auto y = coefficients_.head(used);
      trial_ = start_;
      trial_.noalias() += basis_.leftCols(used) * y;
      residual_of(trial_, residual_);
      if (accept(trial_, residual_)) return result;
      // Four misses: the true residual has stopped falling with the estimate (its floor lies
      // above the target), and further steps would only cost.
      if (++misses == 4) return result;
      check_below = 0.25 * estimate;
    }
    if (breakdown) return result;
    basis_.col(used) = work_ / next_norm;
  }
  return result;
}

}  // namespace tabrl
