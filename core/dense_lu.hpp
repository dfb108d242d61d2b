// The dense solver of M = I - gamma P_pi (docs/engine.md, "Dense solver: GMRES, else LU"): M is
// built by rows; a solve first tries GMRES from the extrapolated warm start, accepted only at the
// backward error of the LU, and otherwise factorises M in place, once per policy, for both solves.
#pragma once

#include <tabrl/core/aligned_matrix.hpp>
#include <tabrl/core/dense_gmres.hpp>
#include <tabrl/core/linear_solver.hpp>
#include <tabrl/core/solution_path.hpp>

namespace tabrl {

// The normwise backward error ||b - M x||_inf / (||M||_inf ||x||_inf + ||b||_inf) a GMRES answer
// must reach on S states: 0.75 sqrt(S) unit roundoffs (at least 4), about the largest the LU's
// own answers show in the same measurement on random dense MDPs (docs/engine.md).
double dense_backward_error_target(Index num_states);

// ||M||_1 (the largest absolute column sum) of an n x n row-major M whose diagonal entries are
// >= 0 and off-diagonal entries <= 0, as M = I - gamma P_pi's are: column j's absolute sum is
// 2 M[j, j] minus its plain sum, an entry of M^T 1, so one transposed product (row_combination)
// with `ones` (n ones) gives them all; `work` holds n entries.
double signed_one_norm(const AlignedMatrix& m, const Vector& ones, Vector& work);

class DenseLu final : public PolicySystemSolver {
 public:
  // GMRES steps allowed per solve: S / 6, at most 60; none below 8 (S < 48), where the LU costs
  // about as little as a few products.
  static int krylov_budget(Index num_states);

  explicit DenseLu(const Mdp& mdp);
  LinearSolverKind kind() const override { return LinearSolverKind::dense_lu; }
  void prepare(const StateActionMatrix& policy) override;
  void solve(const Vector& value_rhs, Vector& v, const Vector& visitation_rhs, Vector* x) override;
  // Policy iteration's jumping policies: always the LU.
  void solve_value(const Vector& value_rhs, Vector& v) override;
  // iterations: the products with M of the last solve's GMRES attempts; the residuals are the
  // backward errors of their answers (0 for systems the LU solved).
  SolveReport report() const override { return report_; }
  // Whether the last solve factorised M (some system was not solved by GMRES).
  bool factorised() const { return factorised_; }

 private:
  // Writes row s of M = I - gamma P_pi (S entries) to `row` from a sparse kernel (dense kernels:
  // build_dense_system of core/dense_rows.hpp, which does the same operations).
  void build_sparse_row(const StateActionMatrix& policy, Index s, double* row) const;
  void factorise();

  // One system's Krylov stage: its path of solutions and its back-off after failures.
  struct Stage {
    SolutionPath path;
    bool warm = false;  // a solution of an earlier solve is available as the start
    int skip = 0;       // solves left before GMRES is tried again
    int failures = 0;   // GMRES failures in a row
  };
  // Tries GMRES on M x = rhs (M^T x = rhs when transposed) from `solution`, unless !allowed;
  // true when it met the backward-error target. Keeps the stage's path and back-off either way.
  bool try_gmres(Stage& stage, bool transposed, bool allowed, const Vector& rhs, Vector& solution,
                 double& backward_error);

  const Mdp& mdp_;
  double target_;  // dense_backward_error_target(S)
  // M row by row, which is M^T column-major; after factorise(), the factors M^T = L U
  // (core/dominant_lu.hpp).
  AlignedMatrix system_;
  // Taken as M is built (GMRES only): M 1, and M times the value path's extrapolation.
  Vector ones_, row_sums_, predicted_, predicted_image_;
  StateActionMatrix weights_;     // gamma pi[s, a] (dense kernels)
  Vector column_sums_;            // M^T 1, for ||M||_1 (the visitation's GMRES)
  bool predicted_ready_ = false;  // predicted_ and predicted_image_ are this policy's
  bool factorised_ = false;
  bool policy_changed_ = false;  // prepare was called after the last solve
  DenseGmres gmres_;
  Stage value_stage_, visitation_stage_;
  SolveReport report_;
};

}  // namespace tabrl
