#include "transitions.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>
#include <utility>

namespace tabrl {

TransitionMatrix make_transitions(Index num_states, Index num_actions,
                                  const std::vector<TransitionEntry>& entries) {
  // The compressed rows are written in place, without the triplet list and the transposed copy
  // of Eigen's setFromTriplets (which took three times the kernel's memory, and most of the
  // time of building a 1e7-state chain). The result is the same to the bit: each row's entries
  // sorted by next state, stably, so duplicates are summed in the order given, as Eigen sums
  // them, and zero probabilities are kept as entries.
  const Index rows = num_states * num_actions;
  TransitionMatrix transitions(rows, num_states);
  std::vector<int> next(static_cast<std::size_t>(rows) + 1, 0);
  for (const TransitionEntry& entry : entries) {
    if (entry.state < 0 || entry.state >= num_states || entry.action < 0 ||
        entry.action >= num_actions || entry.next_state < 0 || entry.next_state >= num_states) {
      throw std::out_of_range(
          "transition entry (" + std::to_string(entry.state) + ", " + std::to_string(entry.action) +
          ") -> " + std::to_string(entry.next_state) + " is outside " + std::to_string(num_states) +
          " states and " + std::to_string(num_actions) + " actions");
    }
    ++next[static_cast<std::size_t>(entry.state * num_actions + entry.action) + 1];
  }
  for (std::size_t row = 0; row < static_cast<std::size_t>(rows); ++row) {
    next[row + 1] += next[row];
  }
  transitions.resizeNonZeros(static_cast<Index>(entries.size()));
  int* starts = transitions.outerIndexPtr();
  int* columns = transitions.innerIndexPtr();
  double* values = transitions.valuePtr();
  std::copy(next.begin(), next.end(), starts);
  for (const TransitionEntry& entry : entries) {
    const auto row = static_cast<std::size_t>(entry.state * num_actions + entry.action);
    const int at = next[row]++;
    columns[at] = static_cast<int>(entry.next_state);
    values[at] = entry.probability;
  }
  next = {};
  // Each row sorted by column, stably, and its duplicates summed in place; rows move down over
  // the room the summed duplicates leave.
  std::vector<std::pair<int, double>> row_entries;
  int kept = 0;
  for (Index row = 0; row < rows; ++row) {
    const int begin = starts[row];
    const int end = starts[row + 1];
    starts[row] = kept;
    row_entries.clear();
    for (int k = begin; k < end; ++k) row_entries.emplace_back(columns[k], values[k]);
    std::stable_sort(row_entries.begin(), row_entries.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    for (std::size_t k = 0; k < row_entries.size(); ++k) {
      if (k > 0 && row_entries[k].first == row_entries[k - 1].first) {
        values[kept - 1] += row_entries[k].second;
        continue;
      }
      columns[kept] = row_entries[k].first;
      values[kept] = row_entries[k].second;
      ++kept;
    }
  }
  starts[rows] = kept;
  transitions.resizeNonZeros(kept);
  return transitions;
}

}  // namespace tabrl
