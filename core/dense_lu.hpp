// Dense partial-pivot LU of M = I - gamma P_pi, in place, serving both solves (docs/engine.md).
#pragma once

#include <vector>

#include <tabrl/core/linear_solver.hpp>

namespace tabrl {

class DenseLu final : public PolicySystemSolver {
 public:
  explicit DenseLu(const Mdp& mdp);
  LinearSolverKind kind() const override { return LinearSolverKind::dense_lu; }
  void prepare(const StateActionMatrix& policy) override;
  void solve(const Vector& value_rhs, Vector& v, const Vector& visitation_rhs, Vector& x) override;
  void solve_value(const Vector& value_rhs, Vector& v) override;

 private:
  // Writes row s of M = I - gamma P_pi (S entries) to `row`.
  void build_row(const StateActionMatrix& policy, Index s, double* row) const;

  const Mdp& mdp_;
  Eigen::MatrixXd system_;  // M, then its factors: P M = L U
  Eigen::Transpositions<Eigen::Dynamic, Eigen::Dynamic, int> row_transpositions_;
  Vector work_;
  std::vector<double> tile_;  // rows of M before they are copied into system_
};

// Factorises `matrix` in place as P matrix = L U (unit-lower L and U share the storage).
// The one use of an Eigen-internal function in tabrl: PartialPivLU::compute also computes an L1
// norm for its condition estimate through a heap temporary, which the loop does not need.
void partial_pivot_lu_in_place(Eigen::MatrixXd& matrix,
                               Eigen::Transpositions<Eigen::Dynamic, Eigen::Dynamic, int>& rows);

}  // namespace tabrl
