// Small text helpers shared by the readers and the command line.
#pragma once

#include <string>

namespace tabrl {

// `text` without leading and trailing spaces, tabs and line-break characters.
std::string trim(const std::string& text);

// The whole file as bytes. Throws InputError {file = path} with `failure` when it cannot be read.
std::string read_text_file(const std::string& path, const std::string& failure = "cannot open file");

}  // namespace tabrl
