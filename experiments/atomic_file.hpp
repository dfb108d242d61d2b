// Writing output files so that a reader never sees a truncated one.
#pragma once

#include <functional>
#include <ostream>
#include <string>

namespace tabrl {

// Writes through `write` into a temporary file beside `path` and renames it over `path`, so a
// reader (or a process killed midway) never leaves a truncated file. `durable` also flushes the
// data to disk before the rename (survives a power cut, not only a kill). On failure the
// temporary file is removed and std::runtime_error is thrown.
void write_file_atomically(const std::string& path, const std::function<void(std::ostream&)>& write,
                           bool durable = true);

}  // namespace tabrl
