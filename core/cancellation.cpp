#include "cancellation.hpp"

#include <utility>

namespace tabrl {
namespace {

thread_local const std::function<bool()>* installed_check = nullptr;
thread_local unsigned polls = 0;

}  // namespace

CancellationScope::CancellationScope(std::function<bool()> check)
    : check_(std::move(check)), previous_(installed_check) {
  installed_check = &check_;
}

CancellationScope::~CancellationScope() { installed_check = previous_; }

void poll_cancellation() {
  if (installed_check == nullptr || ++polls % kCancellationStride != 0) return;
  if ((*installed_check)()) throw Cancelled();
}

}  // namespace tabrl
