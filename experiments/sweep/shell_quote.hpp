// Quoting text for a POSIX shell: every command tabrl builds (plotting, sbatch scripts) passes
// paths and specs through it, so that they arrive as text and never run as code.
#pragma once

#include <string>
#include <vector>

namespace tabrl {

// `text` single-quoted: 'it'\''s' for it's. Spaces, $(...), backticks, line breaks and quotes
// all arrive intact.
std::string shell_quote(const std::string& text);

// The words quoted and joined by spaces: a command as a user could paste it into a shell (error
// messages name the commands tabrl ran without a shell this way).
std::string shell_words(const std::vector<std::string>& words);

}  // namespace tabrl
