#include "mdps/assembler.hpp"

#include <cmath>

#include "core/format.hpp"
#include "mdps/transitions.hpp"

namespace tabrl {

void ErrorList::report(InputError error) {
  if (!collect_) throw error;
  if (errors_.size() >= kMaxErrors) {
    errors_.emplace_back(InputError(error.location(), "too many errors; stopped after " +
                                                          std::to_string(kMaxErrors)));
    throw errors_.back();
  }
  errors_.push_back(std::move(error));
}

MdpAssembler::MdpAssembler(Index num_states, Index num_actions, std::string file,
                           ErrorList& errors)
    : num_states_(num_states), num_actions_(num_actions), file_(std::move(file)), errors_(errors) {
  rows_.resize(static_cast<std::size_t>(num_states * num_actions));
  row_lines_.assign(rows_.size(), 0);
}

std::string MdpAssembler::state_label(Index s) const {
  return state_names_.empty() ? std::to_string(s) : state_names_[static_cast<std::size_t>(s)];
}

std::string MdpAssembler::action_label(Index a) const {
  return action_names_.empty() ? std::to_string(a) : action_names_[static_cast<std::size_t>(a)];
}

bool MdpAssembler::check_expansion(Index rows, Index per_row, int line, const std::string& field) {
  if (per_row > 0 && rows > kMaxExpandedEntries / per_row) {
    errors_.report(InputError({.file = file_, .line = line, .field = field},
                              "this statement expands to " + std::to_string(rows) + " x " +
                                  std::to_string(per_row) + " entries, beyond this reader's "
                                  "limit of " + std::to_string(kMaxExpandedEntries)));
    return false;
  }
  return true;
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

void MdpAssembler::set_entry(Selector action, Selector state, Selector next, double p, int line,
                             const std::string& /*field*/) {
  const Index S = num_states_;
  for (Index a = action.begin(); a < action.end(num_actions_); ++a) {
    for (Index s = state.begin(); s < state.end(S); ++s) {
      const std::size_t row = static_cast<std::size_t>(s * num_actions_ + a);
      for (Index n = next.begin(); n < next.end(S); ++n) {
        if (p == 0.0) {
          rows_[row].erase(n);
        } else {
          rows_[row][n] = p;
        }
      }
      row_lines_[row] = line;
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
  for (Index a = action.begin(); a < action.end(num_actions_); ++a) {
    for (Index s = state.begin(); s < state.end(num_states_); ++s) {
      const std::size_t index = static_cast<std::size_t>(s * num_actions_ + a);
      rows_[index].clear();
      for (const auto& [next, p] : entries) {
        if (p != 0.0) rows_[index][next] = p;
      }
      row_lines_[index] = line;
    }
  }
}

Mdp MdpAssembler::build(double gamma, Vector rho, bool costs, const MdpValidationOptions& options,
                        int last_line, const std::string& transition_field) {
  const Index S = num_states_;
  const Index A = num_actions_;
  std::vector<TransitionEntry> entries;
  for (Index s = 0; s < S; ++s) {
    for (Index a = 0; a < A; ++a) {
      const std::size_t row = static_cast<std::size_t>(s * A + a);
      const std::string where = "(state " + state_label(s) + ", action " + action_label(a) + ")";
      if (row_lines_[row] == 0) {
        errors_.report(InputError({.file = file_, .line = last_line, .field = transition_field},
                                  "no transition probabilities given for " + where));
        continue;
      }
      double sum = 0.0;
      for (const auto& [next, p] : rows_[row]) {
        sum += p;
        entries.push_back({s, a, next, p});
      }
      if (std::abs(sum - 1.0) > options.row_sum_tolerance) {
        errors_.report(InputError({.file = file_, .line = row_lines_[row], .field = transition_field},
                                  "transition row " + where + " sums to " + format_number(sum) +
                                      ", not 1"));
      }
    }
  }
  if (!errors_.empty()) throw errors_.errors().front();
  TransitionMatrix transitions = make_transitions(S, A, entries);

  // r(s, a, s') on the support of P, rules applied in order, then reduced with P.
  std::vector<double> next_reward(static_cast<std::size_t>(transitions.nonZeros()), 0.0);
  const int* outer = transitions.outerIndexPtr();
  const int* inner = transitions.innerIndexPtr();
  for (const RewardRule& rule : rewards_) {
    for (Index a = rule.action.begin(); a < rule.action.end(A); ++a) {
      for (Index s = rule.state.begin(); s < rule.state.end(S); ++s) {
        const Index row = s * A + a;
        for (int k = outer[row]; k < outer[row + 1]; ++k) {
          const Index next = inner[k];
          if (rule.next_state.index != kAnyIndex && rule.next_state.index != next) continue;
          const auto slot = static_cast<std::size_t>(k);
          switch (rule.kind) {
            case RewardRule::Kind::single:
              next_reward[slot] = rule.values[0];
              break;
            case RewardRule::Kind::row:
              next_reward[slot] = rule.values[static_cast<std::size_t>(next)];
              break;
            case RewardRule::Kind::matrix:
              next_reward[slot] = rule.values[static_cast<std::size_t>(s * S + next)];
              break;
          }
        }
      }
    }
  }
  StateActionMatrix rewards = StateActionMatrix::Zero(S, A);
  for (Index row = 0; row < S * A; ++row) {
    double expected = 0.0;
    bool constant = true;
    for (int k = outer[row]; k < outer[row + 1]; ++k) {
      const double value = next_reward[static_cast<std::size_t>(k)];
      expected += transitions.valuePtr()[k] * value;
      constant = constant && value == next_reward[static_cast<std::size_t>(outer[row])];
    }
    // A reward that does not depend on s' is kept exactly (sum_s' P need not be exactly 1).
    if (constant && outer[row + 1] > outer[row]) expected = next_reward[static_cast<std::size_t>(outer[row])];
    rewards(row / A, row % A) = costs ? -expected : expected;
  }
  try {
    return Mdp({.num_states = S,
                .num_actions = A,
                .gamma = gamma,
                .rho = std::move(rho),
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
