#include <cstdlib>
#include <iostream>

#include <tabrl/sweep/shell_quote.hpp>

#include "cli.hpp"

#ifndef TABRL_SCRIPT_DIR
#define TABRL_SCRIPT_DIR "experiments"
#endif

namespace tabrl::cli {

namespace po = boost::program_options;

std::filesystem::path scripts_directory() {
  const char* override_dir = std::getenv("TABRL_SCRIPTS");
  return override_dir != nullptr ? override_dir : TABRL_SCRIPT_DIR;
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
