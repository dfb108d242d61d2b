#include "text.hpp"

#include <cerrno>
#include <cstring>
#include <filesystem>

#include <tabrl/core/error.hpp>
#include <tabrl/core/numbers.hpp>

namespace tabrl {
namespace {

constexpr std::size_t kMaxShown = 60;  // characters of a token shown in a message
constexpr std::string_view kByteOrderMark = "\xEF\xBB\xBF";

// Code points that print as blank space or as nothing at all: C1 controls, the Unicode spaces,
// and the default-ignorable characters (joiners, direction marks, variation selectors, the byte
// order mark, tags). A name containing one would look like another name in a message.
bool is_invisible(char32_t code) {
  return (code >= 0x80 && code <= 0xa0) || code == 0xad || code == 0x34f || code == 0x61c ||
         code == 0x115f || code == 0x1160 || code == 0x1680 || code == 0x17b4 || code == 0x17b5 ||
         (code >= 0x180b && code <= 0x180f) || (code >= 0x2000 && code <= 0x200f) ||
         (code >= 0x2028 && code <= 0x202f) || (code >= 0x205f && code <= 0x206f) ||
         code == 0x3000 || code == 0x3164 || (code >= 0xfe00 && code <= 0xfe0f) || code == 0xfeff ||
         code == 0xffa0 || (code >= 0xfff0 && code <= 0xfffb) ||
         (code >= 0x1bca0 && code <= 0x1bca3) || (code >= 0x1d173 && code <= 0x1d17a) ||
         (code >= 0xe0000 && code <= 0xe0fff);
}

// The length of the visible character that starts at text[i]: 1 for printable ASCII, 2 to 4
// for a well-formed UTF-8 sequence of a visible code point, 0 when the byte must be escaped.
std::size_t visible_length(std::string_view text, std::size_t i) {
  const auto lead = static_cast<unsigned char>(text[i]);
  if (lead >= 0x20 && lead < 0x7f) return 1;
  if (lead < 0xc2 || lead > 0xf4) return 0;  // control, DEL, continuation or invalid lead byte
  const std::size_t length = lead < 0xe0 ? 2 : lead < 0xf0 ? 3 : 4;
  if (i + length > text.size()) return 0;
  char32_t code = lead & (0x7fu >> length);
  for (std::size_t k = 1; k < length; ++k) {
    const auto byte = static_cast<unsigned char>(text[i + k]);
    if ((byte & 0xc0) != 0x80) return 0;
    code = (code << 6) | (byte & 0x3f);
  }
  const bool overlong = (length == 3 && code < 0x800) || (length == 4 && code < 0x10000);
  const bool invalid = code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff);
  return overlong || invalid || is_invisible(code) ? 0 : length;
}

// The shown form of `token`, cut when longer than kMaxShown characters; `cut` says whether it
// was. Characters are counted as they print: an escape is 4, a UTF-8 sequence 1.
std::string shown_form(std::string_view token, bool& cut) {
  std::string shown;
  std::size_t width = 0;
  std::size_t cut_size = 0;  // the size of `shown` at the last character within the cut
  cut = false;
  for (std::size_t i = 0; i < token.size();) {
    const std::size_t length = visible_length(token, i);
    if (length == 1 && token[i] == '\\') {
      shown += "\\\\";
      width += 2;
    } else if (length > 0) {
      shown.append(token, i, length);
      width += 1;
    } else {
      constexpr char kHex[] = "0123456789ABCDEF";
      const auto byte = static_cast<unsigned char>(token[i]);
      shown += {'\\', 'x', kHex[byte >> 4], kHex[byte & 0xf]};
      width += 4;
    }
    i += length > 0 ? length : 1;
    if (width <= kMaxShown - 3) cut_size = shown.size();
    // Stop early: a huge token is never escaped as a whole.
    if (width > kMaxShown) {
      cut = true;
      break;
    }
  }
  if (cut) {
    shown.resize(cut_size);
    shown += "...";
  }
  return shown;
}

}  // namespace

std::string trim(std::string_view text) {
  const auto begin = text.find_first_not_of(" \t\r\n");
  if (begin == std::string_view::npos) return "";
  const auto end = text.find_last_not_of(" \t\r\n");
  return std::string(text.substr(begin, end - begin + 1));
}

std::string_view without_byte_order_mark(std::string_view text) {
  return text.starts_with(kByteOrderMark) ? text.substr(kByteOrderMark.size()) : text;
}

std::string printable_token(std::string_view token) {
  bool cut = false;
  std::string shown = shown_form(token, cut);
  if (cut) shown += " (" + std::to_string(token.size()) + " bytes)";
  return shown;
}

std::string quote_token(std::string_view token) {
  bool cut = false;
  std::string shown = "'" + shown_form(token, cut) + "'";
  if (cut) shown += " (" + std::to_string(token.size()) + " bytes)";
  return shown;
}

std::string quote_number(std::string_view token, PlusSign plus) {
  return quote_token(token) + std::string(range_note(token, plus));
}

std::ifstream open_input_file(const std::string& path, const std::string& failure) {
  // An ifstream opens a directory without complaint and then reads nothing, which would turn
  // into a confusing "missing" error about the file's contents.
  std::error_code ignored;
  const std::filesystem::file_type type = std::filesystem::status(path, ignored).type();
  if (type == std::filesystem::file_type::not_found) {
    // A symbolic link whose target is missing says so, naming the target.
    if (std::filesystem::is_symlink(std::filesystem::symlink_status(path, ignored))) {
      const std::filesystem::path target = std::filesystem::read_symlink(path, ignored);
      throw InputError({.file = path}, "a symbolic link to " + quote_token(target.string()) +
                                           ", which does not exist");
    }
    throw InputError({.file = path}, "no such file");
  }
  if (type == std::filesystem::file_type::directory)
    throw InputError({.file = path}, "is a directory");
  // A device has no end (/dev/zero, /dev/urandom) or waits on hardware: a reader would never
  // finish. Pipes stay readable (process substitution, <(...)).
  if (type == std::filesystem::file_type::character || type == std::filesystem::file_type::block)
    throw InputError({.file = path}, "is a device; tabrl reads regular files and pipes");
  std::ifstream input(path, std::ios::binary);
  if (!input) throw InputError({.file = path}, failure + " (" + std::strerror(errno) + ")");
  return input;
}

std::string read_text_file(const std::string& path, const std::string& failure) {
  std::ifstream input = open_input_file(path, failure);
  // Reserved up front and read in blocks: a stream copy would hold the file two or three times.
  std::string text;
  std::error_code unknown_size;
  const auto size = std::filesystem::file_size(path, unknown_size);
  if (!unknown_size) text.reserve(size);
  char block[1 << 16];
  while (input.read(block, sizeof block) || input.gcount() > 0) {
    text.append(block, static_cast<std::size_t>(input.gcount()));
  }
  if (input.bad()) throw InputError({.file = path}, "read error");
  return text;
}

}  // namespace tabrl
