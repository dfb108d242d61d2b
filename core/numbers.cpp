#include "numbers.hpp"

#include <cmath>

namespace tabrl {

std::optional<double> parse_double(std::string_view text, PlusSign plus) {
  // from_chars takes no '+'. One is skipped only before a digit or '.': "+-1" is not a number.
  if (plus == PlusSign::accepted && text.size() > 1 && text.front() == '+' &&
      (text[1] == '.' || (text[1] >= '0' && text[1] <= '9'))) {
    text.remove_prefix(1);
  }
  if (text.empty()) return std::nullopt;
  double value = 0.0;
  const char* end = text.data() + text.size();
  const auto [stop, error] = std::from_chars(text.data(), end, value);
  if (error != std::errc() || stop != end || !std::isfinite(value)) return std::nullopt;
  return value;
}

bool beyond_double_range(std::string_view text, PlusSign plus) {
  if (plus == PlusSign::accepted && !text.empty() && text.front() == '+') text.remove_prefix(1);
  double value = 0.0;
  const char* end = text.data() + text.size();
  const auto [stop, error] = std::from_chars(text.data(), end, value);
  return error == std::errc::result_out_of_range && stop == end;
}

std::string_view range_note(std::string_view text, PlusSign plus) {
  return beyond_double_range(text, plus) ? " (beyond the range of a double)" : "";
}

std::optional<std::int64_t> parse_index(std::string_view text, std::size_t max_digits) {
  if (text.empty() || text.size() > max_digits || text.size() > 18) return std::nullopt;
  if (text.find_first_not_of("0123456789") != std::string_view::npos) return std::nullopt;
  return parse_int<std::int64_t>(text);
}

}  // namespace tabrl
