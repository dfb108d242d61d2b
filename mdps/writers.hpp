// What the MDP writers share. Each format's writer lives with its reader (cassandra.cpp,
// toml_format.cpp, csv_format.cpp) and writes doubles with 17 significant digits, so that
// reading the file back gives the same P, r, gamma, rho and names (docs/mdp-formats.md).
#pragma once

#include <functional>
#include <ostream>
#include <string>
#include <vector>

#include "core/mdp.hpp"

namespace tabrl {

enum class MdpFormat { toml, cassandra, csv };

// By extension: .toml, .mdp/.MDP, .csv. Throws InputError for anything else.
MdpFormat format_of_path(const std::string& path);

// Throws InputError when a name cannot be written in the format (e.g. a Cassandra name that
// begins with a digit or contains whitespace).
void write_mdp(std::ostream& out, const Mdp& mdp, MdpFormat format);

// Throws InputError {field = WHAT_names}: "WHAT name 'x' cannot be written in FORMAT format" for
// the first name a whitespace-separated format cannot carry: an empty one, one holding
// whitespace or one of , " # : (the formats' separators), or one `also_refused` rejects.
void check_writable_names(const std::vector<std::string>& names, const std::string& what,
                          const std::string& format,
                          const std::function<bool(const std::string&)>& also_refused = {});

// The name of entity `index`, or the index itself when the entities are numbered.
std::string name_or_index(const std::vector<std::string>& names, Index index);

}  // namespace tabrl
