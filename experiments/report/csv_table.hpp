// Reading the CSV files tabrl writes (RFC 4180 quoting), for summaries and merges.
#pragma once

#include <string>
#include <vector>

namespace tabrl {

struct CsvTable {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;

  // Index of a column; throws InputError naming the file when it is absent.
  std::size_t column(const std::string& name) const;
  std::string path;
};

// Throws InputError with the file and line on a malformed file, and on one whose last line has
// no line break (tabrl ends every line with one: such a file was cut short).
CsvTable read_csv(const std::string& path);

// Throws InputError unless the file (which must exist) is empty or ends with a line break; reads
// its last byte only.
void require_line_break_at_end(const std::string& path);

// A number of a table tabrl wrote: `empty_value` for an empty field, NaN for text that is not a
// number. runs.csv holds "nan" and "inf" (format_double), which the input parser of
// core/numbers.hpp rightly refuses in user files.
double table_number(const std::string& text, double empty_value);

}  // namespace tabrl
