// Exact evaluation of a policy (docs/theory.md, "Exact quantities of a policy"): V, Q, A, d and J
// from one preparation of I - gamma P_pi, which serves the value solve and the transposed
// visitation solve; and the entropy-regularised V_tau, Q_tau, J_tau and their gradient
// (docs/theory.md, "Entropy regularisation").
#pragma once

#include <memory>

#include <tabrl/core/linear_solver.hpp>
#include <tabrl/core/mdp.hpp>

namespace tabrl {

// Everything an exact-gradient method needs to know about one policy.
struct Evaluation {
  StateActionMatrix policy;     // pi[s, a]
  Vector v;                     // V^pi
  StateActionMatrix q;          // Q^pi[s, a]
  StateActionMatrix advantage;  // A^pi = Q^pi - V^pi, sum_a pi A = 0
  Vector visitation;            // d^pi_rho, normalised: sums to 1 (all NaN when not asked for)
  double objective = 0.0;       // J(pi) = rho^T V^pi
};

// The entropy-regularised quantities of one policy for one temperature tau (docs/theory.md,
// "Entropy regularisation").
struct RegularisedEvaluation {
  Vector entropy;          // H_pi[s] = -sum_a pi log pi, with 0 log 0 = 0
  Vector v;                // V_tau^pi: (I - gamma P_pi) V_tau = r_pi + tau H_pi
  StateActionMatrix q;     // Q_tau^pi = r + gamma P V_tau
  double objective = 0.0;  // J_tau(pi) = rho^T V_tau^pi
};

// Evaluates policies of one MDP. The linear solver (core/linear_solver.hpp) and the work
// buffers are made once at construction and reused for every policy.
class PolicyEvaluator {
 public:
  explicit PolicyEvaluator(const Mdp& mdp, LinearSolverKind kind = LinearSolverKind::automatic,
                           double krylov_tolerance = kDefaultKrylovTolerance);

  // Evaluates the policy pi (rows are distributions). With visitation false the transposed
  // solve is skipped and out.visitation is all NaN (S entries): for the methods and callbacks
  // that never read d (UpdateRule::needs_visitation); everything else is the same, bit for bit.
  void evaluate_policy(const Eigen::Ref<const StateActionMatrix>& policy, Evaluation& out,
                       bool visitation = true);
  // V and Q of the policy pi only (no visitation solve): what policy iteration needs. On entry
  // v holds the previous policy's values (an iterative solver starts from them).
  void evaluate_values(const Eigen::Ref<const StateActionMatrix>& policy, Vector& v,
                       StateActionMatrix& q);
  // Evaluates softmax(logits) (visitation as for evaluate_policy).
  void evaluate_logits(const Eigen::Ref<const StateActionMatrix>& logits, Evaluation& out,
                       bool visitation = true);
  // The entropy-regularised values of the policy pi (rows are distributions; exact zeros are
  // allowed) for tau >= 0; tau = 0 gives the ordinary V and Q. Right after evaluate_policy or
  // evaluate_logits of the same policy the prepared system is reused (no second factorisation);
  // any other policy is prepared first. Throws InputError (field "tau") unless tau is finite
  // and >= 0.
  void evaluate_regularised(const Eigen::Ref<const StateActionMatrix>& policy, double tau,
                            RegularisedEvaluation& out);

  // The solver in use: the one asked for (automatic resolved), or the direct solver the automatic
  // choice changed to when its Krylov solver failed (fell_back()).
  LinearSolverKind solver() const { return solver_->kind(); }
  // Whether the automatic choice's Krylov solver failed and the evaluator changed to a direct
  // solver (docs/engine.md, "Solvers"); the message says why.
  bool fell_back() const { return !fallback_reason_.empty(); }
  const std::string& fallback_reason() const { return fallback_reason_; }
  // Another evaluator of the automatic choice on the same MDP (the optimal solve's) changed to
  // the direct solver `kind`: an automatic evaluator starts with it too, before its first solve,
  // instead of failing again, and reports `reason` (docs/engine.md, "Fallback of the automatic
  // choice"). Does nothing for a solver asked for by name, or for kind krylov.
  void start_with_fallback(LinearSolverKind kind, const std::string& reason);
  // The relative residual of the Krylov solves from now on (kDefaultKrylovTolerance unless set;
  // direct solvers ignore it).
  void set_krylov_tolerance(double tolerance) { solver_->set_tolerance(tolerance); }
  const Mdp& mdp() const { return mdp_; }
  // Iterative solvers: the relative residuals and iteration count of the last solve pair.
  SolveReport last_solve() const { return solver_->report(); }

 private:
  // Builds (and factorises) the solver's system for `policy` and remembers the policy.
  void prepare(const Eigen::Ref<const StateActionMatrix>& policy);
  // Runs `solve` (a call on solver_); where the automatic choice's Krylov solver fails, changes
  // to the direct solver of choose_fallback_solver for the rest of the evaluator's life, prepares
  // the remembered policy and runs `solve` again. Any other failure is rethrown.
  template <class Solve>
  void solve_or_fall_back(Solve&& solve);

  const Mdp& mdp_;
  bool automatic_ = false;  // the solver was chosen automatically: it may fall back
  std::string fallback_reason_;
  std::unique_ptr<PolicySystemSolver> solver_;
  Vector reward_pi_;
  StateActionMatrix prepared_policy_;  // the policy the solver holds; NaN before the first
  // x = d / (1 - gamma) of the last policy whose visitation was solved: where
  // evaluate_regularised's (discarded) visitation solve starts and, for an unchanged policy, its
  // answer.
  Vector visitation_solution_;
};

// Exact softmax policy gradient dJ/dz[s, a] = d[s] pi[s, a] A[s, a] / (1 - gamma) (docs/theory.md).
void policy_gradient(const Evaluation& evaluation, double gamma, StateActionMatrix& gradient);

// Exact gradient of the regularised objective J_tau in the logits (docs/theory.md, "Entropy
// regularisation"):
//   dJ_tau/dz[s, a] = d[s] pi[s, a] (Q_tau[s, a] - tau log pi[s, a] - V_tau[s]) / (1 - gamma),
// with pi and the ordinary visitation d from `evaluation` and Q_tau, V_tau from `regularised`,
// both of the same policy and the same tau. log pi is taken of the probabilities; an entry with
// pi = 0 (an exact zero, or an underflow) is 0, the limit of pi log pi.
void entropy_policy_gradient(const Evaluation& evaluation, const RegularisedEvaluation& regularised,
                             double gamma, double tau, StateActionMatrix& gradient);
// The same with log pi[s, a] = z[s, a] - log sum_b exp(z[s, b]) taken from the logits z of the
// policy: full precision also where pi is subnormal (an underflowed pi still gives 0).
void entropy_policy_gradient(const Evaluation& evaluation, const RegularisedEvaluation& regularised,
                             const Eigen::Ref<const StateActionMatrix>& logits, double gamma,
                             double tau, StateActionMatrix& gradient);

}  // namespace tabrl
