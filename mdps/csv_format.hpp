// The long CSV MDP format (docs/mdp-formats.md): one row per transition,
//   from,action,to,probability,reward
// with gamma, start and optionally the state and action order in leading '#' comment lines:
//   # gamma = 0.9
//   # start = s0            (uniform | a state | S probabilities | name:p name:p ...)
//   # states = s0 s1 s2     (optional)
//   # actions = left right  (optional)
// States and actions are names, or 0-based indices when every one is a non-negative integer.
// The reward column is r(s, a, s') (empty means 0), reduced with P as everywhere else.
#pragma once

#include <ostream>
#include <string>

#include <tabrl/core/mdp.hpp>
#include <tabrl/mdps/assembler.hpp>

namespace tabrl {

Mdp read_csv_mdp(const std::string& text, const std::string& file_name,
                 const MdpValidationOptions& options = {}, ErrorList* errors = nullptr);

// Writes `mdp` in this format, the state and action order in comment lines. Throws InputError
// for a name it cannot carry (empty, or holding whitespace or one of , " # :).
void write_csv_mdp(std::ostream& out, const Mdp& mdp);

}  // namespace tabrl
