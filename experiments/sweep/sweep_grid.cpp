#include "sweep_grid.hpp"

#include <algorithm>
#include <cstdio>
#include <limits>

#include <tabrl/algorithms/initial_policy.hpp>
#include <tabrl/core/format.hpp>
#include <tabrl/core/spec.hpp>
#include <tabrl/core/text.hpp>

namespace tabrl {
namespace {

// The Cartesian product of `axes` in their order, the last fastest: calls `visit` with the
// chosen (key, value) pairs of each point.
void for_each_point(
    const std::vector<Axis>& axes,
    const std::function<void(const std::vector<std::pair<std::string, std::string>>&)>& visit) {
  std::vector<std::size_t> position(axes.size(), 0);
  while (true) {
    std::vector<std::pair<std::string, std::string>> chosen;
    for (std::size_t k = 0; k < axes.size(); ++k) {
      chosen.emplace_back(axes[k].key, axes[k].values[position[k]]);
    }
    visit(chosen);
    std::size_t k = axes.size();
    while (k > 0 && ++position[k - 1] == axes[k - 1].values.size()) position[--k] = 0;
    if (k == 0) break;
  }
}

std::uint64_t axes_product(const std::vector<Axis>& axes) {
  std::uint64_t product = 1;
  for (const Axis& axis : axes) product = saturating_product(product, axis.values.size());
  return product;
}

// `base` with the chosen values added as spec arguments ("name(a=1)" + {b: 2} -> "name(a=1,b=2)").
std::string with_arguments(const std::string& base,
                           const std::vector<std::pair<std::string, std::string>>& chosen) {
  if (chosen.empty()) return base;
  Spec spec = parse_spec(base, "mdp");
  for (const auto& [key, value] : chosen) spec.arguments.emplace_back(key, value);
  return spec.to_string();
}

}  // namespace

std::uint64_t saturating_product(std::uint64_t a, std::uint64_t b) {
  if (a != 0 && b > std::numeric_limits<std::uint64_t>::max() / a) {
    return std::numeric_limits<std::uint64_t>::max();
  }
  return a * b;
}

std::uint64_t saturating_sum(std::uint64_t a, std::uint64_t b) {
  constexpr std::uint64_t kMax = std::numeric_limits<std::uint64_t>::max();
  return a > kMax - b ? kMax : a + b;
}

std::vector<InitSetting> expand_inits(const SweepSettings& settings) {
  std::vector<InitSetting> inits;
  for (const std::string& init : settings.inits) {
    const bool file = is_initial_policy_file(init);
    const Spec spec = file ? Spec{} : parse_spec(init, "init");
    // A random init without its own seed runs once per seed of settings.seeds.
    const bool per_seed = !file && spec.name == "random" && spec.find("seed") == nullptr;
    if (!per_seed) {
      const std::string resolved = resolved_initial_policy(init);
      InitSetting setting{.init = resolved};
      if (is_initial_policy_file(resolved)) {
        setting.digest = digest(read_text_file(resolved));
      } else if (const std::string* text = parse_spec(resolved, "init").find("seed")) {
        setting.seed = std::stoll(*text);
      }
      inits.push_back(setting);
      continue;
    }
    for (std::int64_t seed : settings.seeds) {
      const Spec seeded = spec.with("seed", std::to_string(seed));
      inits.push_back({.init = resolved_initial_policy(seeded.to_string()), .seed = seed});
    }
  }
  return inits;
}

GridCount count_grid(const std::vector<MdpBlock>& mdps,
                     const std::vector<AlgorithmBlock>& algorithms, const SweepSettings& settings) {
  GridCount count;
  for (const MdpBlock& block : mdps)
    count.mdps = saturating_sum(count.mdps, axes_product(block.axes));
  for (const AlgorithmBlock& block : algorithms) {
    const std::uint64_t product = saturating_product(
        saturating_product(saturating_product(block.names.size(), block.step_count),
                           std::max<std::uint64_t>(1, block.features.size())),
        axes_product(block.parameters));
    count.algorithms = saturating_sum(count.algorithms, product);
    if (!block.features.empty()) count.log_linear = saturating_sum(count.log_linear, product);
  }
  const std::vector<InitSetting> inits = expand_inits(settings);
  count.seeds = inits.size();
  count.uniform_seeds = static_cast<std::uint64_t>(std::count_if(
      inits.begin(), inits.end(), [](const InitSetting& init) { return init.uniform(); }));
  // Log-linear settings run from the uniform init only (docs/sweeps.md).
  const std::uint64_t per_mdp =
      saturating_sum(saturating_product(count.algorithms - count.log_linear, count.seeds),
                     saturating_product(count.log_linear, count.uniform_seeds));
  count.runs = saturating_product(count.mdps, per_mdp);
  return count;
}

std::vector<RunSpec> expand_mdp_block(const MdpBlock& block) {
  std::vector<RunSpec> runs;
  for_each_point(block.axes, [&](const std::vector<std::pair<std::string, std::string>>& chosen) {
    // A seed axis is a replicate, not a different MDP: the summary groups across it.
    std::vector<std::pair<std::string, std::string>> label;
    for (std::size_t k = 0; k < chosen.size(); ++k) {
      if (!(chosen[k].first == "seed" && block.axes[k].values.size() > 1)) {
        label.push_back(chosen[k]);
      }
    }
    runs.push_back({.mdp = with_arguments(block.base, chosen),
                    .mdp_label = with_arguments(block.base, label),
                    .mdp_digest = block.content_digest});
  });
  return runs;
}

std::vector<AlgorithmSetting> expand_algorithm_block(
    const AlgorithmBlock& block,
    const std::function<std::string(const std::string&, bool)>& resolve) {
  std::vector<AlgorithmSetting> settings;
  const std::vector<std::string> steps = block.step_sizes();
  // A tabular block has one empty "features" value.
  const std::vector<std::string> features =
      block.features.empty() ? std::vector<std::string>{""} : block.features;
  for (const std::string& name : block.names) {
    for (const std::string& step : steps) {
      for (std::size_t f = 0; f < features.size(); ++f) {
        const bool log_linear = !features[f].empty();
        for_each_point(
            block.parameters, [&](const std::vector<std::pair<std::string, std::string>>& chosen) {
              Spec spec{.name = name, .arguments = chosen};
              settings.push_back({.name = name,
                                  .spec = resolve(spec.to_string(), log_linear),
                                  .step_size = step,
                                  .features = features[f],
                                  .features_digest = log_linear && f < block.feature_digests.size()
                                                         ? block.feature_digests[f]
                                                         : std::string()});
            });
      }
    }
  }
  return settings;
}

std::string digest(const std::string& text) {
  std::uint64_t hash = 14695981039346656037ULL;
  for (unsigned char c : text) {
    hash ^= c;
    hash *= 1099511628211ULL;
  }
  char buffer[17];
  std::snprintf(buffer, sizeof buffer, "%016llx", static_cast<unsigned long long>(hash));
  return buffer;
}

std::string RunSpec::canonical(const SweepSettings& settings) const {
  std::string tolerances;
  for (double tolerance : settings.tolerances) {
    tolerances += (tolerances.empty() ? "" : ",") + format_number(tolerance);
  }
  // `format` versions the output files: a new layout must not resume into an old directory. A
  // file (an MDP, initial logits) is identified by its content, not by its path, which depends
  // on the directory the sweep is started from.
  return "format=5;mdp=" + (mdp_digest.empty() ? mdp : "file") + ";mdp_digest=" + mdp_digest +
         ";algorithm=" + algorithm.spec + ";step_size=" + algorithm.step_size +
         // Only log-linear runs carry features, so tabular run ids are unchanged.
         (algorithm.features.empty()
              ? std::string()
              : ";features=" + (algorithm.features_digest.empty() ? algorithm.features : "file") +
                    ";features_digest=" + algorithm.features_digest) +
         ";init=" + (init_digest.empty() ? init : "file") + ";init_digest=" + init_digest +
         ";seed=" + (seed ? std::to_string(*seed) : "") +
         ";iterations=" + std::to_string(settings.iterations) + ";record=" + settings.record +
         ";tolerances=" + tolerances + ";stop_tolerance=" +
         (settings.stop_tolerance ? format_number(*settings.stop_tolerance) : "") +
         ";solver=" + settings.solver;
}

}  // namespace tabrl
