#include "spec.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include <tabrl/core/error.hpp>
#include <tabrl/core/format.hpp>
#include <tabrl/core/numbers.hpp>
#include <tabrl/core/suggest.hpp>
#include <tabrl/core/text.hpp>

namespace tabrl {
namespace {

std::optional<bool> to_boolean(const std::string& text) {
  if (text == "true" || text == "1") return true;
  if (text == "false" || text == "0") return false;
  return std::nullopt;
}

// The items of "[a, b, c]"; nullopt when `text` is not a bracketed list.
std::optional<std::vector<std::string>> list_items(const std::string& text) {
  if (text.size() < 2 || text.front() != '[' || text.back() != ']') return std::nullopt;
  std::vector<std::string> items;
  const std::string inner = text.substr(1, text.size() - 2);
  if (trim(inner).empty()) return items;
  std::size_t start = 0;
  while (start <= inner.size()) {
    const std::size_t comma = std::min(inner.find(',', start), inner.size());
    items.push_back(trim(inner.substr(start, comma - start)));
    start = comma + 1;
  }
  return items;
}

// Removes the spaces around a list's brackets and commas: "[1, 2]" and "[1,2]" are the same
// value. A space between two other characters is part of a value, so that "1 0" stays one
// (malformed) number instead of becoming 10.
std::string without_spaces(const std::string& text) {
  const auto is_space = [](char c) { return c == ' ' || c == '\t'; };
  const auto is_separator = [](char c) { return c == '[' || c == ']' || c == ','; };
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (!is_space(text[i])) {
      out += text[i];
      continue;
    }
    std::size_t next = i;
    while (next < text.size() && is_space(text[next])) ++next;
    const bool inside = !out.empty() && next < text.size() && !is_separator(out.back()) &&
                        !is_separator(text[next]);
    if (inside) out.append(text, i, next - i);
    i = next - 1;
  }
  return out;
}

}  // namespace

const std::string* Spec::find(const std::string& key) const {
  for (const auto& [argument, value] : arguments) {
    if (argument == key) return &value;
  }
  return nullptr;
}

Spec Spec::with(const std::string& key, const std::string& value) const {
  Spec copy = *this;
  for (auto& [argument, old] : copy.arguments) {
    if (argument == key) {
      old = value;
      return copy;
    }
  }
  copy.arguments.emplace_back(key, value);
  return copy;
}

std::string Spec::to_string() const {
  if (arguments.empty()) return name;
  std::string text = name + "(";
  for (std::size_t i = 0; i < arguments.size(); ++i) {
    text += (i == 0 ? "" : ",") + arguments[i].first + "=" + arguments[i].second;
  }
  return text + ")";
}

std::string Spec::canonical() const {
  Spec sorted = *this;
  std::sort(sorted.arguments.begin(), sorted.arguments.end());
  return sorted.to_string();
}

Spec parse_spec(const std::string& text, const std::string& field) {
  const std::string spec = trim(text);
  const std::size_t open = spec.find('(');
  Spec result;
  if (open == std::string::npos) {
    if (spec.find(')') != std::string::npos) {
      throw InputError({.field = field}, "spec '" + spec + "' has a ')' without '('");
    }
    result.name = spec;
    return result;
  }
  if (spec.back() != ')') {
    throw InputError({.field = field}, "spec '" + spec + "' lacks a closing ')'");
  }
  result.name = trim(spec.substr(0, open));
  if (result.name.empty()) throw InputError({.field = field}, "spec '" + spec + "' has no name");
  const std::string body = spec.substr(open + 1, spec.size() - open - 2);
  std::size_t start = 0;
  while (start <= body.size()) {
    int depth = 0;
    std::size_t end = start;
    for (; end < body.size(); ++end) {
      if (body[end] == '[') ++depth;
      if (body[end] == ']' && --depth < 0) break;
      if ((body[end] == '(' || body[end] == ')') && depth == 0) break;
      if (body[end] == ',' && depth == 0) break;
    }
    if (depth != 0 || (end < body.size() && body[end] != ',')) {
      throw InputError({.field = field}, "unbalanced brackets or parentheses in '" + spec + "'");
    }
    const std::string item = trim(body.substr(start, end - start));
    start = end + 1;
    if (item.empty()) {
      if (end >= body.size()) break;
      continue;
    }
    const std::size_t equals = item.find('=');
    if (equals == std::string::npos) {
      throw InputError({.field = field},
                       "expected key=value in '" + spec + "', got '" + item + "'");
    }
    const std::string key = trim(item.substr(0, equals));
    if (key.empty()) throw InputError({.field = field}, "empty key in '" + spec + "'");
    if (result.find(key) != nullptr) {
      throw InputError({.field = result.name + "." + key}, "given twice in '" + spec + "'");
    }
    result.arguments.emplace_back(key, without_spaces(trim(item.substr(equals + 1))));
  }
  return result;
}

