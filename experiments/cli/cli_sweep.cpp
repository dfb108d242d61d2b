// `tabrl sweep`, `tabrl merge` and `tabrl summarize`.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <memory>
#include <thread>

#include <tabrl/core/error.hpp>
#include <tabrl/core/numbers.hpp>
#include <tabrl/report/summary.hpp>
#include <tabrl/sweep/atomic_file.hpp>
#include <tabrl/sweep/slurm.hpp>
#include <tabrl/sweep/sweep_config.hpp>
#include <tabrl/sweep/sweep_driver.hpp>
#include <tabrl/sweep/sweep_run.hpp>
#include <tabrl/sweep/sweep_store.hpp>

#include "cli.hpp"

namespace tabrl::cli {

namespace po = boost::program_options;
namespace fs = std::filesystem;

namespace {

constexpr const char* kSweepUsage =
    R"(usage: tabrl sweep CONFIG.toml --out DIR [--jobs N] [--shard I/N] [--restart] [--quiet]
                   [--max-runs N]
       tabrl sweep CONFIG.toml --out DIR --slurm [--tasks N] [--partition P] [--max-parallel K]
                   [--time T] [--jobs C] [--dry-run]

Runs the grid of MDPs x algorithms x step sizes x seeds described by CONFIG.toml (see
docs/sweeps.md) and writes DIR/runs.csv, DIR/curves.csv and DIR/manifest.json. Each finished
run is committed at once: running the same command again after an interruption finishes only
the missing runs. With --shard I/N (or SLURM_ARRAY_TASK_ID and SLURM_ARRAY_TASK_COUNT in the
environment) only every N-th run starting at I is done; `tabrl merge DIR` then combines them.
With --slurm, DIR/slurm/sweep.sbatch is written (an array of --tasks shards, each running with
--jobs C cores) and submitted with sbatch (--dry-run: written and printed, not submitted); the
last task to finish assembles DIR/runs.csv. A grid of more than 1,000,000 runs is refused unless
--max-runs raises the limit. --restart (for a DIR made by another config) removes what tabrl
wrote there, as listed in DIR/manifest.json, and prints it; your own files stay (with the config
that made DIR it removes nothing: the sweep resumes). One process per
shard (no --shard: shard 0/1): another process running the same shard in DIR, or a merge, is
refused with exit 2 naming its pid and host.

example:
  tabrl sweep experiments/configs/demo.toml --out out/demo --jobs 2
  tabrl summarize out/demo
  tabrl sweep grid.toml --out /shared/sweep --slurm --tasks 32 --max-parallel 8 --time 02:00:00
)";

constexpr const char* kMergeUsage = R"(usage: tabrl merge DIR [OTHER_DIR...]

Combines the finished runs of a sharded sweep into DIR/runs.csv and DIR/curves.csv. Runs found
in OTHER_DIRs (shards run into separate directories of the same config) are copied into DIR
first. Exits 1 if runs of the grid are still missing (the files then hold the finished ones), 2
if a sweep is still running in one of the directories (it names the process and host).

example:
  tabrl merge out/sweep
)";

constexpr const char* kSummarizeUsage = R"(usage: tabrl summarize DIR [--csv] [--partial]

Prints one line per MDP x algorithm of a finished sweep: the best step size (by median final
suboptimality over seeds, ties by the median area under the log10 suboptimality curve; a step
with a run that ended non_finite, step_invalid, line_search_failed or error is never the best),
how many step sizes and runs, how many runs failed, the median final suboptimality, the median
fitted per-iteration rate, the median first iteration reaching the smallest tolerance, and
whether the theory bound held. A sweep whose runs.csv lacks runs of its grid (see manifest.json)
is refused; --partial summarizes the finished runs and says "partial: N of M runs".

example:
  tabrl summarize out/demo
)";

std::string duration_text(double seconds) {
  if (!std::isfinite(seconds)) return "?";
  const long total = std::lround(seconds);
  if (total >= 3600)
    return std::to_string(total / 3600) + "h" + std::to_string(total % 3600 / 60) + "m";
  if (total >= 60) return std::to_string(total / 60) + "m" + std::to_string(total % 60) + "s";
  return std::to_string(total) + "s";
}

// Progress on stderr: a live bar on a terminal, a plain line every 10 s otherwise.
class ProgressPrinter {
 public:
  explicit ProgressPrinter(bool quiet) : quiet_(quiet), terminal_(isatty(STDERR_FILENO) == 1) {}

