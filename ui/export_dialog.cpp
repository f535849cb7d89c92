#include "ui/export_dialog.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QDir>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPageLayout>
#include <QPageSize>
#include <QPrinter>
#include <QPushButton>
#include <QSaveFile>
#include <QTextDocument>
#include <QVBoxLayout>

#include <utility>

#include "app/analysis/export.h"
#include "app/store/database.h"

namespace quire::ui {

ExportDialog::ExportDialog(std::filesystem::path database, qint64 session_id, QWidget* parent)
    : ExportDialog(std::move(database), Target::session, session_id, parent) {}

ExportDialog::ExportDialog(std::filesystem::path database, Target target, qint64 id,
                           QWidget* parent)
    : QDialog(parent), database_(std::move(database)), target_(target), id_(id) {
  const bool batch = target == Target::batch_run;
  setWindowTitle(batch ? tr("Export Batch Run") : tr("Export Session"));
  setObjectName(QStringLiteral("ExportDialog"));
  format_ = new QComboBox(this);
  format_->addItem(tr("Markdown (.md)"), int(Format::markdown));
  format_->addItem(tr("HTML, self-contained (.html)"), int(Format::html));
  format_->addItem(tr("JSON (.json)"), int(Format::json));
  if (batch) {
    format_->addItem(tr("JSON Lines, one item a line (.jsonl)"), int(Format::jsonl));
    format_->addItem(tr("CSV, one item a row (.csv)"), int(Format::csv));
  } else {
    format_->addItem(tr("PDF (.pdf)"), int(Format::pdf));
  }
  path_ = new QLineEdit(this);
  path_->setText(QDir::home().filePath(
      (batch ? QStringLiteral("quire-batch-%1.md") : QStringLiteral("quire-session-%1.md"))
          .arg(id)));
  auto* browse = new QPushButton(tr("&Browse..."), this);
  status_ = new QLabel(this);
  status_->setWordWrap(true);
  auto* buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
  export_ = buttons->addButton(tr("&Export"), QDialogButtonBox::AcceptRole);
  export_->setDefault(true);

  auto* where = new QHBoxLayout;
  where->addWidget(path_, 1);
  where->addWidget(browse);
  auto* form = new QFormLayout;
  form->addRow(tr("Format:"), format_);
  form->addRow(tr("File:"), where);
  auto* layout = new QVBoxLayout(this);
  layout->addLayout(form);
  layout->addWidget(status_);
  layout->addWidget(buttons);

  connect(format_, &QComboBox::currentIndexChanged, this, [this] {
    // Keep the file name in step with the format.
    QFileInfo info(path_->text());
    path_->setText(info.dir().filePath(info.completeBaseName() + QLatin1Char('.') +
                                       extension(chosen_format())));
  });
  connect(browse, &QPushButton::clicked, this, &ExportDialog::browse);
  connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
  connect(export_, &QPushButton::clicked, this,
          [this] { export_to(path_->text().trimmed(), chosen_format()); });
}

QString ExportDialog::extension(Format format) {
  switch (format) {
    case Format::markdown: return QStringLiteral("md");
    case Format::html: return QStringLiteral("html");
    case Format::json: return QStringLiteral("json");
    case Format::pdf: return QStringLiteral("pdf");
    case Format::jsonl: return QStringLiteral("jsonl");
    case Format::csv: return QStringLiteral("csv");
  }
  return {};
}

ExportDialog::Format ExportDialog::chosen_format() const {
  return Format(format_->currentData().toInt());
}

QString ExportDialog::status_text() const { return status_->text(); }

void ExportDialog::browse() {
  const QString path = QFileDialog::getSaveFileName(this, tr("Export to"), path_->text());
  if (!path.isEmpty()) path_->setText(path);
}

void ExportDialog::export_to(const QString& path, Format format) {
  if (path.isEmpty()) return done_failed(tr("Choose a file to export to."));
  export_->setEnabled(false);
  status_->setText(tr("Exporting..."));
  runner_.submit([this, path, format](std::stop_token) {
    auto fail = [this](const QString& m) { runner_.post([this, m] { done_failed(m); }); };
    auto db = app::Database::open(database_);
    if (!db) return fail(QString::fromStdString(db.error().message));
    const app::ExportFormat as = format == Format::html    ? app::ExportFormat::html
                                 : format == Format::json  ? app::ExportFormat::json
                                 : format == Format::jsonl ? app::ExportFormat::jsonl
                                 : format == Format::csv   ? app::ExportFormat::csv
                                                           : app::ExportFormat::markdown;
    Result<std::string> text = std::string();
    QString title;
    if (target_ == Target::batch_run) {
      if (format == Format::pdf) return fail(tr("A batch run is not exported as PDF."));
      auto batch = app::load_batch_export(*db, id_);
      if (!batch) return fail(QString::fromStdString(batch.error().message));
      text = app::export_batch(*batch, as);
    } else {
      auto session = app::load_session_export(*db, id_);
      if (!session) return fail(QString::fromStdString(session.error().message));
      text = app::export_session(*session, as);
      title = QString::fromStdString(session->document_title);
    }
    if (!text) return fail(QString::fromStdString(text.error().message));
    if (format == Format::pdf) {
      runner_.post([this, path, title, md = QString::fromStdString(*text)] {
        write_pdf(path, md, title);
      });
      return;
    }
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly) ||
        file.write(text->data(), qint64(text->size())) != qint64(text->size()) || !file.commit()) {
      return fail(tr("Cannot write %1: %2. Choose another folder.").arg(path, file.errorString()));
    }
    runner_.post([this, path] { done_ok(path); });
  });
}

void ExportDialog::write_pdf(const QString& path, const QString& markdown, const QString& title) {
  QTextDocument document;
  document.setMarkdown(markdown);
  document.setMetaInformation(QTextDocument::DocumentTitle, title);
  QPrinter printer(QPrinter::HighResolution);
  printer.setOutputFormat(QPrinter::PdfFormat);
  // Printed beside the target and renamed over it, so a failed print leaves an older export.
  const QString part = path + QStringLiteral(".part");
  printer.setOutputFileName(part);
  printer.setDocName(title);
  printer.setPageSize(QPageSize(QPageSize::A4));
  printer.setPageMargins(QMarginsF(18, 18, 18, 18), QPageLayout::Millimeter);
  document.print(&printer);
  // QPrinter reports no error from print(); an unwritable target shows as a missing file.
  if (!QFileInfo(part).isFile() || QFileInfo(part).size() == 0) {
    QFile::remove(part);
    return done_failed(tr("Cannot write the PDF %1; choose another folder.").arg(path));
  }
  QFile::remove(path);
  if (!QFile::rename(part, path)) {
    QFile::remove(part);
    return done_failed(tr("Cannot replace %1; choose another file name.").arg(path));
  }
  done_ok(path);
}

void ExportDialog::done_ok(const QString& path) {
  export_->setEnabled(true);
  status_->setText(tr("Exported to %1.").arg(path));
  emit exported(path);
}

void ExportDialog::done_failed(const QString& message) {
  export_->setEnabled(true);
  status_->setText(message);
  emit exportFailed(message);
}

}  // namespace quire::ui