SpecArguments::SpecArguments(const Spec& spec, const std::vector<ParameterInfo>& parameters)
    : spec_(spec), parameters_(parameters) {
  std::vector<std::string> names;
  for (const ParameterInfo& parameter : parameters) names.push_back(parameter.name);
  for (const auto& [key, value] : spec.arguments) {
    if (std::find(names.begin(), names.end(), key) == names.end()) {
      throw InputError({.field = field(key)},
                       names.empty() ? "unknown parameter: " + spec.name + " takes none"
                                     : unknown_name("parameter of " + spec.name, key, names));
    }
  }
}

std::string SpecArguments::field(const std::string& key) const { return spec_.name + "." + key; }

bool SpecArguments::given(const std::string& key) const { return spec_.find(key) != nullptr; }

std::string SpecArguments::raw(const std::string& key) const {
  if (const std::string* value = spec_.find(key)) return *value;
  for (const ParameterInfo& parameter : parameters_) {
    if (parameter.name == key && !parameter.default_value.empty()) return parameter.default_value;
  }
  throw InputError({.field = field(key)}, "required parameter is missing");
}

const ParameterInfo& SpecArguments::parameter(const std::string& key) const {
  for (const ParameterInfo& parameter : parameters_) {
    if (parameter.name == key) return parameter;
  }
  throw InputError({.field = field(key)}, "not a parameter of " + spec_.name);
}

void SpecArguments::check(const std::string& key, const std::string& text) const {
  if (const auto problem = check_parameter_value(parameter(key), text)) {
    throw InputError({.field = field(key)}, *problem);
  }
}

double SpecArguments::parse_number(const std::string& key, const std::string& text) const {
  const std::optional<double> value = parse_double(text);
  if (!value)
    throw InputError({.field = field(key)},
                     "expected a number, got '" + text + "'" + std::string(range_note(text)));
  return *value;
}

double SpecArguments::number(const std::string& key) const {
  const std::string text = raw(key);
  check(key, text);
  return parse_number(key, text);
}

int SpecArguments::integer(const std::string& key) const {
  const std::string text = raw(key);
  check(key, text);
  return *parse_int<int>(text);
}

bool SpecArguments::boolean(const std::string& key) const {
  const std::string text = raw(key);
  check(key, text);
  return *to_boolean(text);
}

std::string SpecArguments::text(const std::string& key) const {
  const std::string text = raw(key);
  check(key, text);
  return text;
}

void SpecArguments::check_values() const {
  for (const ParameterInfo& parameter : parameters_) {
    if (const std::string* value = spec_.find(parameter.name)) {
      check(parameter.name, *value);
    } else if (parameter.default_value.empty()) {
      throw InputError({.field = field(parameter.name)}, "required parameter is missing");
    }
  }
}

std::vector<double> SpecArguments::numbers(const std::string& key) const {
  const std::string text = raw(key);
  const std::optional<std::vector<std::string>> items = list_items(text);
  if (!items) {
    throw InputError({.field = field(key)}, "expected a list like [0.1, 0.5], got '" + text + "'");
  }
  std::vector<double> values;
  for (const std::string& item : *items) values.push_back(parse_number(key, item));
  return values;
}

