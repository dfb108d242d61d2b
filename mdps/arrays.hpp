// MDPs from arrays in memory (the Python module's Mdp.from_arrays). They are built through
// MdpAssembler, so they are checked, and their rewards r(s, a, s') reduced with P, exactly as the
// file readers do (mdps/assembler.hpp). An error names the array and index where a reader names
// the file and line, with the same message:
//   P[0, 1, :]: transition row (state 0, action 1) sums to 0.9, not 1
// The arrays are called P, r, rho, gamma, states and actions, as the Python parameters are.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include <tabrl/core/mdp.hpp>

namespace tabrl {

struct MdpArrays {
  Index num_states = 0;
  Index num_actions = 0;
  double gamma = 0.0;
  // The transitions P[s, a, s'], either dense: S * A * S values, row-major, so that row
  // s * A + a starts at (s * A + a) * S; or, when `dense_transitions` is empty, compressed rows
  // (CSR) of the (S * A) x S matrix: row s * A + a holds the entries row_starts[row] to
  // row_starts[row + 1] - 1 of `columns` and `values`, columns in any order and each at most once.
  std::span<const double> dense_transitions;
  std::span<const std::int64_t> row_starts;
  std::span<const std::int64_t> columns;
  std::span<const double> values;
  // r[s, a] (S * A values) or r[s, a, s'] (S * A * S values), row-major.
  std::span<const double> rewards;
  std::span<const double> rho;                         // S values
  std::vector<std::string> state_names, action_names;  // empty, or one per state / action
};

// Throws InputError, its location's field naming the array and, where there is one, the index
// ("P[2, 0, :]", "r[1, 3]", "rho", "gamma"); file and line stay empty.
Mdp mdp_from_arrays(const MdpArrays& arrays, const MdpValidationOptions& options = {});

}  // namespace tabrl
