// Assembling transition kernels from (s, a, s', p) entries.
#pragma once

#include <vector>

#include <tabrl/core/types.hpp>

namespace tabrl {

struct TransitionEntry {
  Index state;
  Index action;
  Index next_state;
  double probability;
};

// The (S * A) x S kernel with row s * A + a; entries for the same (s, a, s') are summed (in the
// order given), zero probabilities kept. An entry outside the S states and A actions is a
// std::out_of_range (a builder's bug: the readers check their input first).
TransitionMatrix make_transitions(Index num_states, Index num_actions,
                                  const std::vector<TransitionEntry>& entries);

}  // namespace tabrl
