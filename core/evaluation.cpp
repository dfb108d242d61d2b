#include "core/evaluation.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "core/policy.hpp"

namespace tabrl {

PolicyEvaluator::PolicyEvaluator(const Mdp& mdp, LinearSolverKind kind, double krylov_tolerance)
    : mdp_(mdp), solver_(make_policy_system_solver(mdp, kind, krylov_tolerance)) {
  reward_pi_.resize(mdp.num_states());
}

void PolicyEvaluator::evaluate_policy(const Eigen::Ref<const StateActionMatrix>& policy,
                                      Evaluation& out) {
  const Index num_states = mdp_.num_states();
  const Index num_actions = mdp_.num_actions();
  const double gamma = mdp_.gamma();
  if (out.policy.data() != policy.data()) out.policy = policy;
  const StateActionMatrix& rewards = mdp_.rewards();
  for (Index s = 0; s < num_states; ++s) reward_pi_[s] = out.policy.row(s).dot(rewards.row(s));
  solver_->prepare(out.policy);
  // The solver solves for the unnormalised x = d / (1 - gamma); out holds the previous policy's
  // solutions, from which an iterative solver starts.
  out.visitation /= (1.0 - gamma);
  solver_->solve(reward_pi_, out.v, mdp_.rho(), out.visitation);
  out.visitation *= (1.0 - gamma);

  out.q.resize(num_states, num_actions);
  Eigen::Map<Vector> q_flat(out.q.data(), num_states * num_actions);
  q_flat.noalias() = mdp_.transitions() * out.v;
  out.q *= gamma;
  out.q += mdp_.rewards();
  out.advantage = out.q;
  out.advantage.colwise() -= out.v;
  out.objective = mdp_.rho().dot(out.v);
}

void PolicyEvaluator::evaluate_logits(const Eigen::Ref<const StateActionMatrix>& logits,
                                      Evaluation& out) {
  softmax_rows(logits, out.policy);
  evaluate_policy(out.policy, out);
}

void policy_gradient(const Evaluation& evaluation, double gamma, StateActionMatrix& gradient) {
  gradient = evaluation.policy.cwiseProduct(evaluation.advantage);
  for (Index s = 0; s < gradient.rows(); ++s)
    gradient.row(s) *= evaluation.visitation[s] / (1.0 - gamma);
}

}  // namespace tabrl
