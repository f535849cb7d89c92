// Location: where in a document a passage is, as citations name it: a PDF page, or a line of a
// text file, or a file:line of a code folder; optionally with the passage text to highlight.
#pragma once

#include <QMetaType>
#include <QString>

namespace quire::ui {

struct Location {
  int page = 0;       // 1-based PDF page; 0 when the location is a line
  QString file;       // code folders: path relative to the folder ('/'-separated)
  int line = 0;       // 1-based line (in `file` when set, else in the document text)
  QString passage;    // text to highlight there; may be empty

  // "page 12", "src/main.cpp:40", "line 7": how the location is shown to a person.
  QString label() const {
    if (page > 0) return QStringLiteral("page %1").arg(page);
    if (!file.isEmpty()) return QStringLiteral("%1:%2").arg(file).arg(line);
    return QStringLiteral("line %1").arg(line);
  }
};

}  // namespace quire::ui

Q_DECLARE_METATYPE(quire::ui::Location)
