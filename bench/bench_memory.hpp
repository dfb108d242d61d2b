// The benchmark process's peak resident memory (VmHWM), for the memory columns of the reports.
#pragma once

#include <fstream>
#include <string>

namespace tabrl::bench {

inline double peak_rss_megabytes() {
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);) {
    if (line.rfind("VmHWM:", 0) == 0) return std::stod(line.substr(6)) / 1024.0;
  }
  return 0.0;
}

}  // namespace tabrl::bench
