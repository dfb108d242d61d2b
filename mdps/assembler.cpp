#include "assembler.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include <tabrl/core/format.hpp>
#include <tabrl/core/text.hpp>

namespace tabrl {

void ErrorList::report(InputError error) {
  if (!collect_) throw error;
  if (errors_.size() >= kMaxErrors) {
    errors_.emplace_back(InputError(
        error.location(), "too many errors; stopped after " + std::to_string(kMaxErrors)));
    throw errors_.back();
  }
  errors_.push_back(std::move(error));
}

MdpAssembler::MdpAssembler(Index num_states, Index num_actions, std::string file, ErrorList& errors)
    : num_states_(num_states),
      num_actions_(num_actions),
      file_(std::move(file)),
      errors_(errors),
      rows_(static_cast<std::size_t>(num_states * num_actions)),
      row_lines_(rows_.size(), 0),
      rho_(Vector::Constant(num_states, 1.0 / static_cast<double>(num_states))) {}

std::string MdpAssembler::state_label(Index s) const {
  return state_names_.empty() ? std::to_string(s)
                              : printable_token(state_names_[static_cast<std::size_t>(s)]);
}

std::string MdpAssembler::action_label(Index a) const {
  return action_names_.empty() ? std::to_string(a)
                               : printable_token(action_names_[static_cast<std::size_t>(a)]);
}

std::string MdpAssembler::expansion_error(Index rows, Index per_row) {
  if (per_row <= 0 || rows <= kMaxExpandedEntries / per_row) return "";
  return "this statement expands to " + std::to_string(rows) + " x " + std::to_string(per_row) +
         " entries, beyond this reader's limit of " + std::to_string(kMaxExpandedEntries);
}

bool MdpAssembler::check_expansion(Index rows, Index per_row, int line, const std::string& field) {
  const std::string message = expansion_error(rows, per_row);
  if (message.empty()) return true;
  errors_.report(InputError({.file = file_, .line = line, .field = field}, message));
  return false;
}

void MdpAssembler::check_probability(double p, Index state, Index action, Index next, int line,
                                     const std::string& field) {
  if (p < 0.0 || p > 1.0 || !std::isfinite(p)) {
    errors_.report(InputError({.file = file_, .line = line, .field = field},
                              "probability " + format_number(p) + " of (state " +
                                  state_label(state) + ", action " + action_label(action) +
                                  ") -> " + state_label(next) + " is outside [0, 1]"));
  }
}

void MdpAssembler::set_entry(Selector action, Selector state, Selector next, double p, int line) {
  const auto by_next = [](const Entry& entry, std::int32_t n) { return entry.next < n; };
  for (Index a = action.begin(); a < action.end(num_actions_); ++a) {
    for (Index s = state.begin(); s < state.end(num_states_); ++s) {
      const auto index = static_cast<std::size_t>(s * num_actions_ + a);
      std::vector<Entry>& row = rows_[index];
      row_lines_[index] = line;
      if (next.index == kAnyIndex) {  // every s': the row becomes p everywhere (or empty)
        row.clear();
        for (Index n = 0; p != 0.0 && n < num_states_; ++n) {
          row.push_back({static_cast<std::int32_t>(n), p});
        }
        continue;
      }
      const auto n = static_cast<std::int32_t>(next.index);
      // Entries mostly come in order of s', so appending is the common case.
      if (row.empty() || row.back().next < n) {
        if (p != 0.0) row.push_back({n, p});
        continue;
      }
      const auto found = std::lower_bound(row.begin(), row.end(), n, by_next);
      if (found != row.end() && found->next == n) {
        if (p == 0.0) {
          row.erase(found);
        } else {
          found->probability = p;
        }
      } else if (p != 0.0) {
        row.insert(found, {n, p});
      }
    }
  }
}

void MdpAssembler::set_row(Selector action, Selector state, const std::vector<double>& row,
                           int line, const std::string& field) {
  std::vector<std::pair<Index, double>> entries;
  for (Index n = 0; n < num_states_; ++n) {
    const double p = row[static_cast<std::size_t>(n)];
    if (p != 0.0) entries.emplace_back(n, p);
  }
  set_sparse_row(action, state, entries, line, field);
}

void MdpAssembler::set_sparse_row(Selector action, Selector state,
                                  const std::vector<std::pair<Index, double>>& entries, int line,
                                  const std::string& field) {
  for (const auto& [next, p] : entries) {
    check_probability(p, state.begin(), action.begin(), next, line, field);
  }
  // Sorted by s', the last of a repeated s' kept, zeros left out.
  std::vector<Entry> sorted;
  sorted.reserve(entries.size());
  for (const auto& [next, p] : entries) sorted.push_back({static_cast<std::int32_t>(next), p});
  std::stable_sort(sorted.begin(), sorted.end(),
                   [](const Entry& x, const Entry& y) { return x.next < y.next; });
  std::vector<Entry> row;
  row.reserve(sorted.size());
  for (std::size_t i = 0; i < sorted.size(); ++i) {
    const bool repeated = i + 1 < sorted.size() && sorted[i + 1].next == sorted[i].next;
    if (!repeated && sorted[i].probability != 0.0) row.push_back(sorted[i]);
  }
  for (Index a = action.begin(); a < action.end(num_actions_); ++a) {
    for (Index s = state.begin(); s < state.end(num_states_); ++s) {
      const auto index = static_cast<std::size_t>(s * num_actions_ + a);
      rows_[index] = row;
      row_lines_[index] = line;
    }
  }
}

void MdpAssembler::add_reward(const RewardRule& rule) {
  const auto stored = [](Selector selector) { return static_cast<std::int32_t>(selector.index); };
  rewards_.push_back({.action = stored(rule.action),
                      .state = stored(rule.state),
                      .next_state = stored(rule.next_state),
                      .kind = rule.kind,
                      .first_value = reward_values_.size()});
  reward_values_.insert(reward_values_.end(), rule.values.begin(), rule.values.end());
}

void MdpAssembler::set_start(Vector rho, int line, std::string field) {
  rho_ = std::move(rho);
  rho_line_ = line;
  rho_field_ = std::move(field);
}

void MdpAssembler::check_start(const MdpValidationOptions& options) {
  // The same rules as the Mdp constructor, checked here so that the message has the line.
  const InputLocation where{.file = file_, .line = rho_line_, .field = rho_field_};
  if (rho_.size() != num_states_) {
    errors_.report(InputError(where, "expected " + std::to_string(num_states_) +
                                         " start probabilities, got " +
                                         std::to_string(rho_.size())));
    return;
  }
  for (Index s = 0; s < num_states_; ++s) {
    if (!std::isfinite(rho_[s]) || rho_[s] < 0.0) {
      errors_.report(InputError(where, "probability of state " + state_label(s) +
                                           " must be finite and >= 0, got " +
                                           format_number(rho_[s])));
      return;
    }
  }
  const double sum = rho_.sum();
  if (std::abs(sum - 1.0) > options.row_sum_tolerance) {
    errors_.report(
        InputError(where, "start probabilities sum to " + format_number(sum) + ", not 1"));
  }
}

Index MdpAssembler::check_rows(const MdpValidationOptions& options, int last_line,
                               const std::string& transition_field) {
  Index entries = 0;
  for (Index s = 0; s < num_states_; ++s) {
    for (Index a = 0; a < num_actions_; ++a) {
      const auto row = static_cast<std::size_t>(s * num_actions_ + a);
      const auto where = [&] {
        return "(state " + state_label(s) + ", action " + action_label(a) + ")";
      };
      if (row_lines_[row] == 0) {
        errors_.report(InputError({.file = file_, .line = last_line, .field = transition_field},
                                  "no transition probabilities given for " + where()));
        continue;
      }
      double sum = 0.0;
      for (const Entry& entry : rows_[row]) sum += entry.probability;
      if (std::abs(sum - 1.0) > options.row_sum_tolerance) {
        const InputLocation location =
            row_locator_
                ? row_locator_(s, a)
                : InputLocation{.file = file_, .line = row_lines_[row], .field = transition_field};
        errors_.report(InputError(
            location, "transition row " + where() + " sums to " + format_number(sum) + ", not 1"));
      }
      entries += static_cast<Index>(rows_[row].size());
    }
  }
  if (entries > std::numeric_limits<int>::max()) {
    errors_.report(InputError({.file = file_, .line = last_line, .field = transition_field},
                              std::to_string(entries) + " transition entries exceed the limit of " +
                                  std::to_string(std::numeric_limits<int>::max())));
  }
  return entries;
}

TransitionMatrix MdpAssembler::take_transitions(Index entries) {
  // Written straight into compressed storage, each row freed once copied, so that the rows and
  // the matrix are never both held whole.
  TransitionMatrix transitions(num_states_ * num_actions_, num_states_);
  transitions.resizeNonZeros(entries);
  int* outer = transitions.outerIndexPtr();
  int* inner = transitions.innerIndexPtr();
  double* values = transitions.valuePtr();
  outer[0] = 0;
  for (std::size_t row = 0; row < rows_.size(); ++row) {
    int k = outer[row];
    for (const Entry& entry : rows_[row]) {
      inner[k] = entry.next;
      values[k] = entry.probability;
      ++k;
    }
    outer[row + 1] = k;
    std::vector<Entry>().swap(rows_[row]);
  }
  return transitions;
}

StateActionMatrix MdpAssembler::reduce_rewards(const TransitionMatrix& transitions,
                                               bool costs) const {
  // r(s, a, s') on the support of P, rules applied in order, then reduced with P.
  const Index S = num_states_;
  const Index A = num_actions_;
  std::vector<double> next_reward(static_cast<std::size_t>(transitions.nonZeros()), 0.0);
  const int* outer = transitions.outerIndexPtr();
  const int* inner = transitions.innerIndexPtr();
  for (const StoredReward& rule : rewards_) {
    const double* values = reward_values_.data() + rule.first_value;
    const Selector action{rule.action}, state{rule.state};
    for (Index a = action.begin(); a < action.end(A); ++a) {
      for (Index s = state.begin(); s < state.end(S); ++s) {
        const Index row = s * A + a;
        const int* begin = inner + outer[row];
        const int* end = inner + outer[row + 1];
        if (rule.next_state != kAnyIndex) {  // one s': found by bisection in the sorted row
          begin = std::lower_bound(begin, end, rule.next_state);
          if (begin == end || *begin != rule.next_state) continue;
          end = begin + 1;
        }
        for (const int* k = begin; k < end; ++k) {
          const auto slot = static_cast<std::size_t>(k - inner);
          switch (rule.kind) {
            case RewardRule::Kind::single:
              next_reward[slot] = values[0];
              break;
            case RewardRule::Kind::row:
              next_reward[slot] = values[*k];
              break;
            case RewardRule::Kind::matrix:
              next_reward[slot] = values[s * S + *k];
              break;
          }
        }
      }
    }
  }
  StateActionMatrix rewards = StateActionMatrix::Zero(S, A);
  for (Index row = 0; row < S * A; ++row) {
    double expected = 0.0, row_sum = 0.0;
    Index nonzeros = 0;
    bool constant = true;
    for (int k = outer[row]; k < outer[row + 1]; ++k) {
      const double value = next_reward[static_cast<std::size_t>(k)];
      const double probability = transitions.valuePtr()[k];
      expected += probability * value;
      row_sum += probability;
      nonzeros += probability != 0.0 ? 1 : 0;
      constant = constant && value == next_reward[static_cast<std::size_t>(outer[row])];
    }
    // The row as the model will store it: one that the model renormalises (a sum within the
    // tolerance but not within rounding of 1, core/mdp) weighs the rewards renormalised too.
    if (!within_rounding(row_sum, nonzeros)) expected /= row_sum;
    // A reward that does not depend on s' is kept exactly (sum_s' P need not be exactly 1).
    if (constant && outer[row + 1] > outer[row]) {
      expected = next_reward[static_cast<std::size_t>(outer[row])];
    }
    rewards(row / A, row % A) = costs ? -expected : expected;
  }
  return rewards;
}

Mdp MdpAssembler::build(double gamma, bool costs, const MdpValidationOptions& options,
                        int last_line, const std::string& transition_field) {
  const Index entries = check_rows(options, last_line, transition_field);
  check_start(options);
  if (!errors_.empty()) throw errors_.errors().front();
  TransitionMatrix transitions = take_transitions(entries);
  StateActionMatrix rewards = reduce_rewards(transitions, costs);
  try {
    return Mdp({.num_states = num_states_,
                .num_actions = num_actions_,
                .gamma = gamma,
                .rho = std::move(rho_),
                .rewards = std::move(rewards),
                .transitions = std::move(transitions),
                .state_names = state_names_,
                .action_names = action_names_},
               options);
  } catch (const InputError& error) {
    const InputError located({.file = file_, .field = error.location().field}, error.message());
    errors_.report(located);
    throw located;
  }
}

}  // namespace tabrl
