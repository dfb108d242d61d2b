// Ctrl-C and SIGTERM for the commands that can end cleanly (docs/reliability.md). Only the CLI
// installs signal handlers; the libraries take the flag this raises (OptimizerOptions::cancel).
#pragma once

#include <atomic>

namespace tabrl::cli {

// Installs SIGINT and SIGTERM handlers for its lifetime. The first signal raises flag() and
// restores the default action, so a second Ctrl-C ends the process at once.
class InterruptGuard {
 public:
  InterruptGuard();
  ~InterruptGuard();
  InterruptGuard(const InterruptGuard&) = delete;
  InterruptGuard& operator=(const InterruptGuard&) = delete;

  const std::atomic<bool>& flag() const;
  bool raised() const { return flag().load(); }
  // 128 + the signal number, the shell's convention (130 for SIGINT, 143 for SIGTERM).
  int exit_status() const;
};

}  // namespace tabrl::cli
