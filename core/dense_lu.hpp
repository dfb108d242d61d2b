// Dense LU of M = I - gamma P_pi, in place, serving both solves (docs/engine.md, "Dense LU").
#pragma once

#include <tabrl/core/linear_solver.hpp>

namespace tabrl {

class DenseLu final : public PolicySystemSolver {
 public:
  explicit DenseLu(const Mdp& mdp);
  LinearSolverKind kind() const override { return LinearSolverKind::dense_lu; }
  void prepare(const StateActionMatrix& policy) override;
  void solve(const Vector& value_rhs, Vector& v, const Vector& visitation_rhs, Vector* x) override;
  void solve_value(const Vector& value_rhs, Vector& v) override;

 private:
  // Writes row s of M = I - gamma P_pi (S entries) to `row`.
  void build_row(const StateActionMatrix& policy, Index s, double* row) const;

  const Mdp& mdp_;
  // M^T, column-major (so M row by row), then its factors M^T = L U (core/dominant_lu.hpp).
  Eigen::MatrixXd transposed_system_;
};

}  // namespace tabrl
