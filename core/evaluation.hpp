// Exact evaluation of a policy (docs/theory.md, "Exact quantities of a policy"): V, Q, A, d and J
// from one preparation of I - gamma P_pi, which serves the value solve and the transposed
// visitation solve.
#pragma once

#include <memory>

#include "core/linear_solver.hpp"
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

// Evaluates policies of one MDP. The linear solver (core/linear_solver.hpp) and the work
// buffers are made once at construction and reused for every policy.
class PolicyEvaluator {
 public:
  explicit PolicyEvaluator(const Mdp& mdp, LinearSolverKind kind = LinearSolverKind::automatic,
                           double krylov_tolerance = kDefaultKrylovTolerance);

  // Evaluates the policy pi (rows are distributions).
  void evaluate_policy(const Eigen::Ref<const StateActionMatrix>& policy, Evaluation& out);
  // Evaluates softmax(logits).
  void evaluate_logits(const Eigen::Ref<const StateActionMatrix>& logits, Evaluation& out);

  LinearSolverKind solver() const { return solver_->kind(); }
  const Mdp& mdp() const { return mdp_; }
  // Iterative solvers: the relative residuals and iteration count of the last solve pair.
  SolveReport last_solve() const { return solver_->report(); }

 private:
  const Mdp& mdp_;
  std::unique_ptr<PolicySystemSolver> solver_;
  Vector reward_pi_;
};

// Exact softmax policy gradient dJ/dz[s, a] = d[s] pi[s, a] A[s, a] / (1 - gamma) (docs/theory.md).
void policy_gradient(const Evaluation& evaluation, double gamma, StateActionMatrix& gradient);

}  // namespace tabrl
