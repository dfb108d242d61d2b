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

enum class LinearSolverKind { automatic, dense_lu, sparse_lu };

const char* to_string(LinearSolverKind kind);

// Evaluates policies of one MDP. Work buffers and (for the sparse solver) the symbolic analysis
// are made once at construction and reused for every policy.
class PolicyEvaluator {
 public:
  // automatic: dense LU up to kDenseStateLimit states, sparse LU above.
  static constexpr Index kDenseStateLimit = 2000;

  explicit PolicyEvaluator(const Mdp& mdp, LinearSolverKind kind = LinearSolverKind::automatic);

  // Evaluates the policy pi (rows are distributions).
  void evaluate_policy(const Eigen::Ref<const StateActionMatrix>& policy, Evaluation& out);
  // Evaluates softmax(logits).
  void evaluate_logits(const Eigen::Ref<const StateActionMatrix>& logits, Evaluation& out);

  LinearSolverKind solver() const { return kind_; }
  const Mdp& mdp() const { return mdp_; }

 private:
  void factorize_dense(const StateActionMatrix& policy);
  void factorize_sparse(const StateActionMatrix& policy);
  void prepare_sparse_pattern();

  const Mdp& mdp_;
  LinearSolverKind kind_;
  Vector reward_pi_;
  Vector visitation_rhs_;
  // Dense path.
  Eigen::MatrixXd dense_system_;
  Eigen::PartialPivLU<Eigen::MatrixXd> dense_lu_;
  // Sparse path: the pattern of I - gamma P_pi holds every (s, s') reachable under some action,
  // so it never changes, and the position of each transition entry in it is precomputed.
  Eigen::SparseMatrix<double> sparse_system_;
  Eigen::SparseLU<Eigen::SparseMatrix<double>> sparse_lu_;
  std::vector<int> transition_to_system_;
  std::vector<int> diagonal_position_;
};

// Exact softmax policy gradient dJ/dz[s, a] = d[s] pi[s, a] A[s, a] / (1 - gamma) (MATH.md 3).
void policy_gradient(const Evaluation& evaluation, double gamma, StateActionMatrix& gradient);

}  // namespace tabrl
