// Numbers from text (core/numbers.hpp): the whole text or nothing, finite doubles, a '+' only
// where the caller accepts one, indices written with digits alone.
#include <doctest/doctest.h>

#include <limits>

#include <tabrl/core/numbers.hpp>
#include <tabrl/core/text.hpp>

using namespace tabrl;

TEST_CASE("parse_double reads the whole text as one finite number") {
  CHECK(parse_double("0.5") == 0.5);
  CHECK(parse_double("-2") == -2.0);
  CHECK(parse_double(".25") == 0.25);
  CHECK(parse_double("1e-3") == 1e-3);
  CHECK(parse_double("1E3") == 1000.0);
  CHECK(parse_double("0.1") == 0.1);  // correctly rounded, as from_chars promises
  for (const char* text : {"", " 1", "1 ", "1,5", "0x10", "1e", "-", ".", "abc", "1.2.3", "--1"}) {
    CAPTURE(text);
    CHECK_FALSE(parse_double(text).has_value());
  }
  // Not finite, or beyond a double: never a number.
  for (const char* text : {"inf", "-inf", "nan", "infinity", "1e400", "-1e400", "1e-400"}) {
    CAPTURE(text);
    CHECK_FALSE(parse_double(text).has_value());
  }
  // Messages say why: beyond the range, not merely "not a number". Subnormals are numbers.
  CHECK(beyond_double_range("1e400"));
  CHECK(beyond_double_range("-1e-400"));
  CHECK_FALSE(beyond_double_range("abc"));
  CHECK_FALSE(beyond_double_range("1e-320"));
  CHECK(parse_double("1e-320") == 1e-320);
  // A '+' only where the syntax accepts one: specs refuse "+1e400" for its sign.
  CHECK(range_note("+1e400", PlusSign::accepted) == " (beyond the range of a double)");
  CHECK(range_note("+1e400").empty());
  CHECK(range_note("1e-320").empty());
  CHECK(range_note("1e400x").empty());
  CHECK(quote_number("-1e-400") == "'-1e-400' (beyond the range of a double)");
  CHECK(quote_number("half") == "'half'");
}

TEST_CASE("a leading '+' only where accepted, and only before the digits") {
  CHECK_FALSE(parse_double("+0.5").has_value());
  CHECK(parse_double("+0.5", PlusSign::accepted) == 0.5);
  CHECK(parse_double("+.5", PlusSign::accepted) == 0.5);
  CHECK(parse_double("-0.5", PlusSign::accepted) == -0.5);
  // The readers' own wrappers once skipped the '+' and read "-1" behind it.
  for (const char* text : {"+-1", "++1", "+", "+inf", "+ 1", "+e5"}) {
    CAPTURE(text);
    CHECK_FALSE(parse_double(text, PlusSign::accepted).has_value());
  }
}

TEST_CASE("parse_int: an optional '-', digits, within the type") {
  CHECK(parse_int("42") == 42);
  CHECK(parse_int("-7") == -7);
  CHECK(parse_int<int>("2147483647") == 2147483647);
  CHECK_FALSE(parse_int<int>("2147483648").has_value());
  CHECK(parse_int("9223372036854775807") == std::numeric_limits<std::int64_t>::max());
  CHECK_FALSE(parse_int("9223372036854775808").has_value());
  for (const char* text : {"", "+1", " 1", "1 ", "1.0", "1e3", "0x1", "-", "12a"}) {
    CAPTURE(text);
    CHECK_FALSE(parse_int(text).has_value());
  }
}

TEST_CASE("parse_index: digits only, at most the digits asked for") {
  CHECK(parse_index("0") == 0);
  CHECK(parse_index("007") == 7);
  CHECK(parse_index("123456789", 9) == 123456789);
  CHECK_FALSE(parse_index("1234567890", 9).has_value());
  CHECK(parse_index("999999999999999999") == 999999999999999999);
  CHECK_FALSE(parse_index("1000000000000000000", 30).has_value());  // 19 digits: never
  for (const char* text : {"", "-1", "+1", " 1", "1 ", "1.0", "s1", "1e3"}) {
    CAPTURE(text);
    CHECK_FALSE(parse_index(text).has_value());
  }
}
