#include "core/evaluation.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "core/policy.hpp"

namespace tabrl {

const char* to_string(LinearSolverKind kind) {
  switch (kind) {
    case LinearSolverKind::automatic:
      return "auto";
    case LinearSolverKind::dense_lu:
      return "dense_lu";
    case LinearSolverKind::sparse_lu:
      return "sparse_lu";
    case LinearSolverKind::krylov:
      return "krylov";
  }
  return "unknown";
}

PolicyEvaluator::PolicyEvaluator(const Mdp& mdp, LinearSolverKind kind, double krylov_tolerance)
    : mdp_(mdp), kind_(kind), krylov_tolerance_(krylov_tolerance) {
  const Index num_states = mdp.num_states();
  if (kind_ == LinearSolverKind::automatic) {
    kind_ = num_states <= kDenseStateLimit ? LinearSolverKind::dense_lu : LinearSolverKind::krylov;
  }
  reward_pi_.resize(num_states);
  visitation_rhs_.resize(num_states);
  if (kind_ == LinearSolverKind::dense_lu) {
    dense_system_.resize(num_states, num_states);
    row_transpositions_.resize(num_states);
    dense_work_.resize(num_states);
  } else {
    prepare_sparse_pattern();
    if (kind_ == LinearSolverKind::krylov) {
      prepare_transposed_pattern();
      for (Vector* work : {&residual_, &scaled_rhs_, &inverse_diagonal_, &shadow_, &search_, &preconditioned_search_,
                           &product_, &half_step_, &preconditioned_half_step_, &half_product_}) {
        work->resize(num_states);
      }
    } else {
      sparse_lu_.analyzePattern(sparse_system_);
    }
  }
}

void PolicyEvaluator::prepare_transposed_pattern() {
  // Transpose a copy whose values are the entry positions, then read where each one landed.
  Eigen::SparseMatrix<double> positions = sparse_system_;
  for (Index k = 0; k < positions.nonZeros(); ++k) positions.valuePtr()[k] = static_cast<double>(k);
  transposed_system_ = positions.transpose();
  transposed_system_.makeCompressed();
  transpose_position_.resize(static_cast<std::size_t>(positions.nonZeros()));
  for (Index k = 0; k < transposed_system_.nonZeros(); ++k) {
    transpose_position_[static_cast<std::size_t>(transposed_system_.valuePtr()[k])] = static_cast<int>(k);
  }
}

void PolicyEvaluator::prepare_sparse_pattern() {
  const Index num_states = mdp_.num_states();
  const Index num_actions = mdp_.num_actions();
  const TransitionMatrix& transitions = mdp_.transitions();
  std::vector<Eigen::Triplet<double, int>> entries;
  entries.reserve(static_cast<std::size_t>(transitions.nonZeros() + num_states));
  for (Index s = 0; s < num_states; ++s) {
    entries.emplace_back(static_cast<int>(s), static_cast<int>(s), 1.0);
    for (Index a = 0; a < num_actions; ++a) {
      for (TransitionMatrix::InnerIterator it(transitions, mdp_.transition_row(s, a)); it; ++it) {
        entries.emplace_back(static_cast<int>(s), static_cast<int>(it.col()), 0.0);
      }
    }
  }
  sparse_system_.resize(num_states, num_states);
  sparse_system_.setFromTriplets(entries.begin(), entries.end());
  sparse_system_.makeCompressed();

  // Position of entry (row, col) in the column-major value array.
  const auto position = [this](Index row, Index col) {
    const int* begin = sparse_system_.innerIndexPtr() + sparse_system_.outerIndexPtr()[col];
    const int* end = sparse_system_.innerIndexPtr() + sparse_system_.outerIndexPtr()[col + 1];
    const int* found = std::lower_bound(begin, end, static_cast<int>(row));
    return static_cast<int>(found - sparse_system_.innerIndexPtr());
  };
  diagonal_position_.resize(static_cast<std::size_t>(num_states));
  for (Index s = 0; s < num_states; ++s) diagonal_position_[static_cast<std::size_t>(s)] = position(s, s);
  transition_to_system_.resize(static_cast<std::size_t>(transitions.nonZeros()));
  for (Index row = 0; row < transitions.rows(); ++row) {
    const Index s = row / num_actions;
    for (int k = transitions.outerIndexPtr()[row]; k < transitions.outerIndexPtr()[row + 1]; ++k) {
      transition_to_system_[static_cast<std::size_t>(k)] = position(s, transitions.innerIndexPtr()[k]);
    }
  }
}

void PolicyEvaluator::factorize_dense(const StateActionMatrix& policy) {
  const Index num_actions = mdp_.num_actions();
  const TransitionMatrix& transitions = mdp_.transitions();
  const double gamma = mdp_.gamma();
  dense_system_.setIdentity();
  for (Index s = 0; s < mdp_.num_states(); ++s) {
    for (Index a = 0; a < num_actions; ++a) {
      const double weight = gamma * policy(s, a);
      if (weight == 0.0) continue;
      for (TransitionMatrix::InnerIterator it(transitions, mdp_.transition_row(s, a)); it; ++it) {
        dense_system_(s, it.col()) -= weight * it.value();
      }
    }
  }
  // Eigen's partial-pivot LU kernel, in place; PartialPivLU::compute would also compute an L1
  // norm for its condition estimate, through a heap temporary, which this loop does not need.
  int transpositions = 0;
  Eigen::internal::partial_lu_inplace(dense_system_, row_transpositions_, transpositions);
}

void PolicyEvaluator::fill_sparse(const StateActionMatrix& policy) {
  const Index num_actions = mdp_.num_actions();
  const TransitionMatrix& transitions = mdp_.transitions();
  const double gamma = mdp_.gamma();
  double* values = sparse_system_.valuePtr();
  std::fill(values, values + sparse_system_.nonZeros(), 0.0);
  for (std::size_t s = 0; s < diagonal_position_.size(); ++s) values[diagonal_position_[s]] = 1.0;
  for (Index row = 0; row < transitions.rows(); ++row) {
    const double weight = gamma * policy(row / num_actions, row % num_actions);
    for (int k = transitions.outerIndexPtr()[row]; k < transitions.outerIndexPtr()[row + 1]; ++k) {
      values[transition_to_system_[static_cast<std::size_t>(k)]] -= weight * transitions.valuePtr()[k];
    }
  }
}

void PolicyEvaluator::factorize_sparse(const StateActionMatrix& policy) {
  fill_sparse(policy);
  sparse_lu_.factorize(sparse_system_);
  if (sparse_lu_.info() != Eigen::Success) {
    throw std::runtime_error("sparse LU factorisation of I - gamma P_pi failed: " +
                             sparse_lu_.lastErrorMessage());
  }
}

void PolicyEvaluator::evaluate_policy(const Eigen::Ref<const StateActionMatrix>& policy,
                                      Evaluation& out) {
  const Index num_states = mdp_.num_states();
  const Index num_actions = mdp_.num_actions();
  const double gamma = mdp_.gamma();
  if (out.policy.data() != policy.data()) out.policy = policy;
  const StateActionMatrix& rewards = mdp_.rewards();
  for (Index s = 0; s < num_states; ++s) reward_pi_[s] = out.policy.row(s).dot(rewards.row(s));
  visitation_rhs_ = mdp_.rho();
  if (kind_ == LinearSolverKind::dense_lu) {
    factorize_dense(out.policy);
    // P A = L U.  A v = r:  v = U \ (L \ P r).  A^T x = rho:  x = P^T (L^T \ (U^T \ rho)).
    const auto lower = dense_system_.triangularView<Eigen::UnitLower>();
    const auto upper = dense_system_.triangularView<Eigen::Upper>();
    out.v.resize(num_states);
    out.v.noalias() = row_transpositions_ * reward_pi_;
    lower.solveInPlace(out.v);
    upper.solveInPlace(out.v);
    dense_work_ = visitation_rhs_;
    dense_system_.transpose().triangularView<Eigen::Lower>().solveInPlace(dense_work_);      // U^T
    dense_system_.transpose().triangularView<Eigen::UnitUpper>().solveInPlace(dense_work_);  // L^T
    out.visitation.resize(num_states);
    out.visitation.noalias() = row_transpositions_.transpose() * dense_work_;
  } else if (kind_ == LinearSolverKind::sparse_lu) {
    factorize_sparse(out.policy);
    out.v = sparse_lu_.solve(reward_pi_);
    out.visitation = sparse_lu_.transpose().solve(visitation_rhs_);
  } else {
    fill_sparse(out.policy);
    solve_krylov(out);
  }
  out.visitation *= (1.0 - gamma);

  out.q.resize(num_states, num_actions);
  Eigen::Map<Vector> q_flat(out.q.data(), num_states * num_actions);
  q_flat.noalias() = mdp_.transitions() * out.v;
  out.q *= gamma;
  out.q += mdp_.rewards();
  out.advantage = out.q;
  out.advantage.colwise() -= out.v;
  out.objective = mdp_.rho().dot(out.v);
}

int PolicyEvaluator::bicgstab(const Eigen::SparseMatrix<double>& matrix, const Vector& rhs,
                              Vector& x) {
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
  const int iterations = bicgstab_scaled(matrix, scaled_rhs_, x);
  x *= std::ldexp(1.0, exponent);
  return iterations;
}

int PolicyEvaluator::bicgstab_scaled(const Eigen::SparseMatrix<double>& matrix, const Vector& rhs,
                                     Vector& x) {
  // Preconditioned BiCGSTAB (van der Vorst 1992) with the Jacobi preconditioner M = diag(A),
  // applied on the right; every vector lives in a member sized at construction.
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
  const double target = 0.1 * krylov_tolerance_ * rhs_norm;
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

void PolicyEvaluator::solve_krylov(Evaluation& out) {
  const double* values = sparse_system_.valuePtr();
  double* transposed = transposed_system_.valuePtr();
  for (std::size_t k = 0; k < transpose_position_.size(); ++k) transposed[transpose_position_[k]] = values[k];
  // Warm start from the previous policy's solutions (out holds them, the visitation normalised);
  // cold start from zero.
  const Index num_states = reward_pi_.size();
  const bool warm = warm_ && out.v.size() == num_states && out.visitation.size() == num_states &&
                    out.v.allFinite() && out.visitation.allFinite();
  if (warm) {
    out.visitation /= (1.0 - mdp_.gamma());
  } else {
    out.v.setZero(num_states);
    out.visitation.setZero(num_states);
  }
  last_krylov_iterations_ = bicgstab(sparse_system_, reward_pi_, out.v) +
                            bicgstab(transposed_system_, visitation_rhs_, out.visitation);
  // The guarantee is checked on the true residuals, not on the solver's recurrence.
  const auto relative_residual = [this](const Eigen::SparseMatrix<double>& matrix, const Vector& x,
                                        const Vector& b) {
    residual_.noalias() = matrix * x;
    residual_ -= b;
    // blueNorm neither overflows nor underflows for values of any magnitude.
    const double scale = b.blueNorm();
    return scale > 0.0 ? residual_.blueNorm() / scale : residual_.blueNorm();
  };
  last_value_residual_ = relative_residual(sparse_system_, out.v, reward_pi_);
  last_visitation_residual_ = relative_residual(transposed_system_, out.visitation, visitation_rhs_);
  if (!(last_value_residual_ <= krylov_tolerance_ && last_visitation_residual_ <= krylov_tolerance_)) {
    warm_ = false;
    throw std::runtime_error("BiCGSTAB did not reach the relative residual " +
                             std::to_string(krylov_tolerance_) + " (value " +
                             std::to_string(last_value_residual_) + ", visitation " +
                             std::to_string(last_visitation_residual_) + ")");
  }
  warm_ = true;
}

void PolicyEvaluator::evaluate_logits(const Eigen::Ref<const StateActionMatrix>& logits,
                                      Evaluation& out) {
  softmax_rows(logits, out.policy);
  evaluate_policy(out.policy, out);
}

void policy_gradient(const Evaluation& evaluation, double gamma, StateActionMatrix& gradient) {
  gradient = evaluation.policy.cwiseProduct(evaluation.advantage);
  for (Index s = 0; s < gradient.rows(); ++s) gradient.row(s) *= evaluation.visitation[s] / (1.0 - gamma);
}

}  // namespace tabrl
