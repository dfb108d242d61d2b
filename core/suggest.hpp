// "Did you mean" for unknown keys and names.
#pragma once

#include <string>
#include <vector>

namespace tabrl {

// Levenshtein distance.
std::size_t edit_distance(const std::string& a, const std::string& b);

// "did you mean 'x'? (known: a, b, c)" with the closest known name within distance 2, or only
// the list when none is close.
std::string suggest(const std::string& key, const std::vector<std::string>& known);

// "unknown WHAT 'name'; did you mean 'x'? (known: ...)", or "unknown WHAT 'name' (known: ...)".
std::string unknown_name(const std::string& what, const std::string& name,
                         const std::vector<std::string>& known);

}  // namespace tabrl
