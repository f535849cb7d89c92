// The engine settings the person chose (AppSettings) as an engine::SessionConfig, for the ask
// backend (which creates the session) and the model manager (which estimates its memory).
//
// Threads: a pure function; safe on any thread.
#pragma once

#include "engine/base/result.h"
#include "engine/runtime/session.h"
#include "ui/app_settings.h"

namespace quire::ui {

// n_ctx, kv_type, threads and the attention mode and dims of `settings`. Errors:
// invalid_argument naming the setting when a value the INI loader let through cannot be used
// (it checks names and ranges; this checks nothing the loader has not, but says so if it must).
Result<engine::SessionConfig> session_config(const AppSettings& settings);

}  // namespace quire::ui
