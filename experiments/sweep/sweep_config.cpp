#include "sweep_config.hpp"

#include <toml++/toml.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <tuple>

#include <tabrl/algorithms/feature_spec.hpp>
#include <tabrl/algorithms/initial_policy.hpp>
#include <tabrl/algorithms/log_linear.hpp>
#include <tabrl/algorithms/registry.hpp>
#include <tabrl/core/error.hpp>
#include <tabrl/core/format.hpp>
#include <tabrl/core/suggest.hpp>
#include <tabrl/core/text.hpp>
#include <tabrl/mdps/registry.hpp>
#include <tabrl/mdps/toml_document.hpp>
#include <tabrl/mdps/toml_format.hpp>
#include <tabrl/sweep/record_schedule.hpp>

namespace tabrl {
namespace {

constexpr const char* kSweepKeys[] = {"name",  "iterations", "record",         "init",
                                      "seeds", "tolerances", "stop_tolerance", "solver"};
constexpr const char* kTopKeys[] = {"sweep", "mdp", "algorithm"};

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
  AlgorithmBlock parse_algorithm_block(const toml::table& block) const;
  // Checks every MDP and algorithm setting through the registries' parameter tables, without
  // building them (file MDPs are read once, so that a bad file fails before any run).
  void validate(const std::vector<std::pair<RunSpec, int>>& mdps,
                const std::vector<std::pair<AlgorithmSetting, int>>& algorithms) const;

  // A file named in the config (an MDP, an initial policy, features): relative to the config
  // file's directory, then absolute with its symlinks resolved (as the system resolves
  // `link/..`). The runs.csv label, which figures and summaries group by, is then the same
  // whatever directory each shard of the sweep runs from.
  std::string config_file(const std::string& text) const {
    std::filesystem::path file(text);
    if (file.is_relative()) file = std::filesystem::path(path_).parent_path() / file;
    std::error_code error;
    const std::filesystem::path resolved =
        std::filesystem::weakly_canonical(std::filesystem::absolute(file), error);
    return (error ? std::filesystem::absolute(file).lexically_normal() : resolved).string();
  }

  // The contents of a file the config names, read for its digest. A sweep reads each such file
  // again (the checks, every run): a pipe would be empty the second time, or block.
  static std::string read_named_file(const std::string& path, const std::string& failure) {
    refuse_pipe(path);
    return read_text_file(path, failure);
  }
  // The callers name the path in their messages.
  static void refuse_pipe(const std::string& path) {
    std::error_code ignored;
    const auto type = std::filesystem::status(path, ignored).type();
    if (type == std::filesystem::file_type::fifo || type == std::filesystem::file_type::socket) {
      throw InputError({.file = path},
                       "is a pipe; a sweep reads the files it names more than "
                       "once: save the contents to a file");
    }
  }

