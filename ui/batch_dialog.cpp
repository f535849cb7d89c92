#include "ui/batch_dialog.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QTableWidget>
#include <QToolButton>
#include <QVBoxLayout>

#include <string>
#include <vector>

#include "app/analysis/batch.h"
#include "ui/job_progress_widget.h"

namespace quire::ui {
namespace {

QLineEdit* path_row(QWidget* parent, const QString& object_name, QPushButton*& browse) {
  auto* edit = new QLineEdit(parent);
  edit->setObjectName(object_name);
  browse = new QPushButton(QObject::tr("Browse…"), parent);
  return edit;
}

QWidget* beside(QWidget* parent, QWidget* left, QWidget* right) {
  auto* row = new QWidget(parent);
  auto* layout = new QHBoxLayout(row);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addWidget(left, 1);
  layout->addWidget(right);
  return row;
}

}  // namespace

BatchDialog::BatchDialog(std::filesystem::path database, std::filesystem::path snapshots_dir,
                         const QString& model_path, const AppSettings& settings, QWidget* parent)
    : QDialog(parent),
      settings_(settings),
      runner_(new BatchRunner(std::move(database), std::move(snapshots_dir), this)) {
  setObjectName(QStringLiteral("BatchDialog"));
  setWindowTitle(tr("Batch questions"));
  runner_->set_model(model_path, settings);
  build();
  connect(runner_, &BatchRunner::progressChanged, progress_, &JobProgressWidget::show_progress);
  connect(runner_, &BatchRunner::documentProgress, this,
          &BatchDialog::show_document_progress);
  connect(runner_, &BatchRunner::itemFinished, this, &BatchDialog::add_item);
  connect(runner_, &BatchRunner::unfinishedRuns, this, &BatchDialog::show_unfinished);
  connect(runner_, &BatchRunner::notice, this,
          [this](const QString& text) { status_->setText(text); });
  connect(runner_, &BatchRunner::finished, this, [this](const BatchSummary& s) {
    QString text = tr("Run %1 finished: %2 items, %3 answered now, %4 already done before, "
                      "%5 failed.")
                       .arg(s.run_id).arg(s.total_items).arg(s.answered).arg(s.done_before)
                       .arg(s.failed);
    if (!s.output.isEmpty()) {
      text += QLatin1Char(' ') + tr("Results written to %1.").arg(QDir::toNativeSeparators(s.output));
    }
    ended(text);
  });
  connect(runner_, &BatchRunner::stopped, this, [this](const QString& message) {
    ended(message);
  });
  connect(runner_, &BatchRunner::failed, this, [this](const QString& message) { ended(message); });
  refresh_unfinished();
}

BatchDialog::~BatchDialog() { runner_->shutdown(); }

void BatchDialog::build() {
  QPushButton* browse_folder_button = nullptr;
  QPushButton* browse_questions_button = nullptr;
  QPushButton* browse_output_button = nullptr;
  folder_ = path_row(this, QStringLiteral("BatchFolder"), browse_folder_button);
  folder_->setPlaceholderText(tr("every file in it is one document"));
  questions_file_ = path_row(this, QStringLiteral("BatchQuestionsFile"), browse_questions_button);
  questions_file_->setPlaceholderText(tr("one question per line; or type them below"));
  questions_ = new QPlainTextEdit(this);
  questions_->setObjectName(QStringLiteral("BatchQuestions"));
  questions_->setPlaceholderText(tr("What is the main finding?\nWho are the authors?"));
  questions_->setMaximumHeight(90);
  output_ = path_row(this, QStringLiteral("BatchOutput"), browse_output_button);
  format_ = new QComboBox(this);
  format_->setObjectName(QStringLiteral("BatchFormat"));
  format_->addItem(tr("CSV"), QStringLiteral("csv"));
  format_->addItem(tr("JSON Lines"), QStringLiteral("jsonl"));
  format_->addItem(tr("Markdown"), QStringLiteral("md"));
  max_tokens_ = new QSpinBox(this);
  max_tokens_->setObjectName(QStringLiteral("BatchMaxTokens"));
  max_tokens_->setRange(1, 8192);
  max_tokens_->setValue(256);
  max_tokens_->setSuffix(tr(" tokens"));
  connect(browse_folder_button, &QPushButton::clicked, this, &BatchDialog::browse_folder);
  connect(browse_questions_button, &QPushButton::clicked, this, &BatchDialog::browse_questions);
  connect(browse_output_button, &QPushButton::clicked, this, &BatchDialog::browse_output);

  auto* form = new QFormLayout;
  form->addRow(tr("&Folder:"), beside(this, folder_, browse_folder_button));
  form->addRow(tr("&Questions file:"), beside(this, questions_file_, browse_questions_button));
  form->addRow(tr("or &type them:"), questions_);
  form->addRow(tr("&Output file:"), beside(this, output_, browse_output_button));
  form->addRow(tr("Fo&rmat:"), format_);
  form->addRow(tr("&Answers up to:"), max_tokens_);

  resume_box_ = new QComboBox(this);
  resume_box_->setObjectName(QStringLiteral("BatchResumeRuns"));
  resume_ = new QPushButton(tr("&Resume"), this);
  resume_->setToolTip(tr("Continue the chosen run: only the items without an outcome are asked"));
  connect(resume_, &QPushButton::clicked, this, &BatchDialog::resume_selected);
  form->addRow(tr("Unfinished runs:"), beside(this, resume_box_, resume_));

  progress_ = new JobProgressWidget(this);
  progress_->cancel_button()->hide();  // Stop below does it, and says what stopping keeps
  document_ = new QLabel(this);
  document_->setObjectName(QStringLiteral("BatchDocument"));
  document_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  status_ = new QLabel(this);
  status_->setObjectName(QStringLiteral("BatchStatus"));
  status_->setWordWrap(true);
  status_->setTextInteractionFlags(Qt::TextSelectableByMouse);

  items_ = new QTableWidget(0, 4, this);
  items_->setObjectName(QStringLiteral("BatchItems"));
  items_->setHorizontalHeaderLabels({tr("Document"), tr("Question"), tr("Status"), tr("Answer")});
  items_->horizontalHeader()->setStretchLastSection(true);
  items_->setEditTriggers(QAbstractItemView::NoEditTriggers);
  items_->setSelectionBehavior(QAbstractItemView::SelectRows);
  items_->verticalHeader()->hide();

  start_ = new QPushButton(tr("&Start"), this);
  start_->setDefault(true);
  stop_ = new QPushButton(tr("S&top"), this);
  stop_->setToolTip(tr("Stop after the current step; the run stays resumable"));
  stop_->setEnabled(false);
  auto* buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
  buttons->addButton(start_, QDialogButtonBox::ActionRole);
  buttons->addButton(stop_, QDialogButtonBox::ActionRole);
  connect(start_, &QPushButton::clicked, this, &BatchDialog::start);
  connect(stop_, &QPushButton::clicked, this, &BatchDialog::stop);
  connect(buttons, &QDialogButtonBox::rejected, this, &BatchDialog::reject);

  auto* layout = new QVBoxLayout(this);
  layout->addLayout(form);
  layout->addWidget(progress_);
  layout->addWidget(document_);
  layout->addWidget(items_, 1);
  layout->addWidget(status_);
  layout->addWidget(buttons);
  resize(820, 620);
}

void BatchDialog::browse_folder() {
  const QString dir = QFileDialog::getExistingDirectory(this, tr("Folder of documents"),
                                                        folder_->text());
  if (!dir.isEmpty()) folder_->setText(dir);
}

void BatchDialog::browse_questions() {
  const QString file = QFileDialog::getOpenFileName(this, tr("Questions file"),
                                                    questions_file_->text(),
                                                    tr("Text files (*.txt);;All files (*)"));
  if (!file.isEmpty()) questions_file_->setText(file);
}

void BatchDialog::browse_output() {
  const QString format = format_->currentData().toString();
  const QString file = QFileDialog::getSaveFileName(
      this, tr("Results file"), output_->text(),
      tr("%1 (*.%2);;All files (*)").arg(format_->currentText(), format));
  if (file.isEmpty()) return;
  output_->setText(file);
  const int index = format_->findData(QFileInfo(file).suffix().toLower());
  if (index >= 0) format_->setCurrentIndex(index);
}

bool BatchDialog::start() {
  if (runner_->busy()) return false;
  BatchJob job;
  job.folder = folder_->text().trimmed();
  if (job.folder.isEmpty()) {
    status_->setText(tr("Choose the folder of documents to ask about."));
    return false;
  }
  const QString file = questions_file_->text().trimmed();
  // Both come from the person, and are short (the file is capped at 16 MiB by the reader).
  auto questions = file.isEmpty()
                       ? app::parse_questions(questions_->toPlainText().toStdString())
                       : app::read_questions_file(file.toStdString());
  if (!questions) {
    status_->setText(QString::fromStdString(questions.error().message));
    return false;
  }
  for (const std::string& q : *questions) job.questions << QString::fromStdString(q);
  return launch(job);
}

bool BatchDialog::resume(qint64 run_id) {
  if (runner_->busy()) return false;
  BatchJob job;
  job.resume_run = run_id;
  return launch(job);
}

bool BatchDialog::resume_selected() {
  if (resume_box_->currentIndex() < 0) {
    status_->setText(tr("There is no unfinished run to resume."));
    return false;
  }
  return resume(resume_box_->currentData().toLongLong());
}

bool BatchDialog::launch(const BatchJob& base) {
  BatchJob job = base;
  job.output = output_->text().trimmed();
  job.format = format_->currentData().toString();
  job.max_tokens = max_tokens_->value();
  items_->setRowCount(0);
  document_->clear();
  status_->setText(job.resume_run ? tr("Resuming run %1…").arg(*job.resume_run)
                                  : tr("Starting…"));
  if (!runner_->start(job)) {
    status_->setText(tr("A batch is already running, or the dialog is closing."));
    return false;
  }
  set_running(true);
  return true;
}

void BatchDialog::stop() {
  if (!runner_->busy()) return;
  status_->setText(tr("Stopping…"));
  runner_->stop();
}

void BatchDialog::refresh_unfinished() { runner_->list_unfinished(); }

void BatchDialog::set_running(bool running) {
  start_->setEnabled(!running);
  resume_->setEnabled(!running && resume_box_->count() > 0);
  stop_->setEnabled(running);
}

void BatchDialog::add_item(const app::BatchItemRow& item, qint64 /*finished*/,
                           qint64 /*total*/) {
  const int row = items_->rowCount();
  items_->insertRow(row);
  // The document as the person chose it: relative to the folder (a resumed run's folder is its
  // own, so there the file name stands alone); the full path is the tooltip.
  const QString path = QString::fromStdString(item.path);
  const QString folder = folder_->text().trimmed();
  const QString shown = !folder.isEmpty() && path.startsWith(QDir(folder).absolutePath() + '/')
                            ? QDir(folder).relativeFilePath(path)
                            : QFileInfo(path).fileName();
  const QStringList cells{shown, QString::fromStdString(item.question),
                          QString::fromStdString(item.status),
                          item_excerpt(item, kExcerptChars)};
  for (int c = 0; c < cells.size(); ++c) {
    auto* cell = new QTableWidgetItem(cells[c]);
    cell->setToolTip(c == 3   ? QString::fromStdString(item.status == "done" ? item.answer
                                                                              : item.error)
                     : c == 0 ? path
                              : cells[c]);
    items_->setItem(row, c, cell);
  }
  items_->scrollToBottom();
}

void BatchDialog::show_unfinished(const QList<app::BatchRunRow>& runs) {
  resume_box_->clear();
  for (const app::BatchRunRow& run : runs) {
    resume_box_->addItem(tr("#%1 %2 (%3)").arg(run.id).arg(QString::fromStdString(run.name),
                                                           QString::fromStdString(run.status)),
                         QVariant::fromValue(qint64(run.id)));
  }
  set_running(runner_->busy());
  emit unfinishedListed(int(runs.size()));
}

void BatchDialog::show_document_progress(const QString& path, const quire::ProgressUpdate& u) {
  QString text = path.isEmpty() ? QString() : QFileInfo(path).fileName() + QStringLiteral(": ");
  text += u.total > 0 ? tr("%1 %2/%3 %4").arg(QString::fromStdString(u.stage)).arg(u.done)
                            .arg(u.total).arg(QString::fromStdString(u.unit))
                      : tr("%1 %2 %3").arg(QString::fromStdString(u.stage)).arg(u.done)
                            .arg(QString::fromStdString(u.unit));
  if (u.rate_per_s > 0.0) {
    text += tr(", %1 %2/s").arg(u.rate_per_s, 0, 'f', 1).arg(QString::fromStdString(u.unit));
  }
  document_->setText(text);
}

void BatchDialog::ended(const QString& text) {
  status_->setText(text);
  document_->clear();
  progress_->finish();
  set_running(false);
  refresh_unfinished();
}

QString BatchDialog::status_text() const { return status_->text(); }

QString BatchDialog::document_text() const { return document_->text(); }

void BatchDialog::done(int result) {
  // Closing during a batch: stop it and wait for the worker, so nothing is left half-written
  // and the run stays resumable.
  runner_->shutdown();
  QDialog::done(result);
}

}  // namespace quire::ui
