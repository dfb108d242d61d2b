#include "interrupt.hpp"

#include <signal.h>

namespace tabrl::cli {
namespace {

// A lock-free atomic and a sig_atomic_t are the only objects a handler may touch.
std::atomic<bool> interrupted{false};
volatile sig_atomic_t received_signal = 0;
static_assert(std::atomic<bool>::is_always_lock_free);

struct sigaction previous_interrupt {};
struct sigaction previous_terminate {};

extern "C" void on_signal(int signal_number) {
  received_signal = signal_number;
  interrupted.store(true);
}

}  // namespace

InterruptGuard::InterruptGuard() {
  interrupted.store(false);
  received_signal = 0;
  struct sigaction action {};
  action.sa_handler = on_signal;
  sigemptyset(&action.sa_mask);
  // SA_RESTART: writes in progress complete; SA_RESETHAND: a second signal is not caught.
  action.sa_flags = SA_RESTART | SA_RESETHAND;
  ::sigaction(SIGINT, &action, &previous_interrupt);
  ::sigaction(SIGTERM, &action, &previous_terminate);
}

InterruptGuard::~InterruptGuard() {
  ::sigaction(SIGINT, &previous_interrupt, nullptr);
  ::sigaction(SIGTERM, &previous_terminate, nullptr);
}

const std::atomic<bool>& InterruptGuard::flag() const { return interrupted; }

int InterruptGuard::exit_status() const { return 128 + static_cast<int>(received_signal); }

}  // namespace tabrl::cli
