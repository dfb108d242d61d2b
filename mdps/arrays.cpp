#include "arrays.hpp"

#include <cmath>
#include <utility>

#include <tabrl/core/error.hpp>
#include <tabrl/core/format.hpp>
#include <tabrl/mdps/assembler.hpp>

namespace tabrl {
namespace {

// The Mdp constructor's fields, as the arrays are called.
std::string array_name(const std::string& field) {
  if (field == "transitions") return "P";
  if (field == "rewards") return "r";
  if (field == "start") return "rho";
  if (field == "state_names") return "states";
  if (field == "action_names") return "actions";
  return field;
}

std::string size_text(Index count) { return std::to_string(count); }

void check_names(const std::vector<std::string>& names, Index count, const char* array) {
  // The Mdp constructor checks them too (empty and duplicate names), but the assembler's
  // messages look names up by index before that.
  if (!names.empty() && static_cast<Index>(names.size()) != count) {
    throw InputError({.field = array},
                     "expected " + size_text(count) + " names, got " + size_text(names.size()));
  }
}

void check_shapes(const MdpArrays& arrays) {
  const Index S = arrays.num_states;
  const Index A = arrays.num_actions;
  if (S < 1 || A < 1) {
    throw InputError({.field = "P"}, "an MDP needs at least one state and one action, got " +
                                         size_text(S) + " x " + size_text(A));
  }
  if (S > MdpAssembler::kMaxStateActionPairs / A) {
    throw InputError({.field = "P"}, size_text(S) + " x " + size_text(A) +
                                         " state-action pairs exceed the limit of " +
                                         size_text(MdpAssembler::kMaxStateActionPairs));
  }
  const Index rows = S * A;
  if (!arrays.dense_transitions.empty()) {
    if (static_cast<Index>(arrays.dense_transitions.size()) != rows * S) {
      throw InputError({.field = "P"}, "expected " + size_text(rows * S) +
                                           " values (S x A x S), got " +
                                           size_text(arrays.dense_transitions.size()));
    }
  } else {
    if (static_cast<Index>(arrays.row_starts.size()) != rows + 1) {
      throw InputError({.field = "P"}, "expected " + size_text(rows + 1) +
                                           " row starts (S x A rows), got " +
                                           size_text(arrays.row_starts.size()));
    }
    if (arrays.columns.size() != arrays.values.size()) {
      throw InputError({.field = "P"}, size_text(arrays.columns.size()) + " column indices but " +
                                           size_text(arrays.values.size()) + " values");
    }
    if (arrays.row_starts.front() != 0 ||
        arrays.row_starts.back() != static_cast<std::int64_t>(arrays.values.size())) {
      throw InputError({.field = "P"}, "row starts must run from 0 to the number of entries, " +
                                           size_text(arrays.values.size()));
    }
    for (Index row = 0; row < rows; ++row) {
      if (arrays.row_starts[row + 1] < arrays.row_starts[row]) {
        throw InputError({.field = "P[" + size_text(row) + ", :]"}, "row starts decrease");
      }
    }
  }
  const auto reward_count = static_cast<Index>(arrays.rewards.size());
  if (reward_count != rows && reward_count != rows * S) {
    throw InputError({.field = "r"}, "expected " + size_text(rows) + " values (S x A) or " +
                                         size_text(rows * S) + " (S x A x S), got " +
                                         size_text(reward_count));
  }
  check_names(arrays.state_names, S, "states");
  check_names(arrays.action_names, A, "actions");
}

// P[s, a, :] (dense) or P[row, :] (compressed rows): the array's own index of the row.
std::string row_field(const MdpArrays& arrays, Index state, Index action) {
  if (!arrays.dense_transitions.empty()) {
    return "P[" + size_text(state) + ", " + size_text(action) + ", :]";
  }
  return "P[" + size_text(state * arrays.num_actions + action) + ", :]";
}

// Hands every row to the assembler; it checks each probability as a reader's statement would.
void set_transitions(const MdpArrays& arrays, MdpAssembler& assembler) {
  const Index S = arrays.num_states;
  const Index A = arrays.num_actions;
  // A positive line marks a row as given; with no file the line is never shown.
  constexpr int kGiven = 1;
  std::vector<std::pair<Index, double>> entries;
  for (Index s = 0; s < S; ++s) {
    for (Index a = 0; a < A; ++a) {
      const Index row = s * A + a;
      entries.clear();
      if (!arrays.dense_transitions.empty()) {
        const double* values = arrays.dense_transitions.data() + row * S;
        for (Index next = 0; next < S; ++next) {
          if (values[next] != 0.0) entries.emplace_back(next, values[next]);
        }
      } else {
        for (std::int64_t k = arrays.row_starts[row]; k < arrays.row_starts[row + 1]; ++k) {
          const std::int64_t next = arrays.columns[k];
          if (next < 0 || next >= S) {
            throw InputError({.field = row_field(arrays, s, a)},
                             "column index " + std::to_string(next) + " is out of range (" +
                                 size_text(S) + " states, numbered from 0)");
          }
          entries.emplace_back(next, arrays.values[k]);
        }
      }
      // The row's name is made only for a row with a bad entry (rows can number millions).
      bool bad = false;
      for (const auto& entry : entries) bad = bad || !(entry.second >= 0.0 && entry.second <= 1.0);
      assembler.set_sparse_row({a}, {s}, entries, kGiven, bad ? row_field(arrays, s, a) : "P");
    }
  }
}

void add_rewards(const MdpArrays& arrays, MdpAssembler& assembler) {
  const Index S = arrays.num_states;
  const Index A = arrays.num_actions;
  const bool per_next_state = static_cast<Index>(arrays.rewards.size()) != S * A;
  const Index width = per_next_state ? S : 1;
  for (Index s = 0; s < S; ++s) {
    for (Index a = 0; a < A; ++a) {
      const double* values = arrays.rewards.data() + (s * A + a) * width;
      for (Index next = 0; next < width; ++next) {
        if (std::isfinite(values[next])) continue;
        // A file cannot hold such a number; the message is the Mdp's.
        if (per_next_state) {
          throw InputError(
              {.field = "r[" + size_text(s) + ", " + size_text(a) + ", " + size_text(next) + "]"},
              "reward of (state " + assembler.state_label(s) + ", action " +
                  assembler.action_label(a) + ") -> " + assembler.state_label(next) +
                  " is not finite: " + format_number(values[next]));
        }
        throw InputError({.field = "r[" + size_text(s) + ", " + size_text(a) + "]"},
                         "reward of state " + assembler.state_label(s) + ", action " +
                             assembler.action_label(a) +
                             " is not finite: " + format_number(values[next]));
      }
      RewardRule rule{.action = {a}, .state = {s}, .next_state = {kAnyIndex}};
      rule.kind = per_next_state ? RewardRule::Kind::row : RewardRule::Kind::single;
      rule.values.assign(values, values + width);
      assembler.add_reward(rule);
    }
  }
}

}  // namespace

Mdp mdp_from_arrays(const MdpArrays& arrays, const MdpValidationOptions& options) {
  check_shapes(arrays);
  ErrorList errors;  // throws the first error
  MdpAssembler assembler(arrays.num_states, arrays.num_actions, "", errors);
  assembler.set_state_names(arrays.state_names);
  assembler.set_action_names(arrays.action_names);
  assembler.set_row_locator([&arrays](Index state, Index action) {
    return InputLocation{.field = row_field(arrays, state, action)};
  });
  set_transitions(arrays, assembler);
  add_rewards(arrays, assembler);
  assembler.set_start(
      Vector(Eigen::Map<const Vector>(arrays.rho.data(), static_cast<Index>(arrays.rho.size()))), 0,
      "rho");
  try {
    return assembler.build(arrays.gamma, /*costs=*/false, options, 0, "P");
  } catch (const InputError& error) {
    throw InputError({.field = array_name(error.location().field)}, error.message());
  }
}

}  // namespace tabrl
