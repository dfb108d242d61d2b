#include "core/text.hpp"

#include <fstream>
#include <sstream>

#include "core/error.hpp"

namespace tabrl {

std::string trim(const std::string& text) {
  const auto begin = text.find_first_not_of(" \t\r\n");
  if (begin == std::string::npos) return "";
  const auto end = text.find_last_not_of(" \t\r\n");
  return text.substr(begin, end - begin + 1);
}

std::string read_text_file(const std::string& path, const std::string& failure) {
  std::ifstream input(path, std::ios::binary);
  if (!input) throw InputError({.file = path}, failure);
  std::ostringstream text;
  text << input.rdbuf();
  return text.str();
}

}  // namespace tabrl
