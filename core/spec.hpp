// The one spec grammar of tabrl (docs/specs.md), shared by MDPs, algorithms, features and
// initial policies:
//
//   spec  := name | name "(" [item {"," item}] ")"
//   item  := key "=" value
//   value := text without "," "(" ")" "[" "]"  |  "[" [value {"," value}] "]"
//
// e.g. `garnet(states=50,actions=4,branching=3,seed=1)`, `mdpo(inner_steps=5,inner_step_size=2)`,
// `bandit(means=[0.2,0.5,0.9])`. A registry describes each name's typed, defaulted parameters
// (ParameterInfo); SpecArguments reads a parsed spec through that table, so strings end at the
// registry and everything behind a factory takes plain types.
#pragma once

#include <limits>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace tabrl {

struct Spec {
  std::string name;
  // In the order given; values as written (lists keep their brackets), without spaces around.
  std::vector<std::pair<std::string, std::string>> arguments;

  const std::string* find(const std::string& key) const;
  // A copy with `key` set to `value` (replaced where present, else appended).
  Spec with(const std::string& key, const std::string& value) const;
  // "name" without arguments, else "name(k=v,...)" in the order given.
  std::string to_string() const;
  // The same with the arguments sorted by key: equal for specs that mean the same thing.
  std::string canonical() const;
};

// Parses `text`. Throws InputError with `field` for a missing ")", an item without "=", an empty
// key, unbalanced brackets or a key given twice.
Spec parse_spec(const std::string& text, const std::string& field);

// The interval a number or integer parameter must lie in, each end open or closed.
struct ParameterRange {
  double low = -std::numeric_limits<double>::infinity();
  double high = std::numeric_limits<double>::infinity();
  bool low_open = false;
  bool high_open = false;

  bool contains(double value) const;
  std::string to_string() const;  // "(0, 1]", ">= 1", "> 0"
};

// One parameter of a named thing in a registry.
struct ParameterInfo {
  std::string name;
  std::string type;           // "number", "integer", "boolean", "text", "list of numbers", "choice"
  std::string default_value;  // empty: required
  std::string description;
  std::vector<std::string> choices = {};  // "choice": the allowed values
  ParameterRange range = {};              // "number", "integer": the allowed values
};

// The arguments of one spec, read through the parameter table of what it names. Unknown keys
// are refused at construction (with "did you mean"), values at the typed getters; every error
// is an InputError whose field reads "name.key".
class SpecArguments {
 public:
  SpecArguments(const Spec& spec, const std::vector<ParameterInfo>& parameters);

  double number(const std::string& key) const;  // finite, in the parameter's range
  int integer(const std::string& key) const;    // in the parameter's range
  bool boolean(const std::string& key) const;   // true/false (or 1/0)
  std::string text(const std::string& key) const;
  std::vector<double> numbers(const std::string& key) const;  // "[a, b, ...]"
  bool given(const std::string& key) const;                   // explicitly, not by default
  // Checks, without building anything, that every required parameter is given and that every
  // given value has its parameter's type (the errors the typed getters would raise).
  void check_values() const;

 private:
  std::string raw(const std::string& key) const;
  std::string field(const std::string& key) const;
  double parse_number(const std::string& key, const std::string& text) const;
  const ParameterInfo& parameter(const std::string& key) const;
  void check(const std::string& key, const std::string& text) const;  // check_parameter_value

  Spec spec_;
  const std::vector<ParameterInfo>& parameters_;
};

// `spec` with every parameter of `parameters` that has a default filled in, and every value in
// its canonical text (normalized_parameter_value), arguments sorted by key: specs that mean the
// same thing give the same text (run identities).
Spec resolved_spec(const Spec& spec, const std::vector<ParameterInfo>& parameters);

// The checks the typed getters make (type, range, choices), for callers that validate a value
// without a spec (sweep axes): nullopt when `text` is a valid value of `parameter`, else the
// reason, naming the allowed values.
std::optional<std::string> check_parameter_value(const ParameterInfo& parameter,
                                                 const std::string& text);

// The canonical text of a valid value of `type` (numbers as the shortest round-trip text,
// booleans as true/false), so that "1e-8", "1e-08" and "0.00000001" read the same. Other text is
// returned as it is.
std::string normalized_parameter_value(const std::string& type, const std::string& text);

}  // namespace tabrl
