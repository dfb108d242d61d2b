#include "toml_format.hpp"

#include <toml++/toml.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <unordered_map>

#include <tabrl/core/cancellation.hpp>
#include <tabrl/core/features.hpp>
#include <tabrl/core/format.hpp>
#include <tabrl/core/numbers.hpp>
#include <tabrl/core/state_action_table.hpp>
#include <tabrl/core/suggest.hpp>
#include <tabrl/core/text.hpp>
#include <tabrl/mdps/gridworlds.hpp>
#include <tabrl/mdps/toml_document.hpp>
#include <tabrl/mdps/writers.hpp>

namespace tabrl {
namespace {

// A TOML number as a double: a float as it is, an integer rounded to the nearest double
// (toml++'s value<double>() refuses integers beyond 2^53, which are numbers all the same).
std::optional<double> as_double(const toml::node& node) {
  if (const auto* integer = node.as_integer()) return static_cast<double>(integer->get());
  if (const auto* floating = node.as_floating_point()) return floating->get();
  return std::nullopt;
}

const std::vector<std::string> kModelKeys = {"gamma",     "states", "actions", "start",
                                             "absorbing", "dense",  "rewards", "transition",
                                             "reward",    "map",    "features"};
const std::vector<std::string> kMapKeys = {"map",         "gamma",       "slip",
                                           "step_reward", "goal_reward", "trap_reward"};

// A numbered state or action as a key has at most 9 digits: a longer digit string is a name.
constexpr std::size_t kIndexDigits = 9;

int line_of(const toml::node& node) { return static_cast<int>(node.source().begin.line); }

std::string toml_string(const std::string& text) {
  std::string quoted = "\"";
  for (const char c : text) {
    if (c == '"' || c == '\\') {
      quoted += '\\';
      quoted += c;
    } else if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      char escape[8];
      std::snprintf(escape, sizeof escape, "\\u%04x", static_cast<unsigned char>(c));
      quoted += escape;
    } else {
      quoted += c;
    }
  }
  return quoted + "\"";
}

class TomlMdpReader {
 public:
  TomlMdpReader(std::string file, const MdpValidationOptions& options, ErrorList& errors)
      : file_(std::move(file)), options_(options), errors_(errors) {}

  Mdp read(const std::string& text);

 private:
  [[noreturn]] void fail(int line, const std::string& key, const std::string& message) const {
    throw InputError({.file = file_, .line = line, .field = key}, message);
  }
  void report(int line, const std::string& key, const std::string& message) {
    errors_.report(InputError({.file = file_, .line = line, .field = key}, message));
  }

  Mdp read_map(const toml::table& root);
  void read_names(const toml::table& root, const char* key, Index& count,
                  std::vector<std::string>& names, std::unordered_map<std::string, Index>& lookup);
  // A state or action reference: a name, an index, or "*" when `wildcard`. nullopt on error.
  std::optional<Selector> reference(const toml::node& node, const std::string& key, bool state,
                                    bool wildcard);
  std::optional<double> number(const toml::node& node, const std::string& key);
  Vector read_start(const toml::node& node);
  void read_dense(const toml::node& node, MdpAssembler& assembler);
  void read_transitions(const toml::node& node, MdpAssembler& assembler);
  void read_rewards(const toml::table& root, MdpAssembler& assembler);
  const toml::table* table_item(const toml::node& item, const std::string& key,
                                const std::vector<std::string>& allowed);

