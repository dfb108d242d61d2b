#include "sparse_system.hpp"

#include <algorithm>

#include <tabrl/core/parallel.hpp>

namespace tabrl {

SparsePolicySystem::SparsePolicySystem(const Mdp& mdp) : mdp_(mdp) {
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
  matrix_.resize(num_states, num_states);
  matrix_.setFromTriplets(entries.begin(), entries.end());
  matrix_.makeCompressed();

  // Position of entry (row, col) in the column-major value array.
  const auto position = [this](Index row, Index col) {
    const int* begin = matrix_.innerIndexPtr() + matrix_.outerIndexPtr()[col];
    const int* end = matrix_.innerIndexPtr() + matrix_.outerIndexPtr()[col + 1];
    const int* found = std::lower_bound(begin, end, static_cast<int>(row));
    return static_cast<int>(found - matrix_.innerIndexPtr());
  };
  diagonal_position_.resize(static_cast<std::size_t>(num_states));
  for (Index s = 0; s < num_states; ++s) {
    diagonal_position_[static_cast<std::size_t>(s)] = position(s, s);
  }
  transition_to_system_.resize(static_cast<std::size_t>(transitions.nonZeros()));
  for (Index row = 0; row < transitions.rows(); ++row) {
    const Index s = row / num_actions;
    for (int k = transitions.outerIndexPtr()[row]; k < transitions.outerIndexPtr()[row + 1]; ++k) {
      transition_to_system_[static_cast<std::size_t>(k)] =
          position(s, transitions.innerIndexPtr()[k]);
    }
  }
}

void SparsePolicySystem::fill(const StateActionMatrix& policy) {
  const Index num_actions = mdp_.num_actions();
  const TransitionMatrix& transitions = mdp_.transitions();
  const double gamma = mdp_.gamma();
  double* values = matrix_.valuePtr();
  chunked_for(matrix_.nonZeros(),
              [&](Index begin, Index end) { std::fill(values + begin, values + end, 0.0); });
  // State by state (in parallel for large S): the entries of row s of M belong to state s alone,
  // and each is built in the same order whatever the thread count.
  const int* starts = transitions.outerIndexPtr();
  const double* probabilities = transitions.valuePtr();
  chunked_for(mdp_.num_states(), [&](Index begin, Index end) {
    for (Index s = begin; s < end; ++s) {
      values[diagonal_position_[static_cast<std::size_t>(s)]] = 1.0;
      for (Index a = 0; a < num_actions; ++a) {
        const Index row = s * num_actions + a;
        const double weight = gamma * policy(s, a);
        for (int k = starts[row]; k < starts[row + 1]; ++k) {
          values[transition_to_system_[static_cast<std::size_t>(k)]] -= weight * probabilities[k];
        }
      }
    }
  });
}

}  // namespace tabrl
