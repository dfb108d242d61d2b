// Runs a sweep: the runs of this shard that are not finished yet, in parallel (one run per
// thread, each single-threaded), committing each run as it finishes.
#pragma once

#include <cstddef>
#include <filesystem>
#include <functional>
#include <optional>

#include <tabrl/sweep/sweep_config.hpp>
#include <tabrl/sweep/sweep_store.hpp>

namespace tabrl {

// Parses "I/N" (0 <= I < N). Throws InputError.
Shard parse_shard(const std::string& text);

struct SweepOptions {
  std::filesystem::path out;
  int jobs = 1;
  std::optional<Shard> shard;
  bool restart = false;
  // Told the paths (relative to `out`) that --restart removed, before any run starts.
  std::function<void(const std::vector<std::string>&)> on_restart;
};

struct SweepProgress {
  std::size_t total = 0;  // runs this invocation has to do
  std::size_t done = 0;
  std::size_t failed = 0;
  double elapsed_seconds = 0.0;
};

struct SweepOutcome {
  std::size_t grid_runs = 0;     // runs in the whole grid
  std::size_t shard_runs = 0;    // runs that belong to this shard
  std::size_t already_done = 0;  // skipped because a previous invocation finished them
  std::size_t executed = 0;
  std::size_t failed = 0;
  std::size_t missing = 0;  // runs of the grid still unfinished afterwards
  bool assembled = false;   // runs.csv and curves.csv were rebuilt
};

// `report` is called (from one thread at a time) after every finished run.
SweepOutcome run_sweep(const SweepConfig& config, const SweepOptions& options,
                       const std::function<void(const SweepProgress&)>& report);

}  // namespace tabrl
