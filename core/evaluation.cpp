#include "evaluation.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

#include <tabrl/core/error.hpp>
#include <tabrl/core/format.hpp>
#include <tabrl/core/parallel.hpp>
#include <tabrl/core/policy.hpp>

namespace tabrl {
namespace {

// r_pi[s] = sum_a pi[s, a] r[s, a], state by state (in parallel for large S).
void expected_rewards(const Eigen::Ref<const StateActionMatrix>& policy,
                      const StateActionMatrix& rewards, Vector& reward_pi) {
  chunked_for(reward_pi.size(), [&](Index begin, Index end) {
    for (Index s = begin; s < end; ++s) reward_pi[s] = policy.row(s).dot(rewards.row(s));
  });
}

// Q = r + gamma P v, and A = Q - v when `advantage` is given.
void action_values(const Mdp& mdp, const Vector& v, StateActionMatrix& q,
                   StateActionMatrix* advantage) {
  const Index num_states = mdp.num_states();
  const Index num_actions = mdp.num_actions();
  const double gamma = mdp.gamma();
  q.resize(num_states, num_actions);
  if (advantage != nullptr) advantage->resize(num_states, num_actions);
  mdp.apply_transitions(v, q.data());
  const double* rewards = mdp.rewards().data();
  double* values = q.data();
  double* advantages = advantage != nullptr ? advantage->data() : nullptr;
  chunked_for(num_states, [&](Index begin, Index end) {
    for (Index s = begin; s < end; ++s) {
      for (Index k = s * num_actions; k < (s + 1) * num_actions; ++k) {
        values[k] = values[k] * gamma + rewards[k];
        if (advantages != nullptr) advantages[k] = values[k] - v[s];
      }
    }
  });
}

}  // namespace

PolicyEvaluator::PolicyEvaluator(const Mdp& mdp, LinearSolverKind kind, double krylov_tolerance)
    : mdp_(mdp),
      automatic_(kind == LinearSolverKind::automatic),
      solver_(make_policy_system_solver(mdp, kind, krylov_tolerance)) {
  reward_pi_.resize(mdp.num_states());
  // NaN equals nothing, so the first evaluate_regularised prepares whatever policy it is given.
  prepared_policy_.setConstant(mdp.num_states(), mdp.num_actions(),
                               std::numeric_limits<double>::quiet_NaN());
  visitation_solution_.setZero(mdp.num_states());
}

void PolicyEvaluator::prepare(const Eigen::Ref<const StateActionMatrix>& policy) {
  prepared_policy_ = policy;
  try {
    solver_->prepare(prepared_policy_);
  } catch (...) {
    // Nothing is prepared: no later call may take the solver's state for this policy's.
    prepared_policy_.setConstant(std::numeric_limits<double>::quiet_NaN());
    throw;
  }
}

void PolicyEvaluator::start_with_fallback(LinearSolverKind kind, const std::string& reason) {
  if (!automatic_ || fell_back() || kind == LinearSolverKind::krylov ||
      kind == LinearSolverKind::automatic) {
    return;
  }
  if (kind != solver_->kind()) solver_ = make_policy_system_solver(mdp_, kind);
  fallback_reason_ = reason;
  // Nothing is prepared in the new solver.
  prepared_policy_.setConstant(std::numeric_limits<double>::quiet_NaN());
}

template <class Solve>
void PolicyEvaluator::solve_or_fall_back(Solve&& solve) {
  try {
    solve();
  } catch (const SolverFailure& failure) {
    if (!automatic_ || fell_back()) throw;
    FallbackChoice fallback = choose_fallback_solver(mdp_);
    if (!fallback.kind) {
      throw SolverFailure(
          std::string(failure.what()) +
          "; the automatic choice has no direct solver to change to: " + fallback.reason);
    }
    // The new solver is made and prepared before it replaces the failed one, so that a failure
    // here (memory) leaves the evaluator as it was.
    std::unique_ptr<PolicySystemSolver> direct = make_policy_system_solver(
        mdp_, *fallback.kind, kDefaultKrylovTolerance, std::move(fallback.analysis));
    direct->prepare(prepared_policy_);
    solver_ = std::move(direct);
    fallback_reason_ = std::string(failure.what()) + "; changed to the " +
                       to_string(*fallback.kind) + " solver (" + fallback.reason + ")";
    solve();
  }
}

void PolicyEvaluator::evaluate_policy(const Eigen::Ref<const StateActionMatrix>& policy,
                                      Evaluation& out, bool visitation) {
  const double gamma = mdp_.gamma();
  if (out.policy.data() != policy.data()) out.policy = policy;
  expected_rewards(out.policy, mdp_.rewards(), reward_pi_);
  prepare(out.policy);
  if (visitation) {
    // The solver solves for the unnormalised x = d / (1 - gamma); out holds the previous
    // policy's solutions, from which an iterative solver starts.
    out.visitation /= (1.0 - gamma);
    solve_or_fall_back([&] { solver_->solve(reward_pi_, out.v, mdp_.rho(), &out.visitation); });
    visitation_solution_ = out.visitation;
    out.visitation *= (1.0 - gamma);
  } else {
    solve_or_fall_back([&] { solver_->solve(reward_pi_, out.v, mdp_.rho(), nullptr); });
    // Not solved: NaN, so that a reader notices (kept as it is once it is).
    const Index num_states = mdp_.num_states();
    if (out.visitation.size() != num_states || !std::isnan(out.visitation[0])) {
      out.visitation.setConstant(num_states, std::numeric_limits<double>::quiet_NaN());
    }
  }
  action_values(mdp_, out.v, out.q, &out.advantage);
  out.objective = mdp_.rho().dot(out.v);
}

void PolicyEvaluator::evaluate_values(const Eigen::Ref<const StateActionMatrix>& policy, Vector& v,
                                      StateActionMatrix& q) {
  expected_rewards(policy, mdp_.rewards(), reward_pi_);
  prepare(policy);
  solve_or_fall_back([&] { solver_->solve_value(reward_pi_, v); });
  action_values(mdp_, v, q, nullptr);
}

void PolicyEvaluator::evaluate_logits(const Eigen::Ref<const StateActionMatrix>& logits,
                                      Evaluation& out, bool visitation) {
  softmax_rows(logits, out.policy);
  evaluate_policy(out.policy, out, visitation);
}

void PolicyEvaluator::evaluate_regularised(const Eigen::Ref<const StateActionMatrix>& policy,
                                           double tau, RegularisedEvaluation& out) {
  if (!(tau >= 0.0 && std::isfinite(tau))) {
    throw InputError({.field = "tau"}, "must be >= 0 and finite, got " + format_number(tau));
  }
  const Index num_states = mdp_.num_states();
  const Index num_actions = mdp_.num_actions();
  // The right-hand side r_pi + tau H_pi (docs/theory.md, "Entropy regularisation").
  const StateActionMatrix& rewards = mdp_.rewards();
  out.entropy.resize(num_states);
  for (Index s = 0; s < num_states; ++s) {
    double entropy = 0.0;
    for (Index a = 0; a < num_actions; ++a) {
      const double probability = policy(s, a);
      if (probability > 0.0) entropy -= probability * std::log(probability);
    }
    out.entropy[s] = entropy;
    reward_pi_[s] = policy.row(s).dot(rewards.row(s)) + tau * entropy;
  }
  // Same matrix I - gamma P_pi as the ordinary evaluation: after evaluate_policy of this policy
  // the factorisation is reused. The solver interface solves the visitation system as well; it
  // starts from (and, for a prepared policy, already is) the last solution, so an iterative
  // solver spends next to nothing on it.
  if (!(prepared_policy_.array() == policy.array()).all()) prepare(policy);
  if (out.v.size() != num_states) out.v.setZero(num_states);
  solve_or_fall_back([&] { solver_->solve(reward_pi_, out.v, mdp_.rho(), &visitation_solution_); });

  action_values(mdp_, out.v, out.q, nullptr);
  out.objective = mdp_.rho().dot(out.v);
}

void policy_gradient(const Evaluation& evaluation, double gamma, StateActionMatrix& gradient) {
  gradient = evaluation.policy.cwiseProduct(evaluation.advantage);
  for (Index s = 0; s < gradient.rows(); ++s)
    gradient.row(s) *= evaluation.visitation[s] / (1.0 - gamma);
}

// dJ_tau/dz = d pi (Q_tau - tau log pi - V_tau) / (1 - gamma) (docs/theory.md, "Entropy
// regularisation"). Where pi = 0 the entry is 0: pi log pi -> 0, and Q_tau - V_tau is finite.
void entropy_policy_gradient(const Evaluation& evaluation, const RegularisedEvaluation& regularised,
                             double gamma, double tau, StateActionMatrix& gradient) {
  const StateActionMatrix& policy = evaluation.policy;
  gradient.resize(policy.rows(), policy.cols());
  for (Index s = 0; s < policy.rows(); ++s) {
    const double weight = evaluation.visitation[s] / (1.0 - gamma);
    for (Index a = 0; a < policy.cols(); ++a) {
      const double probability = policy(s, a);
      gradient(s, a) =
          probability > 0.0
              ? weight * probability *
                    (regularised.q(s, a) - tau * std::log(probability) - regularised.v[s])
              : 0.0;
    }
  }
}

void entropy_policy_gradient(const Evaluation& evaluation, const RegularisedEvaluation& regularised,
                             const Eigen::Ref<const StateActionMatrix>& logits, double gamma,
                             double tau, StateActionMatrix& gradient) {
  const StateActionMatrix& policy = evaluation.policy;
  gradient.resize(policy.rows(), policy.cols());
  for (Index s = 0; s < policy.rows(); ++s) {
    // log pi[s, a] = z[s, a] - m - log sum_b exp(z[s, b] - m), m the row maximum: the sum is at
    // least 1, so neither the exp nor the log can overflow or reach -inf.
    const double shift = logits.row(s).maxCoeff();
    double total = 0.0;
    for (Index a = 0; a < policy.cols(); ++a) total += std::exp(logits(s, a) - shift);
    const double log_normaliser = shift + std::log(total);
    const double weight = evaluation.visitation[s] / (1.0 - gamma);
    for (Index a = 0; a < policy.cols(); ++a) {
      const double probability = policy(s, a);
      const double log_probability = logits(s, a) - log_normaliser;
      gradient(s, a) = probability > 0.0
                           ? weight * probability *
                                 (regularised.q(s, a) - tau * log_probability - regularised.v[s])
                           : 0.0;  // also for a logit of -inf
    }
  }
}

}  // namespace tabrl
