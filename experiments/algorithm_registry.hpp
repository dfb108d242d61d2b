// Algorithms by name, for the CLI and the sweep driver.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "algorithms/update_rule.hpp"
#include "mdps/registry.hpp"

namespace tabrl {

struct AlgorithmInfo {
  std::string name;
  std::string description;
  std::vector<ParameterInfo> options;
};

std::vector<AlgorithmInfo> algorithm_catalog();

struct AlgorithmSettings {
  std::string name;
  // A positive number, or a named rule: "theory" (SPG: (1-gamma)^3/(8R), bandits 2/(5R)),
  // "safe" (SPMA: 0.99 (1-gamma)/R), "gap" (SPMA on bandits: eta_{a,a'} = 1/|r(a) - r(a')|).
  std::string step_size;
  bool clip = false;
  double clip_floor = 1e-8;
};

// Throws InputError naming the field when the name, step size or options are invalid.
std::unique_ptr<UpdateRule> make_update_rule(const AlgorithmSettings& settings, const Mdp& mdp);

}  // namespace tabrl
