#include "cassandra.hpp"

#include <cctype>
#include <cmath>
#include <cstdio>
#include <deque>
#include <limits>
#include <memory>
#include <optional>
#include <sstream>
#include <unordered_map>
#include <vector>

#include <tabrl/core/cancellation.hpp>
#include <tabrl/core/error.hpp>
#include <tabrl/core/format.hpp>
#include <tabrl/core/numbers.hpp>
#include <tabrl/core/text.hpp>
#include <tabrl/mdps/assembler.hpp>
#include <tabrl/mdps/writers.hpp>

namespace tabrl {
namespace {

constexpr Index kAll = kAnyIndex;
constexpr Index kMaxStateActionPairs = MdpAssembler::kMaxStateActionPairs;

// "1 number", "3 numbers": how many numbers a statement held.
std::string numbers_found(std::size_t count) {
  return std::to_string(count) + (count == 1 ? " number" : " numbers");
}

struct Token {
  std::string text;
  int line = 0;
};

// An error that ends one statement: the reader reports it and goes on with the next statement,
// so that `tabrl mdp validate` can list every one. Other InputErrors stop the reading.
class StatementError : public InputError {
 public:
  using InputError::InputError;
};

bool is_keyword(std::string_view text) {
  // Asked for nearly every token: most words are told apart by their length alone.
  static constexpr std::string_view kKeywords[] = {
      "discount", "values", "states", "actions", "observations", "start", "T", "O", "R"};
  if (text.size() > 12) return false;
  for (std::string_view keyword : kKeywords) {
    if (text.size() == keyword.size() && text == keyword) return true;
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

// Numbers may carry a leading '+'. A numbered state or action has at most 15 digits: a longer
// digit string is a name.
constexpr PlusSign kPlusSign = PlusSign::accepted;
constexpr std::size_t kIndexDigits = 15;

// The tokens of a Cassandra file, read a line at a time as the parser asks for them: memory
// holds one line and a few tokens of look-ahead, however large the file. Line breaks are
// ordinary whitespace; '#' starts a comment; ':' is a token of its own.
class Lexer {
 public:
  Lexer(std::istream& input, const std::string& file_name) : input_(input), file_name_(file_name) {}

  // The token `ahead` places after the next one, or nullptr past the end of the file.
  const Token* look(std::size_t ahead = 0) {
    while (pending_.size() <= ahead) {
      if (!read_line()) return nullptr;
    }
    return &pending_[ahead];
  }
  bool at_end() { return look() == nullptr; }
  Token take() {
    look();
    Token token = std::move(pending_.front());
    pending_.pop_front();
    return token;
  }
  // The line of the next token, or of the last token at the end of the file (0 when empty).
  int line() { return at_end() ? last_token_line_ : pending_.front().line; }

 private:
  bool read_line();

  std::istream& input_;
  const std::string& file_name_;
  std::string line_;
  int line_number_ = 0;
  int last_token_line_ = 0;
  std::deque<Token> pending_;
};

bool Lexer::read_line() {
  if (!std::getline(input_, line_)) {
    if (input_.bad()) throw InputError({.file = file_name_}, "read error");
    return false;
  }
  ++line_number_;
  std::string_view text = line_;
  if (line_number_ == 1) text = without_byte_order_mark(text);
  std::size_t word = 0;  // where the current word began
  const auto flush = [&](std::size_t end) {
    if (end > word) {
      pending_.push_back({std::string(text.substr(word, end - word)), line_number_});
      last_token_line_ = line_number_;
    }
    word = end + 1;
  };
  std::size_t i = 0;
  for (; i < text.size() && text[i] != '#'; ++i) {
    const auto byte = static_cast<unsigned char>(text[i]);
    if (byte == ':') {
      flush(i);
      pending_.push_back({":", line_number_});
      last_token_line_ = line_number_;
    } else if (std::isspace(byte)) {
      flush(i);
    } else if (byte < 0x20 || byte == 0x7f) {
      char code[8];
      std::snprintf(code, sizeof code, "0x%02x", byte);
      throw InputError({.file = file_name_, .line = line_number_, .field = "syntax"},
                       std::string("unexpected control byte ") + code + " (is this a text file?)");
    }
  }
  flush(i);
  return true;
}

class CassandraParser {
 public:
  CassandraParser(std::istream& input, std::string file_name, const MdpValidationOptions& options,
                  ErrorList* errors)
      : file_name_(std::move(file_name)),
        options_(options),
        lexer_(input, file_name_),
        errors_(errors != nullptr ? *errors : own_errors_) {}

  Mdp parse();

 private:
  // Ends the current statement (see StatementError).
  [[noreturn]] void fail(int line, const std::string& field, const std::string& message) const {
    throw StatementError({.file = file_name_, .line = line, .field = field}, message);
  }
  // Ends the reading: what follows cannot be understood without this statement.
  [[noreturn]] void fatal(int line, const std::string& field, const std::string& message) const {
    throw InputError({.file = file_name_, .line = line, .field = field}, message);
  }
  bool next_is(const char* text) {
    const Token* token = lexer_.look();
    return token != nullptr && token->text == text;
  }
  // " before 'x'" when a statement stopped at a token that does not begin the next one.
  std::string before_next() {
    return at_statement_start() ? "" : " before " + quote_number(lexer_.look()->text, kPlusSign);
  }
  Token take(const std::string& field, const char* expected);
  void expect_colon(const std::string& field);
  bool at_statement_start();
  // Records the line of a setting that may be given once, or fails naming both lines.
  void check_once(int& first_line, int line, const std::string& field);

  void parse_statement();
  // After a StatementError: skips what is left of the statement.
  void skip_statement(int error_line);
  void parse_discount();
  void parse_values();
  void parse_names(const std::string& field, Index& count, std::vector<std::string>& names,
                   std::unordered_map<std::string, Index>& lookup);
  void parse_start(int line);
  void parse_transition(int line);
  void parse_reward(int line);
  std::vector<double> parse_numbers(std::size_t limit = std::numeric_limits<std::size_t>::max());
  std::size_t skip_numbers();
  Selector parse_selector(const std::string& field, const char* what, Index count,
                          const std::unordered_map<std::string, Index>& lookup);
  Selector parse_state(const std::string& field) {
    return parse_selector(field, "state", num_states_, state_lookup_);
  }
  Selector parse_action(const std::string& field) {
    return parse_selector(field, "action", num_actions_, action_lookup_);
  }
  void require_declarations(const std::string& field, int line) const;
  void check_expansion(int line, Index rows, Index per_row) const {
    const std::string message = MdpAssembler::expansion_error(rows, per_row);
    if (!message.empty()) fail(line, "T", message);
  }

  Mdp build();

  std::string file_name_;
  MdpValidationOptions options_;
  Lexer lexer_;

  std::optional<double> gamma_;
  bool costs_ = false;
  Index num_states_ = 0;
  Index num_actions_ = 0;
  std::vector<std::string> state_names_, action_names_;
  std::unordered_map<std::string, Index> state_lookup_, action_lookup_;
  std::optional<Vector> rho_;
  // The line of each setting's first statement (0: not given).
  int discount_line_ = 0, values_line_ = 0, states_line_ = 0, actions_line_ = 0, start_line_ = 0;
  ErrorList own_errors_;
  ErrorList& errors_;
  std::unique_ptr<MdpAssembler> assembler_;  // once states and actions are known
};

Token CassandraParser::take(const std::string& field, const char* expected) {
  if (lexer_.at_end()) {
    fail(lexer_.line(), field, std::string("expected ") + expected + ", found end of file");
  }
  return lexer_.take();
}

void CassandraParser::expect_colon(const std::string& field) {
  const Token token = take(field, "':'");
  if (token.text != ":") fail(token.line, field, "expected ':', found " + quote_token(token.text));
}

bool CassandraParser::at_statement_start() {
  const Token* token = lexer_.look();
  if (token == nullptr) return true;
  if (!is_keyword(token->text)) return false;
  const Token* next = lexer_.look(1);
  if (next == nullptr) return true;
  return next->text == ":" ||
         (token->text == "start" && (next->text == "include" || next->text == "exclude"));
}

void CassandraParser::check_once(int& first_line, int line, const std::string& field) {
  if (first_line != 0) {
    fail(line, field, "given twice (first at line " + std::to_string(first_line) + ")");
  }
  first_line = line;
}

std::vector<double> CassandraParser::parse_numbers(std::size_t limit) {
  std::vector<double> values;
  while (values.size() < limit) {
    const Token* token = lexer_.look();
    if (token == nullptr) break;
    const std::optional<double> value = parse_double(token->text, kPlusSign);
    if (!value) break;
    values.push_back(*value);
    lexer_.take();
  }
  return values;
}

std::size_t CassandraParser::skip_numbers() {
  std::size_t count = 0;
  for (const Token* token = lexer_.look(); token != nullptr && parse_double(token->text, kPlusSign);
       token = lexer_.look()) {
    lexer_.take();
    ++count;
  }
  return count;
}

Selector CassandraParser::parse_selector(const std::string& field, const char* what, Index count,
                                         const std::unordered_map<std::string, Index>& lookup) {
  const Token token = take(field, what);
  if (token.text == "*") return {kAll};
  if (const std::optional<Index> index = parse_index(token.text, kIndexDigits)) {
    if (*index >= count) {
      fail(token.line, field,
           std::string(what) + " index " + token.text + " is out of range (" +
               std::to_string(count) + " " + what + "s, numbered from 0)");
    }
    return {*index};
  }
  const auto found = lookup.find(token.text);
  if (found == lookup.end()) {
    fail(token.line, field,
         std::string("unknown ") + what + " " + quote_number(token.text, kPlusSign));
  }
  return {found->second};
}

void CassandraParser::require_declarations(const std::string& field, int line) const {
  if (num_states_ == 0) fail(line, field, "appears before the 'states:' declaration");
  if (num_actions_ == 0) fail(line, field, "appears before the 'actions:' declaration");
}

void CassandraParser::parse_discount() {
  const Token token = take("discount", "a number");
  const std::optional<double> value = parse_double(token.text, kPlusSign);
  if (!value)
    fail(token.line, "discount", "expected a number, found " + quote_number(token.text, kPlusSign));
  if (!(*value >= 0.0 && *value < 1.0)) {
    fail(token.line, "discount",
         "must be in [0, 1) for a discounted MDP, got " + printable_token(token.text));
  }
  gamma_ = *value;
}

void CassandraParser::parse_values() {
  const Token token = take("values", "'reward' or 'cost'");
  if (token.text == "reward") {
    costs_ = false;
  } else if (token.text == "cost") {
    costs_ = true;
  } else {
    fail(token.line, "values", "expected 'reward' or 'cost', found " + quote_token(token.text));
  }
}

void CassandraParser::parse_names(const std::string& field, Index& count,
                                  std::vector<std::string>& names,
                                  std::unordered_map<std::string, Index>& lookup) {
  // Every later statement depends on the names: an error here ends the reading.
  const int line = lexer_.line();
  if (!lexer_.at_end() && parse_index(lexer_.look()->text, kIndexDigits)) {
    const Token token = lexer_.take();
    count = *parse_index(token.text, kIndexDigits);
    if (count < 1) fatal(token.line, field, "the count must be at least 1, got " + token.text);
    if (count > kMaxStateActionPairs) {
      fatal(token.line, field,
            "the count " + token.text + " exceeds this reader's limit of " +
                std::to_string(kMaxStateActionPairs));
    }
    return;
  }
  while (!at_statement_start()) {
    const Token token = lexer_.take();
    if (std::isdigit(static_cast<unsigned char>(token.text.front())) || token.text == ":" ||
        parse_double(token.text, kPlusSign)) {
      fatal(token.line, field,
            "names cannot begin with a digit or sign: " + quote_token(token.text));
    }
    if (is_reserved(token.text))
      fatal(token.line, field, "'" + token.text + "' is a reserved word");
    if (!lookup.emplace(token.text, static_cast<Index>(names.size())).second) {
      fatal(token.line, field, "duplicate name " + quote_token(token.text));
    }
    names.push_back(token.text);
  }
  if (names.empty()) fatal(line, field, "expected a count or a list of names");
  count = static_cast<Index>(names.size());
}

void CassandraParser::parse_start(int line) {
  if (num_states_ == 0) fail(line, "start", "appears before the 'states:' declaration");
  check_once(start_line_, line, "start");
  std::string mode;
  if (next_is("include") || next_is("exclude")) mode = lexer_.take().text;
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
    lexer_.take();
    rho_ = Vector::Constant(num_states_, 1.0 / static_cast<double>(num_states_));
    return;
  }
  const Token* first = lexer_.look();
  if (first != nullptr && !parse_double(first->text, kPlusSign)) {
    const Selector state = parse_state("start");
    if (state.index == kAll) fail(line, "start", "'*' is not a start state; use 'uniform'");
    rho_ = Vector::Zero(num_states_);
    (*rho_)[state.index] = 1.0;
    return;
  }
  // A lone index names a state, unless it is the probability 1 of a single state.
  const Token* second = lexer_.look(1);
  const bool single_index = first != nullptr &&
                            parse_index(first->text, kIndexDigits).has_value() &&
                            (second == nullptr || !parse_double(second->text, kPlusSign)) &&
                            !(num_states_ == 1 && *parse_double(first->text, kPlusSign) == 1.0);
  if (single_index) {
    const Selector state = parse_state("start");
    rho_ = Vector::Zero(num_states_);
    (*rho_)[state.index] = 1.0;
    return;
  }
  const std::vector<double> values = parse_numbers();
  if (static_cast<Index>(values.size()) != num_states_) {
    fail(line, "start",
         "expected 'uniform', a state, or " + std::to_string(num_states_) +
             " probabilities; found " + numbers_found(values.size()) + before_next());
  }
  rho_ = Eigen::Map<const Vector>(values.data(), num_states_);
}

void CassandraParser::parse_transition(int line) {
  require_declarations("T", line);
  const Selector action = parse_action("T");
  const Index S = num_states_;
  const Index actions = action.index == kAll ? num_actions_ : 1;
  if (next_is(":")) {
    lexer_.take();
    const Selector state = parse_state("T");
    if (next_is(":")) {
      lexer_.take();
      const Selector next = parse_state("T");
      const Token token = take("T", "a probability");
      const std::optional<double> p = parse_double(token.text, kPlusSign);
      if (!p)
        fail(token.line, "T",
             "expected a probability, found " + quote_number(token.text, kPlusSign));
      if (*p < 0.0 || *p > 1.0) {
        fail(token.line, "T", "probability " + printable_token(token.text) + " is outside [0, 1]");
      }
      check_expansion(line, actions * (state.index == kAll ? S : 1), next.index == kAll ? S : 1);
      assembler_->set_entry(action, state, next, *p, token.line);
      return;
    }
    std::vector<double> row;
    if (next_is("uniform")) {
      lexer_.take();
      check_expansion(line, actions * (state.index == kAll ? S : 1), S);
      row.assign(static_cast<std::size_t>(S), 1.0 / static_cast<double>(S));
    } else {
      row = parse_numbers();
      if (static_cast<Index>(row.size()) != S) {
        fail(line, "T",
             "expected a row of " + std::to_string(S) + " probabilities or 'uniform', found " +
                 numbers_found(row.size()) + before_next());
      }
    }
    assembler_->set_row(action, state, row, line, "T");
    return;
  }
  if (next_is("uniform") || next_is("identity")) {
    const bool uniform = lexer_.take().text == "uniform";
    check_expansion(line, actions * S, uniform ? S : 1);
    std::vector<double> row;
    if (uniform) row.assign(static_cast<std::size_t>(S), 1.0 / static_cast<double>(S));
    for (Index s = 0; s < S; ++s) {
      if (uniform) {
        assembler_->set_row(action, {s}, row, line, "T");
      } else {
        assembler_->set_sparse_row(action, {s}, {{s, 1.0}}, line, "T");
      }
    }
    return;
  }
  // A matrix, read and applied a row at a time so that it is never held whole.
  for (Index s = 0; s < S; ++s) {
    const std::vector<double> row = parse_numbers(static_cast<std::size_t>(S));
    if (static_cast<Index>(row.size()) < S) {
      fail(line, "T",
           "expected a " + std::to_string(S) + " x " + std::to_string(S) +
               " matrix, 'uniform' or 'identity', found " +
               numbers_found(static_cast<std::size_t>(s * S) + row.size()) + before_next());
    }
    assembler_->set_row(action, {s}, row, line, "T");
  }
  if (const std::size_t extra = skip_numbers(); extra > 0) {
    fail(line, "T",
         "expected a " + std::to_string(S) + " x " + std::to_string(S) +
             " matrix, 'uniform' or 'identity', found " +
             numbers_found(static_cast<std::size_t>(S * S) + extra));
  }
}

void CassandraParser::parse_reward(int line) {
  require_declarations("R", line);
  RewardRule rule;
  rule.action = parse_action("R");
  const Index S = num_states_;
  std::size_t expected = static_cast<std::size_t>(S * S);
  rule.kind = RewardRule::Kind::matrix;
  if (next_is(":")) {
    lexer_.take();
    rule.state = parse_state("R");
    rule.kind = RewardRule::Kind::row;
    expected = static_cast<std::size_t>(S);
    if (next_is(":")) {
      lexer_.take();
      rule.next_state = parse_state("R");
      rule.kind = RewardRule::Kind::single;
      expected = 1;
      if (next_is(":")) {
        lexer_.take();
        const Token observation = take("R", "'*'");
        if (observation.text != "*") {
          fail(observation.line, "R",
               "observation-dependent rewards belong to POMDPs; only '*' is accepted here, "
               "found " +
                   quote_token(observation.text));
        }
      }
    }
  }
  rule.values = parse_numbers(expected);
  std::size_t found = rule.values.size();
  if (found == expected) found += skip_numbers();
  if (found != expected) {
    const std::string shape =
        rule.kind == RewardRule::Kind::single
            ? "one value"
            : (rule.kind == RewardRule::Kind::row ? "a row of S values ("
                                                  : "an S x S matrix of values (") +
                  std::to_string(expected) + " numbers)";
    fail(line, "R", "expected " + shape + ", found " + std::to_string(found) + before_next());
  }
  assembler_->add_reward(rule);
}

void CassandraParser::parse_statement() {
  const Token head = lexer_.take();
  const std::string& keyword = head.text;
  const int line = head.line;
  if (!is_keyword(keyword)) {
    fail(line, "syntax",
         "expected a statement (discount:, values:, states:, actions:, start:, T:, R:), found " +
             quote_number(keyword, kPlusSign));
  }
  if (keyword == "start") {
    parse_start(line);
    return;
  }
  if (keyword == "observations" || keyword == "O") {
    fatal(line, keyword, "observations belong to POMDP files; tabrl reads the MDP subset");
  }
  expect_colon(keyword);
  if (keyword == "discount") {
    check_once(discount_line_, line, keyword);
    parse_discount();
  } else if (keyword == "values") {
    check_once(values_line_, line, keyword);
    parse_values();
  } else if (keyword == "states") {
    check_once(states_line_, line, keyword);
    parse_names("states", num_states_, state_names_, state_lookup_);
  } else if (keyword == "actions") {
    check_once(actions_line_, line, keyword);
    parse_names("actions", num_actions_, action_names_, action_lookup_);
  } else if (keyword == "T") {
    parse_transition(line);
  } else if (keyword == "R") {
    parse_reward(line);
  }
  if (num_states_ > 0 && num_actions_ > 0 && !assembler_) {
    if (num_states_ * num_actions_ > kMaxStateActionPairs) {
      fatal(line, keyword,
            std::to_string(num_states_) + " states x " + std::to_string(num_actions_) +
                " actions exceed this reader's limit of " + std::to_string(kMaxStateActionPairs) +
                " state-action pairs");
    }
    assembler_ = std::make_unique<MdpAssembler>(num_states_, num_actions_, file_name_, errors_);
    assembler_->set_state_names(state_names_);
    assembler_->set_action_names(action_names_);
  }
}

void CassandraParser::skip_statement(int error_line) {
  // The rest of the statement: up to the next statement, or to a word that begins a later line
  // (a statement's continuation lines hold numbers; a word there is likely a broken statement
  // of its own, worth its own error).
  while (!at_statement_start()) {
    const Token* token = lexer_.look();
    if (token->line > error_line && !parse_double(token->text, kPlusSign)) return;
    lexer_.take();
  }
}

Mdp CassandraParser::parse() {
  while (!lexer_.at_end()) {
    poll_cancellation();  // Python's Ctrl-C during a long read
    try {
      parse_statement();
    } catch (const StatementError& error) {
      errors_.report(error);  // throws unless collecting
      skip_statement(error.location().line);
    }
  }
  return build();
}

Mdp CassandraParser::build() {
  const int last_line = lexer_.line();
  if (discount_line_ == 0) {
    errors_.report(InputError({.file = file_name_, .line = last_line, .field = "discount"},
                              "missing 'discount:' statement"));
  }
  if (num_states_ == 0) fatal(last_line, "states", "missing 'states:' statement");
  if (num_actions_ == 0) fatal(last_line, "actions", "missing 'actions:' statement");
  if (rho_) assembler_->set_start(*rho_, start_line_, "start");
  // Without a discount an error was reported, and build() stops before using the value.
  return assembler_->build(gamma_.value_or(0.0), costs_, options_, last_line, "T");
}

}  // namespace

Mdp read_cassandra(std::istream& input, const std::string& file_name,
                   const MdpValidationOptions& options, ErrorList* errors) {
  CassandraParser parser(input, file_name, options, errors);
  return parser.parse();
}

Mdp read_cassandra_file(const std::string& path, const MdpValidationOptions& options,
                        ErrorList* errors) {
  std::ifstream input = open_input_file(path);
  return read_cassandra(input, path, options, errors);
}

Mdp read_cassandra_text(const std::string& text, const std::string& file_name,
                        const MdpValidationOptions& options, ErrorList* errors) {
  std::istringstream input(text);
  return read_cassandra(input, file_name, options, errors);
}

void write_cassandra(std::ostream& out, const Mdp& mdp) {
  // A name must not read as a number or as a word the statements give a meaning to.
  const auto ambiguous = [](const std::string& name) {
    const char first = name.front();
    return std::isdigit(static_cast<unsigned char>(first)) || first == '-' || first == '+' ||
           first == '.' || is_reserved(name);
  };
  check_writable_names(mdp.state_names(), "state", "Cassandra", ambiguous);
  check_writable_names(mdp.action_names(), "action", "Cassandra", ambiguous);
  const Index S = mdp.num_states(), A = mdp.num_actions();
  const auto& states = mdp.state_names();
  const auto& actions = mdp.action_names();
  out << "# Written by tabrl (Cassandra's POMDP file format, MDP subset).\n";
  out << "discount: " << format_double(mdp.gamma()) << "\nvalues: reward\n";
  out << "states:";
  if (states.empty()) {
    out << " " << S;
  } else {
    for (const std::string& name : states) out << " " << name;
  }
  out << "\nactions:";
  if (actions.empty()) {
    out << " " << A;
  } else {
    for (const std::string& name : actions) out << " " << name;
  }
  out << "\nstart:";
  for (Index s = 0; s < S; ++s) out << " " << format_double(mdp.rho()[s]);
  out << "\n\n";
  for (Index s = 0; s < S; ++s) {
    for (Index a = 0; a < A; ++a) {
      for (TransitionMatrix::InnerIterator it(mdp.transitions(), mdp.transition_row(s, a)); it;
           ++it) {
        out << "T: " << name_or_index(actions, a) << " : " << name_or_index(states, s) << " : "
            << name_or_index(states, it.col()) << " " << format_double(it.value()) << "\n";
      }
    }
  }
  out << "\n";
  for (Index s = 0; s < S; ++s) {
    for (Index a = 0; a < A; ++a) {
      out << "R: " << name_or_index(actions, a) << " : " << name_or_index(states, s) << " : * "
          << format_double(mdp.rewards()(s, a)) << "\n";
    }
  }
}

}  // namespace tabrl
