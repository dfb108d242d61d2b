// Step-size rules and convergence bounds of MATH.md sections 4 and 5.
#pragma once

#include "core/evaluation.hpp"

namespace tabrl {

// C_t of MATH.md 5.1: the minimum, over states with max_a A_t[s, a] > 0, of
// pi_t[s, g] * gap_t(s) with g = argmax_a Q_t[s, a]. NaN when no state has a positive advantage
// (pi_t is then greedy everywhere and the bound says nothing).
double spma_contraction_constant(const Evaluation& evaluation);

// (1 - gamma) / R: every SPMA step strictly below it keeps 1 + eta A > 0. Infinite when R = 0.
double spma_safe_step(const Mdp& mdp);

// Mei et al. 2020 inverse smoothness: 2 / (5 R) for bandits, (1 - gamma)^3 / (8 R) for MDPs.
double spg_theory_step(const Mdp& mdp);

// Chen, Huang, Lee, Hsieh 2024 for accelerated softmax PG (apg): (1 - gamma)^3 / (16 R), bandits
// included (gamma = 0). Infinite when R = 0.
double apg_theory_step(const Mdp& mdp);

// Smallest gap between the best arm's mean and any other arm's mean (bandits, S = 1).
double bandit_min_gap(const Mdp& mdp);

// MATH.md 5.2 for rewards in [0, 1]: delta_T <= delta_0 (1 - eta pi_0(a*) Delta_min)^T.
double spma_bandit_constant_step_bound(double delta0, double step_size, double pi0_best,
                                       double min_gap, int iterations);

// MATH.md 5.4 (Agarwal et al. 2021, Thm 16, our eta) for rewards in [0, 1]:
// J* - J(pi_T) <= log(A) / (eta (1 - gamma) T) + 1 / ((1 - gamma)^2 T).
// NPG depends on rewards only through A, so for a reward range R (rewards rescaled to [0, 1] and
// eta to eta R) the last term becomes R / ((1 - gamma)^2 T).
double npg_suboptimality_bound(Index num_actions, double step_size, double gamma, int iterations,
                               double reward_range = 1.0);

}  // namespace tabrl
