// Writing output files so that a reader never sees a truncated one.
#pragma once

#include <functional>
#include <ostream>
#include <string>

namespace tabrl {

// Writes through `write` into a temporary file beside `path`, flushes it to disk and renames it
// over `path`. On any failure the temporary file is removed and std::runtime_error is thrown.
void write_file_atomically(const std::string& path, const std::function<void(std::ostream&)>& write);

}  // namespace tabrl
