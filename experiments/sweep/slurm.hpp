// SLURM array jobs for sweeps: one array task per shard, each running `tabrl sweep` on its
// shard (taken from SLURM_ARRAY_TASK_ID and SLURM_ARRAY_TASK_COUNT) into the shared directory.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

#include <tabrl/sweep/shell_quote.hpp>

namespace tabrl {

struct SlurmOptions {
  int tasks = 1;           // array size = number of shards
  int max_parallel = 0;    // array throttle (%K); 0: no limit
  int cpus_per_task = 1;   // also the --jobs of each task
  std::string partition;   // empty: the cluster's default
  std::string time_limit;  // empty: the partition's default; e.g. "01:00:00"
  std::string job_name = "tabrl";
  std::uint64_t max_runs = 0;  // passed on as --max-runs when not 0
};

// A job name made of letters, digits and . _ + - (anything else becomes '_'): the name comes
// from the config, and an #SBATCH line must not be ended or split by it.
std::string slurm_job_name(const std::string& name);

// The sbatch script for `tabrl` at `executable` running `config` into `out` (absolute paths).
// Paths may hold any character (they are shell-quoted), except that `out` cannot hold a line
// break or a backslash (#SBATCH --output cannot carry them); partition and time limit are
// restricted to plain characters. Throws InputError naming the option otherwise.
std::string slurm_script(const SlurmOptions& options, const std::filesystem::path& executable,
                         const std::filesystem::path& config, const std::filesystem::path& out);

}  // namespace tabrl