  void operator()(const SweepProgress& progress) {
    if (quiet_ || progress.total == 0) return;
    const double eta = progress.done == 0
                           ? NAN
                           : progress.elapsed_seconds / static_cast<double>(progress.done) *
                                 static_cast<double>(progress.total - progress.done);
    const std::string counts =
        std::to_string(progress.done) + "/" + std::to_string(progress.total) + " runs, " +
        std::to_string(progress.failed) + " failed, ETA " + duration_text(eta);
    if (terminal_) {
      // Redraw at most ten times a second, and always at the end.
      if (progress.done != progress.total && progress.elapsed_seconds - last_line_ < 0.1) return;
      last_line_ = progress.elapsed_seconds;
      constexpr int kWidth = 30;
      const int filled = static_cast<int>(kWidth * progress.done / progress.total);
      std::cerr << "\r[" << std::string(filled, '#') << std::string(kWidth - filled, ' ') << "] "
                << counts << "   " << std::flush;
      if (progress.done == progress.total) std::cerr << "\n";
    } else if (progress.done == progress.total || progress.elapsed_seconds - last_line_ >= 10.0) {
      last_line_ = progress.elapsed_seconds;
      std::cerr << "tabrl sweep: " << counts << "\n";
    }
  }

 private:
  bool quiet_;
  bool terminal_;
  double last_line_ = 0.0;
};

std::optional<Shard> shard_from_environment() {
  const char* id = std::getenv("SLURM_ARRAY_TASK_ID");
  const char* count = std::getenv("SLURM_ARRAY_TASK_COUNT");
  if (id == nullptr || count == nullptr) return std::nullopt;
  const char* minimum = std::getenv("SLURM_ARRAY_TASK_MIN");
  // Not atoi: it reads anything that is not a number as 0, which would run shard 0 twice and
  // leave another undone.
  const std::optional<int> task = parse_int<int>(id);
  const std::optional<int> first = minimum != nullptr ? parse_int<int>(minimum) : 0;
  if (!task || !first) {
    throw InputError(
        {.field = "shard"},
        "SLURM_ARRAY_TASK_ID=" + std::string(id) +
            (minimum != nullptr ? " and SLURM_ARRAY_TASK_MIN=" + std::string(minimum) : "") +
            ": expected integers");
  }
  return parse_shard(std::to_string(*task - *first) + "/" + count);
}

void print_removed(const fs::path& out, const std::vector<std::string>& removed) {
  std::cerr << "tabrl sweep: --restart removed what tabrl wrote in " << out.string()
            << " before starting over (other files stay):\n";
  for (const std::string& path : removed) std::cerr << "  " << path << "\n";
}

int submit_to_slurm(const SweepConfig& config, const SweepOptions& sweep,
                    const SlurmOptions& slurm_options, bool dry_run) {
  const fs::path out = fs::absolute(sweep.out);
  // Written first: options it cannot carry are refused before the directory is touched.
  const std::string script = slurm_script(slurm_options, fs::read_symlink("/proc/self/exe"),
                                          fs::absolute(config.path), out);
  SweepStore store(sweep.out);
  // The manifest, before any task starts.
  const std::vector<std::string> removed = store.prepare(config, sweep.restart);
  if (!removed.empty()) print_removed(sweep.out, removed);
  record_written(
      out, {"slurm/sweep.sbatch", "slurm/task-*.out"},
      fs::exists(out / "slurm") ? std::vector<std::string>{} : std::vector<std::string>{"slurm"});
  fs::create_directories(out / "slurm");
  const fs::path script_path = out / "slurm" / "sweep.sbatch";
  write_file_atomically(script_path.string(), [&](std::ostream& stream) { stream << script; });
  if (dry_run) {
    std::cout << script;
    std::cerr << "tabrl sweep: wrote " << script_path.string() << " (not submitted)\n";
    return kExitSuccess;
  }
  const std::string command = "sbatch --parsable " + shell_quote(script_path.string());
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) throw std::runtime_error("cannot run sbatch");
  std::string job;
  char buffer[256];
  while (std::fgets(buffer, sizeof buffer, pipe) != nullptr) job += buffer;
  const int status = pclose(pipe);
  while (!job.empty() && (job.back() == '\n' || job.back() == '\r')) job.pop_back();
  if (status != 0 || job.empty()) {
    throw std::runtime_error("sbatch failed (is SLURM available here?): " + command);
  }
  std::cout << job << "\n";
  std::cerr << "tabrl sweep: submitted array job " << job << " (" << slurm_options.tasks
            << " tasks, " << config.runs.size() << " runs) writing into " << out.string()
            << "; the last task assembles runs.csv (or run `tabrl merge "
            << shell_quote(out.string()) << "`)\n";
  return kExitSuccess;
}

}  // namespace

