// Validation shared by the constant-step methods.
#pragma once

namespace tabrl {

// Throws InputError "step_size: must be > 0, got X" unless 0 < step_size < infinity.
void validate_step_size(double step_size);

}  // namespace tabrl
