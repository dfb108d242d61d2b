// BiCGSTAB (van der Vorst 1992) with a Jacobi preconditioner on M = I - gamma P_pi and on its
// transpose, warm-started from the previous policy's solutions. The true relative residual of
// each solve is checked against the tolerance, or against the rounding of the residual's own
// computation where that is larger (a discount close to 1); a miss is an error, never a silent
// loss of accuracy (docs/engine.md, "Krylov acceptance").
// With a sparse kernel M is assembled by rows from the kernel rows the policy selects
// (core/policy_rows.hpp), its transpose copied when the visitation solve needs it;
// with a dense kernel M is a dense row-major array and M^T x is read from it by columns.
// Products and vector operations run in parallel for large S, with the fixed-chunk sums of
// core/parallel.hpp: the iterates do not depend on the thread count.
// The first solve pair after each prepare starts from a polynomial extrapolation of the last
// solutions (order 0 to SolutionPath::kLength - 1, the order that would have predicted the last one
// best; docs/engine.md, "Krylov warm start"), which cuts the products of an optimizer's slowly
// moving iterates by about a third.
#pragma once

#include <array>
#include <optional>
#include <vector>

#include <tabrl/core/linear_solver.hpp>
#include <tabrl/core/policy_rows.hpp>
#include <tabrl/core/solution_path.hpp>

namespace tabrl {

class Bicgstab final : public PolicySystemSolver {
 public:
  // Machine epsilons (2^-52) per entry of |b| + |M| |x| that a true residual may keep: the
  // rounding of computing b - M x is (row non-zeros + 1) / 2 of them at worst, about a fifth
  // measured at gamma = 0.9999 (docs/engine.md, "Krylov acceptance").
  static constexpr double kRoundingUnits = 4.0;
  Bicgstab(const Mdp& mdp, double tolerance);
  LinearSolverKind kind() const override { return LinearSolverKind::krylov; }
  void prepare(const StateActionMatrix& policy) override;
  // Throws SolverFailure when a true relative residual stays above the tolerance.
  void solve(const Vector& value_rhs, Vector& v, const Vector& visitation_rhs, Vector* x) override;
  void solve_value(const Vector& value_rhs, Vector& v) override;
  SolveReport report() const override { return report_; }
  void set_tolerance(double tolerance) override { tolerance_ = tolerance; }

 private:
  // out = M in (transposed: out = M^T in).
  void multiply(bool transposed, const Vector& in, Vector& out) const;
  // What one BiCGSTAB run did: its iterations, and whether it gave up (its budget spent, or a
  // window of iterations without halving its best residual: docs/engine.md, "Krylov
  // acceptance"), in which case solving on from its answer is no use.
  struct Run {
    int iterations = 0;
    bool gave_up = false;
  };
  // One run from x, the initial guess on entry.
  Run solve_one(bool transposed, const Vector& rhs, Vector& x);
  // The same on a right-hand side of magnitude about 1.
  Run solve_scaled(bool transposed, const Vector& rhs, Vector& x);
  double relative_residual(bool transposed, const Vector& x, const Vector& b);
  // kRoundingUnits eps || |b| + |M| |x| || / ||b||: what rounding alone leaves in a computed
  // residual b - M x, relative to b (|M| |x| = 2 D |x| - M |x|, D = diag(M) > 0, as M's
  // off-diagonal entries are <= 0).
  double rounding_floor(bool transposed, const Vector& x, const Vector& b);
  // The accepted residual: the tolerance, or the rounding floor where that is larger.
  struct Checked {
    double residual = 0.0;
    double floor = 0.0;
    bool accepted() const { return residual <= floor; }
  };
  // solve_one, then the true relative residual, solving on while it is above what is accepted
  // (at most three runs, and none after a run that gave up); adds the iterations to report_.
  Checked solve_checked(bool transposed, const Vector& rhs, Vector& x);
  // Cold start (zeros) unless the last solve succeeded and the guesses are usable.
  void start(const Vector& rhs, Vector& guess) const;
  // Throws the SolverFailure of a missed guarantee; `visitation` is null where the visitation
  // was not solved: not asked for, or asked for but skipped (the value solve had failed).
  [[noreturn]] void fail(const Checked& value, const Checked* visitation, bool visitation_asked);

  const Mdp& mdp_;
  std::optional<PolicyRows> system_;  // sparse kernel: M by rows, M^T on demand
  StateActionMatrix dense_system_;    // dense kernel: M, row-major
  double tolerance_;
  bool warm_ = false;
  bool policy_changed_ = false;  // prepare was called after the last solve
  SolutionPath value_path_, visitation_path_;
  SolveReport report_;
  // Work storage, sized once (Eigen's own BiCGSTAB allocates about ten vectors per solve).
  Vector residual_, scaled_rhs_, diagonal_, inverse_diagonal_, shadow_, search_,
      preconditioned_search_, product_, half_step_, preconditioned_half_step_, half_product_;
  std::vector<double> partials_;
};

}  // namespace tabrl
