#include "dense_lu.hpp"

namespace tabrl {

// Eigen::internal::partial_lu_inplace is not public API. It is pinned here to the Eigen series
// it was checked against; tests/test_evaluation.cpp compares the result with PartialPivLU.
static_assert(EIGEN_WORLD_VERSION == 3 && EIGEN_MAJOR_VERSION == 4,
              "partial_lu_inplace is Eigen-internal: re-check partial_pivot_lu_in_place against "
              "this Eigen version (and its test in tests/test_evaluation.cpp)");

void partial_pivot_lu_in_place(Eigen::MatrixXd& matrix,
                               Eigen::Transpositions<Eigen::Dynamic, Eigen::Dynamic, int>& rows) {
  int transpositions = 0;
  Eigen::internal::partial_lu_inplace(matrix, rows, transpositions);
}

DenseLu::DenseLu(const Mdp& mdp) : mdp_(mdp) {
  const Index num_states = mdp.num_states();
  system_.resize(num_states, num_states);
  row_transpositions_.resize(num_states);
  work_.resize(num_states);
}

void DenseLu::prepare(const StateActionMatrix& policy) {
  // Row s of M = I - gamma P_pi is written as column s of system_ (contiguous for the dense
  // kernel's rows), then the square is transposed in place: system_ = M. Both kernel forms
  // subtract the same products in the same order, so they build the same matrix, bit for bit.
  const Index num_states = mdp_.num_states();
  const Index num_actions = mdp_.num_actions();
  const double gamma = mdp_.gamma();
  const bool dense = mdp_.kernel_storage() == KernelStorage::dense;
  const TransitionMatrix& transitions = mdp_.transitions();
  const StateActionMatrix& dense_transitions = mdp_.dense_transitions();
  for (Index s = 0; s < num_states; ++s) {
    auto row_of_m = system_.col(s);
    row_of_m.setZero();
    row_of_m[s] = 1.0;
    for (Index a = 0; a < num_actions; ++a) {
      const double weight = gamma * policy(s, a);
      if (weight == 0.0) continue;
      const Index row = mdp_.transition_row(s, a);
      if (dense) {
        row_of_m.noalias() -= weight * dense_transitions.row(row).transpose();
      } else {
        for (TransitionMatrix::InnerIterator it(transitions, row); it; ++it) {
          row_of_m[it.col()] -= weight * it.value();
        }
      }
    }
  }
  system_.transposeInPlace();
  partial_pivot_lu_in_place(system_, row_transpositions_);
}

void DenseLu::solve_value(const Vector& value_rhs, Vector& v) {
  // P M = L U.  M v = b:  v = U \ (L \ P b).
  v.resize(value_rhs.size());
  v.noalias() = row_transpositions_ * value_rhs;
  system_.triangularView<Eigen::UnitLower>().solveInPlace(v);
  system_.triangularView<Eigen::Upper>().solveInPlace(v);
}

void DenseLu::solve(const Vector& value_rhs, Vector& v, const Vector& visitation_rhs, Vector& x) {
  // P M = L U.  M v = b:  v = U \ (L \ P b).  M^T x = c:  x = P^T (L^T \ (U^T \ c)).
  const Index num_states = value_rhs.size();
  solve_value(value_rhs, v);
  work_ = visitation_rhs;
  system_.transpose().triangularView<Eigen::Lower>().solveInPlace(work_);      // U^T
  system_.transpose().triangularView<Eigen::UnitUpper>().solveInPlace(work_);  // L^T
  x.resize(num_states);
  x.noalias() = row_transpositions_.transpose() * work_;
}

}  // namespace tabrl
