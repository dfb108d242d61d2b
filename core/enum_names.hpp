// One way to name enums: each enum keeps a table of {value, name} next to its definition, and
// to_string / parsing read that table (so a value added to the enum is added in one place).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace tabrl {

template <class Enum>
struct EnumName {
  Enum value;
  const char* name;
};

template <class Enum, std::size_t N>
constexpr const char* enum_name(Enum value, const EnumName<Enum> (&names)[N]) {
  for (const EnumName<Enum>& entry : names) {
    if (entry.value == value) return entry.name;
  }
  return "unknown";
}

template <class Enum, std::size_t N>
constexpr std::optional<Enum> enum_from_name(std::string_view text,
                                             const EnumName<Enum> (&names)[N]) {
  for (const EnumName<Enum>& entry : names) {
    if (text == entry.name) return entry.value;
  }
  return std::nullopt;
}

// "a, b or c": the names of a table, for messages.
template <class Enum, std::size_t N>
std::string enum_choices(const EnumName<Enum> (&names)[N]) {
  std::string text;
  for (std::size_t i = 0; i < N; ++i) {
    text += (i == 0 ? "" : i + 1 == N ? " or " : ", ") + std::string(names[i].name);
  }
  return text;
}

}  // namespace tabrl
