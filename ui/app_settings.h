// AppSettings: the user's choices for running models, kept in the settings INI
// (app::Paths::settings_file(), group "engine"). The settings dialog edits them; the model
// manager and the ask pipeline read them when they load a model or start a session.
// Values are checked on load: an unknown or out-of-range value in a hand-edited INI falls back to
// its default rather than reaching the engine.
#pragma once

#include <QList>
#include <QString>

class QSettings;

namespace quire::ui {

struct AppSettings {
  QString attention = QStringLiteral("full");  // full | tensorized | hybrid (TENSORIZED.md)
  // Tensorized dims n_1..n_d, coarsest first; empty: the default rule (or the model's own).
  QList<int> tensor_dims;
  int context_size = 32768;                    // tokens, in [kMinContext, kMaxContext]
  QString kv_type = QStringLiteral("f16");     // f16 | q8_0
  int threads = 0;                             // CPU threads; 0: one per core
  QString device = QStringLiteral("auto");     // auto | cpu | cuda
  QString data_folder;                         // empty: the default (QUIRE_HOME or XDG)
  // What a question (chat or batch) does when its documents do not fit the context:
  // error | head | ranked (app/context/context_builder.h, OverflowPolicy).
  QString overflow = QStringLiteral("error");

  static constexpr int kMinContext = 512;
  static constexpr int kMaxContext = 131072;

  bool operator==(const AppSettings&) const = default;
};

AppSettings load_app_settings(const QSettings& settings);
void save_app_settings(QSettings& settings, const AppSettings& values);

// "64, 128" -> {64, 128}; "" -> {}. Each dim must be an integer in [2, 65536], at most 8 dims.
// Returns false (and leaves dims alone) on anything else, with `error` saying what is wrong.
bool parse_tensor_dims(const QString& text, QList<int>& dims, QString& error);
QString format_tensor_dims(const QList<int>& dims);

}  // namespace quire::ui