  std::string file_;
  MdpValidationOptions options_;
  ErrorList& errors_;
  Index num_states_ = 0, num_actions_ = 0;
  std::vector<std::string> state_names_, action_names_;
  std::unordered_map<std::string, Index> state_lookup_, action_lookup_;
};

std::optional<double> TomlMdpReader::number(const toml::node& node, const std::string& key) {
  const std::optional<double> value = as_double(node);
  if (!node.is_number() || !value || !std::isfinite(*value)) {
    report(line_of(node), key, "expected a number");
    return std::nullopt;
  }
  return value;
}

void TomlMdpReader::read_names(const toml::table& root, const char* key, Index& count,
                               std::vector<std::string>& names,
                               std::unordered_map<std::string, Index>& lookup) {
  const toml::node* node = root.get(key);
  if (node == nullptr) fail(line_of(root), key, "missing: give a count or a list of names");
  if (const auto* integer = node->as_integer()) {
    if (integer->get() < 1 || integer->get() > MdpAssembler::kMaxStateActionPairs) {
      fail(line_of(*node), key,
           "the count must be in [1, " + std::to_string(MdpAssembler::kMaxStateActionPairs) + "]");
    }
    count = integer->get();
    return;
  }
  const auto* array = node->as_array();
  if (array == nullptr || array->empty())
    fail(line_of(*node), key, "expected a count or a list of names");
  for (const toml::node& item : *array) {
    const auto* name = item.as_string();
    if (name == nullptr || name->get().empty())
      fail(line_of(item), key, "names must be non-empty strings");
    if (name->get() == "*") fail(line_of(item), key, "'*' is the wildcard, not a name");
    if (!lookup.emplace(name->get(), static_cast<Index>(names.size())).second) {
      fail(line_of(item), key, "duplicate name " + quote_token(name->get()));
    }
    names.push_back(name->get());
  }
  count = static_cast<Index>(names.size());
}

std::optional<Selector> TomlMdpReader::reference(const toml::node& node, const std::string& key,
                                                 bool state, bool wildcard) {
  const char* what = state ? "state" : "action";
  const Index count = state ? num_states_ : num_actions_;
  if (const auto* integer = node.as_integer()) {
    if (integer->get() < 0 || integer->get() >= count) {
      report(line_of(node), key,
             std::string(what) + " index " + std::to_string(integer->get()) + " is out of range (" +
                 std::to_string(count) + " " + what + "s, numbered from 0)");
      return std::nullopt;
    }
    return Selector{integer->get()};
  }
  if (const auto* text = node.as_string()) {
    if (text->get() == "*") {
      if (wildcard) return Selector{kAnyIndex};
      report(line_of(node), key, "'*' is not allowed here");
      return std::nullopt;
    }
    const auto& lookup = state ? state_lookup_ : action_lookup_;
    const auto found = lookup.find(text->get());
    if (found != lookup.end()) return Selector{found->second};
    const auto& names = state ? state_names_ : action_names_;
    report(line_of(node), key,
           std::string("unknown ") + what + " " + quote_token(text->get()) +
               (names.empty() ? " (" + std::string(what) + "s are numbered 0.." +
                                    std::to_string(count - 1) + ")"
                              : "; " + suggest(text->get(), names)));
    return std::nullopt;
  }
  report(line_of(node), key, std::string("expected a ") + what + " name or index");
  return std::nullopt;
}

Vector TomlMdpReader::read_start(const toml::node& node) {
  Vector rho = Vector::Zero(num_states_);
  if (const auto* text = node.as_string(); text != nullptr && text->get() == "uniform") {
    return Vector::Constant(num_states_, 1.0 / static_cast<double>(num_states_));
  }
  if (node.is_string() || node.is_integer()) {
    if (const auto state = reference(node, "start", true, false)) rho[state->index] = 1.0;
    return rho;
  }
  if (const auto* array = node.as_array()) {
    if (static_cast<Index>(array->size()) != num_states_) {
      fail(line_of(node), "start",
           "expected " + std::to_string(num_states_) + " probabilities, got " +
               std::to_string(array->size()));
    }
    for (std::size_t s = 0; s < array->size(); ++s) {
      rho[static_cast<Index>(s)] = number(*array->get(s), "start").value_or(0.0);
    }
    return rho;
  }
  if (const auto* table = node.as_table()) {
    for (auto&& [key, value] : *table) {
      const auto found = state_lookup_.find(std::string(key.str()));
      if (found == state_lookup_.end()) {
        report(line_of(value), "start", "unknown state " + quote_token(key.str()));
        continue;
      }
      rho[found->second] = number(value, "start").value_or(0.0);
    }
    return rho;
  }
  fail(line_of(node), "start",
       "expected \"uniform\", a state, a list of probabilities or a table {state = p}");
}

void TomlMdpReader::read_dense(const toml::node& node, MdpAssembler& assembler) {
  const auto* table = node.as_table();
  if (table == nullptr) fail(line_of(node), "dense", "expected a table: action = S x S matrix");
  for (auto&& [key, value] : *table) {
    const std::string field = "dense." + printable_token(key.str());
    const auto found = action_lookup_.find(std::string(key.str()));
    Index action = -1;
    if (found != action_lookup_.end()) {
      action = found->second;
    } else if (action_names_.empty()) {
      action = parse_index(key.str(), kIndexDigits).value_or(-1);
    }
    if (action < 0 || action >= num_actions_) {
      report(line_of(value), field, "unknown action " + quote_token(key.str()));
      continue;
    }
    const auto* rows = value.as_array();
    if (rows == nullptr || static_cast<Index>(rows->size()) != num_states_) {
      report(line_of(value), field, "expected " + std::to_string(num_states_) + " rows");
      continue;
    }
    if (!assembler.check_expansion(num_states_, num_states_, line_of(value), field)) continue;
    for (std::size_t s = 0; s < rows->size(); ++s) {
      const auto* row = rows->get(s)->as_array();
      if (row == nullptr || static_cast<Index>(row->size()) != num_states_) {
        report(line_of(*rows->get(s)), field,
               "row " + std::to_string(s) + ": expected " + std::to_string(num_states_) +
                   " probabilities");
        continue;
      }
      std::vector<double> probabilities;
      for (const toml::node& p : *row) probabilities.push_back(number(p, field).value_or(0.0));
      assembler.set_row({action}, {static_cast<Index>(s)}, probabilities, line_of(*rows->get(s)),
                        field);
    }
  }
}

const toml::table* TomlMdpReader::table_item(const toml::node& item, const std::string& key,
                                             const std::vector<std::string>& allowed) {
  const auto* table = item.as_table();
  if (table == nullptr) {
    report(line_of(item), key, "expected a table ([[" + key + "]] block)");
    return nullptr;
  }
  bool ok = true;
  for (auto&& [name, value] : *table) {
    const std::string text(name.str());
    if (std::find(allowed.begin(), allowed.end(), text) == allowed.end()) {
      const bool top_level =
          std::find(kModelKeys.begin(), kModelKeys.end(), text) != kModelKeys.end();
      report(line_of(value), key + "." + printable_token(text),
             "unknown key; " + suggest(text, allowed) +
                 (top_level ? " ('" + text +
                                  "' is a top-level key: in TOML it must come before "
                                  "the first [[...]] block)"
                            : ""));
      ok = false;
    }
  }
  for (const char* required : {"from", "action"}) {
    if (!table->contains(required)) {
      report(line_of(item), key, std::string("missing '") + required + "'");
      ok = false;
    }
  }
  return ok ? table : nullptr;
}

void TomlMdpReader::read_transitions(const toml::node& node, MdpAssembler& assembler) {
  const auto* array = node.as_array();
  if (array == nullptr) fail(line_of(node), "transition", "expected [[transition]] blocks");
  for (const toml::node& item : *array) {
    poll_cancellation();  // Python's Ctrl-C during a long read (toml++'s own parse is not polled)
    const toml::table* table = table_item(item, "transition", {"from", "action", "to", "p"});
    if (table == nullptr) continue;
    const int line = line_of(item);
    const auto from = reference(*table->get("from"), "transition.from", true, true);
    const auto action = reference(*table->get("action"), "transition.action", false, true);
    const toml::node* to = table->get("to");
    const toml::node* p = table->get("p");
    if (!from || !action) continue;
    if (to == nullptr) {
      report(line, "transition", "missing 'to': a state (with p), a table {state = p} or a list");
      continue;
    }
    const Index rows = (from->index == kAnyIndex ? num_states_ : 1) *
                       (action->index == kAnyIndex ? num_actions_ : 1);
    if (to->is_string() || to->is_integer()) {
      const auto next = reference(*to, "transition.to", true, true);
      if (p == nullptr) {
        report(line, "transition", "an entry with a single 'to' needs 'p'");
        continue;
      }
      const auto probability = number(*p, "transition.p");
      if (!next || !probability) continue;
      if (*probability < 0.0 || *probability > 1.0) {
        report(line_of(*p), "transition.p",
               "probability " + format_number(*probability) + " is outside [0, 1]");
        continue;
      }
      if (next->index == kAnyIndex &&
          !assembler.check_expansion(rows, num_states_, line, "transition"))
        continue;
      assembler.set_entry(*action, *from, *next, *probability, line);
      continue;
    }
    if (p != nullptr) {
      report(line_of(*p), "transition.p", "'p' goes with a single 'to' state; a row gives its own");
      continue;
    }
    std::vector<std::pair<Index, double>> entries;
    if (const auto* list = to->as_array()) {
      if (static_cast<Index>(list->size()) != num_states_) {
        report(line_of(*to), "transition.to",
               "expected " + std::to_string(num_states_) + " probabilities, got " +
                   std::to_string(list->size()));
        continue;
      }
      for (std::size_t n = 0; n < list->size(); ++n) {
        const double value = number(*list->get(n), "transition.to").value_or(0.0);
        if (value != 0.0) entries.emplace_back(static_cast<Index>(n), value);
      }
    } else if (const auto* row = to->as_table()) {
      for (auto&& [name, value] : *row) {
        const auto found = state_lookup_.find(std::string(name.str()));
        Index next = -1;
        if (found != state_lookup_.end()) {
          next = found->second;
        } else if (state_names_.empty()) {
          next = parse_index(name.str(), kIndexDigits).value_or(-1);
        }
        if (next < 0 || next >= num_states_) {
          report(
              line_of(value), "transition.to",
              "unknown state " + quote_token(name.str()) +
                  (state_names_.empty() ? ""
                                        : "; " + suggest(std::string(name.str()), state_names_)));
          continue;
        }
        entries.emplace_back(next, number(value, "transition.to").value_or(0.0));
      }
    } else {
      report(line_of(*to), "transition.to", "expected a state, a table {state = p} or a list");
      continue;
    }
    if (!assembler.check_expansion(rows, static_cast<Index>(entries.size()), line, "transition"))
      continue;
    assembler.set_sparse_row(*action, *from, entries, line, "transition");
  }
}

void TomlMdpReader::read_rewards(const toml::table& root, MdpAssembler& assembler) {
  if (const toml::node* node = root.get("rewards")) {
    const auto* rows = node->as_array();
    if (rows == nullptr || static_cast<Index>(rows->size()) != num_states_) {
      report(line_of(*node), "rewards",
             "expected " + std::to_string(num_states_) + " rows of " +
                 std::to_string(num_actions_) + " numbers");
    } else {
      for (std::size_t s = 0; s < rows->size(); ++s) {
        const auto* row = rows->get(s)->as_array();
        if (row == nullptr || static_cast<Index>(row->size()) != num_actions_) {
          report(line_of(*rows->get(s)), "rewards",
                 "row " + std::to_string(s) + ": expected " + std::to_string(num_actions_) +
                     " numbers");
          continue;
        }
        for (std::size_t a = 0; a < row->size(); ++a) {
          const auto value = number(*row->get(a), "rewards");
          if (!value) continue;
          assembler.add_reward({.action = {static_cast<Index>(a)},
                                .state = {static_cast<Index>(s)},
                                .values = {*value}});
        }
      }
    }
  }
  const toml::node* node = root.get("reward");
  if (node == nullptr) return;
  const auto* array = node->as_array();
  if (array == nullptr) fail(line_of(*node), "reward", "expected [[reward]] blocks");
  for (const toml::node& item : *array) {
    const toml::table* table = table_item(item, "reward", {"from", "action", "to", "value"});
    if (table == nullptr) continue;
    const auto from = reference(*table->get("from"), "reward.from", true, true);
    const auto action = reference(*table->get("action"), "reward.action", false, true);
    std::optional<Selector> to = Selector{kAnyIndex};
    if (const toml::node* next = table->get("to")) to = reference(*next, "reward.to", true, true);
    const toml::node* value = table->get("value");
    if (value == nullptr) {
      report(line_of(item), "reward", "missing 'value'");
      continue;
    }
    const auto amount = number(*value, "reward.value");
    if (!from || !action || !to || !amount) continue;
    assembler.add_reward(
        {.action = *action, .state = *from, .next_state = *to, .values = {*amount}});
  }
}

Mdp TomlMdpReader::read_map(const toml::table& root) {
  for (auto&& [key, value] : root) {
    const std::string name(key.str());
    if (std::find(kMapKeys.begin(), kMapKeys.end(), name) == kMapKeys.end()) {
      fail(line_of(value), printable_token(name),
           "not allowed with 'map' (an inline gridworld takes: map, gamma, "
           "slip, step_reward, goal_reward, trap_reward)");
    }
  }
  const toml::node& map = *root.get("map");
  std::vector<std::string> rows;
  if (const auto* text = map.as_string()) {
    rows = split_map(text->get());
  } else if (const auto* array = map.as_array()) {
    for (const toml::node& row : *array) {
      if (!row.is_string()) fail(line_of(row), "map", "expected strings, one per grid row");
      rows.push_back(row.as_string()->get());
    }
  } else {
    fail(line_of(map), "map", "expected a list of rows or one string with rows separated by '/'");
  }
  GridworldOptions options;
  const auto optional_number = [&](const char* key, double& target) {
    if (const toml::node* node = root.get(key)) {
      const std::optional<double> value = as_double(*node);
      if (!node->is_number() || !value) fail(line_of(*node), key, "expected a number");
      target = *value;
    }
  };
  optional_number("gamma", options.gamma);
  optional_number("slip", options.slip);
  optional_number("step_reward", options.step_reward);
  optional_number("goal_reward", options.goal_reward);
  optional_number("trap_reward", options.trap_reward);
  try {
    return make_gridworld(rows, options);
  } catch (const InputError& error) {
    const int line = error.location().field == "map" ? line_of(map) : line_of(root);
    fail(line, error.location().field, error.message());
  }
}

Mdp TomlMdpReader::read(const std::string& text) {
  const toml::table root = parse_toml_document(text, file_);
  if (root.contains("map")) return read_map(root);
  for (auto&& [key, value] : root) {
    const std::string name(key.str());
    if (std::find(kModelKeys.begin(), kModelKeys.end(), name) == kModelKeys.end()) {
      fail(line_of(value), printable_token(name), "unknown key; " + suggest(name, kModelKeys));
    }
  }
  const toml::node* gamma_node = root.get("gamma");
  if (gamma_node == nullptr) fail(line_of(root), "gamma", "missing: the discount factor in [0, 1)");
  const std::optional<double> gamma = as_double(*gamma_node);
  if (!gamma_node->is_number() || !gamma || !(*gamma >= 0.0 && *gamma < 1.0)) {
    fail(line_of(*gamma_node), "gamma", "must be a number in [0, 1)");
  }
  read_names(root, "states", num_states_, state_names_, state_lookup_);
  read_names(root, "actions", num_actions_, action_names_, action_lookup_);
  if (num_states_ * num_actions_ > MdpAssembler::kMaxStateActionPairs) {
    fail(line_of(*root.get("actions")), "actions",
         std::to_string(num_states_) + " states x " + std::to_string(num_actions_) +
             " actions exceed this reader's limit of " +
             std::to_string(MdpAssembler::kMaxStateActionPairs) + " state-action pairs");
  }
  MdpAssembler assembler(num_states_, num_actions_, file_, errors_);
  assembler.set_state_names(state_names_);
  assembler.set_action_names(action_names_);

  if (const toml::node* start = root.get("start")) {
    assembler.set_start(read_start(*start), line_of(*start), "start");
  }
  if (const toml::node* dense = root.get("dense")) read_dense(*dense, assembler);
  if (const toml::node* transitions = root.get("transition"))
    read_transitions(*transitions, assembler);
  read_rewards(root, assembler);
  if (const toml::node* absorbing = root.get("absorbing")) {
    const auto* array = absorbing->as_array();
    if (array == nullptr) fail(line_of(*absorbing), "absorbing", "expected a list of states");
    for (const toml::node& item : *array) {
      const auto state = reference(item, "absorbing", true, false);
      if (!state) continue;
      assembler.set_sparse_row({kAnyIndex}, *state, {{state->index, 1.0}}, line_of(item),
                               "absorbing");
      assembler.add_reward({.state = *state, .values = {0.0}});
    }
  }
  // Rows that were never given have no line of their own: point at the end of the file.
  const int last_line = static_cast<int>(std::count(text.begin(), text.end(), '\n')) +
                        (text.empty() || text.back() == '\n' ? 0 : 1);
  return assembler.build(*gamma, false, options_, last_line, "transition");
}

}  // namespace

