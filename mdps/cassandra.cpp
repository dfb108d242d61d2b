#include "mdps/cassandra.hpp"

#include <charconv>
#include <cmath>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <unordered_map>
#include <vector>

#include "core/error.hpp"
#include "core/format.hpp"
#include "mdps/assembler.hpp"

namespace tabrl {
namespace {

constexpr Index kAll = kAnyIndex;
constexpr Index kMaxStateActionPairs = MdpAssembler::kMaxStateActionPairs;

struct Token {
  std::string text;
  int line = 0;
};

bool is_keyword(const std::string& text) {
  static const char* const kKeywords[] = {"discount", "values", "states", "actions",
                                          "observations", "start", "T", "O", "R"};
  for (const char* keyword : kKeywords) {
    if (text == keyword) return true;
  }
  return false;
}

bool is_reserved(const std::string& text) {
  // Statement keywords may name states (they are recognised only where a statement begins);
  // these words would be ambiguous inside a statement.
  static const char* const kReserved[] = {"uniform", "identity", "include", "exclude", "*"};
  for (const char* word : kReserved) {
    if (text == word) return true;
  }
  return false;
}

std::optional<double> parse_number(const std::string& text) {
  if (text.empty()) return std::nullopt;
  const char first = text.front();
  if (!(std::isdigit(static_cast<unsigned char>(first)) || first == '-' || first == '+' ||
        first == '.')) {
    return std::nullopt;
  }
  const char* begin = text.data() + (first == '+' ? 1 : 0);
  const char* end = text.data() + text.size();
  double value = 0.0;
  const auto [stop, error] = std::from_chars(begin, end, value);
  if (error != std::errc() || stop != end || !std::isfinite(value)) return std::nullopt;
  return value;
}

std::optional<Index> parse_index(const std::string& text) {
  if (text.empty() || text.size() > 15) return std::nullopt;
  for (char c : text) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return std::nullopt;
  }
  return static_cast<Index>(std::stoll(text));
}

class CassandraParser {
 public:
  CassandraParser(std::istream& input, std::string file_name, const MdpValidationOptions& options,
                  ErrorList* errors)
      : file_name_(std::move(file_name)),
        options_(options),
        errors_(errors != nullptr ? *errors : own_errors_) {
    tokenize(input);
  }

  Mdp parse();

 private:
  void tokenize(std::istream& input);
  [[noreturn]] void fail(int line, const std::string& field, const std::string& message) const {
    throw InputError({.file = file_name_, .line = line, .field = field}, message);
  }
  bool at_end() const { return position_ >= tokens_.size(); }
  const Token& peek() const { return tokens_[position_]; }
  int current_line() const {
    if (tokens_.empty()) return 0;
    return at_end() ? tokens_.back().line : peek().line;
  }
  bool next_is(const char* text) const { return !at_end() && peek().text == text; }
  const Token& take(const std::string& field, const char* expected);
  void expect_colon(const std::string& field);
  bool at_statement_start() const;

  void parse_discount();
  void parse_values();
  void parse_names(const std::string& field, Index& count, std::vector<std::string>& names,
                   std::unordered_map<std::string, Index>& lookup);
  void parse_start();
  void parse_transition();
  void parse_reward();
  std::vector<double> parse_numbers();
  Selector parse_selector(const std::string& field, const char* what, Index count,
                          const std::unordered_map<std::string, Index>& lookup);
  Selector parse_state(const std::string& field) {
    return parse_selector(field, "state", num_states_, state_lookup_);
  }
  Selector parse_action(const std::string& field) {
    return parse_selector(field, "action", num_actions_, action_lookup_);
  }
  void require_declarations(const std::string& field, int line) const;
  void check_expansion(int line, Index rows, Index per_row) {
    assembler_->check_expansion(rows, per_row, line, "T");
  }

  Mdp build();

  std::string file_name_;
  MdpValidationOptions options_;
  std::vector<Token> tokens_;
  std::size_t position_ = 0;

