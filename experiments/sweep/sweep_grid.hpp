// The grid of a sweep (docs/sweeps.md): MDP blocks and algorithm blocks with their axes, counted
// before they are expanded into fully resolved runs, and the run identities. Knows nothing of
// TOML: experiments/sweep_config.cpp reads the file into these blocks.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace tabrl {

struct SweepSettings {
  std::string name;
  int iterations = 1000;
  std::string record = "log";
  // Initial policies (algorithms/initial_policy.hpp), an axis: `random` without a seed is run
  // once per seed of `seeds`.
  std::vector<std::string> inits = {"uniform"};
  std::vector<std::int64_t> seeds = {0};
  std::vector<double> tolerances = {1e-2, 1e-4, 1e-6, 1e-8};
  std::optional<double> stop_tolerance;  // converged once value_error_inf <= this
  std::string solver = "auto";
};

// The algorithm of one run, resolved.
struct AlgorithmSetting {
  std::string name;
  // The algorithm spec with every registry parameter, defaults included, in canonical order:
  // `spma(clip=false,clip_floor=1e-08)`, so that equal settings have equal ids.
  std::string spec;
  std::string step_size;  // a number or a named rule of the method, as given
  // Log-linear runs (docs/algorithms.md, "Log-linear policies"): the resolved feature spec or
  // file, and a file's content digest; both empty for tabular runs. `spec` is then resolved
  // through the log-linear parameter table.
  std::string features;
  std::string features_digest;
};

// One fully resolved run of the grid.
struct RunSpec {
  std::string mdp;         // a built-in spec with every grid value filled in, or a file path
  std::string mdp_label;   // what the summary groups by: the block's spec or file, without axes
  std::string mdp_digest;  // content digest for files, empty for built-ins
  AlgorithmSetting algorithm;
  std::string init = "uniform";      // the initial policy's resolved spec, or a logit file
  std::string init_digest;           // content digest of a logit file, empty otherwise
  std::optional<std::int64_t> seed;  // the seed of a random initial policy

  // Every setting that determines the run's output, as key=value pairs in a fixed order.
  std::string canonical(const SweepSettings& settings) const;
};

// A key of a block with its values: a list in the config is an axis of the grid.
struct Axis {
  std::string key;
  std::vector<std::string> values;
};

struct MdpBlock {
  std::string base;            // the spec, or the resolved file path
  std::vector<Axis> axes;      // parameters of a built-in
  std::string content_digest;  // of a file, empty for a built-in
  int line = 0;
};

struct AlgorithmBlock {
  std::vector<std::string> names;
  std::vector<Axis> parameters;  // registry parameters of the named algorithms
  std::uint64_t step_count = 0;
  // The step sizes, expanded only once the grid is known to be within the run limit (a logspace
  // table alone can hold 100,000 of them).
  std::function<std::vector<std::string>()> step_sizes;
  // The key `features`, an axis: resolved specs or files (with their digests); empty for a
  // tabular block.
  std::vector<std::string> features;
  std::vector<std::string> feature_digests;
  int line = 0;           // the block's [[algorithm]] header
  int features_line = 0;  // its `features` key (0 for a tabular block)
};

// An initial policy of the grid with its seed (for `random`).
struct InitSetting {
  std::string init;    // resolved spec, seed included; or a file
  std::string digest;  // of a file's content
  std::optional<std::int64_t> seed;
  // The uniform policy, the only start of log-linear settings (theta = 0; docs/sweeps.md).
  bool uniform() const { return init == "uniform"; }
};

// The initial policies of the grid: every entry of settings.inits, resolved, a `random` one
// without a seed once per seed of settings.seeds. Reads logit files for their digest (InputError
// when one cannot be read).
std::vector<InitSetting> expand_inits(const SweepSettings& settings);

// The size of a grid, counted without expanding it; saturates at the largest uint64.
struct GridCount {
  std::uint64_t mdps = 0;
  std::uint64_t algorithms = 0;  // settings, log-linear ones included
  std::uint64_t log_linear = 0;  // of which log-linear: they run from the uniform init only
  std::uint64_t seeds = 1;       // initial policies
  std::uint64_t uniform_seeds = 0;
  std::uint64_t runs = 0;
};
GridCount count_grid(const std::vector<MdpBlock>& mdps,
                     const std::vector<AlgorithmBlock>& algorithms, const SweepSettings& settings);

// The MDP specs of a block: the Cartesian product of its axes in key order, the last fastest.
std::vector<RunSpec> expand_mdp_block(const MdpBlock& block);

// The algorithm settings of a block: names x step sizes x features x parameter axes (the last
// fastest). `resolve(spec, log_linear)` turns `name(k=v,...)` into its canonical spec with
// defaults (log_linear: through the log-linear parameter table).
std::vector<AlgorithmSetting> expand_algorithm_block(
    const AlgorithmBlock& block,
    const std::function<std::string(const std::string&, bool)>& resolve);

// 64-bit FNV-1a as 16 hex digits: run ids and digests.
std::string digest(const std::string& text);

// a * b and a + b saturating at the largest value: a product of many axes must not wrap around.
std::uint64_t saturating_product(std::uint64_t a, std::uint64_t b);
std::uint64_t saturating_sum(std::uint64_t a, std::uint64_t b);

}  // namespace tabrl
