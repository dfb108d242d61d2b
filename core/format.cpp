#include "format.hpp"

#include <charconv>
#include <cmath>
#include <iomanip>
#include <sstream>

namespace tabrl {

std::string format_double(double value) {
  if (std::isnan(value)) return "nan";
  if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
  // Same text as printf("%.17g"), several times faster (the sweep writes millions of these).
  char buffer[32];
  const auto result =
      std::to_chars(buffer, buffer + sizeof buffer, value, std::chars_format::general, 17);
  return std::string(buffer, result.ptr);
}

std::string format_number(double value) {
  char buffer[32];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
  return std::string(buffer, result.ptr);
}

std::string format_brief(double value) {
  if (std::isnan(value)) return "-";
  if (std::isinf(value)) return "never";
  std::ostringstream text;
  text << std::setprecision(4) << value;
  return text.str();
}

}  // namespace tabrl
