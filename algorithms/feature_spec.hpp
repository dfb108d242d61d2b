// Features of log-linear policies (docs/algorithms.md, "Log-linear policies"): `--features` and
// the sweep key `features` take `one_hot`, `random(dim=K,seed=N,scale=S)`, a CSV file
// (header state,action,f0,...,f{K-1}) or a TOML MDP file with a [features] table.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <tabrl/core/error.hpp>
#include <tabrl/core/features.hpp>
#include <tabrl/core/mdp.hpp>
#include <tabrl/core/spec.hpp>

namespace tabrl {

struct FeatureKind {
  std::string name;
  std::string description;
  std::vector<ParameterInfo> parameters;
};

// The named feature kinds, in the order `tabrl list` shows them.
const std::vector<FeatureKind>& feature_kinds();

// Whether `text` names a feature file rather than a spec: it ends in ".csv" or ".toml", or
// holds a '/'.
bool is_feature_file(const std::string& text);

// Checks a spec (name, keys, value types and ranges) without an MDP; a file only by its name.
// Throws InputError (field "features") with "did you mean" for an unknown name.
void check_features(const std::string& text);

// The spec with every parameter, defaults included, in canonical order (run identities); a file
// path as given.
std::string resolved_features(const std::string& text);

// Reads the [features] table of a TOML file for an MDP (mdps/toml_format.hpp provides it; the
// algorithms layer does not parse TOML).
using TomlFeatureReader = std::function<Eigen::MatrixXd(const std::string& path, const Mdp& mdp)>;

// Checks the feature file `path` without an MDP, for a sweep before its runs: everything
// make_features checks but the states and actions and the coverage of the pairs. A ".toml" file
// is read by `toml_checker` (its rows in file order). InputError naming the file, line and field.
using TomlFeatureChecker = std::function<Eigen::MatrixXd(const std::string& path)>;
void check_feature_file(const std::string& path, const TomlFeatureChecker& toml_checker);

// Refuses features whose largest magnitude `largest` is below kSmallestFeatureScale without
// being 0 (core/features.hpp), naming `where`.
void check_feature_scale(double largest, const InputLocation& where);

// The feature matrix of `text` for `mdp`. A CSV file is read with read_state_action_table, a
// ".toml" file with `toml_reader`: every problem is an InputError naming the file, the line and
// the field.
std::shared_ptr<const FeatureMatrix> make_features(const std::string& text, const Mdp& mdp,
                                                   const TomlFeatureReader& toml_reader = {});

// X ((S A) x k, row s A + a) with entries drawn i.i.d. N(0, scale^2) by Random::normal
// (core/random.hpp) in row order: row 0's k entries, then row 1's, ...
Eigen::MatrixXd random_features(Index states, Index actions, Index dim, std::uint64_t seed,
                                double scale);

}  // namespace tabrl