int sweep_command(const Arguments& args) {
  std::string config_path, out, shard_text;
  std::int64_t max_runs = static_cast<std::int64_t>(kDefaultMaxRuns);
  int jobs = static_cast<int>(std::max(1U, std::thread::hardware_concurrency()));
  bool restart = false, quiet = false, slurm = false, dry_run = false;
  SlurmOptions slurm_options;
  po::options_description options("options");
  options.add_options()("config", po::value(&config_path)->required(), "sweep config (TOML)")(
      "out", po::value(&out)->required(), "output directory")(
      "jobs,j", po::value(&jobs)->default_value(jobs), "runs in parallel (default: all cores)")(
      "shard", po::value(&shard_text), "do only shard I of N (I/N, 0-based)")(
      "restart", po::bool_switch(&restart), "remove what tabrl wrote in --out for another config")(
      "max-runs", po::value(&max_runs)->default_value(max_runs),
      "refuse grids with more runs than this")("quiet,q", po::bool_switch(&quiet),
                                               "no progress on stderr")(
      "slurm", po::bool_switch(&slurm), "submit the sweep as a SLURM array job")(
      "tasks", po::value(&slurm_options.tasks)->default_value(16), "--slurm: array tasks (shards)")(
      "partition", po::value(&slurm_options.partition), "--slurm: partition")(
      "max-parallel", po::value(&slurm_options.max_parallel)->default_value(0),
      "--slurm: at most K tasks at once (0: no limit)")(
      "time", po::value(&slurm_options.time_limit), "--slurm: time limit per task, e.g. 01:00:00")(
      "dry-run", po::bool_switch(&dry_run), "--slurm: write and print the script, do not submit");
  po::positional_options_description positional;
  positional.add("config", 1);
  po::variables_map values;
  if (!parse_command_line(args, options, positional, kSweepUsage, values)) return kExitSuccess;
  if (jobs < 1) throw InputError({.field = "jobs"}, "must be >= 1, got " + std::to_string(jobs));
  if (max_runs < 1) {
    throw InputError({.field = "max-runs"}, "must be >= 1, got " + std::to_string(max_runs));
  }

  SweepOptions sweep{
      .out = out,
      .jobs = jobs,
      .restart = restart,
      .on_restart = [&](const std::vector<std::string>& removed) { print_removed(out, removed); }};
  sweep.shard = shard_text.empty() ? shard_from_environment() : parse_shard(shard_text);
  if (slurm) {
    // Every task reads the config again, later and on another node: a pipe (`<(...)`) or another
    // special file would be gone or empty by then.
    std::error_code error;
    const fs::file_type type = fs::status(config_path, error).type();
    if (type == fs::file_type::fifo || type == fs::file_type::socket ||
        type == fs::file_type::character || type == fs::file_type::block) {
      throw InputError({.file = config_path},
                       "is not a regular file; --slurm tasks read the config again, so give a "
                       "config file");
    }
  }
  // Fails before DIR exists, and before a grid over --max-runs is expanded.
  const SweepConfig config = load_sweep_config(config_path, static_cast<std::uint64_t>(max_runs));
  if (const std::string note = left_out_log_linear_note(config); !note.empty() && !quiet) {
    std::cerr << "tabrl sweep: " << note << "\n";
  }
  if (slurm) {
    if (slurm_options.tasks < 1) {
      throw InputError({.field = "tasks"},
                       "must be >= 1, got " + std::to_string(slurm_options.tasks));
    }
    if (slurm_options.max_parallel < 0) throw InputError({.field = "max-parallel"}, "must be >= 0");
    if (sweep.shard) throw UsageError("--slurm chooses the shards itself; drop --shard");
    slurm_options.tasks = std::min<int>(slurm_options.tasks, static_cast<int>(config.runs.size()));
    slurm_options.cpus_per_task = values["jobs"].defaulted() ? 1 : jobs;
    // Every task parses the config again and needs the same limit.
    if (!values["max-runs"].defaulted()) {
      slurm_options.max_runs = static_cast<std::uint64_t>(max_runs);
    }
    if (!config.settings.name.empty()) slurm_options.job_name = "tabrl-" + config.settings.name;
    return submit_to_slurm(config, sweep, slurm_options, dry_run);
  }
  ProgressPrinter printer(quiet);
  const SweepOutcome outcome = run_sweep(config, sweep, std::ref(printer));
  if (!quiet) {
    std::cerr << "tabrl sweep: " << outcome.executed << " runs done, " << outcome.already_done
              << " already done, " << outcome.failed << " failed";
    if (sweep.shard) {
      std::cerr << " (shard " << sweep.shard->index << "/" << sweep.shard->count << ": "
                << outcome.shard_runs << " of " << outcome.grid_runs << " runs)";
    }
    std::cerr << "\n";
    if (outcome.assembled) {
      std::cerr << "tabrl sweep: results in " << (fs::path(out) / "runs.csv").string() << " and "
                << (fs::path(out) / "curves.csv").string() << "\n";
    } else {
      std::cerr << "tabrl sweep: " << outcome.missing << " runs of the grid are not finished yet; "
                << "run `tabrl merge " << out << "` once every shard is done\n";
    }
  }
  return kExitSuccess;
}

