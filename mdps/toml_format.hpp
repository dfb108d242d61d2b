// tabrl's TOML MDP format (docs/mdp-formats.md): states and actions by count or name, start
// distribution, dense matrices, transition entries and rows with '*' wildcards, rewards per
// (s, a) or (s, a, s'), an `absorbing` shortcut, and inline gridworld maps.
#pragma once

#include <ostream>
#include <string>

#include <tabrl/core/mdp.hpp>
#include <tabrl/mdps/assembler.hpp>

namespace tabrl {

// Throws InputError "file:line: key: message". With `errors` in collecting mode, every error
// that does not stop the reading is collected there (the first is thrown at the end).
Mdp read_toml_mdp(const std::string& text, const std::string& file_name,
                  const MdpValidationOptions& options = {}, ErrorList* errors = nullptr);

// Writes `mdp` in this format (names are quoted: TOML carries any name).
void write_toml_mdp(std::ostream& out, const Mdp& mdp);

}  // namespace tabrl