Mdp read_toml_mdp(const std::string& text, const std::string& file_name,
                  const MdpValidationOptions& options, ErrorList* errors) {
  ErrorList immediate;
  TomlMdpReader reader(file_name, options, errors != nullptr ? *errors : immediate);
  return reader.read(text);
}

namespace {

// Both readers of a [features] table: with an MDP, rows by pair (every pair once); without one,
// the rows in file order, their states and actions only checked to be names or indices.
Eigen::MatrixXd read_features_table(const toml::table& root, const std::string& file_name,
                                    const Mdp* mdp) {
  const auto fail = [&](int line, const std::string& key, const std::string& message) {
    throw InputError({.file = file_name, .line = line, .field = key}, message);
  };
  const toml::node* node = root.get("features");
  if (node == nullptr || !node->is_table()) {
    fail(node != nullptr ? line_of(*node) : 0, "features",
         "no [features] table (dim = k, rows = [[state, action, f0, ..., f{k-1}], ...])");
  }
  const toml::table& table = *node->as_table();
  for (auto&& [key, value] : table) {
    const std::string name(key.str());
    if (name != "dim" && name != "rows") {
      fail(line_of(value), "features." + printable_token(name),
           "unknown key; " + suggest(name, {"dim", "rows"}));
    }
  }
  const toml::node* dim_node = table.get("dim");
  if (dim_node == nullptr) fail(line_of(table), "features.dim", "missing: the number of features");
  const auto* dim = dim_node->as_integer();
  if (dim == nullptr || dim->get() < 1 || dim->get() > 1000000) {
    fail(line_of(*dim_node), "features.dim", "must be an integer in [1, 1000000]");
  }
  const toml::node* rows_node = table.get("rows");
  const auto* rows = rows_node != nullptr ? rows_node->as_array() : nullptr;
  if (rows == nullptr) {
    fail(rows_node != nullptr ? line_of(*rows_node) : line_of(table), "features.rows",
         "expected a list of rows [state, action, f0, ..., f{k-1}]");
  }
  const Index states = mdp != nullptr ? mdp->num_states() : 0;
  const Index actions = mdp != nullptr ? mdp->num_actions() : 0;
  const Index k = dim->get();
  // A state or action by the MDP's name or by 0-based index.
  const auto entity = [&](const toml::node& item, const std::vector<std::string>& names,
                          Index count, const char* what) -> Index {
    const char* article = what[0] == 'a' ? "an " : "a ";
    if (mdp == nullptr) {  // any name, or an index (checked against the MDP later)
      const auto* index = item.as_integer();
      if (item.is_string() || (index != nullptr && index->get() >= 0)) return 0;
      fail(line_of(item), std::string("features.") + what,
           std::string("expected ") + article + what + " name or a 0-based index");
    }
    if (const auto* name = item.as_string()) {
      for (std::size_t i = 0; i < names.size(); ++i) {
        if (names[i] == name->get()) return static_cast<Index>(i);
      }
      fail(line_of(item), std::string("features.") + what,
           std::string("unknown ") + what + " " + quote_token(name->get()));
    }
    const auto* index = item.as_integer();
    if (index == nullptr || index->get() < 0 || index->get() >= count) {
      fail(line_of(item), std::string("features.") + what,
           std::string("expected ") + article + what + " name or an index in [0, " +
               std::to_string(count - 1) + "]");
    }
    return static_cast<Index>(index->get());
  };
  // The values row after row, placed once every row is read: a large `dim` allocates nothing
  // before rows of that length exist.
  std::vector<double> read;
  std::vector<Index> targets;  // with an MDP: each row's s A + a
  std::vector<int> seen(static_cast<std::size_t>(states * actions), 0);
  for (const toml::node& item : *rows) {
    const auto* row = item.as_array();
    if (row == nullptr || static_cast<Index>(row->size()) != k + 2) {
      fail(line_of(item), "features.rows",
           "expected a row [state, action, f0, ..., f" + std::to_string(k - 1) + "] of " +
               std::to_string(k + 2) + " entries");
    }
    static const std::vector<std::string> kNoNames;
    const Index s =
        entity(*row->get(0), mdp != nullptr ? mdp->state_names() : kNoNames, states, "state");
    const Index a =
        entity(*row->get(1), mdp != nullptr ? mdp->action_names() : kNoNames, actions, "action");
    if (mdp != nullptr) {
      int& first = seen[static_cast<std::size_t>(s * actions + a)];
      if (first != 0) {
        fail(line_of(item), "features.rows",
             "state " + mdp->state_label(s) + ", action " + mdp->action_label(a) +
                 " given twice (first at line " + std::to_string(first) + ")");
      }
      first = line_of(item);
      targets.push_back(s * actions + a);
    }
    for (Index j = 0; j < k; ++j) {
      const toml::node& entry = *row->get(static_cast<std::size_t>(j + 2));
      const std::optional<double> value = as_double(entry);
      const std::string field = "features.f" + std::to_string(j);
      if (!entry.is_number() || !value || !std::isfinite(*value)) {
        fail(line_of(entry), field, "expected a finite number");
      }
      if (std::abs(*value) > kLargestFeature) {
        fail(line_of(entry), field,
             format_number(*value) + " is beyond " + format_number(kLargestFeature) +
                 " in magnitude: products of features would overflow");
      }
      read.push_back(*value);
    }
  }
  for (Index row = 0; row < states * actions; ++row) {
    if (seen[static_cast<std::size_t>(row)] == 0) {
      fail(line_of(*rows_node), "features.rows",
           "no row for state " + mdp->state_label(row / actions) + ", action " +
               mdp->action_label(row % actions) + ": every (state, action) pair needs one");
    }
  }
  return place_table_rows(read, k, targets, states * actions);
}

}  // namespace

