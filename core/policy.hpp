// Softmax policies stored as logits z[s, a] with pi[s, :] = softmax(z[s, :]) (docs/theory.md,
// "Setting").
#pragma once

#include <cmath>
#include <vector>

#include <tabrl/core/types.hpp>

namespace tabrl {

// pi[s, :] = softmax(z[s, :]), computed with the row maximum subtracted so that no exp overflows.
void softmax_rows(const Eigen::Ref<const StateActionMatrix>& logits, StateActionMatrix& policy);

// log sum_a exp(z[a]) with the maximum taken out: the sum is at least 1, so neither the exp nor
// the log can overflow or reach -inf.
template <class Row>
double log_sum_exp(const Eigen::MatrixBase<Row>& z) {
  const double shift = z.maxCoeff();
  double total = 0.0;
  for (Index a = 0; a < z.size(); ++a) total += std::exp(z[a] - shift);
  return shift + std::log(total);
}

// Logits of the uniform policy (all zero).
StateActionMatrix uniform_logits(Index num_states, Index num_actions);

// The deterministic policy that takes actions[s] in state s, as probabilities.
StateActionMatrix deterministic_policy(const std::vector<Index>& actions, Index num_actions);

// Logits drawn i.i.d. N(0, scale^2) with Random::normal (core/random.hpp), row by row: a seed
// gives the same initial policy on every platform.
StateActionMatrix random_logits(Index states, Index actions, std::uint64_t seed,
                                double scale = 1.0);

}  // namespace tabrl
