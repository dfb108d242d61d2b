// What the MDP writers share. Each format's writer lives with its reader (cassandra.cpp,
// toml_format.cpp, csv_format.cpp; mdps/formats.hpp picks one by extension) and writes doubles
// with 17 significant digits, so that reading the file back gives the same P, r, gamma, rho and
// names (docs/mdp-formats.md).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include <tabrl/core/mdp.hpp>

namespace tabrl {

// Throws InputError {field = WHAT_names}: "WHAT name 'x' cannot be written in FORMAT format" for
// the first name a whitespace-separated format cannot carry: an empty one, one holding
// whitespace or one of , " # : (the formats' separators), or one `also_refused` rejects.
void check_writable_names(const std::vector<std::string>& names, const std::string& what,
                          const std::string& format,
                          const std::function<bool(const std::string&)>& also_refused = {});

// The name of entity `index`, or the index itself when the entities are numbered.
std::string name_or_index(const std::vector<std::string>& names, Index index);

}  // namespace tabrl
