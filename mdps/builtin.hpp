// Built-in MDPs of docs/theory.md, "Benchmark MDPs". Each returns a validated Mdp.
#pragma once

#include <cstdint>
#include <vector>

#include <tabrl/core/mdp.hpp>

namespace tabrl {

// K-armed bandit: one state, gamma = 0, r[0, a] = means[a].
Mdp make_bandit(const std::vector<double>& means);

// The 5-state, 5-action MDP of Chen et al. (ICML 2024), gamma 0.9 by default.
Mdp make_five_by_five(double gamma = 0.9);

// CliffWorld (Vaswani et al. 2021): 4 x 5 grid plus an absorbing state; start at state 0.
Mdp make_cliff_world(double gamma = 0.9);

// DeepSeaTreasure on a size x size grid: start top-left, every step descends one row.
Mdp make_deep_sea_treasure(int size = 5, double gamma = 0.9);

// pymdptoolbox's forest management example (mdptoolbox.example.forest; docs/theory.md,
// "Benchmark MDPs"): states 0..S-1 are the forest's age, actions 0 wait and 1 cut. Waiting ages the
// forest by one (the oldest state stays) with probability 1 - p, and a fire resets it to state 0
// with probability p; cutting resets it to 0. Waiting pays r1 in the oldest state and 0 elsewhere;
// cutting pays r2 in the oldest state, 0 in state 0 and 1 in between. rho is uniform.
Mdp make_forest(int states = 3, double r1 = 4.0, double r2 = 2.0, double p = 0.1,
                double gamma = 0.9);

// K arms with means in [0, 1] and best-arm gap at least min_gap: the best mean is U(min_gap, 1),
// the others U(0, best - min_gap), the best arm at a uniformly random position.
Mdp make_random_bandit(int arms, double min_gap, std::uint64_t seed);

// The n-chain (Strens 2000, rewards scaled to [0, 1]): states 0..n-1, action 0 "back" returns to
// state 0 paying back_reward, action 1 "forward" moves to s + 1 (staying at n - 1) and pays
// forward_reward only when taken in state n - 1; with probability slip the other action's effect
// happens instead. Start at state 0.
Mdp make_chain(int n, double slip, double back_reward, double forward_reward, double gamma);

// FlatGrad chain (Lu et al. 2024, docs/theory.md, "Benchmark MDPs"): H + 2 states, 4 actions;
// action 0 moves s -> s + 1, actions 1..3 move s -> max(s - 1, 0); the last state absorbs; the only
// reward is r[H + 1, 0] = 1; gamma = H / (H + 1); rho uniform.
Mdp make_flat_grad_chain(int horizon);

// Garnet(S, A, b, seed) (docs/theory.md, "Benchmark MDPs"): for every (s, a), b distinct next
// states uniformly at random with flat-Dirichlet probabilities; rewards U(0, 1); rho uniform. The
// generator is std::mt19937_64 seeded with `seed`, converted to doubles as in core/random.hpp.
Mdp make_garnet(Index states, Index actions, Index branching, std::uint64_t seed,
                double gamma = 0.9);

}  // namespace tabrl
