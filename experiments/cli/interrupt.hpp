// Ctrl-C and SIGTERM for the commands that can end cleanly (docs/reliability.md). Only the CLI
// installs signal handlers; the libraries take the flag this raises (OptimizerOptions::cancel).
#pragma once

#include <atomic>
#include <string>

namespace tabrl::cli {

// For the whole process: SIGINT, SIGTERM and SIGHUP remove the temporary files being written
// (remove_pending_temporaries) and then end the process as the signal would have, so that an
// interrupted command leaves no partial output of any kind (docs/reliability.md). A signal the
// process was started ignoring (a background job's SIGINT) stays ignored.
void remove_temporaries_on_signals();

// std::system(command), for the commands that run a plotting script. std::system ignores SIGINT
// while its child runs, so a Ctrl-C at the terminal ends the child alone; when the child (or the
// shell, which exits 128 + the signal's number) died of SIGINT, SIGTERM or SIGHUP, this process
// removes its temporaries and ends the same way, instead of reporting a failed plot. Otherwise
// returns std::system's status.
int run_shell_command(const std::string& command);

// Installs SIGINT and SIGTERM handlers for its lifetime (restoring the previous ones after). The
// first signal raises flag(); a second one ends the process at once, as
// remove_temporaries_on_signals does.
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
