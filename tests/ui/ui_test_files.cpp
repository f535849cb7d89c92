#include "ui_test_files.h"

#include <QDir>
#include <QFile>
#include <QPageSize>
#include <QPainter>
#include <QPdfWriter>

#include "engine/model/synthetic_model.h"

namespace quire::ui::testing {

bool write_text_file(const QString& path, const QStringList& lines) {
  QFile file(path);
  if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate)) return false;
  const QByteArray bytes = (lines.join(QLatin1Char('\n')) + QLatin1Char('\n')).toUtf8();
  return file.write(bytes) == bytes.size();
}

QStringList numbered_lines(int n, int needle_line) {
  QStringList lines;
  for (int i = 1; i <= n; ++i) {
    lines << QStringLiteral("line %1: %2").arg(i).arg(i == needle_line ? "needle" : "hay");
  }
  return lines;
}

bool write_pdf(const QString& path, const QStringList& pages) {
  QPdfWriter writer(path);
  writer.setPageSize(QPageSize(QPageSize::A5));
  writer.setResolution(72);
  QPainter painter;
  if (!painter.begin(&writer)) return false;
  QFont font(QStringLiteral("DejaVu Sans"));
  font.setPointSize(14);
  painter.setFont(font);
  for (int i = 0; i < pages.size(); ++i) {
    if (i > 0) writer.newPage();
    painter.drawText(QRect(40, 60, 320, 400), Qt::TextWordWrap, pages[i]);
  }
  return painter.end();
}

bool write_code_folder(const QString& dir, int files) {
  if (!QDir().mkpath(dir)) return false;
  QStringList lines;
  for (int l = 1; l <= 30; ++l) lines << QStringLiteral("int value_%1 = %1;").arg(l);
  for (int f = 0; f < files; ++f) {
    if (!write_text_file(QStringLiteral("%1/file_%2.cpp").arg(dir).arg(f, 5, 10, QLatin1Char('0')),
                         lines)) {
      return false;
    }
  }
  return true;
}

bool write_tiny_model(const QString& path, const char* type, uint64_t seed) {
  auto shape = engine::synthetic_shape("tiny");
  if (!shape) return false;
  engine::SyntheticSpec spec;
  spec.shape = *shape;
  spec.type = type;
  spec.seed = seed;
  return engine::write_synthetic_llama(path.toStdString(), spec).ok();
}

}  // namespace quire::ui::testing
