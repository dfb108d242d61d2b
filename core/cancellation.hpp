// Cooperative cancellation of long loads (docs/python.md, "Ctrl-C"). Code that may run for
// seconds without returning to its caller (the file readers' statement loops, a Garnet's
// generation) calls poll_cancellation() as it goes; the call throws Cancelled when the check that
// a CancellationScope installed on this thread says so. Python's Mdp.load installs one that gives
// Python's signal handlers a chance; without a scope (the command line, whose Ctrl-C ends the
// process while it loads) a poll costs a thread-local counter.
#pragma once

#include <exception>
#include <functional>

namespace tabrl {

// Thrown by poll_cancellation once the installed check returned true. Not an InputError: no
// reader or validator catches it, so it leaves the load at once.
class Cancelled final : public std::exception {
 public:
  const char* what() const noexcept override { return "cancelled"; }
};

// Installs `check` on this thread for the scope's lifetime (scopes nest: the inner one rules).
class CancellationScope {
 public:
  explicit CancellationScope(std::function<bool()> check);
  ~CancellationScope();
  CancellationScope(const CancellationScope&) = delete;
  CancellationScope& operator=(const CancellationScope&) = delete;

 private:
  std::function<bool()> check_;
  const std::function<bool()>* previous_;
};

// Counts a unit of work; every kCancellationStride-th call runs the installed check, if any, and
// throws Cancelled when it returns true.
inline constexpr unsigned kCancellationStride = 1024;
void poll_cancellation();

}  // namespace tabrl
