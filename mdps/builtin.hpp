// Built-in MDPs of MATH.md section 7. Each returns a validated Mdp.
#pragma once

#include <cstdint>
#include <vector>

#include "core/mdp.hpp"

namespace tabrl {

// K-armed bandit: one state, gamma = 0, r[0, a] = means[a].
Mdp make_bandit(const std::vector<double>& means);

// The 5-state, 5-action MDP of Chen et al. (ICML 2024), gamma 0.9 by default.
Mdp make_five_by_five(double gamma = 0.9);

// CliffWorld (Vaswani et al. 2021): 4 x 5 grid plus an absorbing state; start at state 0.
Mdp make_cliff_world(double gamma = 0.9);

// DeepSeaTreasure on a size x size grid: start top-left, every step descends one row.
Mdp make_deep_sea_treasure(int size = 5, double gamma = 0.9);

// Garnet(S, A, b, seed) (MATH.md section 7): for every (s, a), b distinct next states uniformly
// at random with flat-Dirichlet probabilities; rewards U(0, 1); rho uniform. The generator is
// std::mt19937_64 seeded with `seed`, converted to doubles as in mdps/random.hpp.
Mdp make_garnet(Index states, Index actions, Index branching, std::uint64_t seed,
                double gamma = 0.9);

}  // namespace tabrl