  std::optional<double> gamma_;
  bool costs_ = false;
  Index num_states_ = 0;
  Index num_actions_ = 0;
  std::vector<std::string> state_names_, action_names_;
  std::unordered_map<std::string, Index> state_lookup_, action_lookup_;
  std::optional<Vector> rho_;
  ErrorList own_errors_;
  ErrorList& errors_;
  std::unique_ptr<MdpAssembler> assembler_;  // once states and actions are known
};

void CassandraParser::tokenize(std::istream& input) {
  std::string line;
  int line_number = 0;
  while (std::getline(input, line)) {
    ++line_number;
    std::string current;
    const auto flush = [&] {
      if (!current.empty()) tokens_.push_back({std::move(current), line_number});
      current.clear();
    };
    for (char c : line) {
      const auto byte = static_cast<unsigned char>(c);
      if (c == '#') break;
      if (c == ':') {
        flush();
        tokens_.push_back({":", line_number});
      } else if (std::isspace(byte)) {
        flush();
      } else if (byte < 0x20 || byte == 0x7f) {
        char code[8];
        std::snprintf(code, sizeof code, "0x%02x", byte);
        fail(line_number, "syntax", std::string("unexpected control byte ") + code +
                                        " (is this a text file?)");
      } else {
        current.push_back(c);
      }
    }
    flush();
  }
  if (input.bad()) fail(0, "file", "read error");
}

const Token& CassandraParser::take(const std::string& field, const char* expected) {
  if (at_end()) fail(current_line(), field, std::string("expected ") + expected + ", found end of file");
  return tokens_[position_++];
}

void CassandraParser::expect_colon(const std::string& field) {
  const Token& token = take(field, "':'");
  if (token.text != ":") fail(token.line, field, "expected ':', found '" + token.text + "'");
}

bool CassandraParser::at_statement_start() const {
  if (at_end()) return true;
  const std::string& text = peek().text;
  if (!is_keyword(text)) return false;
  if (position_ + 1 >= tokens_.size()) return true;
  const std::string& next = tokens_[position_ + 1].text;
  return next == ":" || (text == "start" && (next == "include" || next == "exclude"));
}

std::vector<double> CassandraParser::parse_numbers() {
  std::vector<double> values;
  while (!at_end()) {
    const std::optional<double> value = parse_number(peek().text);
    if (!value) break;
    values.push_back(*value);
    ++position_;
  }
  return values;
}

Selector CassandraParser::parse_selector(const std::string& field, const char* what, Index count,
                                         const std::unordered_map<std::string, Index>& lookup) {
  const Token& token = take(field, what);
  if (token.text == "*") return {kAll};
  if (const std::optional<Index> index = parse_index(token.text)) {
    if (*index >= count) {
      fail(token.line, field, std::string(what) + " index " + token.text + " is out of range (" +
                                  std::to_string(count) + " " + what + "s, numbered from 0)");
    }
    return {*index};
  }
  const auto found = lookup.find(token.text);
  if (found == lookup.end()) {
    fail(token.line, field, std::string("unknown ") + what + " '" + token.text + "'");
  }
  return {found->second};
}

void CassandraParser::require_declarations(const std::string& field, int line) const {
  if (num_states_ == 0) fail(line, field, "appears before the 'states:' declaration");
  if (num_actions_ == 0) fail(line, field, "appears before the 'actions:' declaration");
}

void CassandraParser::parse_discount() {
  const Token& token = take("discount", "a number");
  const std::optional<double> value = parse_number(token.text);
  if (!value) fail(token.line, "discount", "expected a number, found '" + token.text + "'");
  if (!(*value >= 0.0 && *value < 1.0)) {
    fail(token.line, "discount", "must be in [0, 1) for a discounted MDP, got " + token.text);
  }
  gamma_ = *value;
}

void CassandraParser::parse_values() {
  const Token& token = take("values", "'reward' or 'cost'");
  if (token.text == "reward") {
    costs_ = false;
  } else if (token.text == "cost") {
    costs_ = true;
  } else {
    fail(token.line, "values", "expected 'reward' or 'cost', found '" + token.text + "'");
  }
}

void CassandraParser::parse_names(const std::string& field, Index& count,
                                  std::vector<std::string>& names,
                                  std::unordered_map<std::string, Index>& lookup) {
  const int line = current_line();
  if (count != 0) fail(line, field, "declared twice");
  if (!at_end() && parse_index(peek().text)) {
    const Token& token = take(field, "a count");
    count = *parse_index(token.text);
    if (count < 1) fail(token.line, field, "the count must be at least 1, got " + token.text);
    if (count > kMaxStateActionPairs) {
      fail(token.line, field, "the count " + token.text + " exceeds this reader's limit of " +
                                  std::to_string(kMaxStateActionPairs));
    }
    return;
  }
  while (!at_statement_start()) {
    const Token& token = take(field, "a name");
    if (std::isdigit(static_cast<unsigned char>(token.text.front())) || token.text == ":" ||
        parse_number(token.text)) {
      fail(token.line, field, "names cannot begin with a digit or sign: '" + token.text + "'");
    }
    if (is_reserved(token.text)) fail(token.line, field, "'" + token.text + "' is a reserved word");
    if (!lookup.emplace(token.text, static_cast<Index>(names.size())).second) {
      fail(token.line, field, "duplicate name '" + token.text + "'");
    }
    names.push_back(token.text);
  }
  if (names.empty()) fail(line, field, "expected a count or a list of names");
  count = static_cast<Index>(names.size());
}

void CassandraParser::parse_start() {
  const int line = current_line();
  if (num_states_ == 0) fail(line, "start", "appears before the 'states:' declaration");
  if (rho_) fail(line, "start", "declared twice");
  std::string mode;
  if (next_is("include") || next_is("exclude")) mode = tokens_[position_++].text;
  expect_colon("start");
  if (!mode.empty()) {
    std::vector<bool> listed(static_cast<std::size_t>(num_states_), false);
    bool any = false;
    while (!at_statement_start()) {
      const Selector state = parse_state("start " + mode);
      for (Index s = state.begin(); s < state.end(num_states_); ++s) {
        listed[static_cast<std::size_t>(s)] = true;
      }
      any = true;
    }
    if (!any) fail(line, "start " + mode, "expected a list of states");
    Vector rho = Vector::Zero(num_states_);
    for (Index s = 0; s < num_states_; ++s) {
      if (listed[static_cast<std::size_t>(s)] == (mode == "include")) rho[s] = 1.0;
    }
    if (rho.sum() == 0.0) fail(line, "start exclude", "every state is excluded");
    rho_ = rho / rho.sum();
    return;
  }
  if (next_is("uniform")) {
    ++position_;
    rho_ = Vector::Constant(num_states_, 1.0 / static_cast<double>(num_states_));
    return;
  }
  if (!at_end() && !parse_number(peek().text)) {
    const Selector state = parse_state("start");
    if (state.index == kAll) fail(line, "start", "'*' is not a start state; use 'uniform'");
    rho_ = Vector::Zero(num_states_);
    (*rho_)[state.index] = 1.0;
    return;
  }
  const std::size_t first = position_;
  const std::vector<double> values = parse_numbers();
  const bool single_index = values.size() == 1 && parse_index(tokens_[first].text).has_value() &&
                            !(num_states_ == 1 && values[0] == 1.0);
  if (single_index) {
    position_ = first;
    const Selector state = parse_state("start");
    rho_ = Vector::Zero(num_states_);
    (*rho_)[state.index] = 1.0;
    return;
  }
  if (static_cast<Index>(values.size()) != num_states_) {
    fail(line, "start", "expected 'uniform', a state, or " + std::to_string(num_states_) +
                            " probabilities; found " + std::to_string(values.size()) + " numbers");
  }
  rho_ = Eigen::Map<const Vector>(values.data(), num_states_);
}

void CassandraParser::parse_transition() {
  const int line = current_line();
  require_declarations("T", line);
  const Selector action = parse_action("T");
  const Index S = num_states_;
  if (next_is(":")) {
    ++position_;
    const Selector state = parse_state("T");
    if (next_is(":")) {
      ++position_;
      const Selector next = parse_state("T");
      const Token& token = take("T", "a probability");
      const std::optional<double> p = parse_number(token.text);
      if (!p) fail(token.line, "T", "expected a probability, found '" + token.text + "'");
      if (*p < 0.0 || *p > 1.0) fail(token.line, "T", "probability " + token.text + " is outside [0, 1]");
      assembler_->set_entry(action, state, next, *p, token.line, "T");
      return;
    }
    std::vector<double> row;
    if (next_is("uniform")) {
      ++position_;
      check_expansion(line, (action.index == kAll ? num_actions_ : 1) *
                                (state.index == kAll ? S : 1), S);
      row.assign(static_cast<std::size_t>(S), 1.0 / static_cast<double>(S));
    } else {
      row = parse_numbers();
      if (static_cast<Index>(row.size()) != S) {
        fail(line, "T", "expected a row of " + std::to_string(S) + " probabilities or 'uniform', found " +
                            std::to_string(row.size()) + " numbers" +
                            (at_statement_start() ? "" : " before '" + peek().text + "'"));
      }
    }
    assembler_->set_row(action, state, row, line, "T");
    return;
  }
  std::vector<double> matrix;
  if (next_is("uniform") || next_is("identity")) {
    check_expansion(line, (action.index == kAll ? num_actions_ : 1) * S,
                    peek().text == "uniform" ? S : 1);
  }
  if (next_is("uniform")) {
    ++position_;
    matrix.assign(static_cast<std::size_t>(S * S), 1.0 / static_cast<double>(S));
  } else if (next_is("identity")) {
    ++position_;
    matrix.assign(static_cast<std::size_t>(S * S), 0.0);
    for (Index s = 0; s < S; ++s) matrix[static_cast<std::size_t>(s * S + s)] = 1.0;
  } else {
    matrix = parse_numbers();
    if (static_cast<Index>(matrix.size()) != S * S) {
      fail(line, "T", "expected a " + std::to_string(S) + " x " + std::to_string(S) +
                          " matrix, 'uniform' or 'identity', found " + std::to_string(matrix.size()) +
                          " numbers" + (at_statement_start() ? "" : " before '" + peek().text + "'"));
    }
  }
  for (Index s = 0; s < S; ++s) {
    const auto begin = matrix.begin() + static_cast<std::ptrdiff_t>(s * S);
    assembler_->set_row(action, {s}, std::vector<double>(begin, begin + S), line, "T");
  }
}

void CassandraParser::parse_reward() {
  RewardRule rule;
  rule.line = current_line();
  rule.field = "R";
  require_declarations("R", rule.line);
  rule.action = parse_action("R");
  const Index S = num_states_;
  std::size_t expected = static_cast<std::size_t>(S * S);
  rule.kind = RewardRule::Kind::matrix;
  if (next_is(":")) {
    ++position_;
    rule.state = parse_state("R");
    rule.kind = RewardRule::Kind::row;
    expected = static_cast<std::size_t>(S);
    if (next_is(":")) {
      ++position_;
      rule.next_state = parse_state("R");
      rule.kind = RewardRule::Kind::single;
      expected = 1;
      if (next_is(":")) {
        ++position_;
        const Token& observation = take("R", "'*'");
        if (observation.text != "*") {
          fail(observation.line, "R",
               "observation-dependent rewards belong to POMDPs; only '*' is accepted here, found '" +
                   observation.text + "'");
        }
      }
    }
  }
  rule.values = parse_numbers();
  if (rule.values.size() != expected) {
    const char* shape = rule.kind == RewardRule::Kind::single ? "one value"
                        : rule.kind == RewardRule::Kind::row  ? "a row of S values"
                                                              : "an S x S matrix of values";
    fail(rule.line, "R", std::string("expected ") + shape + " (" + std::to_string(expected) +
                             " numbers), found " + std::to_string(rule.values.size()) +
                             (at_statement_start() ? "" : " before '" + peek().text + "'"));
  }
  assembler_->add_reward(std::move(rule));
}

Mdp CassandraParser::parse() {
  while (!at_end()) {
    const Token& head = tokens_[position_++];
    const std::string& keyword = head.text;
    if (!is_keyword(keyword)) {
      fail(head.line, "syntax", "expected a statement (discount:, values:, states:, actions:, "
                                "start:, T:, R:), found '" + keyword + "'");
    }
    if (keyword == "start") {
      parse_start();
      continue;
    }
    expect_colon(keyword);
    if (keyword == "discount") {
      parse_discount();
    } else if (keyword == "values") {
      parse_values();
    } else if (keyword == "states") {
      parse_names("states", num_states_, state_names_, state_lookup_);
    } else if (keyword == "actions") {
      parse_names("actions", num_actions_, action_names_, action_lookup_);
    } else if (keyword == "observations" || keyword == "O") {
      fail(head.line, keyword, "observations belong to POMDP files; tabrl reads the MDP subset");
    } else if (keyword == "T") {
      parse_transition();
    } else if (keyword == "R") {
      parse_reward();
    }
    if (num_states_ > 0 && num_actions_ > 0 && !assembler_) {
      if (num_states_ * num_actions_ > kMaxStateActionPairs) {
        fail(head.line, keyword, std::to_string(num_states_) + " states x " +
                                     std::to_string(num_actions_) + " actions exceed this reader's "
                                     "limit of " + std::to_string(kMaxStateActionPairs) +
                                     " state-action pairs");
      }
      assembler_ = std::make_unique<MdpAssembler>(num_states_, num_actions_, file_name_, errors_);
      assembler_->set_state_names(state_names_);
      assembler_->set_action_names(action_names_);
    }
  }
  return build();
}

Mdp CassandraParser::build() {
  const int last_line = tokens_.empty() ? 0 : tokens_.back().line;
  if (!gamma_) fail(last_line, "discount", "missing 'discount:' statement");
  if (num_states_ == 0) fail(last_line, "states", "missing 'states:' statement");
  if (num_actions_ == 0) fail(last_line, "actions", "missing 'actions:' statement");
  Vector rho = rho_ ? *rho_ : Vector::Constant(num_states_, 1.0 / static_cast<double>(num_states_));
  return assembler_->build(*gamma_, std::move(rho), costs_, options_, last_line, "T");
}

}  // namespace

Mdp read_cassandra(std::istream& input, const std::string& file_name,
                   const MdpValidationOptions& options, ErrorList* errors) {
  CassandraParser parser(input, file_name, options, errors);
  return parser.parse();
}

Mdp read_cassandra_file(const std::string& path, const MdpValidationOptions& options,
                        ErrorList* errors) {
  std::ifstream input(path, std::ios::binary);
  if (!input) throw InputError({.file = path}, "cannot open file");
  return read_cassandra(input, path, options, errors);
}

}  // namespace tabrl
