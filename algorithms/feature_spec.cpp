#include "feature_spec.hpp"

#include <tabrl/core/error.hpp>
#include <tabrl/core/format.hpp>
#include <tabrl/core/random.hpp>
#include <tabrl/core/state_action_table.hpp>
#include <tabrl/core/suggest.hpp>

namespace tabrl {
namespace {

// A dense feature matrix of more entries than this (16 GiB of doubles) is refused up front.
constexpr double kLargestFeatureEntries = 2.0 * 1024 * 1024 * 1024;

double largest_magnitude(const Eigen::MatrixXd& values) {
  return values.size() == 0 ? 0.0 : values.cwiseAbs().maxCoeff();
}

Eigen::MatrixXd checked_values(Eigen::MatrixXd values, const InputLocation& where) {
  const double largest = largest_magnitude(values);
  if (!(largest <= kLargestFeature)) {
    throw InputError(where, "a feature value of magnitude " + format_number(largest) +
                                " is beyond 1e100: products of features would overflow");
  }
  check_feature_scale(largest, where);
  return values;
}

const FeatureKind& find_kind(const std::string& name) {
  std::vector<std::string> names;
  for (const FeatureKind& kind : feature_kinds()) {
    if (kind.name == name) return kind;
    names.push_back(kind.name);
  }
  throw InputError({.field = "features"},
                   unknown_name("feature kind", name, names) +
                       "; or give a CSV file of features (state,action,f0,...,f{k-1})");
}

// The value columns of a feature file must be f0, f1, ..., f{k-1}, k >= 1.
std::string check_feature_columns(const std::vector<std::string>& columns) {
  for (std::size_t j = 0; j < columns.size(); ++j) {
    if (columns[j] != "f" + std::to_string(j)) {
      return "expected the columns state,action,f0,...,f{k-1}; column " + std::to_string(j + 3) +
             " is '" + columns[j] + "', expected 'f" + std::to_string(j) + "'";
    }
  }
  return {};
}

}  // namespace

const std::vector<FeatureKind>& feature_kinds() {
  static const std::vector<FeatureKind> kinds = {
      {.name = "one_hot",
       .description = "phi(s, a) = e_{s A + a}, k = S A: the tabular softmax (stored sparse)"},
      {.name = "random",
       .description = "entries drawn i.i.d. N(0, scale^2) with the project's own normal sampler, "
                      "row by row",
       .parameters =
           {{"dim", "integer", "", "k, the number of features", {}, {.low = 1.0, .high = 1e6}},
            {"seed", "integer", "0", "seed of the sampler", {}, {.low = 0.0}},
            {"scale",
             "number",
             "1",
             "standard deviation of the entries",
             {},
             {.low = 0.0, .low_open = true}}}},
  };
  return kinds;
}

bool is_feature_file(const std::string& text) {
  return text.ends_with(".csv") || text.ends_with(".toml") || text.find('/') != std::string::npos;
}

void check_features(const std::string& text) {
  if (is_feature_file(text)) return;
  const Spec spec = parse_spec(text, "features");
  SpecArguments(spec, find_kind(spec.name).parameters).check_values();
}

std::string resolved_features(const std::string& text) {
  if (is_feature_file(text)) return text;
  const Spec spec = parse_spec(text, "features");
  const FeatureKind& kind = find_kind(spec.name);
  SpecArguments(spec, kind.parameters).check_values();
  return resolved_spec(spec, kind.parameters).to_string();
}

Eigen::MatrixXd random_features(Index states, Index actions, Index dim, std::uint64_t seed,
                                double scale) {
  Random random(seed);
  // Column after column: the first k columns of random(dim=K) are random(dim=k) for the same
  // seed, so the policy classes of growing k are nested (docs/algorithms.md).
  Eigen::MatrixXd values(states * actions, dim);
  for (Index j = 0; j < dim; ++j) {
    for (Index row = 0; row < values.rows(); ++row) values(row, j) = scale * random.normal();
  }
  return values;
}

void check_feature_scale(double largest, const InputLocation& where) {
  if (largest > 0.0 && largest < kSmallestFeatureScale) {
    throw InputError(where, "the largest feature magnitude is " + format_number(largest) +
                                ", below " + format_number(kSmallestFeatureScale) +
                                ": squares of features (the projection's Hessian) would underflow");
  }
}

void check_feature_file(const std::string& path, const TomlFeatureChecker& toml_checker) {
  const InputLocation where{.file = path, .field = "features"};
  if (path.ends_with(".toml")) {
    if (!toml_checker)
      throw InputError(where, "TOML feature tables are read by the command line and sweeps only");
    checked_values(toml_checker(path), where);
  } else {  // the reader refuses values beyond kLargestFeature at their line and column
    check_feature_scale(
        largest_magnitude(
            check_state_action_table(path, check_feature_columns, kLargestFeature).values),
        where);
  }
}

std::shared_ptr<const FeatureMatrix> make_features(const std::string& text, const Mdp& mdp,
                                                   const TomlFeatureReader& toml_reader) {
  const Index states = mdp.num_states();
  const Index actions = mdp.num_actions();
  if (text.ends_with(".toml")) {
    if (!toml_reader) {
      throw InputError({.file = text, .field = "features"},
                       "TOML feature tables are read by the command line and sweeps only");
    }
    return std::make_shared<const FeatureMatrix>(
        states, actions,
        checked_values(toml_reader(text, mdp), {.file = text, .field = "features"}));
  }
  if (is_feature_file(text)) {
    // The reader refuses values beyond kLargestFeature at their line and column.
    StateActionTable table =
        read_state_action_table(text, mdp, check_feature_columns, kLargestFeature);
    check_feature_scale(largest_magnitude(table.values), {.file = text, .field = "features"});
    return std::make_shared<const FeatureMatrix>(states, actions, std::move(table.values));
  }
  const Spec spec = parse_spec(text, "features");
  const SpecArguments arguments(spec, find_kind(spec.name).parameters);
  arguments.check_values();
  if (spec.name == "random") {
    const double entries = static_cast<double>(states) * static_cast<double>(actions) *
                           static_cast<double>(arguments.integer("dim"));
    if (entries > kLargestFeatureEntries) {
      throw InputError({.field = "random.dim"},
                       "random(dim=" + std::to_string(arguments.integer("dim")) + ") on " +
                           std::to_string(states) + " x " + std::to_string(actions) + " needs " +
                           format_number(entries * 8.0 / (1024.0 * 1024 * 1024)) +
                           " GiB; at most 16 GiB of features are made");
    }
    return std::make_shared<const FeatureMatrix>(
        states, actions,
        checked_values(random_features(states, actions, arguments.integer("dim"),
                                       static_cast<std::uint64_t>(arguments.integer("seed")),
                                       arguments.number("scale")),
                       {.field = "random.scale"}));
  }
  return std::make_shared<const FeatureMatrix>(FeatureMatrix::one_hot(states, actions));
}

}  // namespace tabrl
