// Small text helpers shared by the readers and the command line.
#pragma once

#include <fstream>
#include <string>
#include <string_view>

#include <tabrl/core/numbers.hpp>

namespace tabrl {

// `text` without leading and trailing spaces, tabs and line-break characters.
std::string trim(std::string_view text);

// `text` without a leading UTF-8 byte order mark (EF BB BF), which some editors write and which
// would otherwise become part of the first word.
std::string_view without_byte_order_mark(std::string_view text);

// A token from an input file as an error message may show it: bytes that would print as
// nothing, or as something else (control bytes, invalid UTF-8, invisible characters such as a
// byte order mark or a zero-width space), are written \xEF, a backslash as \\; a token whose
// shown form is longer than 60 characters is cut to its first 57 and "...". printable_token
// gives the bare text followed by " (N bytes)" when cut; quote_token the same in single quotes,
// 'abc...' (N bytes).
std::string printable_token(std::string_view token);
std::string quote_token(std::string_view token);
// A token refused as a number: quote_token's form, followed by range_note's.
std::string quote_number(std::string_view token, PlusSign plus = PlusSign::rejected);

// Opens `path` for reading, or throws InputError {file = path}: "no such file", "is a
// directory", or `failure` with the system's reason.
std::ifstream open_input_file(const std::string& path,
                              const std::string& failure = "cannot open file");

// The whole file as bytes, opened with open_input_file.
std::string read_text_file(const std::string& path,
                           const std::string& failure = "cannot open file");

}  // namespace tabrl
