// The sweep driver's own cost (config expansion and validation, scheduling, formatting, journal
// commits, assembly) on 1,000 short runs, against the runs themselves (optimization and per-run
// analysis). Target: under 5%.
#include <benchmark/benchmark.h>

#include <chrono>
#include <filesystem>
#include <fstream>

#include <tabrl/algorithms/analysis.hpp>
#include <tabrl/algorithms/callbacks.hpp>
#include <tabrl/algorithms/registry.hpp>
#include <tabrl/core/policy.hpp>
#include <tabrl/mdps/registry.hpp>
#include <tabrl/sweep/sweep_config.hpp>
#include <tabrl/sweep/sweep_driver.hpp>

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

// The runs themselves: same MDPs, same steps, the curve recorded and the per-run rate analysis
// (which the user asked for), nothing expanded, scheduled, formatted or written.
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
    auto rule = make_algorithm(run.algorithm.spec, run.algorithm.step_size, *mdp);
    CurveRecorder recorder({.kind = RecordSchedule::Kind::log});
    RunAnalysis analysis(*mdp, *rule, {1e-2, 1e-4, 1e-6, 1e-8});
    IterationCallback* callbacks[] = {&recorder, &analysis};
    optimize(*mdp, *optimal, *rule, uniform_logits(mdp->num_states(), mdp->num_actions()),
             {.max_iterations = kIterations}, callbacks);
    benchmark::DoNotOptimize(recorder.points().data());
  }
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

void sweep_overhead(benchmark::State& state) {
  const fs::path directory = fs::temp_directory_path() / "tabrl_bench_sweep";
  const fs::path config_path = write_config(directory);
  // This machine's timings drift by several percent between runs: alternate the two
  // measurements and compare the fastest of each.
  double sweep_best = 1e300, work_best = 1e300;
  for (auto _ : state) {
    fs::remove_all(directory / "out");
    const auto start = std::chrono::steady_clock::now();
    const SweepConfig config = load_sweep_config(config_path.string());
    run_sweep(config, {.out = directory / "out", .jobs = 1}, [](const SweepProgress&) {});
    sweep_best =
        std::min(sweep_best,
                 std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    work_best = std::min(work_best, optimization_seconds(config));
  }
  state.counters["runs"] = 1000;
  state.counters["sweep_s"] = sweep_best;
  state.counters["work_s"] = work_best;
  state.counters["overhead_pct"] = 100.0 * (sweep_best - work_best) / sweep_best;
  fs::remove_all(directory);
}

BENCHMARK(sweep_overhead)->Unit(benchmark::kSecond)->Iterations(5);

}  // namespace
