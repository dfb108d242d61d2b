#include "csv_format.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <optional>
#include <sstream>
#include <unordered_map>

#include <tabrl/core/cancellation.hpp>
#include <tabrl/core/csv.hpp>
#include <tabrl/core/format.hpp>
#include <tabrl/core/numbers.hpp>
#include <tabrl/core/text.hpp>
#include <tabrl/mdps/writers.hpp>

namespace tabrl {
namespace {

// Numbers may carry a leading '+'. A numbered state or action has at most 9 digits: a longer
// digit string is a name.
constexpr PlusSign kPlusSign = PlusSign::accepted;
constexpr std::size_t kIndexDigits = 9;

bool is_index(const std::string& text) { return parse_index(text, kIndexDigits).has_value(); }

std::vector<std::string> split_words(const std::string& text) {
  std::istringstream stream(text);
  std::vector<std::string> words;
  for (std::string word; stream >> word;) words.push_back(word);
  return words;
}

// Names in a fixed order (from a comment) or in order of first appearance. Rows keep the id
// see() gives them, so that a name is stored once however many rows use it.
class NameTable {
 public:
  bool given() const { return fixed_ || numbered_count_ > 0; }
  void fix(std::vector<std::string> names) {
    // "0 1 2 ..." in order only fixes the count: the entities are numbered, not named.
    bool numbered = true;
    for (std::size_t i = 0; i < names.size(); ++i)
      numbered = numbered && names[i] == std::to_string(i);
    if (numbered) {
      numeric_ = true;
      numbered_count_ = static_cast<Index>(names.size());
      return;
    }
    fixed_ = true;
    for (std::string& name : names) {
      lookup_.emplace(name, static_cast<std::int32_t>(names_.size()));
      names_.push_back(std::move(name));
    }
  }
  // The id of a token: its index when the names are given (nullopt for one not among them),
  // otherwise the order of its first appearance, which finish() turns into an index.
  std::optional<std::int32_t> see(const std::string& token) {
    if (numbered_count_ > 0) {
      const std::optional<Index> index = parse_index(token, kIndexDigits);
      if (!index || *index >= numbered_count_) return std::nullopt;
      return static_cast<std::int32_t>(*index);
    }
    if (fixed_) {
      const auto found = lookup_.find(token);
      return found == lookup_.end() ? std::nullopt : std::optional<std::int32_t>(found->second);
    }
    const auto [found, inserted] = lookup_.emplace(token, static_cast<std::int32_t>(names_.size()));
    if (inserted) names_.push_back(token);
    return found->second;
  }
  // After every row was seen: indices when every name is a non-negative integer.
  void finish() {
    if (given()) return;
    numeric_ = !names_.empty() && std::all_of(names_.begin(), names_.end(), is_index);
    if (!numeric_) return;
    numbered_count_ = 0;
    for (const std::string& name : names_) {
      index_of_id_.push_back(*parse_index(name, kIndexDigits));
      numbered_count_ = std::max<Index>(numbered_count_, index_of_id_.back() + 1);
    }
  }
  // The index of a name after finish(), or nullopt.
  std::optional<Index> find(const std::string& token) const {
    if (numeric_) {
      const std::optional<Index> index = parse_index(token, kIndexDigits);
      if (!index || *index >= count()) return std::nullopt;
      return index;
    }
    const auto found = lookup_.find(token);
    return found == lookup_.end() ? std::nullopt : std::optional<Index>(found->second);
  }
  Index count() const {
    return numbered_count_ > 0 ? numbered_count_ : static_cast<Index>(names_.size());
  }
  Index index_of(std::int32_t id) const {
    return index_of_id_.empty() ? id : index_of_id_[static_cast<std::size_t>(id)];
  }
  // The name as written in the file (the index for numbered entities).
  std::string name_of(std::int32_t id) const {
    return names_.empty() ? std::to_string(id) : names_[static_cast<std::size_t>(id)];
  }
  std::vector<std::string> names() const { return numeric_ ? std::vector<std::string>{} : names_; }
  bool numbered() const { return numeric_; }