std::string normalized_parameter_value(const std::string& type, const std::string& text) {
  if (type == "number") {
    if (const auto value = parse_double(text)) return format_number(*value);
  } else if (type == "integer") {
    if (const auto value = parse_int<int>(text)) return std::to_string(*value);
  } else if (type == "boolean") {
    if (const auto value = to_boolean(text)) return *value ? "true" : "false";
  } else if (type == "list of numbers") {
    if (const auto items = list_items(text)) {
      std::string out = "[";
      for (std::size_t i = 0; i < items->size(); ++i) {
        const auto value = parse_double((*items)[i]);
        if (!value) return text;
        out += (i == 0 ? "" : ",") + format_number(*value);
      }
      return out + "]";
    }
  }
  return text;
}

Spec resolved_spec(const Spec& spec, const std::vector<ParameterInfo>& parameters) {
  Spec resolved = spec;
  for (const ParameterInfo& parameter : parameters) {
    if (resolved.find(parameter.name) == nullptr && !parameter.default_value.empty()) {
      resolved.arguments.emplace_back(parameter.name, parameter.default_value);
    }
  }
  for (auto& [key, value] : resolved.arguments) {
    for (const ParameterInfo& parameter : parameters) {
      if (parameter.name == key) value = normalized_parameter_value(parameter.type, value);
    }
  }
  std::sort(resolved.arguments.begin(), resolved.arguments.end());
  return resolved;
}

bool ParameterRange::contains(double value) const {
  const bool above = low_open ? value > low : value >= low;
  const bool below = high_open ? value < high : value <= high;
  return above && below;
}

std::string ParameterRange::to_string() const {
  const bool bounded_below = std::isfinite(low);
  const bool bounded_above = std::isfinite(high);
  if (bounded_below && bounded_above) {
    return std::string(low_open ? "(" : "[") + format_number(low) + ", " + format_number(high) +
           (high_open ? ")" : "]");
  }
  if (bounded_below) return (low_open ? "> " : ">= ") + format_number(low);
  if (bounded_above) return (high_open ? "< " : "<= ") + format_number(high);
  return "any finite value";
}

std::optional<std::string> check_parameter_value(const ParameterInfo& parameter,
                                                 const std::string& text) {
  const std::string& type = parameter.type;
  if (type == "number" || type == "integer") {
    std::optional<double> value;
    if (type == "integer") {
      if (const auto parsed = parse_int<int>(text)) value = *parsed;
    } else {
      value = parse_double(text);
    }
    const auto out_of = [&](const ParameterRange& range) {
      const bool interval = std::isfinite(range.low) && std::isfinite(range.high);
      return "must be " + std::string(interval ? "in " : "") + range.to_string() + ", got " + text;
    };
    if (!value && type == "integer" && parse_int<long long>(text)) {
      // An integer beyond 32 bits: the parameter's range within int's.
      ParameterRange within = parameter.range;
      if (!(within.low > std::numeric_limits<int>::min())) {
        within.low = std::numeric_limits<int>::min();
        within.low_open = false;
      }
      if (!(within.high < std::numeric_limits<int>::max())) {
        within.high = std::numeric_limits<int>::max();
        within.high_open = false;
      }
      return out_of(within);
    }
    if (!value)
      return "expected " + std::string(type == "integer" ? "an integer" : "a number") + ", got '" +
             text + "'" + std::string(type == "number" ? range_note(text) : "");
    if (!parameter.range.contains(*value)) return out_of(parameter.range);
  }
  if (type == "boolean" && !to_boolean(text)) return "expected true or false, got '" + text + "'";
  if (type == "choice" && std::find(parameter.choices.begin(), parameter.choices.end(), text) ==
                              parameter.choices.end()) {
    return unknown_name("value", text, parameter.choices);
  }
  if (type == "list of numbers") {
    const auto items = list_items(text);
    if (!items) return "expected a list like [0.1, 0.5], got '" + text + "'";
    if (items->empty()) return "expected a non-empty list like [0.1, 0.5], got '" + text + "'";
    for (const std::string& item : *items) {
      if (!parse_double(item))
        return "expected a number, got '" + item + "'" + std::string(range_note(item));
    }
  }
  return std::nullopt;
}

}  // namespace tabrl
