// ExportDialog: writes one session (its questions, answers, citations and span reports) to a
// file as Markdown, self-contained HTML or JSON (app/analysis/export.h), or as PDF through Qt's
// printing (the Markdown rendered by QTextDocument onto a QPrinter in PDF mode); or one batch run
// (every item) as Markdown, HTML, JSON, JSON Lines or CSV.
//
// Threads: GUI thread only. Loading the session and rendering the text run on the dialog's
// JobRunner worker (own Database connection); writing a text format happens there too (QSaveFile:
// the target is replaced whole or not at all). The PDF is printed on the GUI thread, since
// QTextDocument layout needs the GUI's fonts; a session is a few pages, so this is brief.
#pragma once

#include <QDialog>
#include <QString>

#include <filesystem>

#include "ui/job_runner.h"

class QComboBox;
class QLabel;
class QLineEdit;
class QPushButton;

namespace quire::ui {

class ExportDialog : public QDialog {
  Q_OBJECT

 public:
  enum class Format { markdown, html, json, pdf, jsonl, csv };
  enum class Target { session, batch_run };

  ExportDialog(std::filesystem::path database, qint64 session_id, QWidget* parent = nullptr);
  // Exports session `id` or batch run `id`; the format list holds what that target can be.
  ExportDialog(std::filesystem::path database, Target target, qint64 id,
               QWidget* parent = nullptr);

  // Writes the session to `path` in `format`; exported() or exportFailed() follows.
  void export_to(const QString& path, Format format);
  static QString extension(Format format);  // "md", "html", "json", "pdf", "jsonl", "csv"

  QComboBox* format_box() const { return format_; }
  QLineEdit* path_box() const { return path_; }
  QPushButton* export_button() const { return export_; }
  QString status_text() const;

 signals:
  void exported(const QString& path);
  void exportFailed(const QString& message);

 private:
  Format chosen_format() const;
  void browse();
  void write_pdf(const QString& path, const QString& markdown, const QString& title);
  void done_ok(const QString& path);
  void done_failed(const QString& message);

  std::filesystem::path database_;
  Target target_;
  qint64 id_;
  QComboBox* format_;
  QLineEdit* path_;
  QPushButton* export_;
  QLabel* status_;
  JobRunner runner_;  // last: joined first, before the widgets its posts touch
};

}  // namespace quire::ui
