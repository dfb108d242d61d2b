#include "builtin.hpp"

#include <algorithm>
#include <cmath>
#include <string>
#include <utility>

#include <tabrl/core/cancellation.hpp>
#include <tabrl/core/error.hpp>
#include <tabrl/core/format.hpp>
#include <tabrl/core/random.hpp>
#include <tabrl/mdps/transitions.hpp>

namespace tabrl {
namespace {

Vector point_mass(Index size, Index index) {
  Vector rho = Vector::Zero(size);
  rho[index] = 1.0;
  return rho;
}

}  // namespace

Mdp make_bandit(const std::vector<double>& means) {
  if (means.empty()) throw InputError({.field = "means"}, "a bandit needs at least one arm");
  const Index arms = static_cast<Index>(means.size());
  std::vector<TransitionEntry> entries;
  StateActionMatrix rewards(1, arms);
  for (Index a = 0; a < arms; ++a) {
    entries.push_back({0, a, 0, 1.0});
    rewards(0, a) = means[static_cast<std::size_t>(a)];
  }
  return Mdp({.num_states = 1,
              .num_actions = arms,
              .gamma = 0.0,
              .rho = Vector::Ones(1),
              .rewards = rewards,
              .transitions = make_transitions(1, arms, entries)});
}

Mdp make_five_by_five(double gamma) {
  constexpr int kSize = 5;
  constexpr double kRewards[kSize][kSize] = {{1, .8, .6, .7, .4},
                                             {.5, .3, .1, 1, .6},
                                             {.6, .9, .8, .7, 1},
                                             {.1, .2, .6, .7, .4},
                                             {.8, .4, .6, .2, .9}};
  // kNext[s][a] = P[s, a, :].
  constexpr double kNext[kSize][kSize][kSize] = {{{.1, .5, .1, .2, .1},
                                                  {.6, .1, .1, .1, .1},
                                                  {.5, .1, .1, .2, .1},
                                                  {.4, .3, .1, .1, .1},
                                                  {.2, .1, .1, .1, .5}},
                                                 {{.1, .5, .2, .1, .1},
                                                  {.4, .1, .2, .2, .1},
                                                  {.1, .4, .3, .1, .1},
                                                  {.4, .1, .1, .1, .3},
                                                  {.2, .2, .2, .2, .2}},
                                                 {{.6, .1, .1, .1, .1},
                                                  {.2, .4, .1, .2, .1},
                                                  {.3, .3, .2, .1, .1},
                                                  {.1, .4, .3, .1, .1},
                                                  {.2, .1, .1, .1, .5}},
                                                 {{.6, .1, .1, .1, .1},
                                                  {.1, .5, .1, .2, .1},
                                                  {.2, .1, .1, .1, .5},
                                                  {.4, .3, .1, .1, .1},
                                                  {.5, .1, .1, .2, .1}},
                                                 {{.2, .2, .2, .2, .2},
                                                  {.4, .1, .2, .2, .1},
                                                  {.4, .1, .1, .3, .1},
                                                  {.1, .4, .2, .1, .2},
                                                  {.2, .5, .1, .1, .1}}};
  std::vector<TransitionEntry> entries;
  StateActionMatrix rewards(kSize, kSize);
  for (Index s = 0; s < kSize; ++s) {
    for (Index a = 0; a < kSize; ++a) {
      rewards(s, a) = kRewards[s][a];
      for (Index next = 0; next < kSize; ++next) entries.push_back({s, a, next, kNext[s][a][next]});
    }
  }
  Vector rho(kSize);
  rho << .3, .2, .1, .15, .25;
  std::vector<std::string> states, actions;
  for (int i = 1; i <= kSize; ++i) {
    states.push_back("s" + std::to_string(i));
    actions.push_back("a" + std::to_string(i));
  }
  return Mdp({.num_states = kSize,
              .num_actions = kSize,
              .gamma = gamma,
              .rho = rho,
              .rewards = rewards,
              .transitions = make_transitions(kSize, kSize, entries),
              .state_names = states,
              .action_names = actions});
}

Mdp make_cliff_world(double gamma) {
  constexpr Index kColumns = 4;
  constexpr Index kRows = 5;
  constexpr Index kAbsorbing = kColumns * kRows;  // state 20
  constexpr Index kGoal = 4;
  constexpr Index kStates = kAbsorbing + 1;
  constexpr Index kActions = 4;  // down, up, left, right
  std::vector<TransitionEntry> entries;
  StateActionMatrix rewards = StateActionMatrix::Zero(kStates, kActions);
  for (Index s = 0; s < kStates; ++s) {
    for (Index a = 0; a < kActions; ++a) {
      if (s == kAbsorbing) {
        entries.push_back({s, a, kAbsorbing, 1.0});
      } else if (s >= 1 && s <= 3) {  // the cliff: back to the start
        entries.push_back({s, a, 0, 1.0});
        rewards(s, a) = -100.0;
      } else if (s == kGoal) {
        entries.push_back({s, a, kAbsorbing, 1.0});
        rewards(s, a) = 1.0;
      } else {
        Index x = s / kRows;
        Index y = s % kRows;
        if (a == 0) y = std::max<Index>(y - 1, 0);
        if (a == 1) y = std::min<Index>(y + 1, kRows - 1);
        if (a == 2) x = std::max<Index>(x - 1, 0);
        if (a == 3) x = std::min<Index>(x + 1, kColumns - 1);
        entries.push_back({s, a, kRows * x + y, 1.0});
      }
    }
  }
  return Mdp({.num_states = kStates,
              .num_actions = kActions,
              .gamma = gamma,
              .rho = point_mass(kStates, 0),
              .rewards = rewards,
              .transitions = make_transitions(kStates, kActions, entries),
              .action_names = {"down", "up", "left", "right"}});
}

Mdp make_deep_sea_treasure(int size, double gamma) {
  if (size < 2) {
    throw InputError({.field = "size"}, "must be >= 2, got " + std::to_string(size));
  }
  const Index n = size;
  const Index num_states = n * n;
  const Index treasure = n * (n - 1);  // x = n - 1, y = 0
  constexpr double kStepCost = -0.002;
  std::vector<TransitionEntry> entries;
  StateActionMatrix rewards = StateActionMatrix::Zero(num_states, 2);
  for (Index s = 0; s < num_states; ++s) {
    const Index x = s / n;
    const Index y = s % n;
    for (Index a = 0; a < 2; ++a) {
      if (y == 0) {
        entries.push_back({s, a, s, 1.0});
        continue;
      }
      const Index next_x = a == 0 ? std::max<Index>(x - 1, 0) : std::min<Index>(x + 1, n - 1);
      const Index next = n * next_x + (y - 1);
      entries.push_back({s, a, next, 1.0});
      rewards(s, a) = next == treasure ? 1.0 : kStepCost;
    }
  }
  return Mdp({.num_states = num_states,
              .num_actions = 2,
              .gamma = gamma,
              .rho = point_mass(num_states, n - 1),
              .rewards = rewards,
              .transitions = make_transitions(num_states, 2, entries),
              .action_names = {"left", "right"}});
}

Mdp make_random_bandit(int arms, double min_gap, std::uint64_t seed) {
  if (arms < 2) throw InputError({.field = "arms"}, "must be >= 2, got " + std::to_string(arms));
  if (!(min_gap > 0.0 && min_gap < 1.0)) {
    throw InputError({.field = "min_gap"}, "must be in (0, 1), got " + format_number(min_gap));
  }
  Random random(seed);
  const double best = min_gap + (1.0 - min_gap) * random.uniform();
  const auto best_arm = static_cast<std::size_t>(random.index(static_cast<std::uint64_t>(arms)));
  std::vector<double> means(static_cast<std::size_t>(arms));
  for (std::size_t a = 0; a < means.size(); ++a) {
    means[a] = a == best_arm ? best : (best - min_gap) * random.uniform();
  }
  return make_bandit(means);
}

Mdp make_chain(int n, double slip, double back_reward, double forward_reward, double gamma) {
  if (n < 2) throw InputError({.field = "n"}, "must be >= 2, got " + std::to_string(n));
  if (!(slip >= 0.0 && slip <= 1.0)) {
    throw InputError({.field = "slip"}, "must be in [0, 1], got " + format_number(slip));
  }
  const Index states = n;
  std::vector<TransitionEntry> entries;
  entries.reserve(static_cast<std::size_t>(4 * states));  // at most two effects per action
  StateActionMatrix rewards = StateActionMatrix::Zero(states, 2);
  for (Index s = 0; s < states; ++s) {
    const Index forward = std::min<Index>(s + 1, states - 1);
    // Effect of "back" and of "forward", each with its own reward.
    const auto add = [&](Index action, double p_back) {
      const double p_forward = 1.0 - p_back;
      if (p_back > 0.0) entries.push_back({s, action, 0, p_back});
      if (p_forward > 0.0) entries.push_back({s, action, forward, p_forward});
      rewards(s, action) =
          p_back * back_reward + p_forward * (s == states - 1 ? forward_reward : 0.0);
    };
    add(0, 1.0 - slip);
    add(1, slip);
  }
  Vector rho = Vector::Zero(states);
  rho[0] = 1.0;
  return Mdp({.num_states = states,
              .num_actions = 2,
              .gamma = gamma,
              .rho = rho,
              .rewards = rewards,
              .transitions = make_transitions(states, 2, entries),
              .action_names = {"back", "forward"}});
}

Mdp make_forest(int states, double r1, double r2, double p, double gamma) {
  if (states < 2) {
    throw InputError({.field = "states"}, "must be >= 2, got " + std::to_string(states));
  }
  if (!(p >= 0.0 && p <= 1.0)) {
    throw InputError({.field = "p"}, "must be in [0, 1], got " + format_number(p));
  }
  for (const auto& [name, reward] : {std::pair{"r1", r1}, std::pair{"r2", r2}}) {
    if (!std::isfinite(reward)) {
      throw InputError({.field = name}, "must be finite, got " + format_number(reward));
    }
  }
  constexpr Index kWait = 0;
  constexpr Index kCut = 1;
  const Index oldest = states - 1;
  std::vector<TransitionEntry> entries;
  entries.reserve(static_cast<std::size_t>(3) * static_cast<std::size_t>(states));
  StateActionMatrix rewards = StateActionMatrix::Zero(states, 2);
  for (Index s = 0; s < states; ++s) {
    // Waiting: a fire (probability p) resets the forest to age 0, otherwise it grows one age
    // older (the oldest stays); an effect of probability 0 gets no entry.
    if (p > 0.0) entries.push_back({s, kWait, 0, p});
    if (p < 1.0) entries.push_back({s, kWait, std::min<Index>(s + 1, oldest), 1.0 - p});
    entries.push_back({s, kCut, 0, 1.0});
    rewards(s, kCut) = s == 0 ? 0.0 : 1.0;
  }
  rewards(oldest, kWait) = r1;
  rewards(oldest, kCut) = r2;
  std::vector<std::string> names;
  names.reserve(static_cast<std::size_t>(states));
  for (Index s = 0; s < states; ++s) names.push_back("age" + std::to_string(s));
  return Mdp({.num_states = states,
              .num_actions = 2,
              .gamma = gamma,
              .rho = Vector::Constant(states, 1.0 / static_cast<double>(states)),
              .rewards = rewards,
              .transitions = make_transitions(states, 2, entries),
              .state_names = std::move(names),
              .action_names = {"wait", "cut"}});
}

Mdp make_flat_grad_chain(int horizon) {
  if (horizon < 1) throw InputError({.field = "H"}, "must be >= 1, got " + std::to_string(horizon));
  const Index states = horizon + 2;
  const Index last = states - 1;
  std::vector<TransitionEntry> entries;
  entries.reserve(static_cast<std::size_t>(4 * states));
  StateActionMatrix rewards = StateActionMatrix::Zero(states, 4);
  for (Index s = 0; s < states; ++s) {
    for (Index a = 0; a < 4; ++a) {
      Index next = s == last ? last : a == 0 ? s + 1 : std::max<Index>(s - 1, 0);
      entries.push_back({s, a, next, 1.0});
    }
  }
  rewards(last, 0) = 1.0;
  return Mdp({.num_states = states,
              .num_actions = 4,
              .gamma = static_cast<double>(horizon) / static_cast<double>(horizon + 1),
              .rho = Vector::Constant(states, 1.0 / static_cast<double>(states)),
              .rewards = rewards,
              .transitions = make_transitions(states, 4, entries)});
}

Mdp make_garnet(Index states, Index actions, Index branching, std::uint64_t seed, double gamma) {
  if (states < 1)
    throw InputError({.field = "states"}, "must be >= 1, got " + std::to_string(states));
  if (actions < 1) {
    throw InputError({.field = "actions"}, "must be >= 1, got " + std::to_string(actions));
  }
  if (branching < 1 || branching > states) {
    throw InputError({.field = "branching"}, "must be in [1, states = " + std::to_string(states) +
                                                 "], got " + std::to_string(branching));
  }
  Random random(seed);
  // Rows come in order with sorted columns: they are appended to the compressed matrix
  // directly, without a list of entries (at 1e6 states that list alone took 640 MB).
  TransitionMatrix transitions(states * actions, states);
  transitions.reserve(states * actions * branching);
  std::vector<Index> next_states;
  std::vector<double> weights(static_cast<std::size_t>(branching));
  for (Index s = 0; s < states; ++s) {
    poll_cancellation();  // Python's Ctrl-C during a long generation
    for (Index a = 0; a < actions; ++a) {
      // Floyd's algorithm: `branching` distinct states in O(branching) draws.
      next_states.clear();
      for (Index j = states - branching; j < states; ++j) {
        const auto t = static_cast<Index>(random.index(static_cast<std::uint64_t>(j + 1)));
        const bool taken =
            std::find(next_states.begin(), next_states.end(), t) != next_states.end();
        next_states.push_back(taken ? j : t);
      }
      std::sort(next_states.begin(), next_states.end());
      double total = 0.0;
      for (double& weight : weights) total += (weight = random.exponential());
      const Index row = s * actions + a;
      transitions.startVec(row);
      for (std::size_t k = 0; k < weights.size(); ++k) {
        transitions.insertBack(row, next_states[k]) = weights[k] / total;
      }
    }
  }
  transitions.finalize();
  StateActionMatrix rewards(states, actions);
  for (Index s = 0; s < states; ++s) {
    for (Index a = 0; a < actions; ++a) rewards(s, a) = random.uniform();
  }
  return Mdp({.num_states = states,
              .num_actions = actions,
              .gamma = gamma,
              .rho = Vector::Constant(states, 1.0 / static_cast<double>(states)),
              .rewards = rewards,
              .transitions = std::move(transitions)});
}

}  // namespace tabrl
