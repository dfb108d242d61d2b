// Quoting text for a POSIX shell: every command tabrl builds (plotting, sbatch scripts) passes
// paths and specs through it, so that they arrive as text and never run as code.
#pragma once

#include <string>

namespace tabrl {

// `text` single-quoted: 'it'\''s' for it's. Spaces, $(...), backticks, line breaks and quotes
// all arrive intact.
std::string shell_quote(const std::string& text);

}  // namespace tabrl