 private:
  bool fixed_ = false;
  bool numeric_ = false;
  Index numbered_count_ = 0;  // from a "# states = 0 1 2 ..." line, or by finish()
  std::vector<std::string> names_;
  std::unordered_map<std::string, std::int32_t> lookup_;
  std::vector<Index> index_of_id_;  // numbered names in order of appearance: their index
};

// One transition row of the file, with the ids of its names (compact: files can be large).
struct Row {
  int line;
  std::int32_t from, action, to;
  double probability;
  double reward;
};

constexpr const char* kSettings[] = {"gamma", "start", "states", "actions"};
constexpr std::size_t kGammaSetting = 0, kStartSetting = 1;  // indices in kSettings

}  // namespace

Mdp read_csv_mdp(const std::string& text, const std::string& file_name,
                 const MdpValidationOptions& options, ErrorList* errors) {
  ErrorList immediate;
  ErrorList& sink = errors != nullptr ? *errors : immediate;
  const auto fail = [&](int line, const std::string& field, const std::string& message) {
    throw InputError({.file = file_name, .line = line, .field = field}, message);
  };
  const auto report = [&](int line, const std::string& field, const std::string& message) {
    sink.report(InputError({.file = file_name, .line = line, .field = field}, message));
  };
  std::string_view rest = without_byte_order_mark(text);
  int line_number = 0;
  double gamma = 0.0;  // stays 0 only where an error was reported, so build() never uses it
  std::string start_text;
  int setting_lines[std::size(kSettings)] = {};  // the line of each setting, 0: not given
  NameTable states, actions;
  int header_line = 0;
  std::vector<Row> rows;
  std::vector<std::string> fields;
  while (!rest.empty()) {
    poll_cancellation();  // Python's Ctrl-C during a long read
    const std::size_t end = rest.find('\n');
    const std::string_view line = rest.substr(0, end);
    rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 1);
    ++line_number;
    if (line.find('\0') != std::string_view::npos) {
      fail(line_number, "syntax", "unexpected NUL byte (is this a text file?)");
    }
    const std::string content = trim(line);
    if (content.empty()) continue;
    if (content.front() == '#') {
      const std::size_t equals = content.find('=');
      if (equals == std::string::npos) continue;  // a plain comment
      const std::string key = trim(content.substr(1, equals - 1));
      const std::string value = trim(content.substr(equals + 1));
      const auto setting = std::find(std::begin(kSettings), std::end(kSettings), key);
      if (header_line != 0) {
        report(line_number, printable_token(key), "settings must come before the header line");
        continue;
      }
      if (setting == std::end(kSettings)) {
        report(line_number, printable_token(key),
               "unknown setting (known: gamma, start, states, actions)");
        continue;
      }
      int& first_line = setting_lines[setting - std::begin(kSettings)];
      if (first_line != 0) {
        report(line_number, key, "given twice (first at line " + std::to_string(first_line) + ")");
        continue;
      }
      first_line = line_number;
      if (key == "gamma") {
        const std::optional<double> given = parse_double(value, kPlusSign);
        if (given && *given >= 0.0 && *given < 1.0) {
          gamma = *given;
        } else {
          report(line_number, "gamma",
                 "must be a number in [0, 1), got " + quote_number(value, kPlusSign));
        }
      } else if (key == "start") {
        start_text = value;
      } else {
        std::vector<std::string> names = split_words(value);
        if (names.empty()) {
          report(line_number, key, "expected names separated by spaces");
          continue;
        }
        std::unordered_map<std::string, int> seen;
        const auto repeated = std::find_if(
            names.begin(), names.end(), [&](const std::string& name) { return ++seen[name] > 1; });
        if (repeated != names.end()) {
          report(line_number, key, "duplicate name " + quote_token(*repeated));
          continue;
        }
        (key == "states" ? states : actions).fix(std::move(names));
      }
      continue;
    }
    read_csv_record(content, 0, CsvDialect::plain_trimmed, fields);
    if (header_line == 0) {
      if (fields != std::vector<std::string>{"from", "action", "to", "probability", "reward"}) {
        fail(line_number, "header",
             "expected 'from,action,to,probability,reward', found " + quote_token(content));
      }
      header_line = line_number;
      continue;
    }
    if (fields.size() != 5) {
      report(line_number, "row", "expected 5 fields, found " + std::to_string(fields.size()));
      continue;
    }
    const std::optional<double> probability = parse_double(fields[3], kPlusSign);
    const std::optional<double> reward =
        fields[4].empty() ? 0.0 : parse_double(fields[4], kPlusSign);
    if (!probability) {
      report(line_number, "probability",
             "expected a number, found " + quote_number(fields[3], kPlusSign));
      continue;
    }
    if (!reward) {
      report(line_number, "reward",
             "expected a number, found " + quote_number(fields[4], kPlusSign));
      continue;
    }
    if (fields[0].empty() || fields[1].empty() || fields[2].empty()) {
      report(line_number, "row", "empty state or action");
      continue;
    }
    const auto from = states.see(fields[0]);
    const auto action = actions.see(fields[1]);
    const auto to = states.see(fields[2]);
    if (!from || !to || !action) {
      const std::string which = !from ? "state " + quote_token(fields[0])
                                : !to ? "state " + quote_token(fields[2])
                                      : "action " + quote_token(fields[1]);
      report(line_number, "row",
             "unknown " + which + " (not in the '# states' / '# actions' list)");
      continue;
    }
    rows.push_back({line_number, *from, *action, *to, *probability, *reward});
  }
  if (header_line == 0) {
    fail(line_number, "header", "missing header line 'from,action,to,probability,reward'");
  }
  if (setting_lines[kGammaSetting] == 0) {
    report(header_line, "gamma", "missing '# gamma = ...' line before the header");
  }
  states.finish();
  actions.finish();
  if (states.count() == 0 || actions.count() == 0) fail(line_number, "row", "no transitions given");
  // Every (s, a) needs at least one row: numbered states or actions beyond that are a mistake
  // (and would otherwise allocate for millions of empty rows).
  const Index S = states.count(), A = actions.count();
  const bool numbered = states.numbered() || actions.numbered();
  if (numbered && S * A > static_cast<Index>(rows.size())) {
    fail(line_number, "row",
         std::to_string(S) + " states x " + std::to_string(A) + " actions need at least " +
             std::to_string(S * A) + " rows, the file has " + std::to_string(rows.size()) +
             " (numbered states or actions run from 0 to the largest index)");
  }
  MdpAssembler assembler(S, A, file_name, sink);
  assembler.set_state_names(states.names());
  assembler.set_action_names(actions.names());

