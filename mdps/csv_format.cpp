#include "mdps/csv_format.hpp"

#include <charconv>
#include <cmath>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <unordered_map>

#include "core/format.hpp"
#include "core/text.hpp"

namespace tabrl {
namespace {

std::optional<double> parse_number(const std::string& text) {
  if (text.empty()) return std::nullopt;
  const char* begin = text.data() + (text.front() == '+' ? 1 : 0);
  double value = 0.0;
  const auto [end, error] = std::from_chars(begin, text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || !std::isfinite(value)) {
    return std::nullopt;
  }
  return value;
}

bool is_index(const std::string& text) {
  return !text.empty() && text.size() < 10 &&
         text.find_first_not_of("0123456789") == std::string::npos;
}

std::vector<std::string> split_words(const std::string& text) {
  std::istringstream stream(text);
  std::vector<std::string> words;
  for (std::string word; stream >> word;) words.push_back(word);
  return words;
}

// Splits one CSV line (no quoting: names may not contain commas, quotes or line breaks).
std::vector<std::string> split_fields(const std::string& line) {
  std::vector<std::string> fields;
  std::size_t start = 0;
  while (true) {
    const std::size_t comma = line.find(',', start);
    fields.push_back(trim(line.substr(start, comma - start)));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return fields;
}

// Names in a fixed order (from a comment) or in order of first appearance.
class NameTable {
 public:
  bool given() const { return fixed_ || numbered_count_ > 0; }
  void fix(std::vector<std::string> names) {
    // "0 1 2 ..." in order only fixes the count: the entities are numbered, not named.
    bool numbered = true;
    for (std::size_t i = 0; i < names.size(); ++i) numbered = numbered && names[i] == std::to_string(i);
    if (numbered) {
      numeric_ = true;
      numbered_count_ = static_cast<Index>(names.size());
      return;
    }
    fixed_ = true;
    for (std::string& name : names) {
      lookup_.emplace(name, static_cast<Index>(names_.size()));
      names_.push_back(std::move(name));
    }
  }
  bool fixed() const { return fixed_; }
  void see(const std::string& token) {
    if (numbered_count_ > 0) return;
    if (!fixed_ && lookup_.emplace(token, static_cast<Index>(names_.size())).second) {
      names_.push_back(token);
    }
  }
  // After every token was seen: indices when every name is a non-negative integer.
  void finish() {
    if (fixed_) return;
    if (numbered_count_ > 0) {
      count_ = numbered_count_;
      return;
    }
    numeric_ = !names_.empty() && std::all_of(names_.begin(), names_.end(), is_index);
    if (numeric_) {
      count_ = 0;
      for (const std::string& name : names_) count_ = std::max<Index>(count_, std::stoll(name) + 1);
    } else {
      count_ = static_cast<Index>(names_.size());
    }
  }
  Index count() const { return fixed_ ? static_cast<Index>(names_.size()) : count_; }
  // The index of a name, or nullopt; always below count().
  std::optional<Index> find(const std::string& token) const {
    const std::optional<Index> index = lookup(token);
    return index && *index < count() ? index : std::nullopt;
  }
  std::optional<Index> lookup(const std::string& token) const {
    if (numeric_) {
      if (!is_index(token)) return std::nullopt;
      const Index index = std::stoll(token);
      return numbered_count_ > 0 && index >= numbered_count_ ? std::nullopt : std::optional<Index>(index);
    }
    const auto found = lookup_.find(token);
    return found == lookup_.end() ? std::nullopt : std::optional<Index>(found->second);
  }
  std::vector<std::string> names() const { return numeric_ ? std::vector<std::string>{} : names_; }
  bool numbered() const { return numeric_; }

 private:
  bool fixed_ = false;
  bool numeric_ = false;
  Index numbered_count_ = 0;  // from a "# states = 0 1 2 ..." line
  Index count_ = 0;
  std::vector<std::string> names_;
  std::unordered_map<std::string, Index> lookup_;
};

struct Row {
  int line;
  std::string from, action, to;
  double probability;
  double reward;
};

}  // namespace

Mdp read_csv_mdp(const std::string& text, const std::string& file_name,
                 const MdpValidationOptions& options, ErrorList* errors) {
  ErrorList immediate;
  ErrorList& sink = errors != nullptr ? *errors : immediate;
  const auto fail = [&](int line, const std::string& field, const std::string& message) {
    throw InputError({.file = file_name, .line = line, .field = field}, message);
  };
  std::istringstream input(text);
  std::string line;
  int line_number = 0;
  std::optional<double> gamma;
  std::string start_text;
  int start_line = 0;
  NameTable states, actions;
  bool header_seen = false;
  std::vector<Row> rows;
  while (std::getline(input, line)) {
    ++line_number;
    if (line.find('\0') != std::string::npos) fail(line_number, "syntax", "unexpected NUL byte (is this a text file?)");
    const std::string content = trim(line);
    if (content.empty()) continue;
    if (content.front() == '#') {
      const std::size_t equals = content.find('=');
      if (equals == std::string::npos) continue;  // a plain comment
      const std::string key = trim(content.substr(1, equals - 1));
      const std::string value = trim(content.substr(equals + 1));
      if (header_seen) fail(line_number, key, "settings must come before the header line");
      if (key == "gamma") {
        gamma = parse_number(value);
        if (!gamma || !(*gamma >= 0.0 && *gamma < 1.0)) fail(line_number, "gamma", "must be a number in [0, 1), got '" + value + "'");
      } else if (key == "start") {
        start_text = value;
        start_line = line_number;
      } else if (key == "states" || key == "actions") {
        std::vector<std::string> names = split_words(value);
        if (names.empty()) fail(line_number, key, "expected names separated by spaces");
        if ((key == "states" ? states : actions).given()) fail(line_number, key, "given twice");
        std::unordered_map<std::string, int> seen;
        for (const std::string& name : names) {
          if (++seen[name] > 1) fail(line_number, key, "duplicate name '" + name + "'");
        }
        (key == "states" ? states : actions).fix(std::move(names));
      } else {
        fail(line_number, key, "unknown setting (known: gamma, start, states, actions)");
      }
      continue;
    }
    const std::vector<std::string> fields = split_fields(content);
    if (!header_seen) {
      if (fields != std::vector<std::string>{"from", "action", "to", "probability", "reward"}) {
        fail(line_number, "header", "expected 'from,action,to,probability,reward', found '" + content + "'");
      }
      header_seen = true;
      continue;
    }
    if (fields.size() != 5) {
      sink.report(InputError({.file = file_name, .line = line_number, .field = "row"},
                             "expected 5 fields, found " + std::to_string(fields.size())));
      continue;
    }
    const std::optional<double> probability = parse_number(fields[3]);
    const std::optional<double> reward = fields[4].empty() ? 0.0 : parse_number(fields[4]);
    if (!probability) {
      sink.report(InputError({.file = file_name, .line = line_number, .field = "probability"},
                             "expected a number, found '" + fields[3] + "'"));
      continue;
    }
    if (!reward) {
      sink.report(InputError({.file = file_name, .line = line_number, .field = "reward"},
                             "expected a number, found '" + fields[4] + "'"));
      continue;
    }
    if (fields[0].empty() || fields[1].empty() || fields[2].empty()) {
      sink.report(InputError({.file = file_name, .line = line_number, .field = "row"}, "empty state or action"));
      continue;
    }
    states.see(fields[0]);
    actions.see(fields[1]);
    states.see(fields[2]);
    rows.push_back({line_number, fields[0], fields[1], fields[2], *probability, *reward});
  }
  if (!header_seen) fail(line_number, "header", "missing header line 'from,action,to,probability,reward'");
  if (!gamma) fail(0, "gamma", "missing '# gamma = ...' line before the header");
  states.finish();
  actions.finish();
  if (states.count() == 0 || actions.count() == 0) fail(line_number, "row", "no transitions given");
  // Every (s, a) needs at least one row: numbered states or actions beyond that are a mistake
  // (and would otherwise allocate for millions of empty rows).
  const bool numbered = states.numbered() || actions.numbered();
  if (numbered && states.count() * actions.count() > static_cast<Index>(rows.size())) {
    fail(line_number, "row", std::to_string(states.count()) + " states x " +
                                 std::to_string(actions.count()) + " actions need at least " +
                                 std::to_string(states.count() * actions.count()) +
                                 " rows, the file has " + std::to_string(rows.size()) +
                                 " (numbered states or actions run from 0 to the largest index)");
  }
  MdpAssembler assembler(states.count(), actions.count(), file_name, sink);
  assembler.set_state_names(states.names());
  assembler.set_action_names(actions.names());
  std::map<std::tuple<Index, Index, Index>, int> first_line;
  for (const Row& row : rows) {
    const auto from = states.find(row.from);
    const auto action = actions.find(row.action);
    const auto to = states.find(row.to);
    if (!from || !to || !action) {
      const std::string which = !from ? "state '" + row.from + "'" : !to ? "state '" + row.to + "'" : "action '" + row.action + "'";
      sink.report(InputError({.file = file_name, .line = row.line, .field = "row"},
                             "unknown " + which + " (not in the '# states' / '# actions' list)"));
      continue;
    }
    const auto [slot, inserted] = first_line.emplace(std::make_tuple(*from, *action, *to), row.line);
    if (!inserted) {
      sink.report(InputError({.file = file_name, .line = row.line, .field = "row"},
                             "transition (" + row.from + ", " + row.action + ") -> " + row.to +
                                 " already given on line " + std::to_string(slot->second)));
      continue;
    }
    if (row.probability < 0.0 || row.probability > 1.0) {
      sink.report(InputError({.file = file_name, .line = row.line, .field = "probability"},
                             "probability " + format_number(row.probability) + " is outside [0, 1]"));
      continue;
    }
    // Entries accumulate into their row (set_entry replaces one entry at a time).
    assembler.set_entry({*action}, {*from}, {*to}, row.probability, row.line, "row");
    assembler.add_reward({.line = row.line, .field = "reward", .action = {*action}, .state = {*from},
                          .next_state = {*to}, .values = {row.reward}});
  }
  Vector rho = Vector::Constant(states.count(), 1.0 / static_cast<double>(states.count()));
  if (!start_text.empty() && start_text != "uniform") {
    const std::vector<std::string> words = split_words(start_text);
    rho.setZero();
    if (words.size() == 1 && words[0].find(':') == std::string::npos) {
      const auto state = states.find(words[0]);
      if (!state || *state >= states.count()) fail(start_line, "start", "unknown state '" + words[0] + "'");
      rho[*state] = 1.0;
    } else if (words[0].find(':') != std::string::npos) {
      for (const std::string& word : words) {
        const std::size_t colon = word.rfind(':');
        const auto state = states.find(word.substr(0, colon));
        const auto p = parse_number(word.substr(colon + 1));
        if (colon == std::string::npos || !state || *state >= states.count() || !p) {
          fail(start_line, "start", "expected name:probability pairs, found '" + word + "'");
        }
        rho[*state] = *p;
      }
    } else {
      if (static_cast<Index>(words.size()) != states.count()) {
        fail(start_line, "start", "expected " + std::to_string(states.count()) + " probabilities, found " +
                                      std::to_string(words.size()));
      }
      for (std::size_t s = 0; s < words.size(); ++s) {
        const auto p = parse_number(words[s]);
        if (!p) fail(start_line, "start", "expected a number, found '" + words[s] + "'");
        rho[static_cast<Index>(s)] = *p;
      }
    }
  }
  return assembler.build(*gamma, rho, false, options, line_number, "row");
}

Mdp read_csv_mdp_file(const std::string& path, const MdpValidationOptions& options, ErrorList* errors) {
  return read_csv_mdp(read_text_file(path), path, options, errors);
}

}  // namespace tabrl
