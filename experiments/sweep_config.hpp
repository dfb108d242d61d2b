// Sweep configs (DESIGN.md "Sweep config"): a TOML file describing a grid of MDPs x algorithms x
// step sizes x seeds, expanded into a list of fully resolved runs. Every error names the file,
// line and key, and is raised before any run starts.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "algorithms/callbacks.hpp"
#include "experiments/algorithm_registry.hpp"

namespace tabrl {

struct SweepSettings {
  std::string name;
  int iterations = 1000;
  std::string record = "log";
  std::string init = "uniform";            // or "random": logits N(0, 1) drawn with each seed
  std::vector<std::int64_t> seeds = {0};   // used by random initial policies only
  std::vector<double> tolerances = {1e-2, 1e-4, 1e-6, 1e-8};
  std::optional<double> stop_tolerance;    // converged once value_error_inf <= this
  std::string solver = "auto";
};

// One fully resolved run of the grid.
struct RunSpec {
  std::string mdp;          // a built-in spec with every grid value filled in, or a file path
  std::string mdp_label;    // what the summary groups by: the block's spec or file, without axes
  std::string mdp_digest;   // content digest for files, empty for built-ins
  AlgorithmSettings algorithm;
  std::optional<std::int64_t> seed;  // random initial policy only

  // Every setting that determines the run's output, as key=value pairs in a fixed order.
  std::string canonical(const SweepSettings& settings) const;
};

struct SweepConfig {
  std::string path;
  SweepSettings settings;
  std::vector<RunSpec> runs;  // grid order; duplicates removed
  std::vector<std::string> run_ids;
  std::string config_digest;  // digest of the settings and all run ids
};

// Grids with more runs are refused unless the caller raises the limit (`--max-runs`): a typo in
// a logspace count should not start a sweep of years.
constexpr std::uint64_t kDefaultMaxRuns = 1'000'000;

// Parses and expands a sweep config, validating every MDP and algorithm on the way. The grid is
// counted before it is expanded; more than `max_runs` runs is an InputError (field "grid").
// Throws InputError ("file:line: key: message").
SweepConfig load_sweep_config(const std::string& path, std::uint64_t max_runs = kDefaultMaxRuns);
SweepConfig parse_sweep_config(const std::string& text, const std::string& path,
                               std::uint64_t max_runs = kDefaultMaxRuns);

// 64-bit FNV-1a as 16 hex digits: run ids and digests.
std::string digest(const std::string& text);

}  // namespace tabrl