int merge_command(const Arguments& args) {
  std::vector<std::string> directories;
  po::options_description options("options");
  options.add_options()("dirs", po::value(&directories)->required()->multitoken(),
                        "sweep directories; the first receives the merged files");
  po::positional_options_description positional;
  positional.add("dirs", -1);
  po::variables_map values;
  if (!parse_command_line(args, options, positional, kMergeUsage, values)) return kExitSuccess;

  const fs::path target = directories.front();
  const SweepManifest manifest = read_manifest(target);
  // Every other directory is checked before anything is copied, so that a refusal leaves the
  // target as it was.
  for (std::size_t d = 1; d < directories.size(); ++d) {
    const SweepManifest other = read_manifest(directories[d]);
    if (other.config_digest != manifest.config_digest) {
      throw InputError({.file = directories[d]},
                       "was made by a different sweep config than " + target.string());
    }
    if (const std::string differs = layout_difference(
            other, manifest.runs_header, manifest.curves_header, target.string() + "'s");
        !differs.empty()) {
      throw InputError({.file = directories[d]}, differs + "; run its shards again with one tabrl");
    }
  }
  // Every directory is locked against sweeps for the whole merge: a journal copied while its
  // sweep still appends would be copied short, and runs.csv would be assembled from part of it.
  SweepStore store(target);
  store.lock_exclusively("merge");
  std::vector<std::unique_ptr<SweepStore>> others;
  std::vector<fs::path> merged{target};
  for (std::size_t d = 1; d < directories.size(); ++d) {
    // A directory named twice (or the target again, under any spelling) is merged once.
    const bool repeated = std::any_of(merged.begin(), merged.end(), [&](const fs::path& earlier) {
      std::error_code error;
      return fs::equivalent(earlier, directories[d], error);
    });
    if (repeated) continue;
    merged.emplace_back(directories[d]);
    others.push_back(std::make_unique<SweepStore>(directories[d]));
    others.back()->lock_exclusively("merge");
    // Copy the other directory's journals; a copy is made under a temporary name first, so a
    // merge interrupted midway leaves no partial journal behind.
    const fs::path source = fs::path(directories[d]) / "journal";
    if (!fs::is_directory(source)) continue;
    for (const auto& entry : fs::directory_iterator(source)) {
      if (entry.path().extension() != ".log") continue;
      const fs::path destination = target / "journal" /
                                   ("merged-" + digest(fs::absolute(entry.path()).string()) + "-" +
                                    entry.path().filename().string());
      if (fs::exists(destination)) continue;
      const fs::path temporary = temporary_path_for(destination.string());
      fs::copy_file(entry.path(), temporary, fs::copy_options::overwrite_existing);
      fs::rename(temporary, destination);
    }
  }
  const std::size_t missing =
      store.assemble(manifest.run_ids, manifest.runs_header, manifest.curves_header);
  store.finish_manifest(manifest.run_ids.size() - missing, missing);
  std::cerr << "tabrl merge: " << manifest.run_ids.size() - missing << " of "
            << manifest.run_ids.size() << " runs in " << (target / "runs.csv").string() << "\n";
  if (missing > 0) {
    std::cerr << "tabrl merge: " << missing << " runs are missing; rerun the sweep (or its "
              << "shards) to finish them\n";
    return kExitFailure;
  }
  return kExitSuccess;
}

int summarize_command(const Arguments& args) {
  std::string directory;
  bool as_csv = false, partial = false;
  po::options_description options("options");
  options.add_options()("dir", po::value(&directory)->required(), "sweep directory")(
      "csv", po::bool_switch(&as_csv), "print CSV with full precision instead of a table")(
      "partial", po::bool_switch(&partial), "summarize a sweep with missing runs");
  po::positional_options_description positional;
  positional.add("dir", 1);
  po::variables_map values;
  if (!parse_command_line(args, options, positional, kSummarizeUsage, values)) return kExitSuccess;
  const SweepSummary summary = summarize_sweep(directory, partial);
  if (as_csv) {
    // The CSV keeps its columns for scripts; the partial notice goes to stderr.
    if (summary.coverage.partial()) {
      std::cerr << "tabrl summarize: " << summary.coverage.text() << "\n";
    }
    print_summary_csv(std::cout, summary.lines);
  } else {
    print_summary(std::cout, summary);
  }
  return kExitSuccess;
}

}  // namespace tabrl::cli
