// Step-size rules and convergence bounds of docs/theory.md, "Core update rules" and "Convergence
// guarantees".
#pragma once

#include <vector>

#include <tabrl/core/evaluation.hpp>

namespace tabrl {

// C_t of docs/theory.md, "Convergence guarantees": the minimum, over states with max_a A_t[s, a] >
// 0, of pi_t[s, g] * gap_t(s) with g = argmax_a Q_t[s, a] (the first, on ties). NaN when no state
// has a positive advantage (pi_t is then greedy everywhere and the bound says nothing); a state
// whose advantages include a NaN (a diverged evaluation) is left out.
// `work` holds one minimum per chunk of states (it allocates only when it has never been as large).
double spma_contraction_constant(const Evaluation& evaluation, std::vector<double>& work);
double spma_contraction_constant(const Evaluation& evaluation);

// (1 - gamma) / R: every SPMA step strictly below it keeps 1 + eta A > 0. Here and in the other
// named step rules R is Mdp::reward_scale(): the reward range, or the value scale's R when every
// reward is the same (docs/theory.md, "Value scale").
double spma_safe_step(const Mdp& mdp);
// The step rule `safe` (spma, npg, log-linear spma): 0.99 spma_safe_step, strictly below it.
double safe_step_rule(const Mdp& mdp);

// Mei et al. 2020 inverse smoothness: 2 / (5 R) for bandits, (1 - gamma)^3 / (8 R) for MDPs.
double spg_theory_step(const Mdp& mdp);

// Mei et al. 2020 for the entropy-regularised objective J_tau: (1 - gamma)^3 / (8 R + tau (4 +
// 8 log A)), the inverse of the smoothness constant of J_tau in the logits, with the reward range
// R itself (finite for tau > 0 even when R = 0).
double spg_entropy_theory_step(const Mdp& mdp, double tau);
// Chen, Huang, Lee, Hsieh 2024 for accelerated softmax PG (apg): (1 - gamma)^3 / (16 R), bandits
// included (gamma = 0).
double apg_theory_step(const Mdp& mdp);

// Bandits (S = 1, gamma = 0), docs/theory.md "Convergence guarantees": a* is the set of arms whose
// mean is the largest (exact ties). Delta_min is the smallest gap between the largest mean and a
// smaller one (infinite when every arm is optimal).
double bandit_min_gap(const Mdp& mdp);
// pi(a*): the total probability of the optimal arms, summed in arm order (for one optimal arm,
// its probability).
double optimal_arms_probability(const Mdp& mdp, const StateActionMatrix& policy);
// The largest probability of one optimal arm: the c_t of the spg_bandit bound.
double largest_optimal_arm_probability(const Mdp& mdp, const StateActionMatrix& policy);

// docs/theory.md, "Convergence guarantees" for rewards in [0, 1]: delta_T <= delta_0 (1 - eta
// pi_0(a*) Delta_min)^T.
double spma_bandit_constant_step_bound(double delta0, double step_size, double pi0_best,
                                       double min_gap, int iterations);

// docs/theory.md, "Convergence guarantees" (Agarwal et al. 2021, Thm 16, our eta) for rewards in
// [0, 1]: J* - J(pi_T) <= log(A) / (eta (1 - gamma) T) + 1 / ((1 - gamma)^2 T). NPG depends on
// rewards only through A, so for a reward range R (rewards rescaled to [0, 1] and eta to eta R) the
// last term becomes R / ((1 - gamma)^2 T).
double npg_suboptimality_bound(Index num_actions, double step_size, double gamma, int iterations,
                               double reward_range = 1.0);

// Cen et al. 2021 (Theorem 1 in our eta, docs/algorithms.md, "npg_entropy"):
//   C_1 = ||Q*_tau - Q_tau^{pi_0}||_inf + 2 tau (1 - eta tau) ||log pi*_tau - log pi_0||_inf.
double cen_entropy_constant(const StateActionMatrix& q_star, const StateActionMatrix& q_initial,
                            const StateActionMatrix& log_policy_star,
                            const StateActionMatrix& log_policy_initial, double tau,
                            double step_size);

// The bound on ||Q*_tau - Q_tau^{pi_t}||_inf at row t >= 1: C_1 gamma (1 - (1 - gamma) eta
// tau)^(t-1) (the theorem's ||Q*_tau - Q_tau^{pi_{k+1}}|| <= C_1 gamma (1 - (1 - gamma) eta tau)^k
// with k = t - 1). NaN at row 0, where it says nothing.
double cen_entropy_bound(double constant, double gamma, double tau, double step_size,
                         int iteration);

}  // namespace tabrl
