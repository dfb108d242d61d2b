#include "bicgstab.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

#include <tabrl/core/format.hpp>
#include <tabrl/core/parallel.hpp>

namespace tabrl {

Bicgstab::Bicgstab(const Mdp& mdp, double tolerance) : mdp_(mdp), tolerance_(tolerance) {
  const Index num_states = mdp.num_states();
  if (mdp.kernel_storage() == KernelStorage::dense) {
    dense_system_.resize(num_states, num_states);
  } else {
    system_.emplace(mdp);
  }
  for (Vector* work : {&residual_, &scaled_rhs_, &diagonal_, &inverse_diagonal_, &shadow_, &search_,
                       &preconditioned_search_, &product_, &half_step_, &preconditioned_half_step_,
                       &half_product_}) {
    work->resize(num_states);
  }
  partials_.reserve(static_cast<std::size_t>(2 * (num_states / kReductionChunk + 1)));
}

void Bicgstab::prepare(const StateActionMatrix& policy) {
  const Index num_states = mdp_.num_states();
  policy_changed_ = true;
  if (system_) {
    system_->assemble(policy);
    chunked_for(num_states, [&](Index begin, Index end) {
      for (Index s = begin; s < end; ++s) {
        const double diagonal = system_->diagonal(s);
        diagonal_[s] = diagonal;
        inverse_diagonal_[s] = diagonal != 0.0 ? 1.0 / diagonal : 1.0;
      }
    });
    return;
  }
  // Row s of M = e_s - gamma sum_a pi[s, a] P[s, a, .], the same products in the same order as
  // the sparse fill.
  const Index num_actions = mdp_.num_actions();
  const double gamma = mdp_.gamma();
  const ConstMatrixView kernel = mdp_.dense_transitions();
  for_each_index(num_states, num_states * num_states >= kParallelMinimum, [&](Index s) {
    auto row = dense_system_.row(s);
    row.setZero();
    row[s] = 1.0;
    for (Index a = 0; a < num_actions; ++a) {
      row.noalias() -= (gamma * policy(s, a)) * kernel.row(s * num_actions + a);
    }
    const double diagonal = row[s];
    diagonal_[s] = diagonal;
    inverse_diagonal_[s] = diagonal != 0.0 ? 1.0 / diagonal : 1.0;
  });
}

void Bicgstab::multiply(bool transposed, const Vector& in, Vector& out) const {
  if (system_) {
    if (transposed) {
      system_->multiply_transposed(in.data(), out.data());
    } else {
      system_->multiply(in.data(), out.data());
    }
  } else if (transposed) {
    dense_transposed_product(dense_system_, in.data(), out.data());
  } else {
    dense_row_product(dense_system_, in.data(), out.data());
  }
}

void Bicgstab::start(const Vector& rhs, Vector& guess) const {
  if (!(warm_ && guess.size() == rhs.size() && guess.allFinite())) guess.setZero(rhs.size());
}

void Bicgstab::fail(const Checked& value, const Checked* visitation, bool visitation_asked) {
  warm_ = false;
  value_path_.forget();
  visitation_path_.forget();
  const auto text = [](double residual) {
    return std::isfinite(residual) ? format_number(residual) : std::string("not finite: diverged");
  };
  // The dense solver is named only where the fallback would consider it (an LU of S x S).
  const bool dense_fits = mdp_.num_states() <= kFallbackStateLimit;
  throw SolverFailure(
      "BiCGSTAB did not reach the relative residual " + format_number(tolerance_) +
      " or its rounding floor (value " + text(value.residual) +
      (visitation != nullptr ? ", visitation " + text(visitation->residual)
       : visitation_asked    ? std::string(", visitation not solved")
                             : std::string()) +
      "); " +
      (dense_fits ? "the direct solvers (dense, sparse) solve such systems exactly"
                  : "the sparse direct solver (sparse) solves such systems exactly where its "
                    "fill allows"));
}

void Bicgstab::solve(const Vector& value_rhs, Vector& v, const Vector& visitation_rhs, Vector* x) {
  // Warm start from the previous policy's solutions; cold start from zero. Without the
  // visitation, the value solve does exactly what it does with it (M^T is then never built).
  const Index n = value_rhs.size();
  if (!(warm_ && v.size() == n && v.allFinite() &&
        (x == nullptr || (x->size() == n && x->allFinite())))) {
    v.setZero(n);
    if (x != nullptr) x->setZero(n);
    value_path_.forget();
    visitation_path_.forget();
  }
  if (system_ && x != nullptr) system_->prepare_transpose();
  // Only the first solve after prepare extrapolates: a second solve of the same policy starts
  // from its guess as given and adds nothing to the path.
  if (policy_changed_) {
    value_path_.extrapolate(v);
    if (x != nullptr) visitation_path_.extrapolate(*x);
  }
  report_.iterations = 0;
  const Checked value = solve_checked(false, value_rhs, v);
  report_.value_residual = value.residual;
  report_.visitation_residual = 0.0;
  // After a failed value solve the pair has failed: the visitation is not spent on.
  if (!value.accepted()) fail(value, nullptr, x != nullptr);
  if (x != nullptr) {
    const Checked visitation = solve_checked(true, visitation_rhs, *x);
    report_.visitation_residual = visitation.residual;
    if (!visitation.accepted()) fail(value, &visitation, true);
  }
  if (policy_changed_) {
    value_path_.record(v);
    if (x != nullptr) visitation_path_.record(*x);
  }
  policy_changed_ = false;
  warm_ = true;
}

void Bicgstab::solve_value(const Vector& value_rhs, Vector& v) {
  // Policy iteration's policies jump: no extrapolation, and the paths start again.
  value_path_.forget();
  visitation_path_.forget();
  policy_changed_ = false;
  start(value_rhs, v);
  report_.iterations = 0;
  const Checked value = solve_checked(false, value_rhs, v);
  report_.value_residual = value.residual;
  report_.visitation_residual = 0.0;
  if (!value.accepted()) fail(value, nullptr, false);
  warm_ = true;
}

Bicgstab::Checked Bicgstab::solve_checked(bool transposed, const Vector& rhs, Vector& x) {
  // The guarantee is checked on the true residual, not on the solver's recurrence. The
  // recurrence aims at half the tolerance; where it has drifted from the true residual by more
  // than that, the solve goes on from its answer (at most twice), and only then fails. Where the
  // tolerance is below what rounding leaves in any computed residual (a discount close to 1, whose
  // values are large against the rewards), the rounding floor is accepted instead.
  Checked checked;
  for (int attempt = 0; attempt < 3; ++attempt) {
    const Run run = solve_one(transposed, rhs, x);
    report_.iterations += run.iterations;
    checked.residual = relative_residual(transposed, x, rhs);
    checked.floor = tolerance_;
    if (checked.accepted() || !std::isfinite(checked.residual)) break;  // NaN: no use going on
    checked.floor = std::max(tolerance_, rounding_floor(transposed, x, rhs));
    if (checked.accepted() || run.gave_up) break;
  }
  return checked;
}

double Bicgstab::rounding_floor(bool transposed, const Vector& x, const Vector& b) {
  // |M| |x| = 2 D |x| - M |x| (M^T alike: the same diagonal), then |b| added.
  half_step_ = x.cwiseAbs();
  multiply(transposed, half_step_, half_product_);
  half_product_ = 2.0 * diagonal_.cwiseProduct(half_step_) - half_product_ + b.cwiseAbs();
  const double scale = b.blueNorm();
  const double floor =
      kRoundingUnits * std::numeric_limits<double>::epsilon() * half_product_.blueNorm();
  return scale > 0.0 ? floor / scale : floor;
}

double Bicgstab::relative_residual(bool transposed, const Vector& x, const Vector& b) {
  multiply(transposed, x, residual_);
  residual_ -= b;
  // blueNorm neither overflows nor underflows for values of any magnitude.
  const double scale = b.blueNorm();
  return scale > 0.0 ? residual_.blueNorm() / scale : residual_.blueNorm();
}

Bicgstab::Run Bicgstab::solve_one(bool transposed, const Vector& rhs, Vector& x) {
  // BiCGSTAB squares its vectors (dot products), which underflow or overflow for values near
  // 1e-150 or 1e150. Solving for x 2^-e with the right-hand side scaled by the same power of two
  // is exact, and makes every evaluation equivariant under a scaling of the rewards.
  const double magnitude = rhs.cwiseAbs().maxCoeff();
  if (magnitude == 0.0) {
    x.setZero();
    return {};
  }
  int exponent = 0;
  std::frexp(magnitude, &exponent);
  scaled_rhs_ = rhs * std::ldexp(1.0, -exponent);
  x *= std::ldexp(1.0, -exponent);
  const Run run = solve_scaled(transposed, scaled_rhs_, x);
  x *= std::ldexp(1.0, exponent);
  return run;
}

Bicgstab::Run Bicgstab::solve_scaled(bool transposed, const Vector& rhs, Vector& x) {
  // Preconditioned BiCGSTAB with the Jacobi preconditioner diag(M), applied on the right (M and
  // M^T share the diagonal). Every sum goes through chunked_sums, every update is element-wise.
  using Sums1 = std::array<double, 1>;
  using Sums2 = std::array<double, 2>;
  const Index n = rhs.size();
  const auto segment = [](auto& vector, Index begin, Index end) {
    return vector.segment(begin, end - begin);
  };
  const double rhs_norm = std::sqrt(chunked_sums<1>(
      n, partials_, [&](Index b, Index e) { return Sums1{segment(rhs, b, e).squaredNorm()}; })[0]);
  if (rhs_norm == 0.0) {
    x.setZero();
    return {};
  }
  // Aim at half the guarantee: the recurrence residual drifts from the true one (a drift past
  // the guarantee is caught by solve_checked's true residual and solved on).
  const double target = 0.5 * tolerance_ * rhs_norm;
  // r = b - M x, shadow = r; returns ||r||^2.
  const auto restart = [&] {
    multiply(transposed, x, residual_);
    return chunked_sums<1>(n, partials_, [&](Index b, Index e) {
      auto r = segment(residual_, b, e);
      r = segment(rhs, b, e) - r;
      segment(shadow_, b, e) = r;
      segment(search_, b, e).setZero();
      segment(product_, b, e).setZero();
      return Sums1{r.squaredNorm()};
    })[0];
  };
  double residual_squared = restart();
  double rho_next = residual_squared;  // shadow . r
  double rho = 1.0, alpha = 1.0, omega = 1.0;
  const int max_iterations = static_cast<int>(std::max<Index>(2 * n, 1000));
  // The run gives up after a window of iterations in which its best residual did not halve: at
  // that pace the budget could not take it 40 halvings (about 1e-12) further, and a stalled or
  // diverging run would otherwise spend the whole budget (docs/engine.md, "Krylov acceptance").
  const int window = std::max(1000, max_iterations / 40);
  double best_squared = residual_squared;
  double window_start_squared = residual_squared;
  for (int iteration = 1; iteration <= max_iterations; ++iteration) {
    if (std::sqrt(residual_squared) <= target) return {iteration - 1, false};
    // Diverged: checked by the caller.
    if (!std::isfinite(residual_squared)) return {iteration - 1, true};
    best_squared = std::min(best_squared, residual_squared);
    if (iteration % window == 0) {
      if (best_squared > 0.25 * window_start_squared) return {iteration - 1, true};
      window_start_squared = best_squared;
    }
    const double rho_previous = rho;
    rho = rho_next;
    if (std::abs(rho) < 1e-300) {  // breakdown: restart from the current residual
      rho = residual_squared = restart();
      alpha = omega = 1.0;
      if (rho == 0.0) return {iteration, false};
    }
    const double beta = (rho / rho_previous) * (alpha / omega);
    chunked_for(n, [&](Index b, Index e) {
      auto search = segment(search_, b, e);
      search = segment(residual_, b, e) + beta * (search - omega * segment(product_, b, e));
      segment(preconditioned_search_, b, e) = segment(inverse_diagonal_, b, e).cwiseProduct(search);
    });
    multiply(transposed, preconditioned_search_, product_);
    alpha = rho / chunked_sums<1>(n, partials_, [&](Index b, Index e) {
              return Sums1{segment(shadow_, b, e).dot(segment(product_, b, e))};
            })[0];
    chunked_for(n, [&](Index b, Index e) {
      auto half = segment(half_step_, b, e);
      half = segment(residual_, b, e) - alpha * segment(product_, b, e);
      segment(preconditioned_half_step_, b, e) =
          segment(inverse_diagonal_, b, e).cwiseProduct(half);
    });
    multiply(transposed, preconditioned_half_step_, half_product_);
    const Sums2 omega_terms = chunked_sums<2>(n, partials_, [&](Index b, Index e) {
      const auto half_product = segment(half_product_, b, e);
      return Sums2{half_product.squaredNorm(), half_product.dot(segment(half_step_, b, e))};
    });
    omega = omega_terms[0] > 0.0 ? omega_terms[1] / omega_terms[0] : 0.0;
    const Sums2 next = chunked_sums<2>(n, partials_, [&](Index b, Index e) {
      segment(x, b, e) += alpha * segment(preconditioned_search_, b, e) +
                          omega * segment(preconditioned_half_step_, b, e);
      auto r = segment(residual_, b, e);
      r = segment(half_step_, b, e) - omega * segment(half_product_, b, e);
      return Sums2{r.squaredNorm(), segment(shadow_, b, e).dot(r)};
    });
    residual_squared = next[0];
    rho_next = next[1];
  }
  return {max_iterations, true};
}

}  // namespace tabrl
