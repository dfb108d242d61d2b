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
// columns in code points, from 1 (after a leading byte order mark, which it skips uncounted),
// with the end one past the value's last character.
class UnderflowCheck {
 public:
  UnderflowCheck(std::string_view text, const std::string& file)
      : text_(without_byte_order_mark(text)), file_(file) {
    line_starts_.push_back(0);
    for (std::size_t i = 0; i < text_.size(); ++i) {
      if (text_[i] == '\n') line_starts_.push_back(i + 1);
    }
  }

  // Checks node and everything below it; path_ holds the keys and list positions leading to it,
  // turned into a field name ("mdp[0].gamma") only for an error.
  void check(const toml::node& node) {
    poll_cancellation();
    if (const auto* table = node.as_table()) {
      for (auto&& [name, value] : *table) {
        path_.push_back({.name = name.str()});
        check(value);
        path_.pop_back();
      }
    } else if (const auto* array = node.as_array()) {
      for (std::size_t i = 0; i < array->size(); ++i) {
        path_.push_back({.index = i, .is_index = true});
        check(*array->get(i));
        path_.pop_back();
      }
    } else if (const auto* floating = node.as_floating_point()) {
      if (floating->get() != 0.0) return;  // only a rounding to 0 loses the number silently
      const std::string_view written = source_text(node.source());
      std::string digits(written);
      std::erase(digits, '_');  // TOML's digit separators
      if (beyond_double_range(digits, PlusSign::accepted)) {
        throw InputError({.file = file_,
                          .line = static_cast<int>(node.source().begin.line),
                          .field = printable_token(field())},
                         "the number " + quote_token(written) +
                             " is beyond the range of a double (it would read as 0)");
      }
    }
  }

 private:
  // The bytes of a one-line value, or "" when its position cannot be followed.
  std::string_view source_text(const toml::source_region& region) {
    const auto line = static_cast<std::size_t>(region.begin.line);
    if (line < 1 || line > line_starts_.size() || region.end.line != region.begin.line) return {};
    const std::size_t start = line_starts_[line - 1];
    const std::size_t end = line < line_starts_.size() ? line_starts_[line] : text_.size();
    const std::string_view row = text_.substr(start, end - start);
    // Where each code point of the line starts, found once per line (a line of many zeros asks
    // for many columns of the same line).
    if (line != offsets_line_) {
      offsets_line_ = line;
      code_points_.clear();
      for (std::size_t byte = 0; byte < row.size(); ++byte) {
        if ((static_cast<unsigned char>(row[byte]) & 0xC0) != 0x80) code_points_.push_back(byte);
      }
      code_points_.push_back(row.size());
    }
    const auto offset = [&](std::size_t column) {
      return column >= 1 && column <= code_points_.size() ? code_points_[column - 1] : row.size();
    };
    const std::size_t first = offset(region.begin.column);
    const std::size_t last = offset(region.end.column);
    return last > first ? row.substr(first, last - first) : std::string_view();
  }

  struct Segment {
    std::string_view name;
    std::size_t index = 0;
    bool is_index = false;
  };
  std::string field() const {
    std::string text;
    for (const Segment& segment : path_) {
      if (segment.is_index) {
        text += "[" + std::to_string(segment.index) + "]";
      } else {
        if (!text.empty()) text += '.';
        text += segment.name;
      }
    }
    return text;
  }

  std::string_view text_;
  const std::string& file_;
  std::vector<Segment> path_;
  std::vector<std::size_t> line_starts_;
  std::size_t offsets_line_ = 0;          // the line code_points_ describes (0: none)
  std::vector<std::size_t> code_points_;  // byte offsets of its code points, then its length
};

}  // namespace

toml::table parse_toml_document(std::string_view text, const std::string& file) {
  // toml++ skips one leading byte order mark itself; a second is its syntax error, as a byte
  // order mark anywhere but at the very start is to every reader.
  toml::table root;
  try {
    root = toml::parse(text, std::string_view(file));
  } catch (const toml::parse_error& error) {
    throw InputError(
        {.file = file, .line = static_cast<int>(error.source().begin.line), .field = "syntax"},
        with_tokens_cut(error.description()));
  }
  UnderflowCheck(text, file).check(root);
  return root;
}

}  // namespace tabrl
