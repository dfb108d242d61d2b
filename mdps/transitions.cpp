#include "transitions.hpp"

namespace tabrl {

TransitionMatrix make_transitions(Index num_states, Index num_actions,
                                  const std::vector<TransitionEntry>& entries) {
  std::vector<Eigen::Triplet<double, int>> triplets;
  triplets.reserve(entries.size());
  for (const TransitionEntry& entry : entries) {
    triplets.emplace_back(static_cast<int>(entry.state * num_actions + entry.action),
                          static_cast<int>(entry.next_state), entry.probability);
  }
  TransitionMatrix transitions(num_states * num_actions, num_states);
  transitions.setFromTriplets(triplets.begin(), triplets.end());
  return transitions;
}

}  // namespace tabrl
