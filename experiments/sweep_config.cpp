#include "experiments/sweep_config.hpp"

#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <map>
#include <set>
#include <sstream>

#include <toml++/toml.h>

#include "core/error.hpp"
#include "core/format.hpp"
#include "core/suggest.hpp"
#include "core/text.hpp"
#include "experiments/record_schedule.hpp"
#include "mdps/registry.hpp"

namespace tabrl {
namespace {

constexpr const char* kSweepKeys[] = {"name",      "iterations",     "record", "init",
                                      "seeds",     "tolerances",     "stop_tolerance", "solver"};
constexpr const char* kTopKeys[] = {"sweep", "mdp", "algorithm"};
constexpr const char* kAlgorithmKeys[] = {"name", "step_size", "clip", "clip_floor"};

template <std::size_t N>
std::string suggestion(const std::string& key, const char* const (&known)[N]) {
  return suggest(key, std::vector<std::string>(std::begin(known), std::end(known)));
}

// One grid axis or a single value, as text.
using Values = std::vector<std::string>;

class ConfigParser {
 public:
  ConfigParser(std::string path, std::uint64_t max_runs)
      : path_(std::move(path)), max_runs_(max_runs) {}

  SweepConfig parse(const std::string& text);

 private:
  [[noreturn]] void fail(const toml::source_region& where, const std::string& key,
                         const std::string& message) const {
    throw InputError({.file = path_, .line = static_cast<int>(where.begin.line), .field = key},
                     message);
  }
  template <std::size_t N>
  void check_keys(const toml::table& table, const std::string& section,
                  const char* const (&known)[N]) const {
    for (auto&& [key, node] : table) {
      const std::string name(key.str());
      bool found = false;
      for (const char* candidate : known) found = found || name == candidate;
      if (!found) {
        fail(key.source(), section.empty() ? name : section + "." + name,
             "unknown key; " + suggestion(name, known));
      }
    }
  }

  // A [[mdp]] block with its axes, before the product is taken.
  struct MdpBlock {
    std::string base;  // the spec, or the resolved file path
    std::vector<std::pair<std::string, Values>> parameters;
    std::string digest_text;  // content digest of a file
    int line = 0;
  };
  // An [[algorithm]] block with its axes; the step sizes are only counted until the grid is
  // known to be within the limit (a logspace table alone can hold 100,000 of them).
  struct AlgorithmBlock {
    const toml::table* table = nullptr;
    Values names, clips, floors;
    std::uint64_t step_count = 0;
    int line = 0;
  };
  struct Range {
    bool logarithmic = false;
    double lo = 0.0, hi = 0.0;
    std::int64_t n = 0;
  };

  void parse_settings(const toml::table& sweep);
  Values scalar_or_list_text(const toml::node& node, const std::string& key) const;
  std::string scalar_text(const toml::node& node, const std::string& key) const;
  Range range(const toml::node& item, const std::string& key) const;
  std::uint64_t count_step_sizes(const toml::node& node, const std::string& key) const;
  Values step_sizes(const toml::node& node, const std::string& key) const;
  MdpBlock parse_mdp_block(const toml::table& block, std::size_t index) const;
  void expand_mdp_block(const MdpBlock& block, std::vector<std::pair<RunSpec, int>>& mdps) const;
  AlgorithmBlock parse_algorithm_block(const toml::table& block) const;
  void expand_algorithm_block(const AlgorithmBlock& block,
                              std::vector<std::pair<AlgorithmSettings, int>>& out) const;

