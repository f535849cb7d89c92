// The answer options the GUI's settings stand for (shared by the chat's ask backend and the batch
// runner), and how an ask or batch error reads in the GUI: the app core's messages name
// quire-cli's flags (--ctx, --overflow), which mean nothing in a window, so errors that a setting
// can fix are worded here in terms of the Settings dialog instead. The CLI keeps its own text.
//
// Threads: pure functions; safe on any thread.
#pragma once

#include <QString>

#include "app/context/context_builder.h"
#include "engine/base/result.h"
#include "ui/app_settings.h"

namespace quire::ui {

// settings.overflow as the context builder's policy. Errc::invalid_argument naming the value
// when it is none of error, head, ranked (the INI loader lets none through; this says so if one
// ever does).
Result<app::OverflowPolicy> overflow_policy(const AppSettings& settings);

// The message a person sees for `error`, from asking with `settings` and answers of at most
// `answer_tokens` tokens. Errc::context_overflow becomes a text naming the context size, the
// tokens kept for the answer and the Settings that change the outcome; every other error keeps
// the app core's message, which names no flag.
QString gui_error_message(const Error& error, const AppSettings& settings, int answer_tokens);

}  // namespace quire::ui
