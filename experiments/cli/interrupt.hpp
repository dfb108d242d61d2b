// Ctrl-C and SIGTERM for the commands that can end cleanly (docs/reliability.md). Only the CLI
// installs signal handlers; the libraries take the flag this raises (OptimizerOptions::cancel).
#pragma once

#include <atomic>
#include <string>
#include <vector>

namespace tabrl::cli {

// For the whole process: SIGINT, SIGTERM and SIGHUP remove the temporary files being written
// (remove_pending_temporaries) and then end the process as the signal would have, so that an
// interrupted command leaves no partial output of any kind (docs/reliability.md). A signal the
// process was started ignoring (a background job's SIGINT) stays ignored.
void remove_temporaries_on_signals();

// Which of a command's outputs go to the null device.
struct CommandOutput {
  bool discard_stdout = false;
  bool discard_stderr = false;
};

// Runs arguments[0] (found on PATH) with `arguments`, without a shell, and waits for it, for the
// commands that run a plotting script; returns its wait status. As a
// shell does: a SIGINT, SIGTERM or SIGHUP this process receives meanwhile is recorded (SIGTERM and
// SIGHUP are passed on to the child; a terminal's Ctrl-C reaches both), and once the child has
// ended this process removes its temporaries and dies of that signal, instead of reporting a
// failed plot. The child's own exit status, whatever it is (130 included), is only a failure.
// Throws std::runtime_error ("cannot run 'X': reason") when the program cannot be started.
int run_child(const std::vector<std::string>& arguments, CommandOutput output = {});

// "exit status 3", "killed by signal 9 (Killed)": for messages about a child that failed.
std::string describe_wait_status(int status);

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