Eigen::MatrixXd read_toml_features(const std::string& text, const std::string& file_name,
                                   const Mdp& mdp) {
  return read_features_table(parse_toml_document(text, file_name), file_name, &mdp);
}

Eigen::MatrixXd check_toml_features_file(const std::string& path) {
  return read_features_table(
      parse_toml_document(read_text_file(path, "cannot open the feature file"), path), path,
      nullptr);
}

Eigen::MatrixXd read_toml_features_file(const std::string& path, const Mdp& mdp) {
  return read_toml_features(read_text_file(path, "cannot open the feature file"), path, mdp);
}

std::optional<Eigen::MatrixXd> read_optional_toml_features(const std::string& path,
                                                           const Mdp& mdp) {
  // One parse, whose errors (with their lines) are the file's errors either way.
  const toml::table root =
      parse_toml_document(read_text_file(path, "cannot open the MDP file"), path);
  if (root.get("features") == nullptr) return std::nullopt;
  return read_features_table(root, path, &mdp);
}

void write_toml_features(std::ostream& out, const Mdp& mdp, const Eigen::MatrixXd& features) {
  out << "\n[features]\ndim = " << features.cols() << "\nrows = [\n";
  const Index actions = mdp.num_actions();
  for (Index row = 0; row < features.rows(); ++row) {
    out << "  [" << row / actions << ", " << row % actions;
    for (Index j = 0; j < features.cols(); ++j) out << ", " << format_double(features(row, j));
    out << "],\n";
  }
  out << "]\n";
}

