#pragma once
// Exit codes of chimera-sim (README.md, "Exit codes"). Scripts and sweeps tell these apart: a
// bad input is the user's to fix, an internal error is ours (a bug report), a timeout is a
// limit the user set.
#include "common/input_error.hpp"  // kExitInputError = 2

namespace chimera {

// 0: success.  2: bad input (kExitInputError, one line naming file, line, key, what is wrong).
// The simulated programs cannot finish (ops left waiting: a receive without its send, a
// collective some member never joins).
inline constexpr int kExitDeadlock = 3;
// A run exceeded --timeout (the same code as coreutils' timeout(1)).
inline constexpr int kExitTimeout = 124;
// An internal error: an unexpected exception or an engine abort (sysexits.h's EX_SOFTWARE).
inline constexpr int kExitInternalError = 70;

}  // namespace chimera
