#include "csv.hpp"

#include <algorithm>

#include <tabrl/core/text.hpp>

namespace tabrl {
namespace {

// The plain dialect: a line split at its commas (the path of multi-million-row MDP files, so
// whole fields are found at once rather than a byte at a time).
CsvRecordEnd read_plain_record(std::string_view text, std::size_t begin,
                               std::vector<std::string>& fields) {
  const std::size_t line_end = std::min(text.find('\n', begin), text.size());
  const std::string_view line = text.substr(begin, line_end - begin);
  for (std::size_t start = 0;;) {
    const std::size_t comma = line.find(',', start);
    fields.push_back(trim(line.substr(start, comma - start)));
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return {.next = std::min(line_end + 1, text.size())};
}

}  // namespace

CsvRecordEnd read_csv_record(std::string_view text, std::size_t begin, CsvDialect dialect,
                             std::vector<std::string>& fields) {
  fields.clear();
  if (dialect == CsvDialect::plain_trimmed) return read_plain_record(text, begin, fields);
  CsvRecordEnd end;
  std::string field;
  bool quoted = false;
  bool content = false;  // a byte other than a dropped '\r'
  std::size_t i = begin;
  for (; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        field += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        if (c == '\n') ++end.line_breaks;
        field += c;
      }
      continue;
    }
    if (c == '\n') break;
    if (c == '\r') continue;
    content = true;
    if (c == '"' && field.empty()) {
      quoted = true;
    } else if (c == ',') {
      fields.push_back(std::move(field));
      field.clear();
    } else {
      field += c;
    }
  }
  fields.push_back(std::move(field));
  end.unterminated = quoted;
  end.empty = i == text.size() && !content;
  end.next = std::min(i + 1, text.size());
  return end;
}

std::string csv_field(const std::string& text) {
  if (text.find_first_of(",\"\n\r") == std::string::npos) return text;
  std::string quoted = "\"";
  for (char c : text) {
    if (c == '"') quoted += '"';
    quoted += c;
  }
  return quoted + "\"";
}

}  // namespace tabrl
