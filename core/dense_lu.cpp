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
  const Index num_actions = mdp_.num_actions();
  const TransitionMatrix& transitions = mdp_.transitions();
  const double gamma = mdp_.gamma();
  system_.setIdentity();
  for (Index s = 0; s < mdp_.num_states(); ++s) {
    for (Index a = 0; a < num_actions; ++a) {
      const double weight = gamma * policy(s, a);
      if (weight == 0.0) continue;
      for (TransitionMatrix::InnerIterator it(transitions, mdp_.transition_row(s, a)); it; ++it) {
        system_(s, it.col()) -= weight * it.value();
      }
    }
  }
  partial_pivot_lu_in_place(system_, row_transpositions_);
}

void DenseLu::solve(const Vector& value_rhs, Vector& v, const Vector& visitation_rhs, Vector& x) {
  // P M = L U.  M v = b:  v = U \ (L \ P b).  M^T x = c:  x = P^T (L^T \ (U^T \ c)).
  const Index num_states = value_rhs.size();
  v.resize(num_states);
  v.noalias() = row_transpositions_ * value_rhs;
  system_.triangularView<Eigen::UnitLower>().solveInPlace(v);
  system_.triangularView<Eigen::Upper>().solveInPlace(v);
  work_ = visitation_rhs;
  system_.transpose().triangularView<Eigen::Lower>().solveInPlace(work_);      // U^T
  system_.transpose().triangularView<Eigen::UnitUpper>().solveInPlace(work_);  // L^T
  x.resize(num_states);
  x.noalias() = row_transpositions_.transpose() * work_;
}

}  // namespace tabrl
