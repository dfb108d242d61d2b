#include "core/evaluation.hpp"

#include <algorithm>
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
  }
  return "unknown";
}

PolicyEvaluator::PolicyEvaluator(const Mdp& mdp, LinearSolverKind kind) : mdp_(mdp), kind_(kind) {
  const Index num_states = mdp.num_states();
  if (kind_ == LinearSolverKind::automatic) {
    kind_ = num_states <= kDenseStateLimit ? LinearSolverKind::dense_lu : LinearSolverKind::sparse_lu;
  }
  reward_pi_.resize(num_states);
  visitation_rhs_.resize(num_states);
  if (kind_ == LinearSolverKind::dense_lu) {
    dense_system_.resize(num_states, num_states);
    dense_lu_ = Eigen::PartialPivLU<Eigen::MatrixXd>(num_states);
  } else {
    prepare_sparse_pattern();
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
  sparse_lu_.analyzePattern(sparse_system_);
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
  dense_lu_.compute(dense_system_);
}

void PolicyEvaluator::factorize_sparse(const StateActionMatrix& policy) {
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
  reward_pi_.noalias() = out.policy.cwiseProduct(mdp_.rewards()).rowwise().sum();
  visitation_rhs_ = mdp_.rho();
  if (kind_ == LinearSolverKind::dense_lu) {
    factorize_dense(out.policy);
    out.v.noalias() = dense_lu_.solve(reward_pi_);
    out.visitation.noalias() = dense_lu_.transpose().solve(visitation_rhs_);
  } else {
    factorize_sparse(out.policy);
    out.v = sparse_lu_.solve(reward_pi_);
    out.visitation = sparse_lu_.transpose().solve(visitation_rhs_);
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

void PolicyEvaluator::evaluate_logits(const Eigen::Ref<const StateActionMatrix>& logits,
                                      Evaluation& out) {
  softmax_rows(logits, out.policy);
  evaluate_policy(out.policy, out);
}

void policy_gradient(const Evaluation& evaluation, double gamma, StateActionMatrix& gradient) {
  gradient = evaluation.policy.cwiseProduct(evaluation.advantage);
  gradient.array().colwise() *= evaluation.visitation.array() / (1.0 - gamma);
}

}  // namespace tabrl
