#include "interrupt.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include <tabrl/sweep/atomic_file.hpp>

namespace tabrl::cli {
namespace {

// Lock-free atomics and a sig_atomic_t are the only objects a handler may touch.
std::atomic<bool> interrupted{false};
volatile sig_atomic_t received_signal = 0;
static_assert(std::atomic<bool>::is_always_lock_free);

struct sigaction previous_interrupt {};
struct sigaction previous_terminate {};

// Removes the temporaries being written, then dies of the signal: its default action runs once
// the handler returns (the signal is blocked while its handler runs), so the exit status is the
// signal's. Only async-signal-safe calls.
void die_cleanly(int signal_number) {
  remove_pending_temporaries_at_exit();
  struct sigaction fallback {};
  fallback.sa_handler = SIG_DFL;
  sigemptyset(&fallback.sa_mask);
  ::sigaction(signal_number, &fallback, nullptr);
  ::raise(signal_number);
}

// Signals received so far. Two may be handled at once, by two threads (the OpenMP workers do
// not block signals): the count decides which one is the second.
std::atomic<int> signal_count{0};
static_assert(std::atomic<int>::is_always_lock_free);

extern "C" void on_signal(int signal_number) {
  if (signal_count.fetch_add(1) > 0) {  // the second signal: end at once
    die_cleanly(signal_number);
    return;
  }
  received_signal = signal_number;
  interrupted.store(true);
}

extern "C" void on_fatal_signal(int signal_number) { die_cleanly(signal_number); }

// run_child's child and the signal this process received while waiting for it.
volatile sig_atomic_t child_pid = 0;
volatile sig_atomic_t child_signal = 0;

extern "C" void on_signal_while_waiting(int signal_number) {
  child_signal = signal_number;
  if (signal_number != SIGINT && child_pid > 0) ::kill(child_pid, signal_number);
}

// Installs `handler` for `signal_number` and returns the previous action in `previous` (when
// given), unless the signal is ignored: a shell starts background jobs with SIGINT ignored, and
// such a job must go on ignoring it.
void install(int signal_number, void (*handler)(int), struct sigaction* previous) {
  struct sigaction current {};
  ::sigaction(signal_number, nullptr, &current);
  if (previous != nullptr) *previous = current;
  if (current.sa_handler == SIG_IGN) return;
  struct sigaction action {};
  action.sa_handler = handler;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;  // writes in progress complete
  ::sigaction(signal_number, &action, nullptr);
}

}  // namespace

void remove_temporaries_on_signals() {
  for (const int signal_number : {SIGINT, SIGTERM, SIGHUP}) {
    install(signal_number, on_fatal_signal, nullptr);
  }
}

std::string describe_wait_status(int status) {
  if (WIFEXITED(status)) return "exit status " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) {
    return "killed by signal " + std::to_string(WTERMSIG(status)) + " (" +
           ::strsignal(WTERMSIG(status)) + ")";
  }
  return "wait status " + std::to_string(status);
}

int run_child(const std::vector<std::string>& arguments, CommandOutput output) {
  // Signals this process receives while the child runs are recorded, not acted on; SIGTERM and
  // SIGHUP are passed on to the child (they are usually sent to one process), SIGINT is not (a
  // terminal sends it to the child too). A signal this process was started ignoring stays
  // ignored, as does a blocked one. Installed before the child starts, so none is missed.
  child_signal = 0;
  struct sigaction previous[3]{};
  const int recorded[3] = {SIGINT, SIGTERM, SIGHUP};
  for (int i = 0; i < 3; ++i) install(recorded[i], on_signal_while_waiting, &previous[i]);
  std::vector<char*> argv;
  for (const std::string& argument : arguments) argv.push_back(const_cast<char*>(argument.c_str()));
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  ::posix_spawn_file_actions_init(&actions);
  // Discarded output goes to the null device (opened for writing, never replaced).
  if (output.discard_stdout) {
    ::posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
  }
  if (output.discard_stderr) {
    ::posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
  }
  int status = -1;
  pid_t pid = 0;
  int spawn_error = 0;
  if (child_signal == 0 &&
      (spawn_error = ::posix_spawnp(&pid, argv[0], &actions, nullptr, argv.data(), environ)) == 0) {
    child_pid = pid;
    // A signal recorded before child_pid was set was not passed on: pass it on now.
    if (child_signal == SIGTERM || child_signal == SIGHUP) ::kill(pid, child_signal);
    while (::waitpid(pid, &status, 0) < 0) {
      if (errno != EINTR) {
        status = -1;
        break;
      }
    }
    child_pid = 0;
  }
  ::posix_spawn_file_actions_destroy(&actions);
  for (int i = 0; i < 3; ++i) ::sigaction(recorded[i], &previous[i], nullptr);
  // Ended as this process was asked to, once the child is gone (a shell's convention).
  if (child_signal != 0) {
    const int signal_number = child_signal;
    die_cleanly(signal_number);
    ::_exit(128 + signal_number);  // were the signal blocked after all: never go on
  }
  if (spawn_error != 0) {
    throw std::runtime_error("cannot run '" + arguments.front() +
                             "': " + std::strerror(spawn_error));
  }
  return status;
}

InterruptGuard::InterruptGuard() {
  interrupted.store(false);
  received_signal = 0;
  signal_count.store(0);
  install(SIGINT, on_signal, &previous_interrupt);
  install(SIGTERM, on_signal, &previous_terminate);
}

InterruptGuard::~InterruptGuard() {
  ::sigaction(SIGINT, &previous_interrupt, nullptr);
  ::sigaction(SIGTERM, &previous_terminate, nullptr);
}

const std::atomic<bool>& InterruptGuard::flag() const { return interrupted; }

int InterruptGuard::exit_status() const { return 128 + static_cast<int>(received_signal); }

}  // namespace tabrl::cli
