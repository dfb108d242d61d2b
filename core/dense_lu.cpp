#include "dense_lu.hpp"

#include <algorithm>
#include <cassert>
#include <cmath>

#include <tabrl/core/dense_rows.hpp>
#include <tabrl/core/dominant_lu.hpp>

namespace tabrl {

namespace {

// After a GMRES failure the next 2, 4, then 8 solves of that system go straight to the LU. An
// attempt costs at most about half an LU (the budget), so on an MDP where GMRES never converges
// the attempts add at most about 6% to its solves; on a run whose path turns smooth GMRES takes
// over within 9 solves.
constexpr int kMaxSkip = 8;

}  // namespace

double dense_backward_error_target(Index num_states) {
  constexpr double kUnitRoundoff = 0x1p-53;
  return std::max(4.0, 0.75 * std::sqrt(static_cast<double>(num_states))) * kUnitRoundoff;
}

double signed_one_norm(const AlignedMatrix& m, const Vector& ones, Vector& work) {
  const Index n = m.rows();
  row_combination(m.data(), n, n, n, ones.data(), work.data());
  double norm = 0.0;
  for (Index j = 0; j < n; ++j) norm = std::max(norm, 2.0 * m(j, j) - work[j]);
  return norm;
}

int DenseLu::krylov_budget(Index num_states) {
  const Index budget = std::min<Index>(60, num_states / 6);
  return budget >= 8 ? static_cast<int>(budget) : 0;
}

DenseLu::DenseLu(const Mdp& mdp)
    : mdp_(mdp),
      target_(dense_backward_error_target(mdp.num_states())),
      gmres_(mdp.num_states(), krylov_budget(mdp.num_states())) {
  const Index n = mdp.num_states();
  system_.set_zero(n, n);
  if (gmres_.max_steps() > 0) {
    ones_.setOnes(n);
    row_sums_.resize(n);
    column_sums_.resize(n);
    predicted_.resize(n);
    predicted_image_.resize(n);
  }
}

void DenseLu::build_sparse_row(const StateActionMatrix& policy, Index s, double* row) const {
  // Row s of M = I - gamma P_pi: starting from e_s, each action of non-zero weight subtracts
  // gamma pi[s, a] times its kernel row, in action order: what build_dense_system does on a
  // dense kernel's rows, entry by entry (an entry absent from a sparse row subtracts an exact
  // zero there), so both forms build the same matrix, bit for bit.
  const Index num_states = mdp_.num_states();
  const Index num_actions = mdp_.num_actions();
  const double gamma = mdp_.gamma();
  const TransitionMatrix& transitions = mdp_.transitions();
  std::fill(row, row + num_states, 0.0);
  row[s] = 1.0;
  for (Index a = 0; a < num_actions; ++a) {
    const double weight = gamma * policy(s, a);
    if (weight == 0.0) continue;
    for (TransitionMatrix::InnerIterator it(transitions, mdp_.transition_row(s, a)); it; ++it) {
      row[it.col()] -= weight * it.value();
    }
  }
}

void DenseLu::prepare(const StateActionMatrix& policy) {
  const Index num_states = mdp_.num_states();
  double* system = system_.data();
  factorised_ = false;
  policy_changed_ = true;
  predicted_ready_ = false;
  // The value solve tries GMRES only when it is warm and not backing off (try_gmres); otherwise
  // M is all it needs. When it does, its start is the path's extrapolation, and M times it is
  // taken as M is built, as is M 1 (for the deflation): a product with M saved, the same bits as
  // GMRES's own products (docs/engine.md, "Dense solver").
  const bool gmres_next = gmres_.max_steps() > 0 && value_stage_.warm && value_stage_.skip == 0;
  if (gmres_next) predicted_ready_ = value_stage_.path.predict(predicted_);
  const double* guess = predicted_ready_ ? predicted_.data() : nullptr;
  if (mdp_.kernel_storage() == KernelStorage::dense) {
    weights_ = mdp_.gamma() * policy;  // gamma pi[s, a], the products build_sparse_row takes
    build_dense_system(mdp_.dense_transitions().data(), num_states, mdp_.num_actions(),
                       weights_.data(), system, guess, gmres_next ? row_sums_.data() : nullptr,
                       gmres_next ? predicted_image_.data() : nullptr);
    return;
  }
  if (!gmres_next) {
    for (Index s = 0; s < num_states; ++s) build_sparse_row(policy, s, system + s * num_states);
    return;
  }
  // Sparse kernel: the row dot products four rows at a time, from the first-level cache (four
  // independent sums, each row's the same bits as alone).
  const SimdLevel level = simd_level();
  constexpr Index kBlock = 4;
  for (Index first = 0; first < num_states; first += kBlock) {
    const Index count = std::min(kBlock, num_states - first);
    double* rows = system + first * num_states;
    for (Index s = first; s < first + count; ++s) {
      build_sparse_row(policy, s, system + s * num_states);
    }
    row_dots(rows, count, num_states, ones_.data(), &row_sums_[first], level);
    if (guess != nullptr) row_dots(rows, count, num_states, guess, &predicted_image_[first], level);
  }
}

void DenseLu::factorise() {
  if (factorised_) return;
  factor_dominant_lu(system_.data(), system_.rows());
  factorised_ = true;
}

bool DenseLu::try_gmres(Stage& stage, bool transposed, bool allowed, const Vector& rhs,
                        Vector& solution, double& backward_error) {
  backward_error = 0.0;
  if (gmres_.max_steps() == 0) return false;
  const bool usable = solution.size() == rhs.size() && solution.allFinite();
  // A guess that does not continue the path (or is no guess at all) restarts it, whichever way
  // this solve goes.
  if (policy_changed_ && !usable) stage.path.forget();
  const bool continues = policy_changed_ && usable && stage.path.continues(solution);
  // Only the first solve after prepare (M is factorised only after it): a second solve of the
  // same policy uses the factors, so that it never depends on which systems the first one solved.
  if (!allowed || !policy_changed_ || !stage.warm || !usable) return false;
  if (stage.skip > 0) {
    --stage.skip;
    return false;
  }
  GmresKnownProducts known;
  if (!transposed) known.ones_image = &row_sums_;
  if (continues) {
    if (!transposed && predicted_ready_) {
      solution = predicted_;
      known.guess_image = &predicted_image_;
    } else {
      stage.path.predict(solution);
    }
  }
  // ||M||_inf and ||M^T||_inf = ||M||_1. Row s of M has the diagonal d = 1 - gamma P_pi[s, s] > 0
  // and off-diagonal magnitudes summing to gamma (1 - P_pi[s, s]) = d - (1 - gamma): its
  // absolute sum is 2 d - (1 - gamma), read off the diagonal. Columns: signed_one_norm.
  const Index n = system_.rows();
  const double gamma = mdp_.gamma();
  double norm = 0.0;
  if (transposed) {
    norm = signed_one_norm(system_, ones_, column_sums_);
  } else {
    for (Index s = 0; s < n; ++s) norm = std::max(norm, 2.0 * system_(s, s) - (1.0 - gamma));
  }
  const DenseGmres::Result result =
      gmres_.solve(system_.view(), transposed, norm, rhs, solution, target_, known);
  report_.iterations += result.products;
  backward_error = result.backward_error;
  if (result.converged) {
    stage.failures = 0;
    return true;
  }
  ++stage.failures;
  stage.skip = std::min(kMaxSkip, 1 << std::min(stage.failures, 3));
  return false;
}

void DenseLu::solve_value(const Vector& value_rhs, Vector& v) {
  // M v = b is (M^T)^T v = b. Policy iteration's policies jump: the path starts again.
  factorise();
  v = value_rhs;
  solve_dominant_lu_transposed(system_.data(), v.size(), v.data());
  value_stage_.path.forget();
  visitation_stage_.path.forget();
  value_stage_.warm = true;
  policy_changed_ = false;
  report_ = {};
}

void DenseLu::solve(const Vector& value_rhs, Vector& v, const Vector& visitation_rhs, Vector* x) {
  // Each system: GMRES on the first solve after prepare, when it is warm and not backing off,
  // else the LU: M v = b is (M^T)^T v = b, and M^T x = rho is M^T x = rho, one sweep over the
  // factors for both. v does not depend on whether x is solved.
  report_ = {};
  const bool value_done =
      try_gmres(value_stage_, false, true, value_rhs, v, report_.value_residual);
  // Where the value solve needs the LU, the visitation takes it too.
  const bool visitation_done =
      x == nullptr || try_gmres(visitation_stage_, true, value_done, visitation_rhs, *x,
                                report_.visitation_residual);
  if (!value_done || !visitation_done) {
    factorise();
    if (!value_done) {
      v = value_rhs;
      report_.value_residual = 0.0;
    }
    if (!visitation_done) {
      *x = visitation_rhs;
      report_.visitation_residual = 0.0;
    }
    solve_dominant_lu_pair(system_.data(), v.size(), visitation_done ? nullptr : x->data(),
                           value_done ? nullptr : v.data());
  }
  // The paths serve GMRES's warm starts only: below its smallest budget (krylov_budget) every
  // solve is the LU's, and recording (which weighs the extrapolation orders) would be wasted.
  if (policy_changed_ && gmres_.max_steps() > 0) {
    value_stage_.path.record(v);
    if (x != nullptr) visitation_stage_.path.record(*x);
  }
  value_stage_.warm = true;
  if (x != nullptr) visitation_stage_.warm = true;
  policy_changed_ = false;
}

}  // namespace tabrl
