#include "ui/ask_options.h"

#include <QCoreApplication>
#include <QLocale>

namespace quire::ui {
namespace {

QString tr(const char* text) { return QCoreApplication::translate("AskOptions", text); }

}  // namespace

Result<app::OverflowPolicy> overflow_policy(const AppSettings& settings) {
  auto policy = app::parse_overflow_policy(settings.overflow.toStdString());
  if (!policy) {
    return make_error(Errc::invalid_argument,
                      "'When documents do not fit' is set to '{}', which Quire does not know; "
                      "choose it again in Settings",
                      settings.overflow.toStdString());
  }
  return *policy;
}

QString gui_error_message(const Error& error, const AppSettings& settings, int answer_tokens) {
  if (error.code != Errc::context_overflow) return QString::fromStdString(error.message);
  const QLocale locale;
  QString text = tr("The documents and the question do not fit the context: it holds %1 tokens, "
                    "%2 of them kept for the answer.")
                     .arg(locale.toString(settings.context_size))
                     .arg(locale.toString(answer_tokens));
  if (settings.overflow == QStringLiteral("error")) {
    text += QLatin1Char(' ') +
            tr("In Settings (Ctrl+,), raise the Context size, or set 'When documents do not "
               "fit' to keep the start or the best-matching parts.");
  } else {
    text += QLatin1Char(' ') + tr("In Settings (Ctrl+,), raise the Context size.");
  }
  return text;
}

}  // namespace quire::ui