  // A (from, action, to) given twice, found by sorting (key, row) pairs rather than keeping a
  // map node per row.
  std::unordered_map<std::size_t, int> first_line_of_repeat;  // row -> line of the first
  {
    std::vector<std::pair<std::uint64_t, std::size_t>> keys;
    keys.reserve(rows.size());
    for (std::size_t i = 0; i < rows.size(); ++i) {
      const Row& row = rows[i];
      const auto pair = states.index_of(row.from) * A + actions.index_of(row.action);
      keys.emplace_back(static_cast<std::uint64_t>(pair * S + states.index_of(row.to)), i);
    }
    std::sort(keys.begin(), keys.end());
    for (std::size_t i = 1, first = 0; i < keys.size(); ++i) {
      if (keys[i].first != keys[first].first) {
        first = i;
      } else {
        first_line_of_repeat.emplace(keys[i].second, rows[keys[first].second].line);
      }
    }
  }
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const Row& row = rows[i];
    if (const auto repeat = first_line_of_repeat.find(i); repeat != first_line_of_repeat.end()) {
      report(row.line, "row",
             "transition (" + printable_token(states.name_of(row.from)) + ", " +
                 printable_token(actions.name_of(row.action)) + ") -> " +
                 printable_token(states.name_of(row.to)) + " already given on line " +
                 std::to_string(repeat->second));
      continue;
    }
    if (row.probability < 0.0 || row.probability > 1.0) {
      report(row.line, "probability",
             "probability " + format_number(row.probability) + " is outside [0, 1]");
      continue;
    }
    const Selector from{states.index_of(row.from)}, action{actions.index_of(row.action)},
        to{states.index_of(row.to)};
    // Entries accumulate into their row (set_entry replaces one entry at a time).
    assembler.set_entry(action, from, to, row.probability, row.line);
    assembler.add_reward(
        {.action = action, .state = from, .next_state = to, .values = {row.reward}});
  }
  rows.clear();
  rows.shrink_to_fit();

  const int start_line = setting_lines[kStartSetting];
  if (!start_text.empty() && start_text != "uniform") {
    const std::vector<std::string> words = split_words(start_text);
    Vector rho = Vector::Zero(S);
    std::string problem;
    if (words.size() == 1 && words[0].find(':') == std::string::npos) {
      const auto state = states.find(words[0]);
      if (!state) problem = "unknown state " + quote_number(words[0], kPlusSign);
      if (state) rho[*state] = 1.0;
    } else if (words[0].find(':') != std::string::npos) {
      for (const std::string& word : words) {
        const std::size_t colon = word.rfind(':');
        const auto state = states.find(word.substr(0, colon));
        const auto p = parse_double(word.substr(colon + 1), kPlusSign);
        if (colon == std::string::npos || !state || !p) {
          problem = "expected name:probability pairs, found " + quote_token(word);
          if (colon != std::string::npos && state)
            problem += range_note(word.substr(colon + 1), kPlusSign);
          break;
        }
        rho[*state] = *p;
      }
    } else if (static_cast<Index>(words.size()) != S) {
      problem =
          "expected " + std::to_string(S) + " probabilities, found " + std::to_string(words.size());
    } else {
      for (std::size_t s = 0; s < words.size() && problem.empty(); ++s) {
        const auto p = parse_double(words[s], kPlusSign);
        if (!p) problem = "expected a number, found " + quote_number(words[s], kPlusSign);
        if (p) rho[static_cast<Index>(s)] = *p;
      }
    }
    if (problem.empty()) {
      assembler.set_start(rho, start_line, "start");
    } else {
      report(start_line, "start", problem);
    }
  }
  return assembler.build(gamma, false, options, line_number, "row");
}

