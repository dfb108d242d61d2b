// CSV records split into fields (core/csv.hpp), in the two dialects tabrl reads.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include <tabrl/core/csv.hpp>

using namespace tabrl;

namespace {

using Fields = std::vector<std::string>;

// Every record of `text`, as the callers loop over them.
std::vector<Fields> records(std::string_view text, CsvDialect dialect) {
  std::vector<Fields> all;
  Fields fields;
  for (std::size_t position = 0; position < text.size();) {
    const CsvRecordEnd end = read_csv_record(text, position, dialect, fields);
    if (end.empty) break;
    all.push_back(fields);
    position = end.next;
  }
  return all;
}

}  // namespace

TEST_CASE("RFC 4180: quotes hold commas, doubled quotes and line breaks") {
  const std::string text = "a,b,c\n\"x, y\",\"say \"\"hi\"\"\",\"two\nlines\"\n,,\n";
  Fields fields;
  CsvRecordEnd end = read_csv_record(text, 0, CsvDialect::rfc4180, fields);
  CHECK(fields == Fields{"a", "b", "c"});
  CHECK(end.next == 6);
  CHECK(end.line_breaks == 0);
  end = read_csv_record(text, end.next, CsvDialect::rfc4180, fields);
  CHECK(fields == Fields{"x, y", "say \"hi\"", "two\nlines"});
  CHECK(end.line_breaks == 1);
  CHECK_FALSE(end.unterminated);
  end = read_csv_record(text, end.next, CsvDialect::rfc4180, fields);
  CHECK(fields == Fields{"", "", ""});
  CHECK(end.next == text.size());
}

TEST_CASE("RFC 4180: CRLF, a last line without a break, an unterminated quote") {
  CHECK(records("a,b\r\n1,2\r\n", CsvDialect::rfc4180) ==
        std::vector<Fields>{{"a", "b"}, {"1", "2"}});
  CHECK(records("a,b\n1,2", CsvDialect::rfc4180) == std::vector<Fields>{{"a", "b"}, {"1", "2"}});
  // Carriage returns after the last line break are no record; a blank line is one empty field.
  CHECK(records("a\n\r", CsvDialect::rfc4180) == std::vector<Fields>{{"a"}});
  CHECK(records("a\n\n", CsvDialect::rfc4180) == std::vector<Fields>{{"a"}, {""}});
  // Spaces are kept, and a quote inside a field is an ordinary character.
  CHECK(records(" a , b\"c\n", CsvDialect::rfc4180) == std::vector<Fields>{{" a ", " b\"c"}});
  Fields fields;
  const CsvRecordEnd end = read_csv_record("x,\"open\n", 0, CsvDialect::rfc4180, fields);
  CHECK(end.unterminated);
  CHECK(end.line_breaks == 1);
}

TEST_CASE("plain, trimmed: one record per line, no quoting, spaces around fields dropped") {
  CHECK(records(" from , action,to \nS0,go,\"s1\"\r\n", CsvDialect::plain_trimmed) ==
        std::vector<Fields>{{"from", "action", "to"}, {"S0", "go", "\"s1\""}});
  Fields fields;
  read_csv_record("a,,b,", 0, CsvDialect::plain_trimmed, fields);
  CHECK(fields == Fields{"a", "", "b", ""});
  read_csv_record("single", 0, CsvDialect::plain_trimmed, fields);
  CHECK(fields == Fields{"single"});  // the vector is cleared between records
}
