#include <cstdlib>
#include <iostream>

#include "experiments/cli.hpp"

#ifndef TABRL_SCRIPT_DIR
#define TABRL_SCRIPT_DIR "experiments"
#endif

namespace tabrl::cli {

namespace po = boost::program_options;

std::filesystem::path scripts_directory() {
  const char* override_dir = std::getenv("TABRL_SCRIPTS");
  return override_dir != nullptr ? override_dir : TABRL_SCRIPT_DIR;
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
