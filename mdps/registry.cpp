#include "registry.hpp"

#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <functional>
#include <limits>
#include <map>

#include <tabrl/core/error.hpp>
#include <tabrl/core/format.hpp>
#include <tabrl/core/suggest.hpp>
#include <tabrl/core/text.hpp>
#include <tabrl/mdps/builtin.hpp>
#include <tabrl/mdps/formats.hpp>
#include <tabrl/mdps/gridworlds.hpp>

namespace tabrl {
namespace {

using Arguments = SpecArguments;

struct BuiltinEntry {
  BuiltinMdpInfo info;
  std::function<Mdp(const Arguments&)> build;
  // The size the arguments ask for, checked before building (check_builtin_size), after the
  // checks across parameters that would otherwise wait for the build (InputError); absent where
  // the size is fixed or written out in the spec (a map, a list of means).
  std::function<BuiltinSize(const Arguments&)> size = nullptr;
};

// The rows and (at least) the entries of a kernel of `states` x `actions` with `per_row`
// entries in each row.
BuiltinSize kernel_of(double states, double actions, double per_row = 1.0) {
  return {.rows = states * actions, .entries = states * actions * per_row, .states = states};
}

const ParameterInfo kGammaParameter{"gamma", "number",
                                    "0.9",   "discount factor in [0, 1)",
                                    {},      {.low = 0.0, .high = 1.0, .high_open = true}};

const std::vector<BuiltinEntry>& registry() {
  static const std::vector<BuiltinEntry> entries = {
      {{"bandit",
        "multi-armed bandit: one state, gamma 0, one arm per mean",
        {{"means", "list of numbers", "", "mean reward of each arm, e.g. [0.2,0.5,0.9]"}},
        true},
       [](const Arguments& args) { return make_bandit(args.numbers("means")); }},
      {{"five_by_five", "the 5-state, 5-action MDP of Chen et al. (ICML 2024)", {kGammaParameter}},
       [](const Arguments& args) { return make_five_by_five(args.number("gamma")); }},
      {{"cliff_world",
        "CliffWorld (Vaswani et al. 2021): 4 x 5 grid, cliff of reward -100, goal +1 (not "
        "Gymnasium's CliffWalking: see cliff_walking)",
        {kGammaParameter}},
       [](const Arguments& args) { return make_cliff_world(args.number("gamma")); }},
      {{"deep_sea_treasure",
        "DeepSeaTreasure: size x size grid descending one row per step, treasure +1",
        {{"size", "integer", "5", "grid side, >= 2", {}, {.low = 2.0}}, kGammaParameter}},
       [](const Arguments& args) {
         return make_deep_sea_treasure(args.integer("size"), args.number("gamma"));
       },
       [](const Arguments& args) {
         const double side = args.integer("size");
         return kernel_of(side * side, 2);
       }},
      {{"forest",
        "pymdptoolbox's forest management (example.forest): actions wait, cut; fire resets "
        "with probability p; rho uniform",
        {{"states", "integer", "3", "number of forest ages S >= 2", {}, {.low = 2.0}},
         {"r1", "number", "4", "reward of waiting in the oldest state"},
         {"r2", "number", "2", "reward of cutting in the oldest state"},
         {"p",
          "number",
          "0.1",
          "probability of a fire each step, in [0, 1]",
          {},
          {.low = 0.0, .high = 1.0}},
         kGammaParameter}},
       [](const Arguments& args) {
         return make_forest(args.integer("states"), args.number("r1"), args.number("r2"),
                            args.number("p"), args.number("gamma"));
       },
       [](const Arguments& args) {
         // Waiting has two effects unless p is 0 or 1; cutting has one.
         const double p = args.number("p");
         return BuiltinSize{.rows = 2.0 * args.integer("states"),
                            .entries = args.integer("states") * ((p > 0.0 && p < 1.0) ? 3.0 : 2.0),
                            .states = static_cast<double>(args.integer("states"))};
       }},
      {{"random_bandit",
        "random K-armed bandit: means in [0, 1], best-arm gap >= min_gap",
        {{"arms", "integer", "", "number of arms K >= 2", {}, {.low = 2.0}},
         {"min_gap",
          "number",
          "",
          "smallest gap between the best and any other mean, in (0, 1)",
          {},
          {.low = 0.0, .high = 1.0, .low_open = true, .high_open = true}},
         {"seed", "integer", "0", "generator seed", {}, {.low = 0.0}}},
        true},
       [](const Arguments& args) {
         return make_random_bandit(args.integer("arms"), args.number("min_gap"),
                                   static_cast<std::uint64_t>(args.integer("seed")));
       },
       [](const Arguments& args) { return kernel_of(1, args.integer("arms")); }},
      {{"chain",
        "n-chain (Strens 2000): 'back' to state 0 pays back_reward, 'forward' pays "
        "forward_reward at the end; actions slip",
        {{"n", "integer", "5", "number of states, >= 2", {}, {.low = 2.0}},
         {"slip",
          "number",
          "0.2",
          "probability that the other action's effect happens",
          {},
          {.low = 0.0, .high = 1.0}},
         {"back_reward", "number", "0.2", "reward of the back effect"},
         {"forward_reward", "number", "1", "reward of going forward in the last state"},
         kGammaParameter}},
       [](const Arguments& args) {
         return make_chain(args.integer("n"), args.number("slip"), args.number("back_reward"),
                           args.number("forward_reward"), args.number("gamma"));
       },
       [](const Arguments& args) {
         // Each action has both effects unless slip is 0 or 1.
         const double slip = args.number("slip");
         return kernel_of(args.integer("n"), 2, (slip > 0.0 && slip < 1.0) ? 2.0 : 1.0);
       }},
      {{"flat_grad_chain",
        "FlatGrad chain (Lu et al. 2024): H + 2 states, reward only at the end, gamma = H/(H+1)",
        {{"H", "integer", "20", "horizon H >= 1", {}, {.low = 1.0}}}},
       [](const Arguments& args) { return make_flat_grad_chain(args.integer("H")); },
       [](const Arguments& args) { return kernel_of(args.integer("H") + 2.0, 4); }},
      {{"frozen_lake",
        "FrozenLake (Gymnasium dynamics): reward = probability of entering G",
        {{"map", "text", "4x4", "4x4, 8x8, or rows separated by '/' over S F H G"},
         {"slippery", "boolean", "true",
          "move in the intended or a perpendicular direction, 1/3 each"},
         kGammaParameter}},
       [](const Arguments& args) {
         return make_frozen_lake(frozen_lake_map(args.text("map")), args.boolean("slippery"),
                                 args.number("gamma"));
       }},
      {{"gridworld",
        "gridworld from an ASCII map: . free, # wall, S start, G goal, T trap (G, T absorb)",
        {{"map", "text", "", "rows separated by '/', e.g. S..#/...G"},
         {"slip",
          "number",
          "0",
          "probability of moving in one of the 3 other directions",
          {},
          {.low = 0.0, .high = 1.0}},
         {"step_reward", "number", "0", "reward of a move that enters neither G nor T"},
         {"goal_reward", "number", "1", "reward for entering G"},
         {"trap_reward", "number", "-1", "reward for entering T"},
         kGammaParameter}},
       [](const Arguments& args) {
         return make_gridworld(split_map(args.text("map")),
                               {.slip = args.number("slip"),
                                .step_reward = args.number("step_reward"),
                                .goal_reward = args.number("goal_reward"),
                                .trap_reward = args.number("trap_reward"),
                                .gamma = args.number("gamma")});
       }},
      {{"cliff_walking",
        "Gymnasium's CliffWalking-v0: 4 x 12 grid, -1 per step, cliff -100 and back to the "
        "start, goal absorbing (not Vaswani et al.'s CliffWorld: see cliff_world)",
        {kGammaParameter}},
       [](const Arguments& args) { return make_cliff_walking(args.number("gamma")); }},
      {{"taxi",
        "Gymnasium's Taxi-v3: 500 states, 6 actions; -1 per step, -10 illegal pickup/dropoff, "
        "+20 delivery (then absorbing)",
        {kGammaParameter}},
       [](const Arguments& args) { return make_taxi(args.number("gamma")); }},
      {{"garnet",
        "Garnet random MDP: b random next states per (s, a), flat-Dirichlet probabilities, "
        "U(0,1) rewards, uniform start (std::mt19937_64)",
        {{"states", "integer", "", "number of states", {}, {.low = 1.0}},
         {"actions", "integer", "", "number of actions", {}, {.low = 1.0}},
         {"branching", "integer", "", "next states per (s, a), in [1, states]", {}, {.low = 1.0}},
         {"seed", "integer", "0", "generator seed", {}, {.low = 0.0}},
         kGammaParameter}},
       [](const Arguments& args) {
         return make_garnet(args.integer("states"), args.integer("actions"),
                            args.integer("branching"),
                            static_cast<std::uint64_t>(args.integer("seed")), args.number("gamma"));
       },
       [](const Arguments& args) {
         // Checked here, before the size, so that sweep configs are refused at once too.
         const int states = args.integer("states");
         const int branching = args.integer("branching");
         if (branching > states) {
           throw InputError({.field = "garnet.branching"},
                            "must be in [1, states = " + std::to_string(states) + "], got " +
                                std::to_string(branching));
         }
         return kernel_of(states, args.integer("actions"), branching);
       }},
  };
  return entries;
}

double physical_memory_bytes() {
  const long pages = sysconf(_SC_PHYS_PAGES);
  const long page_size = sysconf(_SC_PAGE_SIZE);
  if (pages <= 0 || page_size <= 0) return std::numeric_limits<double>::infinity();
  return static_cast<double>(pages) * static_cast<double>(page_size);
}

// The registry's entry of a parsed built-in spec; an unknown name is an InputError listing the
// known ones.
const BuiltinEntry& find_entry(const Spec& parsed) {
  std::vector<std::string> names;
  for (const BuiltinEntry& entry : registry()) {
    if (entry.info.name == parsed.name) return entry;
    names.push_back(entry.info.name);
  }
  throw InputError({.field = "mdp"}, unknown_name("MDP", parsed.name, names) + "; files end in " +
                                         mdp_extension_list());
}

// Everything that can be checked without building: each parameter's own range first, then the
// checks across parameters and the size, against `memory_bytes` of memory.
void check_arguments(const BuiltinEntry& entry, const Arguments& arguments, const std::string& spec,
                     double memory_bytes) {
  arguments.check_values();
  if (entry.size) check_builtin_size(spec, entry.size(arguments), memory_bytes);
}

}  // namespace

std::vector<BuiltinMdpInfo> builtin_mdp_catalog() {
  std::vector<BuiltinMdpInfo> catalog;
  for (const BuiltinEntry& entry : registry()) catalog.push_back(entry.info);
  return catalog;
}

namespace {

// The entry of a parsed spec with its arguments checked as check_builtin_mdp_spec says.
const BuiltinEntry& checked_entry(const Spec& parsed, const std::string& spec) {
  const BuiltinEntry& entry = find_entry(parsed);
  // The memory is that of the machine that builds the MDP, not of the one that checks a sweep's
  // config (a SLURM login node): only the index limits here.
  check_arguments(entry, Arguments(parsed, entry.info.parameters), spec,
                  std::numeric_limits<double>::infinity());
  return entry;
}

}  // namespace

const BuiltinMdpInfo& check_builtin_mdp_spec(const std::string& spec) {
  return checked_entry(parse_spec(spec, "mdp"), spec).info;
}

std::optional<bool> builtin_mdp_is_bandit(const std::string& spec) {
  const Spec parsed = parse_spec(spec, "mdp");
  const BuiltinEntry& entry = checked_entry(parsed, spec);
  const BuiltinMdpInfo& info = entry.info;
  if (info.bandit) return true;
  if (!entry.size) {
    // What only the build checks (a map's cells) is left to the runs, which report it.
    try {
      return make_builtin_mdp(spec).is_bandit();
    } catch (const InputError&) {
      return std::nullopt;
    }
  }
  const Arguments arguments(parsed, info.parameters);
  const bool has_gamma =
      std::any_of(info.parameters.begin(), info.parameters.end(),
                  [](const ParameterInfo& parameter) { return parameter.name == "gamma"; });
  return entry.size(arguments).states == 1.0 && has_gamma && arguments.number("gamma") == 0.0;
}

std::string resolved_builtin_mdp_spec(const std::string& spec) {
  const BuiltinMdpInfo& info = check_builtin_mdp_spec(spec);
  return resolved_spec(parse_spec(spec, "mdp"), info.parameters).canonical();
}

void check_builtin_size(const std::string& spec, const BuiltinSize& size, double memory_bytes) {
  // The kernel's compressed rows index with 32-bit integers, as the file readers' do.
  constexpr double kIndexLimit = std::numeric_limits<int>::max();
  const std::string what = std::string(trim(spec)) + " asks for ";
  if (size.rows > kIndexLimit) {
    throw InputError({.field = "mdp"}, what + format_brief(size.rows) +
                                           " (state, action) rows, above the limit of " +
                                           std::to_string(std::numeric_limits<int>::max()));
  }
  if (size.entries > kIndexLimit) {
    throw InputError({.field = "mdp"}, what + format_brief(size.entries) +
                                           " transition entries, above the limit of " +
                                           std::to_string(std::numeric_limits<int>::max()));
  }
  // What building and solving it takes, measured (docs/mdp-formats.md, "Size"): the kernel holds
  // 12 bytes per entry and 12 per row, and `tabrl mdp info` (build and optimal solve) or a run
  // peaked at 54-60 bytes per entry with the rows (1e7-state chains and forests, the 1e6-state
  // Garnet's run). The kernel alone as the estimate let forest(states=1e8) pass and be killed
  // by the kernel's OOM killer at 24 GB.
  const double bytes = kBuildBytesPerEntry * size.entries + kBuildBytesPerRow * size.rows;
  if (bytes > memory_bytes) {
    throw InputError({.field = "mdp"},
                     what + format_brief(size.entries) + " transition entries: building and " +
                         "solving it would take about " + format_brief(bytes / 1e9) +
                         " GB, and this machine has " + format_brief(memory_bytes / 1e9) +
                         " GB of memory");
  }
}

Mdp make_builtin_mdp(const std::string& spec) {
  const Spec parsed = parse_spec(spec, "mdp");
  const BuiltinEntry& entry = find_entry(parsed);
  const Arguments arguments(parsed, entry.info.parameters);
  check_arguments(entry, arguments, spec, physical_memory_bytes());
  try {
    return entry.build(arguments);
  } catch (const InputError& error) {
    // A builder names its own parameter ("map"); the spec's reader names it as the parameter
    // table does ("gridworld.map").
    const InputLocation& where = error.location();
    if (where.field.empty() || !where.file.empty() || where.field.find('.') != std::string::npos) {
      throw;
    }
    throw InputError({.field = entry.info.name + "." + where.field}, error.message());
  }
}

Mdp load_mdp(const std::string& spec, const MdpValidationOptions& options) {
  // A path with a format's extension is a file even when missing (the error names it); any
  // other existing file is read by the format that reads other files (Cassandra).
  std::error_code ignored;
  if (mdp_format_by_extension(spec) != nullptr || std::filesystem::is_regular_file(spec, ignored)) {
    return read_mdp_file(spec, options);
  }
  // A built-in is made with the automatic kernel storage; a forced one (--kernel) rebuilds it.
  Mdp mdp = make_builtin_mdp(spec);
  if (options.kernel == KernelStorage::automatic || options.kernel == mdp.kernel_storage())
    return mdp;
  return Mdp(mdp.parts(), options);
}

}  // namespace tabrl

namespace tabrl {

MdpFileCheck validate_mdp_file(const std::string& path, const MdpValidationOptions& options) {
  ErrorList errors(true);
  MdpFileCheck check;
  try {
    check.mdp = read_mdp_file(path, options, &errors);
  } catch (const InputError& error) {
    // The error that stopped the reading, unless it is already in the list.
    bool known = false;
    for (const InputError& seen : errors.errors())
      known = known || std::string(seen.what()) == error.what();
    if (!known) {
      try {
        errors.report(error);
      } catch (const InputError&) {  // the list was full: the reading stopped at its limit
      }
    }
  }
  check.errors = errors.errors();
  if (!check.errors.empty()) check.mdp.reset();
  return check;
}

}  // namespace tabrl
