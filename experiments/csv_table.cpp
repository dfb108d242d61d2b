#include "experiments/csv_table.hpp"

#include <fstream>
#include <sstream>

#include "core/error.hpp"
#include "core/text.hpp"

namespace tabrl {

std::size_t CsvTable::column(const std::string& name) const {
  for (std::size_t i = 0; i < header.size(); ++i) {
    if (header[i] == name) return i;
  }
  throw InputError({.file = path, .line = 1, .field = name}, "column missing");
}

CsvTable read_csv(const std::string& path) {
  const std::string text = read_text_file(path);
  CsvTable table{.path = path};
  std::vector<std::string> record;
  std::string field;
  bool quoted = false, in_field = false;
  int line = 1, record_line = 1;
  const auto end_record = [&] {
    record.push_back(field);
    field.clear();
    if (table.header.empty()) {
      table.header = record;
    } else if (record.size() != table.header.size()) {
      throw InputError({.file = path, .line = record_line},
                       "expected " + std::to_string(table.header.size()) + " fields, found " +
                           std::to_string(record.size()));
    } else {
      table.rows.push_back(record);
    }
    record.clear();
  };
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        field += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        if (c == '\n') ++line;
        field += c;
      }
      continue;
    }
    if (c == '"' && field.empty()) {
      quoted = true;
      in_field = true;
    } else if (c == ',') {
      record.push_back(field);
      field.clear();
      in_field = true;
    } else if (c == '\n') {
      end_record();
      in_field = false;
      record_line = ++line;
    } else if (c != '\r') {
      field += c;
      in_field = true;
    }
  }
  if (quoted) throw InputError({.file = path, .line = record_line}, "unterminated quoted field");
  if (in_field || !field.empty() || !record.empty()) end_record();
  if (table.header.empty()) throw InputError({.file = path}, "empty file: no header");
  return table;
}

}  // namespace tabrl