void write_csv_mdp(std::ostream& out, const Mdp& mdp) {
  check_writable_names(mdp.state_names(), "state", "CSV");
  check_writable_names(mdp.action_names(), "action", "CSV");
  const Index S = mdp.num_states(), A = mdp.num_actions();
  const auto& states = mdp.state_names();
  const auto& actions = mdp.action_names();
  out << "# Written by tabrl (long CSV MDP format).\n# gamma = " << format_double(mdp.gamma())
      << "\n# start =";
  for (Index s = 0; s < S; ++s) {
    if (mdp.rho()[s] != 0.0) {
      out << " " << name_or_index(states, s) << ":" << format_double(mdp.rho()[s]);
    }
  }
  // The order of states and actions (numbered ones are listed too, which fixes their count).
  out << "\n# states =";
  for (Index s = 0; s < S; ++s) out << " " << name_or_index(states, s);
  out << "\n# actions =";
  for (Index a = 0; a < A; ++a) out << " " << name_or_index(actions, a);
  out << "\nfrom,action,to,probability,reward\n";
  for (Index s = 0; s < S; ++s) {
    for (Index a = 0; a < A; ++a) {
      const std::string reward = format_double(mdp.rewards()(s, a));
      for (TransitionMatrix::InnerIterator it(mdp.transitions(), mdp.transition_row(s, a)); it;
           ++it) {
        out << name_or_index(states, s) << ',' << name_or_index(actions, a) << ','
            << name_or_index(states, it.col()) << ',' << format_double(it.value()) << ',' << reward
            << '\n';
      }
    }
  }
}

}  // namespace tabrl
