#include "interrupt.hpp"

#include <signal.h>
#include <sys/wait.h>

#include <cstdlib>

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

int run_shell_command(const std::string& command) {
  const int status = std::system(command.c_str());
  if (status == -1) return status;
  int signal_number = 0;
  if (WIFSIGNALED(status)) signal_number = WTERMSIG(status);
  if (WIFEXITED(status) && WEXITSTATUS(status) > 128) signal_number = WEXITSTATUS(status) - 128;
  if (signal_number == SIGINT || signal_number == SIGTERM || signal_number == SIGHUP) {
    die_cleanly(signal_number);
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
