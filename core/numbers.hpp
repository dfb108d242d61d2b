// Numbers from text: one home for std::from_chars. The whole text must be the number (no
// spaces, nothing after it), in from_chars's locale-independent syntax, so that a file or a
// spec reads the same under any locale.
#pragma once

#include <charconv>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace tabrl {

// Whether a '+' may lead a number: the MDP file formats accept "+0.5" (pomdp-solve does);
// specs and command-line values never did.
enum class PlusSign { rejected, accepted };

// A finite double in decimal or scientific notation with an optional '-' (or, when accepted, a
// '+' directly before a digit or '.'); nullopt for anything else, "inf", "nan" and values
// outside the range of a double included.
std::optional<double> parse_double(std::string_view text, PlusSign plus = PlusSign::rejected);

// Whether `text` is a number in that syntax (a '+' as `plus` allows) whose value lies outside
// the range of a double (1e-400, 1e400): for messages that say why parse_double refused it.
bool beyond_double_range(std::string_view text, PlusSign plus = PlusSign::rejected);

// " (beyond the range of a double)" when beyond_double_range(text, plus), else "": appended to
// a message that refuses `text` as a number, so that 1e-400 is not only "not a number".
std::string_view range_note(std::string_view text, PlusSign plus = PlusSign::rejected);

// A base-10 integer with an optional '-' that fits in Int; nullopt for anything else.
template <std::integral Int = std::int64_t>
std::optional<Int> parse_int(std::string_view text) {
  if (text.empty()) return std::nullopt;
  Int value = 0;
  const char* end = text.data() + text.size();
  const auto [stop, error] = std::from_chars(text.data(), end, value);
  if (error != std::errc() || stop != end) return std::nullopt;
  return value;
}

// A non-negative integer written with digits only (no sign, no spaces), at most `max_digits`
// of them (at most 18, which int64 always holds); nullopt for anything else. The readers bound
// the digits to tell a numbered state from a named one.
std::optional<std::int64_t> parse_index(std::string_view text, std::size_t max_digits = 18);

}  // namespace tabrl
