#include "toml_document.hpp"

#include <vector>

#include <tabrl/core/cancellation.hpp>
#include <tabrl/core/error.hpp>
#include <tabrl/core/numbers.hpp>
#include <tabrl/core/text.hpp>

namespace tabrl {
namespace {

// A toml++ message with each 'quoted' part cut and escaped as every token in a message is.
std::string with_tokens_cut(std::string_view message) {
  std::string result;
  bool inside = false;
  for (std::size_t start = 0; start <= message.size();) {
    const std::size_t quote = std::min(message.find('\'', start), message.size());
    const std::string_view part = message.substr(start, quote - start);
    result += inside ? printable_token(part) : std::string(part);
    if (quote < message.size()) result += '\'';
    inside = !inside;
    start = quote + 1;
  }
  return result;
}

// Finds the floats that toml++ read as 0 from text beyond the range of a double. toml++ counts
// columns in code points, from 1, with the end one past the value's last character.
class UnderflowCheck {
 public:
  UnderflowCheck(std::string_view text, const std::string& file) : text_(text), file_(file) {
    line_starts_.push_back(0);
    for (std::size_t i = 0; i < text.size(); ++i) {
      if (text[i] == '\n') line_starts_.push_back(i + 1);
    }
  }

  void check(const toml::node& node, const std::string& key) const {
    poll_cancellation();
    if (const auto* table = node.as_table()) {
      for (auto&& [name, value] : *table) {
        check(value, key.empty() ? std::string(name.str()) : key + "." + std::string(name.str()));
      }
    } else if (const auto* array = node.as_array()) {
      for (const toml::node& item : *array) check(item, key);
    } else if (const auto* floating = node.as_floating_point()) {
      if (floating->get() != 0.0) return;  // only a rounding to 0 loses the number silently
      std::string token = source_text(node.source());
      std::erase(token, '_');  // TOML's digit separators
      if (beyond_double_range(token, PlusSign::accepted)) {
        throw InputError({.file = file_,
                          .line = static_cast<int>(node.source().begin.line),
                          .field = printable_token(key)},
                         "the number " + quote_token(token) +
                             " is beyond the range of a double (it would read as 0)");
      }
    }
  }

 private:
  // The bytes of a one-line value, or "" when its position cannot be followed.
  std::string source_text(const toml::source_region& region) const {
    const auto line = static_cast<std::size_t>(region.begin.line);
    if (line < 1 || line > line_starts_.size() || region.end.line != region.begin.line) return {};
    const std::size_t start = line_starts_[line - 1];
    const std::size_t end = line < line_starts_.size() ? line_starts_[line] : text_.size();
    const std::string_view row = text_.substr(start, end - start);
    const auto offset = [&](std::size_t column) {  // the byte where code point `column` starts
      std::size_t byte = 0;
      for (std::size_t point = 1; point < column && byte < row.size(); ++point) {
        ++byte;
        while (byte < row.size() && (static_cast<unsigned char>(row[byte]) & 0xC0) == 0x80) {
          ++byte;
        }
      }
      return byte;
    };
    const std::size_t first = offset(region.begin.column);
    const std::size_t last = offset(region.end.column);
    return last > first ? std::string(row.substr(first, last - first)) : std::string();
  }

  std::string_view text_;
  const std::string& file_;
  std::vector<std::size_t> line_starts_;
};

}  // namespace

toml::table parse_toml_document(std::string_view text, const std::string& file) {
  text = without_byte_order_mark(text);
  toml::table root;
  try {
    root = toml::parse(text, std::string_view(file));
  } catch (const toml::parse_error& error) {
    throw InputError(
        {.file = file, .line = static_cast<int>(error.source().begin.line), .field = "syntax"},
        with_tokens_cut(error.description()));
  }
  UnderflowCheck(text, file).check(root, "");
  return root;
}

}  // namespace tabrl
