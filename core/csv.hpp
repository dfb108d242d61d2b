// Splitting CSV records into fields: one home for the MDP reader (mdps/csv_format.cpp) and the
// result tables (experiments/csv_table.cpp), each keeping its own dialect.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace tabrl {

enum class CsvDialect {
  // RFC 4180, as tabrl writes runs.csv and curves.csv: a field that starts with a double quote
  // may hold commas, line breaks and doubled quotes ("") up to its closing quote; a carriage
  // return outside quotes is dropped (CRLF files); fields are kept as they are.
  rfc4180,
  // The long CSV MDP format (docs/mdp-formats.md): one record per line, no quoting (names may
  // not hold commas or quotes), spaces, tabs and line-break characters around a field removed.
  plain_trimmed,
};

// Where a record read by read_csv_record ended.
struct CsvRecordEnd {
  std::size_t next = 0;       // where the next record begins: past this one's '\n', or text.size()
  int line_breaks = 0;        // line breaks inside quoted fields: the record's lines minus one
  bool unterminated = false;  // the text ended inside a quoted field
  bool empty = false;         // the text ended with nothing but dropped '\r's: no record at all
};

// Splits the record that starts at text[begin] into `fields` (cleared first, so that one
// vector serves every record). A record ends at the first '\n' outside quotes, or at the end of
// the text.
CsvRecordEnd read_csv_record(std::string_view text, std::size_t begin, CsvDialect dialect,
                             std::vector<std::string>& fields);

// `text` as one RFC 4180 field: quoted (with quotes doubled) when it holds a comma, a quote or a
// line break, as it is otherwise.
std::string csv_field(const std::string& text);

}  // namespace tabrl
