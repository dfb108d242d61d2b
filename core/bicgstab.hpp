// BiCGSTAB (van der Vorst 1992) with a Jacobi preconditioner on M = I - gamma P_pi and on its
// transpose (same pattern, values copied through a precomputed permutation), warm-started from
// the previous policy's solutions. The true relative residual of each solve is checked; a miss
// is an error, never a silent loss of accuracy (docs/engine.md).
#pragma once

#include <vector>

#include <tabrl/core/linear_solver.hpp>
#include <tabrl/core/sparse_system.hpp>

namespace tabrl {

class Bicgstab final : public PolicySystemSolver {
 public:
  Bicgstab(const Mdp& mdp, double tolerance);
  LinearSolverKind kind() const override { return LinearSolverKind::krylov; }
  void prepare(const StateActionMatrix& policy) override;
  // Throws std::runtime_error when a true relative residual stays above the tolerance.
  void solve(const Vector& value_rhs, Vector& v, const Vector& visitation_rhs, Vector& x) override;
  SolveReport report() const override { return report_; }

 private:
  // Returns the iterations used; x holds the initial guess on entry.
  int solve_one(const Eigen::SparseMatrix<double>& matrix, const Vector& rhs, Vector& x);
  // The same on a right-hand side of magnitude about 1.
  int solve_scaled(const Eigen::SparseMatrix<double>& matrix, const Vector& rhs, Vector& x);
  double relative_residual(const Eigen::SparseMatrix<double>& matrix, const Vector& x,
                           const Vector& b);

  SparsePolicySystem system_;
  Eigen::SparseMatrix<double> transposed_;
  std::vector<int> transpose_position_;  // entry k of system_ sits at this place in transposed_
  double tolerance_;
  bool warm_ = false;
  SolveReport report_;
  // Work vectors, sized once (Eigen's own BiCGSTAB allocates about ten vectors per solve).
  Vector residual_, scaled_rhs_, inverse_diagonal_, shadow_, search_, preconditioned_search_,
      product_, half_step_, preconditioned_half_step_, half_product_;
};

}  // namespace tabrl
