// Exact evaluation of a policy (MATH.md section 2): V, Q, A, d and J from one factorisation of
// I - gamma P_pi, which serves both the value solve and the transposed visitation solve.
#pragma once

#include <Eigen/SparseLU>

#include "core/mdp.hpp"

namespace tabrl {

// Everything an exact-gradient method needs to know about one policy.
struct Evaluation {
  StateActionMatrix policy;     // pi[s, a]
  Vector v;                     // V^pi
  StateActionMatrix q;          // Q^pi[s, a]
  StateActionMatrix advantage;  // A^pi = Q^pi - V^pi, sum_a pi A = 0
  Vector visitation;            // d^pi_rho, normalised: sums to 1
  double objective = 0.0;       // J(pi) = rho^T V^pi
};

// dense_lu: partial-pivot LU of the dense S x S system. sparse_lu: Eigen's SparseLU (exact, but
// random sparsity such as Garnet's fills in). krylov: BiCGSTAB with a Jacobi preconditioner,
// warm-started from the previous policy's solutions, to a relative residual of 1e-12.
enum class LinearSolverKind { automatic, dense_lu, sparse_lu, krylov };

const char* to_string(LinearSolverKind kind);

// Evaluates policies of one MDP. Work buffers and (for the sparse solver) the symbolic analysis
// are made once at construction and reused for every policy.
class PolicyEvaluator {
 public:
  // automatic: dense LU up to kDenseStateLimit states, Krylov above (measured in
  // docs/performance.md: Krylov is faster from a few hundred states on, dense LU is exact).
  static constexpr Index kDenseStateLimit = 500;
  // Relative residual ||b - A x|| / ||b|| guaranteed by the Krylov solves.
  static constexpr double kDefaultKrylovTolerance = 1e-12;

  explicit PolicyEvaluator(const Mdp& mdp, LinearSolverKind kind = LinearSolverKind::automatic,
                           double krylov_tolerance = kDefaultKrylovTolerance);

  // Evaluates the policy pi (rows are distributions).
  void evaluate_policy(const Eigen::Ref<const StateActionMatrix>& policy, Evaluation& out);
  // Evaluates softmax(logits).
  void evaluate_logits(const Eigen::Ref<const StateActionMatrix>& logits, Evaluation& out);

  LinearSolverKind solver() const { return kind_; }
  const Mdp& mdp() const { return mdp_; }
  // Krylov only: the relative residuals and iteration counts of the last two solves.
  double last_value_residual() const { return last_value_residual_; }
  double last_visitation_residual() const { return last_visitation_residual_; }
  int last_krylov_iterations() const { return last_krylov_iterations_; }

 private:
  void factorize_dense(const StateActionMatrix& policy);
  void fill_sparse(const StateActionMatrix& policy);
  void factorize_sparse(const StateActionMatrix& policy);
  void prepare_sparse_pattern();
  void prepare_transposed_pattern();
  void solve_krylov(Evaluation& out);

  const Mdp& mdp_;
  LinearSolverKind kind_;
  Vector reward_pi_;
  Vector visitation_rhs_;
  // Dense path: I - gamma P_pi is factorised in place (P A = L U), with no heap allocation.
  Eigen::MatrixXd dense_system_;
  Eigen::Transpositions<Eigen::Dynamic, Eigen::Dynamic, int> row_transpositions_;
  Vector dense_work_;
  // Sparse path: the pattern of I - gamma P_pi holds every (s, s') reachable under some action,
  // so it never changes, and the position of each transition entry in it is precomputed.
  Eigen::SparseMatrix<double> sparse_system_;
  Eigen::SparseLU<Eigen::SparseMatrix<double>> sparse_lu_;
  std::vector<int> transition_to_system_;
  std::vector<int> diagonal_position_;
  // Krylov path: the transposed system shares the pattern; transpose_position_[k] is where entry
  // k of sparse_system_ sits in transposed_system_.
  Eigen::SparseMatrix<double> transposed_system_;
  std::vector<int> transpose_position_;
  // Returns the iterations used; x holds the initial guess on entry.
  int bicgstab(const Eigen::SparseMatrix<double>& matrix, const Vector& rhs, Vector& x);
  // The same on a right-hand side of magnitude about 1.
  int bicgstab_scaled(const Eigen::SparseMatrix<double>& matrix, const Vector& rhs, Vector& x);
  double krylov_tolerance_;
  bool warm_ = false;
  Vector residual_;
  Vector scaled_rhs_;
  // BiCGSTAB work vectors, sized once (the Krylov path allocates nothing per iteration).
  Vector inverse_diagonal_, shadow_, search_, preconditioned_search_, product_, half_step_,
      preconditioned_half_step_, half_product_;
  double last_value_residual_ = 0.0;
  double last_visitation_residual_ = 0.0;
  int last_krylov_iterations_ = 0;
};

// Exact softmax policy gradient dJ/dz[s, a] = d[s] pi[s, a] A[s, a] / (1 - gamma) (MATH.md 3).
void policy_gradient(const Evaluation& evaluation, double gamma, StateActionMatrix& gradient);

}  // namespace tabrl