void write_toml_mdp(std::ostream& out, const Mdp& mdp) {
  const Index S = mdp.num_states(), A = mdp.num_actions();
  const auto& states = mdp.state_names();
  const auto& actions = mdp.action_names();
  const auto state_ref = [&](Index s) {
    return states.empty() ? std::to_string(s) : toml_string(states[static_cast<std::size_t>(s)]);
  };
  const auto action_ref = [&](Index a) {
    return actions.empty() ? std::to_string(a) : toml_string(actions[static_cast<std::size_t>(a)]);
  };
  out << "# Written by tabrl (tabrl's TOML MDP format, docs/mdp-formats.md).\n";
  out << "gamma = " << format_double(mdp.gamma()) << "\n";
  const auto names_or_count = [&](const char* key, const std::vector<std::string>& names,
                                  Index count) {
    out << key << " = ";
    if (names.empty()) {
      out << count << "\n";
      return;
    }
    out << "[";
    for (std::size_t i = 0; i < names.size(); ++i) out << (i ? ", " : "") << toml_string(names[i]);
    out << "]\n";
  };
  names_or_count("states", states, S);
  names_or_count("actions", actions, A);
  out << "start = [";
  for (Index s = 0; s < S; ++s) out << (s ? ", " : "") << format_double(mdp.rho()[s]);
  out << "]\n";
  out << "# r(s, a): one row per state, one column per action.\nrewards = [\n";
  for (Index s = 0; s < S; ++s) {
    out << "  [";
    for (Index a = 0; a < A; ++a) out << (a ? ", " : "") << format_double(mdp.rewards()(s, a));
    out << "],\n";
  }
  out << "]\n";
  for (Index s = 0; s < S; ++s) {
    for (Index a = 0; a < A; ++a) {
      out << "\n[[transition]]\nfrom = " << state_ref(s) << "\naction = " << action_ref(a)
          << "\nto = { ";
      bool first = true;
      for (TransitionMatrix::InnerIterator it(mdp.transitions(), mdp.transition_row(s, a)); it;
           ++it) {
        out << (first ? "" : ", ") << toml_string(name_or_index(states, it.col())) << " = "
            << format_double(it.value());
        first = false;
      }
      out << " }\n";
    }
  }
}

}  // namespace tabrl
