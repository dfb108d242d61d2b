// Writing any MDP in tabrl's TOML format, Cassandra's .mdp format or the long CSV format, with
// 17 significant digits: reading the file back gives the same P, r, gamma, rho and names.
#pragma once

#include <ostream>
#include <string>

#include "core/mdp.hpp"

namespace tabrl {

enum class MdpFormat { toml, cassandra, csv };

// By extension: .toml, .mdp/.MDP, .csv. Throws InputError for anything else.
MdpFormat format_of_path(const std::string& path);

// Throws InputError when a name cannot be written in the format (e.g. a Cassandra name that
// begins with a digit or contains whitespace).
void write_mdp(std::ostream& out, const Mdp& mdp, MdpFormat format);

}  // namespace tabrl
