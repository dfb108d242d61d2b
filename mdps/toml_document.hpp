// Every TOML document tabrl reads (MDP files, feature files, sweep configs) is parsed here, so
// that all of them treat the same input the same way (docs/mdp-formats.md, "TOML"): a leading
// byte order mark is skipped, a syntax error is an InputError (field "syntax") with toml++'s
// description, its quoted parts shown as printable tokens, and a float that toml++ rounds to 0
// from below the range of a double (1e-400, which C's strtod also rounds to 0) is refused where
// the other readers refuse it, instead of being read as 0.
#pragma once

#include <toml++/toml.h>

#include <string>
#include <string_view>

namespace tabrl {

// toml::parse of `text` (named `file` in errors) as described above. The field of an
// out-of-range float is its key path with list positions ("gamma", "mdp[0].gamma",
// "algorithm[0].step_size[1]").
toml::table parse_toml_document(std::string_view text, const std::string& file);

}  // namespace tabrl