  std::string path_;
  std::uint64_t max_runs_;
  SweepSettings settings_;
};

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
  if (!std::isfinite(result.lo) || !std::isfinite(result.hi)) {
    fail(item.source(), key, "lo and hi must be finite numbers");
  }
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
        double x =
            r.n == 1 ? r.lo
                     : r.lo + (r.hi - r.lo) * static_cast<double>(i) / static_cast<double>(r.n - 1);
        // The last point can round away from hi. Within rounding it stays as it always was (the
        // step's text is part of the run id); far off (1e308 to 1 gave 0) it is hi.
        if (r.n > 1 && i == r.n - 1 && !(std::abs(x - r.hi) <= 1e-9 * std::abs(r.hi))) x = r.hi;
        values.push_back(format_number(r.logarithmic ? std::pow(10.0, x) : x));
      }
    } else {
      fail(item.source(), key,
           "expected a number, a rule name, a list, or a logspace/linspace table");
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
    // A spec or a list of them (an axis); a relative logit file is relative to the config.
    settings_.inits.clear();
    for (std::string init : scalar_or_list_text(*node, "sweep.init")) {
      try {
        check_initial_policy(init);
      } catch (const InputError& error) {
        fail(node->source(), "sweep.init", error.message());
      }
      if (is_initial_policy_file(init)) {
        init = config_file(init);
        // Read for its digest here, then by every run: a pipe would be empty, or block.
        try {
          refuse_pipe(init);
        } catch (const InputError& error) {
          fail(node->source(), "sweep.init", "'" + init + "': " + error.message());
        }
      }
      settings_.inits.push_back(init);
    }
    if (settings_.inits.empty()) {
      fail(node->source(), "sweep.init", "an empty list makes an empty grid");
    }
  }
  if (const auto* node = sweep.get("seeds")) {
    settings_.seeds.clear();
    const auto add = [&](const toml::node& item) {
      if (!item.is_integer()) fail(item.source(), "sweep.seeds", "expected integers");
      // The seed of random(seed=...) (algorithms/initial_policy): an int, at least 0.
      const std::int64_t seed = item.as_integer()->get();
      if (seed < 0 || seed > std::numeric_limits<int>::max()) {
        fail(item.source(), "sweep.seeds",
             "must be between 0 and " + std::to_string(std::numeric_limits<int>::max()) + ", got " +
                 std::to_string(seed));
      }
      settings_.seeds.push_back(seed);
    };
    if (const auto* array = node->as_array()) {
      for (const toml::node& item : *array) add(item);
    } else {
      add(*node);
    }
    if (settings_.seeds.empty())
      fail(node->source(), "sweep.seeds", "an empty list makes an empty grid");
  }
  try {
    expand_inits(settings_);
  } catch (const InputError& error) {
    const auto* node = sweep.get("seeds") != nullptr ? sweep.get("seeds") : sweep.get("init");
    // A file's error names the file (relative paths were resolved against the config's
    // directory: the user sees which path was tried).
    const std::string& file = error.location().file;
    fail(node != nullptr ? node->source() : sweep.source(), "sweep.init",
         file.empty() ? error.message() : "'" + file + "': " + error.message());
  }
  if (const auto* node = sweep.get("tolerances")) {
    const auto* array = node->as_array();
    if (array == nullptr || array->empty()) {
      fail(node->source(), "sweep.tolerances", "expected a non-empty list of positive numbers");
    }
    settings_.tolerances.clear();
    for (const toml::node& item : *array) {
      const std::optional<double> value = item.value<double>();
      if (!item.is_number() || !value || !(*value > 0.0) || !std::isfinite(*value)) {
        fail(item.source(), "sweep.tolerances", "expected positive finite numbers");
      }
      // One iters_to_<tol> column per tolerance: a value given twice would name two columns alike.
      if (std::find(settings_.tolerances.begin(), settings_.tolerances.end(), *value) !=
          settings_.tolerances.end()) {
        fail(item.source(), "sweep.tolerances",
             format_number(*value) +
                 " is listed twice; each tolerance names one iters_to_<tol> column");
      }
      settings_.tolerances.push_back(*value);
    }
  }
  if (const auto* node = sweep.get("stop_tolerance")) {
    const std::optional<double> value = node->value<double>();
    if (!node->is_number() || !value || !(*value >= 0.0) || !std::isfinite(*value)) {
      fail(node->source(), "sweep.stop_tolerance", "expected a finite number >= 0");
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

MdpBlock ConfigParser::parse_mdp_block(const toml::table& block, std::size_t index) const {
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
  if (!source.is_string())
    fail(source.source(), section + (spec_node ? ".spec" : ".file"), "expected a string");
  std::string base = source.as_string()->get();

  std::vector<Axis> parameters;
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
    if (const auto* array = node.as_array();
        array != nullptr && !array->empty() && array->get(0)->is_array()) {
      for (const toml::node& item : *array)
        values.push_back(scalar_text(item, section + "." + name));
    } else {
      values = scalar_or_list_text(node, section + "." + name);
    }
    parameters.push_back({.key = name, .values = values});
  }

  std::string digest_text;
  if (file_node != nullptr) {
    base = config_file(base);
    try {
      digest_text = digest(read_named_file(base, "cannot open file"));
    } catch (const InputError& error) {
      fail(file_node->source(), section + ".file",
           "cannot open '" + base + "': " + error.message());
    }
  }
  return {.base = base, .axes = std::move(parameters), .content_digest = digest_text, .line = line};
}

AlgorithmBlock ConfigParser::parse_algorithm_block(const toml::table& block) const {
  const int line = static_cast<int>(block.source().begin.line);
  const toml::node* name_node = block.get("name");
  const toml::node* step_node = block.get("step_size");
  std::vector<std::string> known_names;
  for (const AlgorithmEntry& entry : algorithm_registry()) known_names.push_back(entry.name);
  if (name_node == nullptr) {
    throw InputError({.file = path_, .line = line, .field = "algorithm.name"},
                     "missing (" + suggest("", known_names).substr(1));
  }
  AlgorithmBlock result{.names = scalar_or_list_text(*name_node, "algorithm.name"), .line = line};
  // `features` (an axis) makes the block log-linear: its names must support features, and
  // their parameters are those of the log-linear table.
  if (const toml::node* features_node = block.get("features")) {
    result.features_line = static_cast<int>(features_node->source().begin.line);
    for (std::string features : scalar_or_list_text(*features_node, "algorithm.features")) {
      try {
        check_features(features);
      } catch (const InputError& error) {
        fail(features_node->source(), "algorithm.features", error.message());
      }
      std::string content_digest;
      if (is_feature_file(features)) {
        features = config_file(features);
        try {
          content_digest = digest(read_named_file(features, "cannot open the feature file"));
        } catch (const InputError& error) {
          fail(features_node->source(), "algorithm.features",
               "cannot open '" + features + "': " + error.message());
        }
        // Its contents, before any run: an error names the feature file's own line and field.
        check_feature_file(features, check_toml_features_file);
      } else {
        features = resolved_features(features);
      }
      result.features.push_back(features);
      result.feature_digests.push_back(content_digest);
    }
    if (result.features.empty()) {
      fail(features_node->source(), "algorithm.features", "an empty list makes an empty grid");
    }
  }
  const bool log_linear = !result.features.empty();
  // Every other key is a parameter of the named algorithms; a list is an axis.
  std::vector<const std::vector<ParameterInfo>*> tables;
  std::vector<std::string> keys{"name", "step_size", "features"};
  for (const std::string& name : result.names) {
    try {
      tables.push_back(log_linear ? &log_linear_parameters(name)
                                  : &find_algorithm(name).parameters);
    } catch (const InputError& error) {
      fail(name_node->source(), "algorithm.name", error.message());
    }
    for (const ParameterInfo& parameter : *tables.back()) keys.push_back(parameter.name);
  }
  for (auto&& [key, node] : block) {
    const std::string name(key.str());
    if (name == "name" || name == "step_size" || name == "features") continue;
    const ParameterInfo* info = nullptr;
    for (std::size_t i = 0; i < tables.size(); ++i) {
      const ParameterInfo* found = nullptr;
      for (const ParameterInfo& parameter : *tables[i]) {
        if (parameter.name == name) found = &parameter;
      }
      if (found == nullptr && std::find(keys.begin(), keys.end(), name) != keys.end()) {
        fail(key.source(), "algorithm." + name, "is not a parameter of " + result.names[i]);
      }
      info = found != nullptr ? found : info;
    }
    if (info == nullptr) {
      const std::string hint = suggest(name, keys);
      fail(key.source(), "algorithm." + name,
           "unknown key" + std::string(hint.front() == '(' ? " " : "; ") + hint);
    }
    Values values = scalar_or_list_text(node, "algorithm." + name);
    for (const std::string& value : values) {
      if (const auto problem = check_parameter_value(*info, value)) {
        fail(node.source(), "algorithm." + name, *problem);
      }
    }
    result.parameters.push_back({.key = name, .values = std::move(values)});
  }
  const bool takes_step = std::all_of(result.names.begin(), result.names.end(), [](const auto& n) {
    return find_algorithm(n).takes_step_size;
  });
  if (step_node == nullptr) {
    if (takes_step) {
      throw InputError({.file = path_, .line = line, .field = "algorithm.step_size"}, "missing");
    }
    result.step_count = 1;
    result.step_sizes = [] { return Values{""}; };
  } else {
    result.step_count = count_step_sizes(*step_node, "algorithm.step_size");
    result.step_sizes = [this, step_node] { return step_sizes(*step_node, "algorithm.step_size"); };
  }
  return result;
}

void ConfigParser::validate(const std::vector<std::pair<RunSpec, int>>& mdps,
                            const std::vector<std::pair<AlgorithmSetting, int>>& algorithms) const {
  // An MDP of each kind in the grid (bandit or not), named in messages; the algorithms are
  // checked once per kind.
  std::map<bool, std::string> kinds;
  for (const auto& [run, line] : mdps) {
    std::optional<bool> bandit;
    try {
      if (run.mdp_digest.empty()) {
        bandit = builtin_mdp_is_bandit(run.mdp);  // nullopt: the build fails; its runs say why
      } else {
        bandit = load_mdp(run.mdp).is_bandit();  // a file is read once, here
      }
    } catch (const InputError& error) {
      // The spec's own "mdp: " is not said twice.
      const bool own = error.location().field == "mdp" && error.location().file.empty();
      throw InputError({.file = path_, .line = line, .field = "mdp"},
                       "'" + run.mdp + "': " + (own ? error.message() : error.what()));
    }
    if (bandit) kinds.emplace(*bandit, run.mdp);
  }
  std::set<std::tuple<std::string, std::string, bool>> checked;
  for (const auto& [algorithm, line] : algorithms) {
    if (!checked.emplace(algorithm.spec, algorithm.step_size, algorithm.features.empty()).second) {
      continue;
    }
    for (const auto& [bandit, example] : kinds) {
      try {
        if (algorithm.features.empty()) {
          check_algorithm(algorithm.spec, algorithm.step_size, bandit);
        } else {
          check_log_linear_algorithm(algorithm.spec, algorithm.step_size, bandit);
        }
      } catch (const InputError& error) {
        const std::string context = kinds.size() > 1 || error.location().field == "step_size"
                                        ? " (with mdp '" + example + "')"
                                        : "";
        throw InputError(
            {.file = path_, .line = line, .field = "algorithm." + error.location().field},
            error.message() + context);
      }
    }
  }
}

SweepConfig ConfigParser::parse(const std::string& text) {
  const toml::table root = parse_toml_document(text, path_);
  check_keys(root, "", kTopKeys);
  if (const toml::node* sweep = root.get("sweep")) {
    if (!sweep->is_table()) fail(sweep->source(), "sweep", "expected a [sweep] table");
    parse_settings(*sweep->as_table());
  }
  const auto blocks = [&](const char* key) -> const toml::array& {
    const toml::node* node = root.get(key);
    if (node == nullptr || !node->is_array_of_tables() || node->as_array()->empty()) {
      throw InputError({.file = path_,
                        .line = node ? static_cast<int>(node->source().begin.line) : 0,
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
  const GridCount count = count_grid(mdp_blocks, algorithm_blocks, settings_);
  if (count.runs > max_runs_) {
    const std::string runs = count.runs == std::numeric_limits<std::uint64_t>::max()
                                 ? "more than " + std::to_string(count.runs)
                                 : std::to_string(count.runs);
    throw InputError({.file = path_, .field = "grid"},
                     runs + " runs (" + std::to_string(count.mdps) + " MDPs x " +
                         std::to_string(count.algorithms) + " algorithm settings x " +
                         std::to_string(count.seeds) +
                         " initial policies, log-linear settings from the uniform one only, "
                         "counted before duplicates are removed) is more than the limit "
                         "of " +
                         std::to_string(max_runs_) + " runs; pass --max-runs " +
                         std::to_string(count.runs) +
                         " to run it anyway, or make the grid smaller");
  }

  std::vector<std::pair<RunSpec, int>> mdps;
  for (const MdpBlock& block : mdp_blocks) {
    for (RunSpec& run : expand_mdp_block(block)) mdps.emplace_back(std::move(run), block.line);
  }
  std::vector<std::pair<AlgorithmSetting, int>> algorithms;
  for (const AlgorithmBlock& block : algorithm_blocks) {
    const auto resolve = [](const std::string& spec, bool log_linear) {
      return log_linear ? resolved_log_linear_spec(spec) : resolved_algorithm_spec(spec);
    };
    for (AlgorithmSetting& setting : expand_algorithm_block(block, resolve)) {
      algorithms.emplace_back(std::move(setting), block.line);
    }
  }
  validate(mdps, algorithms);
  // Specs that name the same built-in MDP (keys in another order, a default written out, a
  // number spelled otherwise) run once, under the first spelling; a file is one MDP by its
  // content (RunSpec::canonical). The run ids stay those of the spelling kept.
  std::set<std::string> mdp_identities;
  std::erase_if(mdps, [&](const std::pair<RunSpec, int>& entry) {
    const RunSpec& run = entry.first;
    const std::string identity =
        run.mdp_digest.empty() ? resolved_builtin_mdp_spec(run.mdp) : "file:" + run.mdp_digest;
    return !mdp_identities.insert(identity).second;
  });

  SweepConfig config{.path = path_, .settings = settings_};
  std::set<std::string> seen, left_out;
  const std::vector<InitSetting> inits = expand_inits(settings_);
  // Log-linear policies start from theta = 0, the uniform policy (docs/sweeps.md): a block with
  // features runs from the `uniform` init only, and the grid leaves its other inits out.
  if (count.uniform_seeds == 0) {
    for (const AlgorithmBlock& block : algorithm_blocks) {
      if (block.features.empty()) continue;
      throw InputError(
          {.file = path_, .line = block.features_line, .field = "algorithm.features"},
          "log-linear policies start from theta = 0 (the uniform policy), and sweep.init has no "
          "\"uniform\": this block would have no runs; add \"uniform\" to sweep.init, or give "
          "the block a sweep config of its own");
    }
  }
  for (const auto& [mdp_run, mdp_line] : mdps) {
    for (const auto& [algorithm, algorithm_line] : algorithms) {
      for (const InitSetting& init : inits) {
        RunSpec run = mdp_run;
        run.algorithm = algorithm;
        run.init = init.init;
        run.init_digest = init.digest;
        run.seed = init.seed;
        const std::string id = digest(run.canonical(settings_));
        if (!algorithm.features.empty() && !init.uniform()) {
          if (left_out.insert(id).second) ++config.left_out_log_linear;
          continue;
        }
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

std::string left_out_log_linear_note(const SweepConfig& config) {
  const std::uint64_t count = config.left_out_log_linear;
  if (count == 0) return "";
  return std::to_string(count) + (count == 1 ? " combination" : " combinations") +
         " of a log-linear setting with an init other than \"uniform\" " +
         (count == 1 ? "is" : "are") +
         " not in the grid (log-linear policies start from theta = 0)";
}

SweepConfig parse_sweep_config(const std::string& text, const std::string& path,
                               std::uint64_t max_runs) {
  SweepConfig config = ConfigParser(path, max_runs).parse(text);
  config.text = text;
  return config;
}

SweepConfig load_sweep_config(const std::string& path, std::uint64_t max_runs) {
  return parse_sweep_config(read_text_file(path, "cannot open the sweep config"), path, max_runs);
}

}  // namespace tabrl
