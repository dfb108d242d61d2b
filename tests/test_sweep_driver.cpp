// The sweep driver (shards, resumption, parallel runs) and the SLURM script writer, as units.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include <tabrl/core/error.hpp>
#include <tabrl/sweep/slurm.hpp>
#include <tabrl/sweep/sweep_config.hpp>
#include <tabrl/sweep/sweep_driver.hpp>
#include <tabrl/sweep/sweep_run.hpp>

using namespace tabrl;
namespace fs = std::filesystem;

namespace {

constexpr const char* kGrid = R"TOML(
[sweep]
iterations = 20
[[mdp]]
spec = "five_by_five"
[[mdp]]
spec = "bandit(means=[0.2,0.9])"
[[algorithm]]
name = ["spma", "npg"]
step_size = [0.05, 0.1, 0.2]
)TOML";

std::string read(const fs::path& path) {
  std::ifstream input(path);
  std::stringstream text;
  text << input.rdbuf();
  return text.str();
}

fs::path fresh(const std::string& name) {
  const fs::path root = fs::temp_directory_path() / ("tabrl_driver_test_" + name);
  fs::remove_all(root);
  return root;
}

// The grid as a file (the manifest keeps the config's text).
SweepConfig grid_config(const std::string& name) {
  const fs::path directory = fresh(name + "_config");
  fs::create_directories(directory);
  std::ofstream(directory / "grid.toml") << kGrid;
  return load_sweep_config((directory / "grid.toml").string());
}

// runs.csv without its last column (wall_seconds), which is the only field that may differ.
std::string without_wall_time(const std::string& runs) {
  std::istringstream lines(runs);
  std::string line, out;
  while (std::getline(lines, line)) out += line.substr(0, line.rfind(',')) + "\n";
  return out;
}

}  // namespace

TEST_CASE("shards are I/N with 0 <= I < N") {
  CHECK(parse_shard("0/1").index == 0);
  CHECK(parse_shard("2/3").count == 3);
  for (const char* bad : {"3/3", "-1/2", "1", "a/b", "1/0", "1/2/3", " 1/2", ""}) {
    CAPTURE(bad);
    CHECK_THROWS_AS(parse_shard(bad), InputError);
  }
}

TEST_CASE("a sweep runs each run once, resumes to nothing, and does not depend on --jobs") {
  const SweepConfig config = grid_config("jobs");
  REQUIRE(config.runs.size() == 12);
  const fs::path one = fresh("jobs1"), two = fresh("jobs2");
  const SweepOutcome first = run_sweep(config, {.out = one, .jobs = 1}, [](const auto&) {});
  CHECK(first.grid_runs == 12);
  CHECK(first.executed == 12);
  CHECK(first.missing == 0);
  CHECK(first.assembled);
  const SweepOutcome again = run_sweep(config, {.out = one, .jobs = 1}, [](const auto&) {});
  CHECK(again.already_done == 12);
  CHECK(again.executed == 0);
  run_sweep(config, {.out = two, .jobs = 2}, [](const auto&) {});
  CHECK(read(one / "curves.csv") == read(two / "curves.csv"));
  CHECK(without_wall_time(read(one / "runs.csv")) == without_wall_time(read(two / "runs.csv")));
}

TEST_CASE("shards split the grid, and the last one to finish assembles the results") {
  const SweepConfig config = grid_config("shards");
  const fs::path out = fresh("shards"), whole = fresh("whole");
  const SweepOutcome first =
      run_sweep(config, {.out = out, .jobs = 1, .shard = Shard{0, 2}}, [](const auto&) {});
  CHECK(first.shard_runs == 6);
  CHECK(first.executed == 6);
  CHECK(first.missing == 6);
  CHECK_FALSE(first.assembled);
  CHECK_FALSE(fs::exists(out / "runs.csv"));
  const SweepOutcome second =
      run_sweep(config, {.out = out, .jobs = 1, .shard = Shard{1, 2}}, [](const auto&) {});
  CHECK(second.executed == 6);
  CHECK(second.missing == 0);
  CHECK(second.assembled);
  run_sweep(config, {.out = whole, .jobs = 1}, [](const auto&) {});
  CHECK(read(out / "curves.csv") == read(whole / "curves.csv"));
}

TEST_CASE("the sbatch script: one array task per shard, every path quoted as text") {
  const SlurmOptions options{.tasks = 4,
                             .max_parallel = 2,
                             .cpus_per_task = 3,
                             .partition = "short",
                             .time_limit = "01:00:00",
                             .job_name = "my sweep; rm -rf /",
                             .max_runs = 5000000};
  const std::string script =
      slurm_script(options, "/opt/tabrl dir/tabrl", "/home/u/it's $(x).toml", "/data/out `y`");
  CHECK(script.find("#SBATCH --array=0-3%2\n") != std::string::npos);
  CHECK(script.find("#SBATCH --cpus-per-task=3\n") != std::string::npos);
  CHECK(script.find("#SBATCH --job-name=my_sweep__rm_-rf__\n") != std::string::npos);
  CHECK(script.find("#SBATCH --partition=short\n") != std::string::npos);
  CHECK(script.find("#SBATCH --time=01:00:00\n") != std::string::npos);
  CHECK(script.find("exec '/opt/tabrl dir/tabrl' sweep '/home/u/it'\\''s $(x).toml' --out "
                    "'/data/out `y`' --jobs 3 --max-runs 5000000 --quiet\n") != std::string::npos);
  CHECK(slurm_job_name("") == "tabrl");
  CHECK_THROWS_AS(slurm_script(options, "/t", "/c.toml", "/data/line\nbreak"), InputError);
  SlurmOptions bad_partition = options;
  bad_partition.partition = "short\n#SBATCH --mem=1T";
  CHECK_THROWS_AS(slurm_script(bad_partition, "/t", "/c.toml", "/out"), InputError);
}

TEST_CASE("a worker reads a feature file once for consecutive runs, and again for a new MDP") {
  const fs::path directory = fresh("feature_cache");
  fs::create_directories(directory);
  const std::string path = (directory / "features.csv").string();
  std::ofstream(path) << "state,action,f0,f1\n0,0,1,0\n0,1,0,1\n";
  MdpCache cache;
  CHECK_THROWS_AS(cache.features(path), std::logic_error);  // no MDP yet
  CHECK_THROWS_AS(cache.mdp((directory / "missing.toml").string(), LinearSolverKind::dense_lu),
                  InputError);
  CHECK_THROWS_AS(cache.features(path), std::logic_error);  // a failed load leaves none
  cache.mdp("bandit(means=[0.2,0.9])", LinearSolverKind::dense_lu);
  const std::shared_ptr<const FeatureMatrix> first = cache.features(path);
  REQUIRE(first->dim() == 2);
  // Gone from the disk: only a reread would notice. The next run asks for the same MDP first.
  fs::remove(path);
  cache.mdp("bandit(means=[0.2,0.9])", LinearSolverKind::dense_lu);
  CHECK(cache.features(path) == first);
  // Other features, then the file again: read again (and now missing).
  CHECK(cache.features("random(dim=3,seed=1)")->dim() == 3);
  CHECK_THROWS_AS(cache.features(path), InputError);
  // A new MDP drops the features made for the last one.
  std::ofstream(path) << "state,action,f0\n0,0,1\n0,1,2\n";
  CHECK(cache.features(path)->dim() == 1);
  cache.mdp("bandit(means=[0.5,0.1])", LinearSolverKind::dense_lu);
  fs::remove(path);
  CHECK_THROWS_AS(cache.features(path), InputError);
}
