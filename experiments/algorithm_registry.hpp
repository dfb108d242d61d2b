// The sweep driver's algorithm settings, read through the registry of algorithms/registry.hpp.
#pragma once

#include <memory>
#include <string>

#include "algorithms/registry.hpp"

namespace tabrl {

struct AlgorithmSettings {
  std::string name;
  // A positive number, or one of the method's named rules (see `tabrl list`).
  std::string step_size;
  bool clip = false;
  double clip_floor = 1e-8;
};

// Throws InputError naming the field when the name, step size or options are invalid.
std::unique_ptr<UpdateRule> make_update_rule(const AlgorithmSettings& settings, const Mdp& mdp);

}  // namespace tabrl
