#include "csv_table.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <limits>

#include <tabrl/core/csv.hpp>
#include <tabrl/core/error.hpp>
#include <tabrl/core/text.hpp>

namespace tabrl {

std::size_t CsvTable::column(const std::string& name) const {
  for (std::size_t i = 0; i < header.size(); ++i) {
    if (header[i] == name) return i;
  }
  throw InputError({.file = path, .line = 1, .field = name}, "column missing");
}

namespace {

[[noreturn]] void cut_short(const std::string& path, int line) {
  throw InputError(
      {.file = path, .line = line},
      "the last line has no line break: the file was cut short (a full disk, or a copy "
      "interrupted?)");
}

}  // namespace

void require_line_break_at_end(const std::string& path) {
  std::ifstream file(path, std::ios::binary | std::ios::ate);
  if (!file) throw InputError({.file = path}, "cannot open: " + std::string(std::strerror(errno)));
  const std::streamoff size = file.tellg();
  if (size <= 0) return;
  file.seekg(size - 1);
  char last = '\n';
  file.get(last);
  if (last != '\n') cut_short(path, 0);
}

CsvTable read_csv(const std::string& path) {
  const std::string text = read_text_file(path);
  CsvTable table{.path = path};
  std::vector<std::string> record;
  int line = 1;  // where the record begins
  for (std::size_t position = 0; position < text.size();) {
    const CsvRecordEnd end = read_csv_record(text, position, CsvDialect::rfc4180, record);
    if (end.unterminated) {
      throw InputError({.file = path, .line = line}, "unterminated quoted field");
    }
    if (end.empty) break;
    if (table.header.empty()) {
      table.header = record;
    } else if (record.size() != table.header.size()) {
      throw InputError({.file = path, .line = line},
                       "expected " + std::to_string(table.header.size()) + " fields, found " +
                           std::to_string(record.size()));
    } else {
      table.rows.push_back(record);
    }
    line += 1 + end.line_breaks;
    position = end.next;
  }
  if (table.header.empty()) throw InputError({.file = path}, "empty file: no header");
  if (text.back() != '\n') {
    cut_short(path, 1 + static_cast<int>(std::count(text.begin(), text.end(), '\n')));
  }
  return table;
}

double table_number(const std::string& text, double empty_value) {
  if (text.empty()) return empty_value;
  try {
    return std::stod(text);
  } catch (const std::exception&) {
    return std::numeric_limits<double>::quiet_NaN();
  }
}

}  // namespace tabrl
