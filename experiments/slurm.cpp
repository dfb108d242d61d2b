#include "experiments/slurm.hpp"

namespace tabrl {
std::string shell_quote(const std::string& text) {
  std::string quoted = "'";
  for (char c : text) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return quoted + "'";
}

std::string slurm_script(const SlurmOptions& options, const std::filesystem::path& executable,
                         const std::filesystem::path& config, const std::filesystem::path& out) {
  std::string script = "#!/bin/bash\n# Written by `tabrl sweep --slurm`: one array task per shard.\n";
  script += "#SBATCH --job-name=" + options.job_name + "\n";
  script += "#SBATCH --array=0-" + std::to_string(options.tasks - 1) +
            (options.max_parallel > 0 ? "%" + std::to_string(options.max_parallel) : "") + "\n";
  script += "#SBATCH --cpus-per-task=" + std::to_string(options.cpus_per_task) + "\n";
  script += "#SBATCH --output=" + (out / "slurm" / "task-%A_%a.out").string() + "\n";
  if (!options.partition.empty()) script += "#SBATCH --partition=" + options.partition + "\n";
  if (!options.time_limit.empty()) script += "#SBATCH --time=" + options.time_limit + "\n";
  script += "set -euo pipefail\n";
  script += "exec " + shell_quote(executable.string()) + " sweep " + shell_quote(config.string()) +
            " --out " + shell_quote(out.string()) + " --jobs " +
            std::to_string(options.cpus_per_task) +
            (options.max_runs > 0 ? " --max-runs " + std::to_string(options.max_runs) : "") +
            " --quiet\n";
  return script;
}

}  // namespace tabrl
