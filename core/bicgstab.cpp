#include "bicgstab.hpp"

#include <cmath>
#include <stdexcept>
#include <string>

namespace tabrl {

Bicgstab::Bicgstab(const Mdp& mdp, double tolerance) : system_(mdp), tolerance_(tolerance) {
  // Transpose a copy whose values are the entry positions, then read where each one landed.
  Eigen::SparseMatrix<double> positions = system_.matrix();
  for (Index k = 0; k < positions.nonZeros(); ++k) {
    positions.valuePtr()[k] = static_cast<double>(k);
  }
  transposed_ = positions.transpose();
  transposed_.makeCompressed();
  transpose_position_.resize(static_cast<std::size_t>(positions.nonZeros()));
  for (Index k = 0; k < transposed_.nonZeros(); ++k) {
    transpose_position_[static_cast<std::size_t>(transposed_.valuePtr()[k])] = static_cast<int>(k);
  }
  for (Vector* work :
       {&residual_, &scaled_rhs_, &inverse_diagonal_, &shadow_, &search_, &preconditioned_search_,
        &product_, &half_step_, &preconditioned_half_step_, &half_product_}) {
    work->resize(mdp.num_states());
  }
}

void Bicgstab::prepare(const StateActionMatrix& policy) {
  system_.fill(policy);
  const double* values = system_.matrix().valuePtr();
  double* transposed = transposed_.valuePtr();
  for (std::size_t k = 0; k < transpose_position_.size(); ++k) {
    transposed[transpose_position_[k]] = values[k];
  }
}

void Bicgstab::solve(const Vector& value_rhs, Vector& v, const Vector& visitation_rhs, Vector& x) {
  const Index num_states = value_rhs.size();
  // Warm start from the previous policy's solutions; cold start from zero.
  const bool warm =
      warm_ && v.size() == num_states && x.size() == num_states && v.allFinite() && x.allFinite();
  if (!warm) {
    v.setZero(num_states);
    x.setZero(num_states);
  }
  report_.iterations =
      solve_one(system_.matrix(), value_rhs, v) + solve_one(transposed_, visitation_rhs, x);
  // The guarantee is checked on the true residuals, not on the solver's recurrence.
  report_.value_residual = relative_residual(system_.matrix(), v, value_rhs);
  report_.visitation_residual = relative_residual(transposed_, x, visitation_rhs);
  if (!(report_.value_residual <= tolerance_ && report_.visitation_residual <= tolerance_)) {
    warm_ = false;
    throw std::runtime_error("BiCGSTAB did not reach the relative residual " +
                             std::to_string(tolerance_) + " (value " +
                             std::to_string(report_.value_residual) + ", visitation " +
                             std::to_string(report_.visitation_residual) + ")");
  }
  warm_ = true;
}

double Bicgstab::relative_residual(const Eigen::SparseMatrix<double>& matrix, const Vector& x,
                                   const Vector& b) {
  residual_.noalias() = matrix * x;
  residual_ -= b;
  // blueNorm neither overflows nor underflows for values of any magnitude.
  const double scale = b.blueNorm();
  return scale > 0.0 ? residual_.blueNorm() / scale : residual_.blueNorm();
}

int Bicgstab::solve_one(const Eigen::SparseMatrix<double>& matrix, const Vector& rhs, Vector& x) {
  // BiCGSTAB squares its vectors (dot products), which underflow or overflow for values near
  // 1e-150 or 1e150. Solving for x 2^-e with the right-hand side scaled by the same power of two
  // is exact, and makes every evaluation equivariant under a scaling of the rewards.
  const double magnitude = rhs.cwiseAbs().maxCoeff();
  if (magnitude == 0.0) {
    x.setZero();
    return 0;
  }
  int exponent = 0;
  std::frexp(magnitude, &exponent);
  scaled_rhs_ = rhs * std::ldexp(1.0, -exponent);
  x *= std::ldexp(1.0, -exponent);
  const int iterations = solve_scaled(matrix, scaled_rhs_, x);
  x *= std::ldexp(1.0, exponent);
  return iterations;
}

int Bicgstab::solve_scaled(const Eigen::SparseMatrix<double>& matrix, const Vector& rhs,
                           Vector& x) {
  // Preconditioned BiCGSTAB with the Jacobi preconditioner M = diag(A), applied on the right.
  const Index n = rhs.size();
  for (Index i = 0; i < n; ++i) {
    const double diagonal = matrix.coeff(i, i);
    inverse_diagonal_[i] = diagonal != 0.0 ? 1.0 / diagonal : 1.0;
  }
  const double rhs_norm = rhs.norm();
  if (rhs_norm == 0.0) {
    x.setZero();
    return 0;
  }
  // Aim ten times below the guarantee: the recurrence residual drifts from the true one.
  const double target = 0.1 * tolerance_ * rhs_norm;
  residual_.noalias() = matrix * x;
  residual_ = rhs - residual_;
  shadow_ = residual_;
  double rho = 1.0, alpha = 1.0, omega = 1.0;
  search_.setZero();
  product_.setZero();
  const int max_iterations = static_cast<int>(std::max<Index>(2 * n, 1000));
  for (int iteration = 1; iteration <= max_iterations; ++iteration) {
    if (residual_.norm() <= target) return iteration - 1;
    const double rho_previous = rho;
    rho = shadow_.dot(residual_);
    if (std::abs(rho) < 1e-300) {  // breakdown: restart from the current residual
      residual_.noalias() = matrix * x;
      residual_ = rhs - residual_;
      shadow_ = residual_;
      rho = shadow_.dot(residual_);
      search_.setZero();
      product_.setZero();
      alpha = omega = 1.0;
      if (rho == 0.0) return iteration;
    }
    const double beta = (rho / rho_previous) * (alpha / omega);
    search_ = residual_ + beta * (search_ - omega * product_);
    preconditioned_search_ = inverse_diagonal_.cwiseProduct(search_);
    product_.noalias() = matrix * preconditioned_search_;
    alpha = rho / shadow_.dot(product_);
    half_step_ = residual_ - alpha * product_;
    preconditioned_half_step_ = inverse_diagonal_.cwiseProduct(half_step_);
    half_product_.noalias() = matrix * preconditioned_half_step_;
    const double denominator = half_product_.squaredNorm();
    omega = denominator > 0.0 ? half_product_.dot(half_step_) / denominator : 0.0;
    x += alpha * preconditioned_search_ + omega * preconditioned_half_step_;
    residual_ = half_step_ - omega * half_product_;
  }
  return max_iterations;
}

}  // namespace tabrl
