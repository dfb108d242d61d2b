// MDP specs: a built-in `name(key=value,...)` or a file path. The registry serves the CLI and the
// sweep driver; library code builds MDPs through the typed functions of builtin.hpp.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <tabrl/core/error.hpp>
#include <tabrl/core/mdp.hpp>
#include <tabrl/core/spec.hpp>

namespace tabrl {

struct BuiltinMdpInfo {
  std::string name;
  std::string description;
  std::vector<ParameterInfo> parameters;
  bool bandit = false;  // one state whatever the parameters (bandit-only step rules apply)
};

// Every built-in MDP with its typed, defaulted parameters (for `tabrl list`).
std::vector<BuiltinMdpInfo> builtin_mdp_catalog();

// Builds a built-in MDP from `name` or `name(key=value,...)`; values are numbers or
// [comma, separated, lists]. Throws InputError naming the parameter on bad input.
Mdp make_builtin_mdp(const std::string& spec);

// How large a built-in's arguments make it: its states, its kernel's (state, action) rows and
// transition entries (at least).
struct BuiltinSize {
  double rows = 0.0;
  double entries = 0.0;
  double states = 0.0;
};

// Refuses (InputError, field "mdp") a built-in whose kernel would pass the 32-bit index limit
// of its rows or entries, or whose build and optimal solve would not fit in `memory_bytes`
// (estimated at kBuildBytesPerEntry per transition entry and kBuildBytesPerRow per (state,
// action) row), before any of it is built. make_builtin_mdp calls it with the machine's
// physical memory.
constexpr double kBuildBytesPerEntry = 64.0;
constexpr double kBuildBytesPerRow = 24.0;
void check_builtin_size(const std::string& spec, const BuiltinSize& size, double memory_bytes);

// Checks a built-in spec without building it: the name, the keys and each value's type through
// the registry's parameter table, the checks across parameters (a Garnet's branching at most its
// states) and the size against the index limits (check_builtin_size without the memory, which is
// that of the machine that builds: make_builtin_mdp checks it). Returns the entry. Throws
// InputError naming the parameter.
const BuiltinMdpInfo& check_builtin_mdp_spec(const std::string& spec);

// Whether the built-in `spec` is a bandit (Mdp::is_bandit: one state, gamma 0), checked as
// check_builtin_mdp_spec does and decided without building a large MDP: a bandit kind always
// is; a kind whose size follows from numeric parameters (a Garnet) is one when they ask for one
// state and gamma = 0; the rest, whose size is fixed or spelled out in the spec (a map), are
// built, which is cheap, and asked. nullopt for one that cannot be built (a map with an unknown
// cell): its runs report why. frozen_lake(map=S,gamma=0) and garnet(states=1,gamma=0) are
// bandits.
std::optional<bool> builtin_mdp_is_bandit(const std::string& spec);

// The canonical text of a valid built-in spec: every parameter written out (defaults included),
// values in their canonical text, keys sorted. Two specs of the same MDP give the same text
// (`chain`, `chain(gamma=0.90)`, keys in another order). Throws as check_builtin_mdp_spec.
std::string resolved_builtin_mdp_spec(const std::string& spec);

// Loads any spec: a built-in or a file. A path ending in a format's extension (mdps/formats.hpp)
// is read in that format, any other existing regular file by the format that reads other files
// (Cassandra's).
Mdp load_mdp(const std::string& spec, const MdpValidationOptions& options = {});

// What validate_mdp_file found: every error, or the model when there is none.
struct MdpFileCheck {
  std::vector<InputError> errors;
  std::optional<Mdp> mdp;
};

// Reads an MDP file collecting every error the reader can find, up to ErrorList::kMaxErrors
// (for `tabrl mdp validate`).
MdpFileCheck validate_mdp_file(const std::string& path, const MdpValidationOptions& options = {});

}  // namespace tabrl
