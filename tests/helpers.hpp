// Shared test fixtures: random MDPs with a chosen reward interval and dense transitions.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <tabrl/core/error.hpp>
#include <tabrl/core/mdp.hpp>
#include <tabrl/core/policy.hpp>
#include <tabrl/core/random.hpp>
#include <tabrl/core/simd.hpp>
#include <tabrl/mdps/assembler.hpp>
#include <tabrl/mdps/builtin.hpp>
#include <tabrl/mdps/transitions.hpp>

namespace tabrl::testing {

// The message of the InputError that `action` throws, or "(no error)".
template <class Action>
std::string input_error_of(Action&& action) {
  try {
    action();
  } catch (const InputError& error) {
    return error.what();
  }
  return "(no error)";
}

// The messages of every error `read(&errors)` collects, as `tabrl mdp validate` reads a file.
template <class Read>
std::vector<std::string> collected_errors(Read&& read) {
  ErrorList errors(true);
  try {
    read(&errors);
  } catch (const InputError&) {
  }
  std::vector<std::string> messages;
  for (const InputError& error : errors.errors()) messages.push_back(error.what());
  return messages;
}

// Dense random MDP: every P[s, a, :] flat-Dirichlet over all states, rewards U(lo, hi), rho
// random with full support.
inline Mdp random_mdp(Index states, Index actions, double gamma, std::uint64_t seed,
                      double reward_low = 0.0, double reward_high = 1.0) {
  Random random(seed);
  std::vector<TransitionEntry> entries;
  for (Index s = 0; s < states; ++s) {
    for (Index a = 0; a < actions; ++a) {
      std::vector<double> weights(static_cast<std::size_t>(states));
      double total = 0.0;
      for (double& w : weights) total += (w = random.exponential());
      for (Index n = 0; n < states; ++n) {
        entries.push_back({s, a, n, weights[static_cast<std::size_t>(n)] / total});
      }
    }
  }
  StateActionMatrix rewards(states, actions);
  for (Index s = 0; s < states; ++s) {
    for (Index a = 0; a < actions; ++a) {
      rewards(s, a) = reward_low + (reward_high - reward_low) * random.uniform();
    }
  }
  Vector rho(states);
  for (Index s = 0; s < states; ++s) rho[s] = 0.1 + random.uniform();
  rho /= rho.sum();
  return Mdp({.num_states = states,
              .num_actions = actions,
              .gamma = gamma,
              .rho = rho,
              .rewards = rewards,
              .transitions = make_transitions(states, actions, entries)});
}

// A deterministic cycle: action 0 moves s -> s + 1 (mod n); with jumps > 0 a second action
// moves to `jumps` random states, equally likely (random structure in the pattern). Rewards
// U(0, 1), rho uniform. Under the policy of action 0, P_pi is a cyclic shift, on which BiCGSTAB
// fails for a discount close to 1.
inline Mdp cycle_mdp(Index states, double gamma, Index jumps = 0, std::uint64_t seed = 1) {
  Random random(seed);
  const Index actions = jumps > 0 ? 2 : 1;
  std::vector<TransitionEntry> entries;
  StateActionMatrix rewards(states, actions);
  for (Index s = 0; s < states; ++s) {
    entries.push_back({s, 0, (s + 1) % states, 1.0});
    for (Index k = 0; k < jumps; ++k) {
      const auto next = static_cast<Index>(random.index(static_cast<std::uint64_t>(states)));
      entries.push_back({s, 1, next, 1.0 / static_cast<double>(jumps)});
    }
    for (Index a = 0; a < actions; ++a) rewards(s, a) = random.uniform();
  }
  return Mdp({.num_states = states,
              .num_actions = actions,
              .gamma = gamma,
              .rho = Vector::Constant(states, 1.0 / static_cast<double>(states)),
              .rewards = rewards,
              .transitions = make_transitions(states, actions, entries)});
}

// A cycle of `states` states (action 0 moves s -> s + 1 mod n) whose action 1 jumps to one of
// `checkpoints` random states among the first, which lead on along the cycle only: transitions
// that go one way, many states into a few. Rewards U(0, 1), rho uniform.
inline Mdp checkpoint_cycle_mdp(Index states, Index checkpoints, double gamma,
                                std::uint64_t seed = 1) {
  Random random(seed);
  std::vector<TransitionEntry> entries;
  StateActionMatrix rewards(states, 2);
  for (Index s = 0; s < states; ++s) {
    entries.push_back({s, 0, (s + 1) % states, 1.0});
    const auto jump = static_cast<Index>(random.index(static_cast<std::uint64_t>(checkpoints)));
    entries.push_back({s, 1, jump, 1.0});
    for (Index a = 0; a < 2; ++a) rewards(s, a) = random.uniform();
  }
  return Mdp({.num_states = states,
              .num_actions = 2,
              .gamma = gamma,
              .rho = Vector::Constant(states, 1.0 / static_cast<double>(states)),
              .rewards = rewards,
              .transitions = make_transitions(states, 2, entries)});
}

// The levels of the vector kernels this build and processor can run (portable always).
inline std::vector<SimdLevel> simd_levels() {
  std::vector<SimdLevel> out{SimdLevel::portable};
  if (avx_fma_available()) out.push_back(SimdLevel::avx_fma);
  return out;
}

}  // namespace tabrl::testing
