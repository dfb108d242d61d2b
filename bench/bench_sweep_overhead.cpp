// The sweep driver's own cost (config expansion, scheduling, per-run commits, assembly) on 1,000
// short runs, against the optimization work alone for the same runs. Target: under 5%.
#include <benchmark/benchmark.h>

#include <chrono>
#include <filesystem>
#include <fstream>

#include "algorithms/callbacks.hpp"
#include "core/policy.hpp"
#include "experiments/algorithm_registry.hpp"
#include "experiments/sweep_config.hpp"
#include "experiments/sweep_driver.hpp"
#include "mdps/registry.hpp"

namespace {

namespace fs = std::filesystem;
using namespace tabrl;

constexpr int kIterations = 300;

// 1,000 runs: 10 Garnet MDPs (30 states) x NPG at 100 step sizes, 300 iterations each.
fs::path write_config(const fs::path& directory) {
  fs::create_directories(directory);
  const fs::path path = directory / "overhead.toml";
  std::ofstream(path) << "[sweep]\niterations = " << kIterations
                      << "\nrecord = \"log\"\n[[mdp]]\nspec = \"garnet(states=30,actions=4,"
                         "branching=3)\"\nseed = [1,2,3,4,5,6,7,8,9,10]\n[[algorithm]]\n"
                         "name = \"npg\"\nstep_size = { logspace = [-2, 1, 100] }\n";
  return path;
}

// The optimization alone: same MDPs, same steps, the curve recorded, nothing written.
double optimization_seconds(const SweepConfig& config) {
  const auto start = std::chrono::steady_clock::now();
  std::string current;
  std::unique_ptr<Mdp> mdp;
  std::unique_ptr<OptimalSolution> optimal;
  for (const RunSpec& run : config.runs) {
    if (run.mdp != current) {
      current = run.mdp;
      mdp = std::make_unique<Mdp>(load_mdp(run.mdp));
      optimal = std::make_unique<OptimalSolution>(solve_optimal(*mdp));
    }
    auto rule = make_update_rule(run.algorithm, *mdp);
    CurveRecorder recorder({.kind = RecordSchedule::Kind::log});
    IterationCallback* callbacks[] = {&recorder};
    optimize(*mdp, *optimal, *rule, uniform_logits(mdp->num_states(), mdp->num_actions()),
             {.max_iterations = kIterations}, callbacks);
    benchmark::DoNotOptimize(recorder.points().data());
  }
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

void sweep_overhead(benchmark::State& state) {
  const fs::path directory = fs::temp_directory_path() / "tabrl_bench_sweep";
  const fs::path config_path = write_config(directory);
  double sweep_total = 0.0, work_total = 0.0;
  for (auto _ : state) {
    fs::remove_all(directory / "out");
    const auto start = std::chrono::steady_clock::now();
    const SweepConfig config = load_sweep_config(config_path.string());
    run_sweep(config, {.out = directory / "out", .jobs = 1}, [](const SweepProgress&) {});
    sweep_total += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    work_total += optimization_seconds(config);
  }
  state.counters["runs"] = 1000;
  state.counters["sweep_s"] = sweep_total / static_cast<double>(state.iterations());
  state.counters["work_s"] = work_total / static_cast<double>(state.iterations());
  state.counters["overhead_pct"] = 100.0 * (sweep_total - work_total) / sweep_total;
  fs::remove_all(directory);
}

BENCHMARK(sweep_overhead)->Unit(benchmark::kSecond)->Iterations(3);

}  // namespace
