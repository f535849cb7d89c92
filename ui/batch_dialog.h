// BatchDialog: asks every question of a list of every document of a folder (the batch job,
// app/analysis/batch.h) with the model and settings the chat uses, on a BatchRunner worker.
// The person picks a folder, a questions file or types the questions (one per line; blank lines
// and lines starting with '#' are ignored), an output file and its format (CSV, JSON Lines or
// Markdown), and starts. The dialog shows items done/total with the rate and time left, the
// document in flight and its prefill, and a table row per finished item (document, question,
// status, answer excerpt or error). Stop cancels: the run stays resumable. The Resume list holds
// the runs that are not done; Resume continues the chosen one, answering only the items without
// an outcome. Closing the dialog during a batch stops it and waits for the worker.
//
// Threads: GUI thread only; the batch runs on the runner's worker.
#pragma once

#include <QDialog>
#include <QString>

#include <filesystem>

#include "ui/app_settings.h"
#include "ui/batch_runner.h"

class QComboBox;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QPushButton;
class QSpinBox;
class QTableWidget;

namespace quire::ui {

class JobProgressWidget;

class BatchDialog : public QDialog {
  Q_OBJECT

 public:
  static constexpr int kExcerptChars = 160;  // of an answer, in the items table

  // database, snapshots_dir: the store and its KV snapshots (app::Paths); model_path and
  // settings: what the chat's ask backend uses (empty model: Start says to pick one).
  BatchDialog(std::filesystem::path database, std::filesystem::path snapshots_dir,
              const QString& model_path, const AppSettings& settings, QWidget* parent = nullptr);
  ~BatchDialog() override;

  // Starts a new batch (or resumes the unfinished run with the same folder, questions, options
  // and model) from the dialog's fields. false, with the reason in the status line, when a field
  // is missing or the questions do not parse.
  bool start();
  // Continues the unfinished run `run_id` (its own folder and questions), writing the output
  // file of the dialog's fields when it ends.
  bool resume(qint64 run_id);
  void stop();
  // Refills the Resume list from the store; unfinishedListed() follows.
  void refresh_unfinished();
  // Starts the resume of the run chosen in the Resume list.
  bool resume_selected();

  QString status_text() const;
  QString document_text() const;
  BatchRunner* runner() const { return runner_; }
  QLineEdit* folder_box() const { return folder_; }
  QLineEdit* questions_file_box() const { return questions_file_; }
  QPlainTextEdit* questions_edit() const { return questions_; }
  QLineEdit* output_box() const { return output_; }
  QComboBox* format_box() const { return format_; }
  QSpinBox* max_tokens_box() const { return max_tokens_; }
  QComboBox* resume_box() const { return resume_box_; }
  QPushButton* start_button() const { return start_; }
  QPushButton* stop_button() const { return stop_; }
  QPushButton* resume_button() const { return resume_; }
  QTableWidget* items_table() const { return items_; }
  JobProgressWidget* progress_widget() const { return progress_; }

 public slots:
  void done(int result) override;

 signals:
  void unfinishedListed(int count);

 private:
  void build();
  void browse_folder();
  void browse_questions();
  void browse_output();
  bool launch(const BatchJob& job);
  void set_running(bool running);
  void add_item(const app::BatchItemRow& item, qint64 finished, qint64 total);
  void show_unfinished(const QList<app::BatchRunRow>& runs);
  void show_document_progress(const QString& path, const quire::ProgressUpdate& update);
  void ended(const QString& text);

  AppSettings settings_;
  QLineEdit* folder_ = nullptr;
  QLineEdit* questions_file_ = nullptr;
  QPlainTextEdit* questions_ = nullptr;
  QLineEdit* output_ = nullptr;
  QComboBox* format_ = nullptr;
  QSpinBox* max_tokens_ = nullptr;
  QComboBox* resume_box_ = nullptr;
  QPushButton* start_ = nullptr;
  QPushButton* stop_ = nullptr;
  QPushButton* resume_ = nullptr;
  QTableWidget* items_ = nullptr;
  JobProgressWidget* progress_ = nullptr;
  QLabel* document_ = nullptr;
  QLabel* status_ = nullptr;
  BatchRunner* runner_ = nullptr;  // a child; shut down in done() and the destructor
};

}  // namespace quire::ui
