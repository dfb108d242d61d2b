#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <optional>

#include <tabrl/core/error.hpp>
#include <tabrl/core/text.hpp>
#include <tabrl/sweep/shell_quote.hpp>

#include "cli.hpp"
#include "interrupt.hpp"

#ifndef TABRL_SCRIPT_DIR
#define TABRL_SCRIPT_DIR "experiments"
#endif

namespace tabrl::cli {

namespace po = boost::program_options;

namespace {

// An installed tabrl keeps its scripts and configs in PREFIX/share/tabrl (report/plot_sweep.py,
// configs/; cmake/install.cmake), found from PREFIX/bin/tabrl, so that it works from any
// directory, with any prefix, and without the source tree.
std::optional<std::filesystem::path> installed_scripts_directory() {
  std::error_code error;
  const std::filesystem::path executable = std::filesystem::canonical("/proc/self/exe", error);
  if (error) return std::nullopt;
  const std::filesystem::path candidate =
      (executable.parent_path() / ".." / "share" / "tabrl").lexically_normal();
  if (!std::filesystem::exists(candidate / "report" / "plot_sweep.py", error)) return std::nullopt;
  return candidate;
}

}  // namespace

std::filesystem::path scripts_directory() {
  const char* override_dir = std::getenv("TABRL_SCRIPTS");
  if (override_dir != nullptr) return override_dir;
  return installed_scripts_directory().value_or(TABRL_SCRIPT_DIR);
}

std::string plotting_python() {
  if (const char* python = std::getenv("TABRL_PYTHON"); python != nullptr && *python != '\0') {
    return python;
  }
  return std::filesystem::exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3";
}

void make_output_directory(const std::string& out) {
  std::error_code error;
  const std::filesystem::file_status status = std::filesystem::status(out, error);
  if (std::filesystem::exists(status) && !std::filesystem::is_directory(status))
    throw InputError({.field = "--out"}, quote_token(out) + " exists and is not a directory");
  std::filesystem::create_directories(out, error);
  if (error) {
    throw InputError({.field = "--out"},
                     "cannot make the directory " + quote_token(out) + ": " + error.message());
  }
}

void require_plotting_packages() {
  const std::string python = plotting_python();
  int status = 0;
  try {
    status = run_child({python, "-c", "import matplotlib, numpy"},
                       {.discard_stdout = true, .discard_stderr = true});
  } catch (const std::runtime_error& error) {  // no such program, not executable, ...
    throw InputError({.field = "TABRL_PYTHON"},
                     std::string(error.what()) +
                         "; the plotting interpreter is $TABRL_PYTHON, else /usr/bin/python3 "
                         "(Debian's python3-matplotlib)");
  }
  if (status != 0) {
    throw std::runtime_error(python +
                             " cannot import matplotlib and numpy: install Debian's "
                             "python3-matplotlib (apt-get install python3-matplotlib)");
  }
}

bool parse_command_line(const Arguments& args, const po::options_description& options,
                        const po::positional_options_description& positional,
                        const std::string& usage, po::variables_map& values) {
  po::options_description all(options);
  all.add_options()("help,h", "show this help");
  try {
    po::store(po::command_line_parser(args).options(all).positional(positional).run(), values);
    if (values.count("help") != 0U) {
      std::cout << usage << "\n" << all << "\n";
      return false;
    }
    po::notify(values);
  } catch (const po::error& error) {
    throw UsageError(std::string(error.what()) + "\n\n" + usage);
  }
  return true;
}

}  // namespace tabrl::cli
