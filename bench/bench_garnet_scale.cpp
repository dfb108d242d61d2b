// Scale of the MDP path: garnet(states=100000, actions=4, branching=5) generated, validated and
// written in each format. Peak memory is the process's high-water mark (VmHWM) after the runs.
#include <benchmark/benchmark.h>

#include <filesystem>
#include <fstream>
#include <string>

#include <tabrl/mdps/builtin.hpp>
#include <tabrl/mdps/formats.hpp>

#include "bench_memory.hpp"

namespace {

using namespace tabrl;

using bench::peak_rss_megabytes;

void garnet_100k(benchmark::State& state) {
  const MdpFormat& format = mdp_formats()[static_cast<std::size_t>(state.range(0))];
  const std::filesystem::path path = std::filesystem::temp_directory_path() / "tabrl_bench_garnet";
  for (auto _ : state) {
    const Mdp mdp = make_garnet(100000, 4, 5, 1);
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    format.write(out, mdp);
  }
  state.counters["file_mb"] = static_cast<double>(std::filesystem::file_size(path)) / 1e6;
  state.counters["peak_rss_mb"] = peak_rss_megabytes();
  std::filesystem::remove(path);
  state.SetLabel(std::string(format.extensions.front().substr(1)));
}

BENCHMARK(garnet_100k)
    ->ArgName("format")
    ->DenseRange(0, static_cast<int>(mdp_formats().size()) - 1)  // every row of the table
    ->Unit(benchmark::kSecond)
    ->Iterations(1);

}  // namespace
