// Eigen's SparseLU on M = I - gamma P_pi: exact, symbolic analysis once per MDP (the pattern
// cannot change). Random sparsity (Garnet) fills in; kept as an option for structured MDPs.
#pragma once

#include <Eigen/SparseLU>

#include <tabrl/core/linear_solver.hpp>
#include <tabrl/core/sparse_system.hpp>

namespace tabrl {

class SparseLu final : public PolicySystemSolver {
 public:
  explicit SparseLu(const Mdp& mdp);
  LinearSolverKind kind() const override { return LinearSolverKind::sparse_lu; }
  void prepare(const StateActionMatrix& policy) override;
  void solve(const Vector& value_rhs, Vector& v, const Vector& visitation_rhs, Vector* x) override;
  void solve_value(const Vector& value_rhs, Vector& v) override;

 private:
  SparsePolicySystem system_;
  Eigen::SparseLU<Eigen::SparseMatrix<double>> lu_;
};

}  // namespace tabrl
