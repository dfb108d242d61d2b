// tabrl's TOML MDP format (docs/mdp-formats.md): states and actions by count or name, start
// distribution, dense matrices, transition entries and rows with '*' wildcards, rewards per
// (s, a) or (s, a, s'), an `absorbing` shortcut, and inline gridworld maps.
#pragma once

#include <optional>
#include <ostream>
#include <string>

#include <tabrl/core/mdp.hpp>
#include <tabrl/mdps/assembler.hpp>

namespace tabrl {

// Throws InputError "file:line: key: message". With `errors` in collecting mode, every error
// that does not stop the reading is collected there (the first is thrown at the end).
Mdp read_toml_mdp(const std::string& text, const std::string& file_name,
                  const MdpValidationOptions& options = {}, ErrorList* errors = nullptr);

// The optional [features] table of a TOML MDP file (docs/mdp-formats.md): `dim = k` and
// `rows = [[state, action, f0, ..., f{k-1}], ...]`, states and actions by the MDP's names or
// 0-based indices, one row per pair. Returns X ((S A) x k, row s A + a). InputError with the
// file, line and field otherwise (no table, a missing or duplicate pair, a wrong-sized row, a
// value that is not a finite number).
Eigen::MatrixXd read_toml_features(const std::string& text, const std::string& file_name,
                                   const Mdp& mdp);
// The same, reading the file at `path`.
Eigen::MatrixXd read_toml_features_file(const std::string& path, const Mdp& mdp);
// The same checks without an MDP, for a sweep before its runs: only the states and actions
// (names, or indices in range) and the coverage of the pairs wait for the MDP. Returns the rows
// in file order.
Eigen::MatrixXd check_toml_features_file(const std::string& path);
// The [features] table of the TOML MDP file at `path` if it has one (checked as above), else
// nothing (`tabrl mdp validate` and `convert`).
std::optional<Eigen::MatrixXd> read_optional_toml_features(const std::string& path, const Mdp& mdp);
// Writes X as a [features] table (states and actions by index, 17 significant digits).
void write_toml_features(std::ostream& out, const Mdp& mdp, const Eigen::MatrixXd& features);

// Writes `mdp` in this format (names are quoted: TOML carries any name).
void write_toml_mdp(std::ostream& out, const Mdp& mdp);

}  // namespace tabrl
