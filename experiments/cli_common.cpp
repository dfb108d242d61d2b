#include <dlfcn.h>

#include <cstdlib>
#include <iostream>
#include <optional>
#include <string_view>

#include "experiments/cli.hpp"
#include "experiments/shell_quote.hpp"

#ifndef TABRL_SCRIPT_DIR
#define TABRL_SCRIPT_DIR "experiments"
#endif

namespace tabrl::cli {

namespace po = boost::program_options;

namespace {

// The file this code runs from: the Python module's shared object, or the tabrl executable.
std::filesystem::path own_binary() {
  Dl_info info{};
  std::error_code error;
  const auto* const address = reinterpret_cast<const void*>(&own_binary);
  // dladdr names a shared object by its path, the main program by argv[0] (maybe relative).
  if (dladdr(address, &info) != 0 && info.dli_fname != nullptr && info.dli_fname[0] == '/' &&
      std::string_view(info.dli_fname).find(".so") != std::string_view::npos) {
    return std::filesystem::canonical(info.dli_fname, error);
  }
  return std::filesystem::canonical("/proc/self/exe", error);
}

// An installed tabrl keeps its scripts and configs in PREFIX/share/tabrl (cmake/install.cmake),
// found from PREFIX/bin/tabrl or PREFIX/lib/python3/dist-packages/tabrl/_tabrl*.so, so that it
// works from any directory and with any prefix.
std::optional<std::filesystem::path> installed_scripts_directory() {
  const std::filesystem::path binary = own_binary();
  if (binary.empty()) return std::nullopt;
  std::error_code error;
  for (const char* prefix : {"..", "../../../.."}) {
    const std::filesystem::path candidate = binary.parent_path() / prefix / "share" / "tabrl";
    if (std::filesystem::exists(candidate / "plot_sweep.py", error)) {
      return candidate.lexically_normal();
    }
  }
  return std::nullopt;
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

void require_plotting_packages() {
  const std::string python = plotting_python();
  const std::string command =
      shell_quote(python) + " -c 'import matplotlib, numpy' >/dev/null 2>&1";
  if (std::system(command.c_str()) != 0) {
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