  std::string path_;
  std::uint64_t max_runs_;
  SweepSettings settings_;
};

// a * b and a + b saturating at the largest value: grid sizes are compared with a limit, and a
// product of many axes must not wrap around to a small number.
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

std::string ConfigParser::scalar_text(const toml::node& node, const std::string& key) const {
  if (const auto* value = node.as_integer()) return std::to_string(value->get());
  if (const auto* value = node.as_floating_point()) return format_number(value->get());
  if (const auto* value = node.as_string()) return value->get();
  if (const auto* value = node.as_boolean()) return value->get() ? "true" : "false";
  if (const auto* array = node.as_array()) {  // a list-valued parameter, e.g. bandit means
    std::string text = "[";
    for (std::size_t i = 0; i < array->size(); ++i) {
      const toml::node& item = *array->get(i);
      if (item.is_array() || item.is_table()) {
        fail(item.source(), key, "expected a number, string or boolean inside the list");
      }
      text += (i == 0 ? "" : ",") + scalar_text(item, key);
    }
    return text + "]";
  }
  fail(node.source(), key, "expected a number, string, boolean or list");
}

Values ConfigParser::scalar_or_list_text(const toml::node& node, const std::string& key) const {
  if (const auto* array = node.as_array()) {
    if (array->empty()) fail(node.source(), key, "an empty list makes an empty grid");
    Values values;
    for (const toml::node& item : *array) values.push_back(scalar_text(item, key));
    return values;
  }
  return {scalar_text(node, key)};
}

ConfigParser::Range ConfigParser::range(const toml::node& item, const std::string& key) const {
  const toml::table& table = *item.as_table();
  if (table.size() != 1 || !(table.contains("logspace") || table.contains("linspace"))) {
    fail(item.source(), key, "expected { logspace = [lo, hi, n] } or { linspace = [lo, hi, n] }");
  }
  Range result{.logarithmic = table.contains("logspace")};
  const toml::array* bounds = table[result.logarithmic ? "logspace" : "linspace"].as_array();
  if (bounds == nullptr || bounds->size() != 3 || !bounds->get(2)->is_integer() ||
      !bounds->get(0)->is_number() || !bounds->get(1)->is_number()) {
    fail(item.source(), key, "expected [lo, hi, n] with numbers lo, hi and an integer n >= 1");
  }
  result.lo = bounds->get(0)->value<double>().value();
  result.hi = bounds->get(1)->value<double>().value();
  result.n = bounds->get(2)->as_integer()->get();
  if (result.n < 1 || result.n > 100000) {
    fail(item.source(), key, "n must be in [1, 100000], got " + std::to_string(result.n));
  }
  return result;
}

std::uint64_t ConfigParser::count_step_sizes(const toml::node& node, const std::string& key) const {
  const auto count = [&](const toml::node& item) -> std::uint64_t {
    return item.is_table() ? static_cast<std::uint64_t>(range(item, key).n) : 1;
  };
  const auto* array = node.as_array();
  if (array == nullptr) return count(node);
  if (array->empty()) fail(node.source(), key, "an empty list makes an empty grid");
  std::uint64_t total = 0;
  for (const toml::node& item : *array) total = saturating_sum(total, count(item));
  return total;
}

Values ConfigParser::step_sizes(const toml::node& node, const std::string& key) const {
  Values values;
  const std::function<void(const toml::node&)> add = [&](const toml::node& item) {
    if (const auto* number = item.as_floating_point()) {
      values.push_back(format_number(number->get()));
    } else if (const auto* integer = item.as_integer()) {
      values.push_back(std::to_string(integer->get()));
    } else if (const auto* text = item.as_string()) {
      values.push_back(text->get());
    } else if (item.is_table()) {
      const Range r = range(item, key);
      for (std::int64_t i = 0; i < r.n; ++i) {
        const double x =
            r.n == 1 ? r.lo
                     : r.lo + (r.hi - r.lo) * static_cast<double>(i) / static_cast<double>(r.n - 1);
        values.push_back(format_number(r.logarithmic ? std::pow(10.0, x) : x));
      }
    } else {
      fail(item.source(), key, "expected a number, a rule name, a list, or a logspace/linspace table");
    }
  };
  if (const auto* array = node.as_array()) {
    if (array->empty()) fail(node.source(), key, "an empty list makes an empty grid");
    for (const toml::node& item : *array) add(item);
  } else {
    add(node);
  }
  return values;
}

void ConfigParser::parse_settings(const toml::table& sweep) {
  check_keys(sweep, "sweep", kSweepKeys);
  if (const auto* node = sweep.get("name")) {
    if (!node->is_string()) fail(node->source(), "sweep.name", "expected a string");
    settings_.name = node->as_string()->get();
  }
  if (const auto* node = sweep.get("iterations")) {
    if (!node->is_integer() || node->as_integer()->get() < 0 ||
        node->as_integer()->get() > 1'000'000'000) {
      fail(node->source(), "sweep.iterations", "expected an integer in [0, 1e9]");
    }
    settings_.iterations = static_cast<int>(node->as_integer()->get());
  }
  if (const auto* node = sweep.get("record")) {
    std::string text;
    if (node->is_integer()) {
      text = std::to_string(node->as_integer()->get());
    } else if (node->is_string()) {
      text = node->as_string()->get();
    } else {
      fail(node->source(), "sweep.record", "expected \"all\", \"log\" or an integer stride");
    }
    try {
      parse_record_schedule(text);
    } catch (const InputError& error) {
      fail(node->source(), "sweep.record", error.message());
    }
    settings_.record = text;
  }
  if (const auto* node = sweep.get("init")) {
    if (!node->is_string() || (node->as_string()->get() != "uniform" &&
                               node->as_string()->get() != "random")) {
      fail(node->source(), "sweep.init", "expected \"uniform\" or \"random\"");
    }
    settings_.init = node->as_string()->get();
  }
  if (const auto* node = sweep.get("seeds")) {
    settings_.seeds.clear();
    const auto add = [&](const toml::node& item) {
      if (!item.is_integer()) fail(item.source(), "sweep.seeds", "expected integers");
      settings_.seeds.push_back(item.as_integer()->get());
    };
    if (const auto* array = node->as_array()) {
      for (const toml::node& item : *array) add(item);
    } else {
      add(*node);
    }
    if (settings_.seeds.empty()) fail(node->source(), "sweep.seeds", "an empty list makes an empty grid");
  }
  if (const auto* node = sweep.get("tolerances")) {
    const auto* array = node->as_array();
    if (array == nullptr || array->empty()) {
      fail(node->source(), "sweep.tolerances", "expected a non-empty list of positive numbers");
    }
    settings_.tolerances.clear();
    for (const toml::node& item : *array) {
      const std::optional<double> value = item.value<double>();
      if (!item.is_number() || !value || !(*value > 0.0)) {
        fail(item.source(), "sweep.tolerances", "expected positive numbers");
      }
      settings_.tolerances.push_back(*value);
    }
  }
  if (const auto* node = sweep.get("stop_tolerance")) {
    const std::optional<double> value = node->value<double>();
    if (!node->is_number() || !value || !(*value > 0.0)) {
      fail(node->source(), "sweep.stop_tolerance", "expected a positive number");
    }
    settings_.stop_tolerance = *value;
  }
  if (const auto* node = sweep.get("solver")) {
    if (!node->is_string()) fail(node->source(), "sweep.solver", "expected a string");
    try {
      parse_solver_kind(node->as_string()->get());
    } catch (const InputError& error) {
      fail(node->source(), "sweep.solver", error.message());
    }
    settings_.solver = node->as_string()->get();
  }
}

// "name(a=1)" + {b: 2} -> "name(a=1,b=2)".
std::string merge_spec(const std::string& spec, const std::vector<std::pair<std::string, std::string>>& extra) {
  if (extra.empty()) return spec;
  std::string head = spec;
  std::string body;
  const std::size_t open = spec.find('(');
  if (open != std::string::npos && !spec.empty() && spec.back() == ')') {
    head = spec.substr(0, open);
    body = spec.substr(open + 1, spec.size() - open - 2);
  }
  for (const auto& [key, value] : extra) body += (body.empty() ? "" : ",") + key + "=" + value;
  return head + "(" + body + ")";
}

ConfigParser::MdpBlock ConfigParser::parse_mdp_block(const toml::table& block,
                                                     std::size_t index) const {
  const std::string section = "mdp[" + std::to_string(index) + "]";
  const int line = static_cast<int>(block.source().begin.line);
  const toml::node* spec_node = block.get("spec");
  const toml::node* file_node = block.get("file");
  if ((spec_node == nullptr) == (file_node == nullptr)) {
    std::string hint;
    constexpr const char* kSourceKeys[] = {"spec", "file"};
    for (auto&& [key, node] : block) {
      const std::string name(key.str());
      if (name != "spec" && name != "file" &&
          (edit_distance(name, "spec") <= 2 || edit_distance(name, "file") <= 2)) {
        hint = " ('" + name + "': " + suggestion(name, kSourceKeys) + ")";
      }
    }
    throw InputError({.file = path_, .line = line, .field = section},
                     "give exactly one of 'spec' (a built-in) or 'file' (an MDP file)" + hint);
  }
  const toml::node& source = spec_node != nullptr ? *spec_node : *file_node;
  if (!source.is_string()) fail(source.source(), section + (spec_node ? ".spec" : ".file"), "expected a string");
  std::string base = source.as_string()->get();

  std::vector<std::pair<std::string, Values>> parameters;
  for (auto&& [key, node] : block) {
    const std::string name(key.str());
    if (name == "spec" || name == "file") continue;
    if (file_node != nullptr) {
      fail(key.source(), section + "." + name,
           "parameters apply to built-in specs; an MDP file takes none (known: file)");
    }
    if (base.find(name + "=") != std::string::npos) {
      fail(key.source(), section + "." + name, "also given inside spec \"" + base + "\"");
    }
    // A list is a grid axis; a list of lists is an axis over list-valued parameters.
    Values values;
    if (const auto* array = node.as_array(); array != nullptr && !array->empty() &&
                                             array->get(0)->is_array()) {
      for (const toml::node& item : *array) values.push_back(scalar_text(item, section + "." + name));
    } else {
      values = scalar_or_list_text(node, section + "." + name);
    }
    parameters.emplace_back(name, values);
  }

  std::string digest_text;
  if (file_node != nullptr) {
    std::filesystem::path file(base);
    if (file.is_relative()) file = std::filesystem::path(path_).parent_path() / file;
    base = file.lexically_normal().string();
    std::ifstream input(base, std::ios::binary);
    if (!input) fail(file_node->source(), section + ".file", "cannot open '" + base + "'");
    std::ostringstream content;
    content << input.rdbuf();
    digest_text = digest(content.str());
  }

  return {
      .base = base, .parameters = std::move(parameters), .digest_text = digest_text, .line = line};
}

void ConfigParser::expand_mdp_block(const MdpBlock& block,
                                    std::vector<std::pair<RunSpec, int>>& mdps) const {
  const auto& parameters = block.parameters;
  // Cartesian product in key order; the last key varies fastest.
  std::vector<std::size_t> position(parameters.size(), 0);
  while (true) {
    std::vector<std::pair<std::string, std::string>> chosen, label_parts;
    for (std::size_t k = 0; k < parameters.size(); ++k) {
      const auto& [name, values] = parameters[k];
      chosen.emplace_back(name, values[position[k]]);
      if (!(name == "seed" && values.size() > 1)) label_parts.emplace_back(name, values[position[k]]);
    }
    RunSpec run;
    run.mdp = merge_spec(block.base, chosen);
    run.mdp_label = merge_spec(block.base, label_parts);
    run.mdp_digest = block.digest_text;
    mdps.emplace_back(std::move(run), block.line);
    std::size_t k = parameters.size();
    while (k > 0 && ++position[k - 1] == parameters[k - 1].second.size()) position[--k] = 0;
    if (k == 0) break;
  }
}

ConfigParser::AlgorithmBlock ConfigParser::parse_algorithm_block(const toml::table& block) const {
  check_keys(block, "algorithm", kAlgorithmKeys);
  const int line = static_cast<int>(block.source().begin.line);
  const toml::node* name_node = block.get("name");
  const toml::node* step_node = block.get("step_size");
  if (name_node == nullptr) {
    throw InputError({.file = path_, .line = line, .field = "algorithm.name"}, "missing (spma, npg or spg)");
  }
  if (step_node == nullptr) {
    throw InputError({.file = path_, .line = line, .field = "algorithm.step_size"}, "missing");
  }
  AlgorithmBlock result{.table = &block,
                        .names = scalar_or_list_text(*name_node, "algorithm.name"),
                        .clips = {"false"},
                        .floors = {"1e-08"},
                        .step_count = count_step_sizes(*step_node, "algorithm.step_size"),
                        .line = line};
  if (const auto* node = block.get("clip")) {
    result.clips = scalar_or_list_text(*node, "algorithm.clip");
    for (const std::string& clip : result.clips) {
      if (clip != "true" && clip != "false") fail(node->source(), "algorithm.clip", "expected true or false");
    }
  }
  if (const auto* node = block.get("clip_floor")) {
    result.floors = scalar_or_list_text(*node, "algorithm.clip_floor");
  }
  return result;
}

void ConfigParser::expand_algorithm_block(
    const AlgorithmBlock& block, std::vector<std::pair<AlgorithmSettings, int>>& out) const {
  const Values steps = step_sizes(*block.table->get("step_size"), "algorithm.step_size");
  for (const std::string& name : block.names) {
    for (const std::string& step : steps) {
      for (const std::string& clip : block.clips) {
        for (const std::string& floor : block.floors) {
          AlgorithmSettings settings{.name = name, .step_size = step, .clip = clip == "true"};
          try {
            std::size_t used = 0;
            settings.clip_floor = std::stod(floor, &used);
            if (used != floor.size()) throw std::invalid_argument(floor);
          } catch (const std::exception&) {
            fail(block.table->get("clip_floor")->source(), "algorithm.clip_floor",
                 "expected a number");
          }
          out.emplace_back(settings, block.line);
        }
      }
    }
  }
}

SweepConfig ConfigParser::parse(const std::string& text) {
  toml::table root;
  try {
    root = toml::parse(text, path_);
  } catch (const toml::parse_error& error) {
    throw InputError({.file = path_, .line = static_cast<int>(error.source().begin.line), .field = "syntax"},
                     std::string(error.description()));
  }
  check_keys(root, "", kTopKeys);
  if (const toml::node* sweep = root.get("sweep")) {
    if (!sweep->is_table()) fail(sweep->source(), "sweep", "expected a [sweep] table");
    parse_settings(*sweep->as_table());
  }
  const auto blocks = [&](const char* key) -> const toml::array& {
    const toml::node* node = root.get(key);
    if (node == nullptr || !node->is_array_of_tables() || node->as_array()->empty()) {
      throw InputError({.file = path_, .line = node ? static_cast<int>(node->source().begin.line) : 0,
                        .field = key},
                       std::string("at least one [[") + key + "]] block is required");
    }
    return *node->as_array();
  };
  std::vector<MdpBlock> mdp_blocks;
  for (const toml::node& block : blocks("mdp")) {
    mdp_blocks.push_back(parse_mdp_block(*block.as_table(), mdp_blocks.size()));
  }
  std::vector<AlgorithmBlock> algorithm_blocks;
  for (const toml::node& block : blocks("algorithm")) {
    algorithm_blocks.push_back(parse_algorithm_block(*block.as_table()));
  }

  // Count the grid before expanding it: a few short lists can multiply to more runs than fit in
  // memory, and the expansion (and validation) would run until it ran out.
  std::uint64_t mdp_count = 0, algorithm_count = 0;
  for (const MdpBlock& block : mdp_blocks) {
    std::uint64_t product = 1;
    for (const auto& [name, values] : block.parameters) {
      product = saturating_product(product, values.size());
    }
    mdp_count = saturating_sum(mdp_count, product);
  }
  for (const AlgorithmBlock& block : algorithm_blocks) {
    std::uint64_t product = saturating_product(block.names.size(), block.step_count);
    product = saturating_product(product, block.clips.size());
    product = saturating_product(product, block.floors.size());
    algorithm_count = saturating_sum(algorithm_count, product);
  }
  const std::uint64_t seed_count = settings_.init == "random" ? settings_.seeds.size() : 1;
  const std::uint64_t grid_runs =
      saturating_product(saturating_product(mdp_count, algorithm_count), seed_count);
  if (grid_runs > max_runs_) {
    const std::string count = grid_runs == std::numeric_limits<std::uint64_t>::max()
                                  ? "more than " + std::to_string(grid_runs)
                                  : std::to_string(grid_runs);
    throw InputError({.file = path_, .field = "grid"},
                     count + " runs (" + std::to_string(mdp_count) + " MDPs x " +
                         std::to_string(algorithm_count) + " algorithm settings x " +
                         std::to_string(seed_count) +
                         " seeds, counted before duplicates are removed) is more than the limit "
                         "of " +
                         std::to_string(max_runs_) + " runs; pass --max-runs " +
                         std::to_string(grid_runs) + " to run it anyway, or make the grid smaller");
  }

  std::vector<std::pair<RunSpec, int>> mdps;
  for (const MdpBlock& block : mdp_blocks) expand_mdp_block(block, mdps);
  std::vector<std::pair<AlgorithmSettings, int>> algorithms;
  for (const AlgorithmBlock& block : algorithm_blocks) expand_algorithm_block(block, algorithms);

  SweepConfig config{.path = path_, .settings = settings_};
  std::set<std::string> seen;
  for (const auto& [mdp_run, mdp_line] : mdps) {
    // Validate each MDP once, then every algorithm and step size on it.
    Mdp mdp = [&, line = mdp_line] {
      try {
        return load_mdp(mdp_run.mdp);
      } catch (const InputError& error) {
        throw InputError({.file = path_, .line = line, .field = "mdp"},
                         "'" + mdp_run.mdp + "': " + error.what());
      }
    }();
    for (const auto& [algorithm, algorithm_line] : algorithms) {
      try {
        make_update_rule(algorithm, mdp);
      } catch (const InputError& error) {
        throw InputError({.file = path_, .line = algorithm_line,
                          .field = "algorithm." + error.location().field},
                         error.message() + " (with mdp '" + mdp_run.mdp + "')");
      }
      const bool random_init = settings_.init == "random";
      const std::size_t seeds = random_init ? settings_.seeds.size() : 1;
      for (std::size_t k = 0; k < seeds; ++k) {
        RunSpec run = mdp_run;
        run.algorithm = algorithm;
        if (random_init) run.seed = settings_.seeds[k];
        const std::string id = digest(run.canonical(settings_));
        if (!seen.insert(id).second) continue;
        config.runs.push_back(std::move(run));
        config.run_ids.push_back(id);
      }
    }
  }
  std::string all_ids;
  for (const std::string& id : config.run_ids) all_ids += id;
  config.config_digest = digest(all_ids);
  return config;
}

}  // namespace

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
  // `format` versions the output files: a new layout must not resume into an old directory.
  return "format=3;mdp=" + mdp + ";mdp_digest=" + mdp_digest + ";algorithm=" + algorithm.name +
         ";step_size=" + algorithm.step_size + ";clip=" + (algorithm.clip ? "true" : "false") +
         ";clip_floor=" + format_number(algorithm.clip_floor) + ";init=" + settings.init +
         ";seed=" + (seed ? std::to_string(*seed) : "") +
         ";iterations=" + std::to_string(settings.iterations) + ";record=" + settings.record +
         ";tolerances=" + tolerances + ";stop_tolerance=" +
         (settings.stop_tolerance ? format_number(*settings.stop_tolerance) : "") +
         ";solver=" + settings.solver;
}

SweepConfig parse_sweep_config(const std::string& text, const std::string& path,
                               std::uint64_t max_runs) {
  return ConfigParser(path, max_runs).parse(text);
}

SweepConfig load_sweep_config(const std::string& path, std::uint64_t max_runs) {
  return parse_sweep_config(read_text_file(path, "cannot open the sweep config"), path, max_runs);
}

}  // namespace tabrl
