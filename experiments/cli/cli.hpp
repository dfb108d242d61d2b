// Subcommands of the `tabrl` executable. Each takes the arguments after its name and returns
// the process exit status: 0 success, 2 bad usage or bad input, 1 any other failure.
#pragma once

#include <boost/program_options.hpp>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

namespace tabrl::cli {

constexpr int kExitSuccess = 0;
constexpr int kExitFailure = 1;
constexpr int kExitBadInput = 2;

// A command line that cannot be understood.
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

using Arguments = std::vector<std::string>;

int run_command(const Arguments& args);
int mdp_command(const Arguments& args);
int list_command(const Arguments& args);
int sweep_command(const Arguments& args);
int merge_command(const Arguments& args);
int summarize_command(const Arguments& args);
int plot_command(const Arguments& args);
int reproduce_command(const Arguments& args);

// The directory of the editable scripts (report/plot_sweep.py) and configs (configs/):
// $TABRL_SCRIPTS; for an installed tabrl PREFIX/share/tabrl, found relative to the executable;
// else the source tree's experiments/ (compiled in).
std::filesystem::path scripts_directory();

// The interpreter that draws the figures: $TABRL_PYTHON, else Debian's /usr/bin/python3 (the
// python3 first on PATH may be another interpreter without Debian's packages), else python3.
std::string plotting_python();

// Throws std::runtime_error with one line naming the Debian package to install when the
// plotting interpreter cannot import matplotlib and numpy. Called before any work.
void require_plotting_packages();

// Makes the directory an --out option names (and its parents), before any work. Throws
// InputError (field --out) when it names something that is not a directory, or cannot be made
// (a parent that is a file, no permission), with the reason.
void make_output_directory(const std::string& out);

// Parses `args` against `options` (and positional names); prints `usage` and the options and
// returns false when --help was given.
bool parse_command_line(const Arguments& args,
                        const boost::program_options::options_description& options,
                        const boost::program_options::positional_options_description& positional,
                        const std::string& usage, boost::program_options::variables_map& values);

}  // namespace tabrl::cli
