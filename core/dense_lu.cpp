#include "dense_lu.hpp"

#include <algorithm>

#include <tabrl/core/dense_rows.hpp>
#include <tabrl/core/dominant_lu.hpp>

namespace tabrl {

DenseLu::DenseLu(const Mdp& mdp) : mdp_(mdp) {
  transposed_system_.resize(mdp.num_states(), mdp.num_states());
}

void DenseLu::build_row(const StateActionMatrix& policy, Index s, double* row) const {
  // Row s of M = I - gamma P_pi: starting from e_s, each action of non-zero weight subtracts
  // gamma pi[s, a] times its kernel row, in action order. Both kernel forms do exactly these
  // operations in this order on every entry (an entry absent from a sparse row subtracts an exact
  // zero there), so they build the same matrix, bit for bit.
  const Index num_states = mdp_.num_states();
  const Index num_actions = mdp_.num_actions();
  const double gamma = mdp_.gamma();
  if (mdp_.kernel_storage() != KernelStorage::dense) {
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
    return;
  }
  // Dense kernel: up to four actions per pass over the row. The first pass starts from 0 (the
  // diagonal entry, which starts from 1, is redone alone); later passes continue from the row.
  const double* kernel = mdp_.dense_transitions().data();
  double weights[4];
  const double* rows[4];
  int count = 0;
  bool started = false;
  const auto flush = [&] {
    if (count == 0) return;
    double diagonal = started ? row[s] : 1.0;
    for (int i = 0; i < count; ++i) diagonal -= weights[i] * rows[i][s];
    subtract_weighted_rows(count, row, num_states, weights, rows, !started);
    row[s] = diagonal;
    started = true;
    count = 0;
  };
  for (Index a = 0; a < num_actions; ++a) {
    const double weight = gamma * policy(s, a);
    if (weight == 0.0) continue;
    weights[count] = weight;
    rows[count] = kernel + mdp_.transition_row(s, a) * num_states;
    if (++count == 4) flush();
  }
  flush();
  if (!started) {
    std::fill(row, row + num_states, 0.0);
    row[s] = 1.0;
  }
}

void DenseLu::prepare(const StateActionMatrix& policy) {
  // Row s of M is column s of M^T: each row is built in place, contiguous.
  const Index num_states = mdp_.num_states();
  double* system = transposed_system_.data();
  for (Index s = 0; s < num_states; ++s) build_row(policy, s, system + s * num_states);
  factor_dominant_lu(system, num_states);
}

void DenseLu::solve_value(const Vector& value_rhs, Vector& v) {
  // M v = b is (M^T)^T v = b.
  v = value_rhs;
  solve_dominant_lu_transposed(transposed_system_.data(), v.size(), v.data());
}

void DenseLu::solve(const Vector& value_rhs, Vector& v, const Vector& visitation_rhs, Vector* x) {
  // M v = b is (M^T)^T v = b, and M^T x = rho is M^T x = rho: one sweep over the factors.
  v = value_rhs;
  if (x != nullptr) *x = visitation_rhs;
  solve_dominant_lu_pair(transposed_system_.data(), v.size(), x != nullptr ? x->data() : nullptr,
                         v.data());
}

}  // namespace tabrl
