// quire-cli's documented exit codes (README, "Exit codes"). Scripts rely on them: never renumber.
#pragma once

#include "engine/base/result.h"

namespace quire::app {

enum ExitCode : int {
  kExitOk = 0,
  kExitFailure = 1,      // an internal error or an I/O failure
  kExitUsage = 2,        // bad command line
  kExitBadInput = 3,     // a file is missing, damaged, hostile or unsupported
  kExitMismatch = 4,     // model, snapshot, settings or context do not agree or do not fit
  kExitCancelled = 130,  // stopped by the user (Ctrl-C), as shells report SIGINT
};

int exit_code_for(Errc code);

// Prints "quire-cli: MESSAGE" to stderr and returns the exit code for the error's code.
int report_error(const Error& error);

}  // namespace quire::app
