// Building an MDP from the statements of a file (Cassandra, TOML, CSV): transition entries and
// rows (each row remembers the last line that wrote it), reward rules r(s, a, s') and the start
// distribution with its line. Later statements override earlier ones entry by entry; every
// (s, a) row must be given and sum to 1; rewards are reduced to
// r[s, a] = sum_s' P[s, a, s'] r(s, a, s') (exactly v when all r(s, a, .) = v).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <tabrl/core/error.hpp>
#include <tabrl/core/mdp.hpp>

namespace tabrl {

// Collects input errors (for `tabrl mdp validate`) or throws the first one at once. Collecting
// stops (by throwing) after kMaxErrors, so that a broken header cannot flood memory.
class ErrorList {
 public:
  static constexpr std::size_t kMaxErrors = 100;
  explicit ErrorList(bool collect = false) : collect_(collect) {}
  void report(InputError error);
  bool collecting() const { return collect_; }
  bool empty() const { return errors_.empty(); }
  const std::vector<InputError>& errors() const { return errors_; }

 private:
  bool collect_;
  std::vector<InputError> errors_;
};

constexpr Index kAnyIndex = -1;  // the '*' wildcard

// One index, or all of them.
struct Selector {
  Index index = kAnyIndex;
  Index begin() const { return index == kAnyIndex ? 0 : index; }
  Index end(Index count) const { return index == kAnyIndex ? count : index + 1; }
};

// A reward rule r(s, a, s') = value for the matched (a, s, s'); rules apply in the order given.
struct RewardRule {
  Selector action, state, next_state;
  enum class Kind : std::uint8_t { single, row, matrix } kind = Kind::single;
  std::vector<double> values;  // 1 value, S values over s', or S x S values (rows s, columns s')
};

// Memory stays near the size of the model, since files can be large: each row is a sorted
// vector of (s', p) overwritten in place, a reward rule is one compact record, and build()
// moves the rows into the compressed transition matrix one at a time.
class MdpAssembler {
 public:
  // The limits keep a mistaken header from exhausting memory.
  static constexpr Index kMaxStateActionPairs = 4'000'000;
  static constexpr Index kMaxExpandedEntries = 100'000'000;

  MdpAssembler(Index num_states, Index num_actions, std::string file, ErrorList& errors);

  // P[s, a, s'] = p for every matched (a, s, s'); p = 0 removes the entry.
  void set_entry(Selector action, Selector state, Selector next, double p, int line);
  // Replaces whole rows P[s, a, :] by `row` (S probabilities) for every matched (a, s).
  void set_row(Selector action, Selector state, const std::vector<double>& row, int line,
               const std::string& field);
  // Replaces whole rows by the given (s', p) entries; for a repeated s' the last one counts.
  void set_sparse_row(Selector action, Selector state,
                      const std::vector<std::pair<Index, double>>& entries, int line,
                      const std::string& field);
  void add_reward(const RewardRule& rule);
  // The start distribution and where it was given; uniform when never set. build() checks it
  // (finite, >= 0, summing to 1) and reports a problem at that line.
  void set_start(Vector rho, int line, std::string field);

  // The message for a statement that expands beyond the entry limit, or "" when it does not.
  static std::string expansion_error(Index rows, Index per_row);
  // Refuses (through the error list) a statement that expands beyond the entry limit.
  bool check_expansion(Index rows, Index per_row, int line, const std::string& field);

  // Where build() reports a transition row (s, a) that was given but does not sum to 1: by
  // default the file, the last line that wrote the row and build()'s transition field.
  // In-memory input (mdps/arrays.hpp) names the array and index instead.
  using RowLocator = std::function<InputLocation(Index state, Index action)>;
  void set_row_locator(RowLocator locator) { row_locator_ = std::move(locator); }

  void set_state_names(std::vector<std::string> names) { state_names_ = std::move(names); }
  void set_action_names(std::vector<std::string> names) { action_names_ = std::move(names); }
  std::string state_label(Index s) const;
  std::string action_label(Index a) const;

  // Checks every row and the start distribution, reduces the rewards (negated when `costs`),
  // validates the model. Errors go to the error list; in collecting mode an MDP that cannot be
  // built throws the first one.
  Mdp build(double gamma, bool costs, const MdpValidationOptions& options, int last_line,
            const std::string& transition_field);

 private:
  struct Entry {
    std::int32_t next;
    double probability;
  };
  // A reward rule as stored: its values live in reward_values_.
  struct StoredReward {
    std::int32_t action, state, next_state;  // kAnyIndex for '*'
    RewardRule::Kind kind;
    std::size_t first_value;
  };

  void check_probability(double p, Index state, Index action, Index next, int line,
                         const std::string& field);
  // Reports rows never given or not summing to 1; returns the number of entries.
  Index check_rows(const MdpValidationOptions& options, int last_line,
                   const std::string& transition_field);
  void check_start(const MdpValidationOptions& options);
  TransitionMatrix take_transitions(Index entries);
  StateActionMatrix reduce_rewards(const TransitionMatrix& transitions, bool costs) const;

  Index num_states_;
  Index num_actions_;
  std::string file_;
  ErrorList& errors_;
  std::vector<std::vector<Entry>> rows_;  // rows_[s * A + a]: P[s, a, :] sorted by s'
  std::vector<int> row_lines_;            // the last line that wrote each row; 0: never
  std::vector<StoredReward> rewards_;
  std::vector<double> reward_values_;
  Vector rho_;
  int rho_line_ = 0;
  std::string rho_field_;
  std::vector<std::string> state_names_, action_names_;
  RowLocator row_locator_;
};

}  // namespace tabrl
