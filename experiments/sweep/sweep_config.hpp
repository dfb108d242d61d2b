// Sweep configs (DESIGN.md "Sweep config"): a TOML file describing a grid of MDPs x algorithms x
// step sizes x seeds, expanded into a list of fully resolved runs. Every error names the file,
// line and key, and is raised before any run starts.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <tabrl/algorithms/callbacks.hpp>
#include <tabrl/sweep/sweep_grid.hpp>

namespace tabrl {

struct SweepConfig {
  std::string path;
  std::string text;  // the config as read (manifest.json keeps it; the file is not read again)
  SweepSettings settings;
  std::vector<RunSpec> runs;  // grid order; duplicates removed
  std::vector<std::string> run_ids;
  std::string config_digest;  // digest of the settings and all run ids
  // Distinct combinations of a log-linear algorithm setting with an init other than `uniform`,
  // left out of the grid (log-linear policies start from theta = 0; docs/sweeps.md).
  std::uint64_t left_out_log_linear = 0;
};

// What `tabrl sweep` and tabrl.sweep say of config.left_out_log_linear ("" when it is 0).
std::string left_out_log_linear_note(const SweepConfig& config);

// Grids with more runs are refused unless the caller raises the limit (`--max-runs`): a typo in
// a logspace count should not start a sweep of years.
constexpr std::uint64_t kDefaultMaxRuns = 1'000'000;

// Parses and expands a sweep config, validating every MDP and algorithm through the registries
// (without building them; MDP files are read once). The grid is
// counted before it is expanded; more than `max_runs` runs is an InputError (field "grid").
// Throws InputError ("file:line: key: message").
SweepConfig load_sweep_config(const std::string& path, std::uint64_t max_runs = kDefaultMaxRuns);
SweepConfig parse_sweep_config(const std::string& text, const std::string& path,
                               std::uint64_t max_runs = kDefaultMaxRuns);

}  // namespace tabrl
