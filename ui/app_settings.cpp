#include "ui/app_settings.h"

#include <QCoreApplication>
#include <QSettings>
#include <QStringList>

#include <algorithm>

namespace quire::ui {
namespace {

QString one_of(const QSettings& s, const QString& key, const QStringList& allowed,
               const QString& fallback) {
  const QString value = s.value(key, fallback).toString();
  return allowed.contains(value) ? value : fallback;
}

QString tr(const char* text) { return QCoreApplication::translate("AppSettings", text); }

}  // namespace

AppSettings load_app_settings(const QSettings& s) {
  AppSettings v;
  v.attention = one_of(s, QStringLiteral("engine/attention"),
                       {QStringLiteral("full"), QStringLiteral("tensorized"),
                        QStringLiteral("hybrid")},
                       v.attention);
  QList<int> dims;
  QString ignored;
  if (parse_tensor_dims(s.value(QStringLiteral("engine/tensor_dims")).toString(), dims, ignored)) {
    v.tensor_dims = dims;
  }
  bool ok = false;
  const int context = s.value(QStringLiteral("engine/context_size")).toInt(&ok);
  if (ok && context >= AppSettings::kMinContext && context <= AppSettings::kMaxContext) {
    v.context_size = context;
  }
  v.kv_type = one_of(s, QStringLiteral("engine/kv_type"),
                     {QStringLiteral("f16"), QStringLiteral("q8_0")}, v.kv_type);
  const int threads = s.value(QStringLiteral("engine/threads")).toInt(&ok);
  if (ok && threads >= 0 && threads <= 1024) v.threads = threads;
  v.device = one_of(s, QStringLiteral("engine/device"),
                    {QStringLiteral("auto"), QStringLiteral("cpu"), QStringLiteral("cuda")},
                    v.device);
  v.data_folder = s.value(QStringLiteral("engine/data_folder")).toString();
  v.overflow = one_of(s, QStringLiteral("engine/overflow"),
                      {QStringLiteral("error"), QStringLiteral("head"), QStringLiteral("ranked")},
                      v.overflow);
  return v;
}

void save_app_settings(QSettings& s, const AppSettings& v) {
  s.setValue(QStringLiteral("engine/attention"), v.attention);
  s.setValue(QStringLiteral("engine/tensor_dims"), format_tensor_dims(v.tensor_dims));
  s.setValue(QStringLiteral("engine/context_size"), v.context_size);
  s.setValue(QStringLiteral("engine/kv_type"), v.kv_type);
  s.setValue(QStringLiteral("engine/threads"), v.threads);
  s.setValue(QStringLiteral("engine/device"), v.device);
  s.setValue(QStringLiteral("engine/data_folder"), v.data_folder);
  s.setValue(QStringLiteral("engine/overflow"), v.overflow);
}

bool parse_tensor_dims(const QString& text, QList<int>& dims, QString& error) {
  const QStringList parts = text.split(QLatin1Char(','), Qt::SkipEmptyParts);
  QList<int> parsed;
  for (const QString& part : parts) {
    bool ok = false;
    const int n = part.trimmed().toInt(&ok);
    if (!ok || n < 2 || n > 65536) {
      error = tr("Tensor dims: '%1' is not a whole number from 2 to 65536; write them coarsest "
                 "first, separated by commas (e.g. 64, 128), or leave empty for automatic.")
                  .arg(part.trimmed());
      return false;
    }
    parsed.push_back(n);
  }
  if (parsed.size() > 8) {
    error = tr("Tensor dims: %1 dims given; at most 8 are supported.").arg(parsed.size());
    return false;
  }
  dims = parsed;
  return true;
}

QString format_tensor_dims(const QList<int>& dims) {
  QStringList parts;
  for (int n : dims) parts << QString::number(n);
  return parts.join(QStringLiteral(", "));
}

}  // namespace quire::ui
