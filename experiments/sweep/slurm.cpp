#include "slurm.hpp"

#include <tabrl/core/error.hpp>

namespace tabrl {
namespace {

bool plain(char c, const std::string& also) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         also.find(c) != std::string::npos;
}

// `text` as the value of an #SBATCH option. sbatch splits those lines at blanks (a backslash
// does not protect one), groups characters in quotes, ends the line at an unquoted '#', and
// inside quotes takes the character after a backslash literally: so the value is double-quoted
// with '"' escaped. Line breaks and backslashes are refused before this.
std::string sbatch_quote(const std::string& text) {
  std::string quoted = "\"";
  for (char c : text) {
    if (c == '"') quoted += '\\';
    quoted += c;
  }
  return quoted + "\"";
}

// `path` inside a SLURM filename pattern (--output), where "%%" stands for '%'.
std::string pattern_literal(const std::string& path) {
  std::string literal;
  for (char c : path) literal += c == '%' ? std::string("%%") : std::string(1, c);
  return literal;
}

// Options passed through to #SBATCH lines as they are: only characters that need no quoting.
void check_directive_value(const std::string& value, const std::string& option) {
  for (char c : value) {
    if (!plain(c, "_.,:+=@-")) {
      throw InputError({.field = option},
                       "'" + value +
                           "' may contain only letters, digits and _ . , : + = @ - "
                           "(it goes into an #SBATCH line of the script)");
    }
  }
}

}  // namespace

std::string slurm_job_name(const std::string& name) {
  std::string safe;
  for (char c : name) safe += plain(c, "._+-") ? c : '_';
  return safe.empty() ? "tabrl" : safe;
}

std::string slurm_script(const SlurmOptions& options, const std::filesystem::path& executable,
                         const std::filesystem::path& config, const std::filesystem::path& out) {
  // The output directory is the one path that goes into an #SBATCH line; sbatch reads those line
  // by line, and a backslash in --output switches SLURM's %A/%a replacement off.
  const std::string out_text = out.string();
  if (out_text.find_first_of("\n\r\\") != std::string::npos) {
    throw InputError({.field = "out"},
                     "a --slurm output directory cannot contain a line break or a backslash "
                     "(SLURM's #SBATCH --output cannot carry them); choose another --out");
  }
  check_directive_value(options.partition, "partition");
  check_directive_value(options.time_limit, "time");
  std::string script =
      "#!/bin/bash\n# Written by `tabrl sweep --slurm`: one array task per shard.\n";
  script += "#SBATCH --job-name=" + slurm_job_name(options.job_name) + "\n";
  script += "#SBATCH --array=0-" + std::to_string(options.tasks - 1) +
            (options.max_parallel > 0 ? "%" + std::to_string(options.max_parallel) : "") + "\n";
  script += "#SBATCH --cpus-per-task=" + std::to_string(options.cpus_per_task) + "\n";
  script += "#SBATCH --output=" +
            sbatch_quote(pattern_literal((out / "slurm").string()) + "/task-%A_%a.out") + "\n";
  if (!options.partition.empty()) script += "#SBATCH --partition=" + options.partition + "\n";
  if (!options.time_limit.empty()) script += "#SBATCH --time=" + options.time_limit + "\n";
  script += "set -euo pipefail\n";
  // Every path is single-quoted for the shell: spaces, quotes, $(...), backticks and line breaks
  // in it are text, never code.
  script += "exec " + shell_quote(executable.string()) + " sweep " + shell_quote(config.string()) +
            " --out " + shell_quote(out.string()) + " --jobs " +
            std::to_string(options.cpus_per_task) +
            (options.max_runs > 0 ? " --max-runs " + std::to_string(options.max_runs) : "") +
            " --quiet\n";
  return script;
}

}  // namespace tabrl
