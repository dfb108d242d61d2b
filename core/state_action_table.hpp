// Tables with one CSV row per (state, action) of an MDP (docs/specs.md, "State-action tables"):
// a header `state,action,<value columns>`, states and actions by the MDP's names or by 0-based
// index, every pair exactly once. Initial logits (`--init FILE.csv`, one column `logit`) and
// feature files (one column per feature) are such tables.
#pragma once

#include <functional>
#include <limits>
#include <string>
#include <vector>

#include <tabrl/core/mdp.hpp>

namespace tabrl {

struct StateActionTable {
  std::vector<std::string> columns;  // the value columns, as named in the header
  Eigen::MatrixXd values;            // (S A) x columns, row s A + a
};

// Reads `path` for `mdp`. `check_columns` sees the value columns of the header and returns why
// they are wrong, or an empty string. Every problem is an InputError naming the file, the line
// and the field: a missing or duplicate pair, an unknown state or action, a row of the wrong
// length, a value that is not a finite number or is beyond `largest` in magnitude. The matrix is
// made once every row has been read, so its size is bounded by the file's.
StateActionTable read_state_action_table(
    const std::string& path, const Mdp& mdp,
    const std::function<std::string(const std::vector<std::string>&)>& check_columns,
    double largest = std::numeric_limits<double>::infinity());

// The same checks without an MDP, for a sweep before its runs: the header, every row's length
// and every value; only the states and actions (names or indices) and the coverage of the pairs
// wait for the MDP. `values` holds the rows in file order.
StateActionTable check_state_action_table(
    const std::string& path,
    const std::function<std::string(const std::vector<std::string>&)>& check_columns,
    double largest = std::numeric_limits<double>::infinity());

// The matrix of a state-action table read row by row: `values` holds `width` values per row in
// file order. With `targets` (read for an MDP: row i is pair targets[i], every one of the `pairs`
// pairs exactly once) the rows go to their pairs; without, they stay in file order. Both table
// readers (this one, and the TOML [features] table) place their rows through it.
Eigen::MatrixXd place_table_rows(const std::vector<double>& values, Index width,
                                 const std::vector<Index>& targets, Index pairs);

}  // namespace tabrl
