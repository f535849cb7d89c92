// ModelManagerDialog: picks the model questions are answered with: one of the GGUF files
// discovery found (app/models/discovery.h: user folders, Ollama, LM Studio, GPT4All) or any
// file chosen with Browse. For the chosen file it shows the architecture, quantization,
// parameter count and trained context length, and for the chosen context size and KV type the
// memory a session will need (engine/runtime/memory_estimate.h) against the machine's RAM, with
// a clear message, and OK refused, when it will not fit.
//
// Threads: GUI thread only. Discovery and opening a file run on the dialog's JobRunner worker
// (an Ollama store may hold many multi-GB files); the mapped header then serves the estimate on
// the GUI thread, which only walks the tensor list.
#pragma once

#include <QDialog>
#include <QString>

#include <memory>
#include <vector>

#include "app/models/discovery.h"
#include "app/models/system_memory.h"
#include "ui/app_settings.h"
#include "ui/job_runner.h"

class QComboBox;
class QDialogButtonBox;
class QLabel;
class QListWidget;
class QPushButton;
class QSpinBox;

namespace quire::gguf {
class File;
}

namespace quire::ui {

class ModelManagerDialog : public QDialog {
  Q_OBJECT

 public:
  // settings: context size, KV type and attention to estimate with (edited here: context and
  // KV type). current_model: the model in use, chosen at start when set. discovery: where to
  // look (app::default_discovery_options()). memory: the machine (app::system_memory()).
  ModelManagerDialog(const AppSettings& settings, const QString& current_model,
                     app::DiscoveryOptions discovery, app::SystemMemory memory,
                     QWidget* parent = nullptr);

  // Describes `path` as picking it in the list or with Browse does; modelDescribed() follows.
  void choose_file(const QString& path);
  // The chosen model file; empty while none is.
  QString model_path() const { return chosen_path_; }
  // `settings` with the context size and KV type chosen here.
  AppSettings values() const;

  QListWidget* model_list() const { return list_; }
  QLabel* info_label() const { return info_; }
  QLabel* memory_label() const { return memory_; }
  QLabel* fit_label() const { return fit_; }
  QSpinBox* context_box() const { return context_; }
  QComboBox* kv_box() const { return kv_type_; }
  QPushButton* ok_button() const;

 signals:
  // Discovery has ended and the list shows what it found.
  void modelsListed();
  // The chosen file's details (or why it cannot be used) are shown.
  void modelDescribed();

 private:
  void show_models(const std::vector<app::DiscoveredModel>& models);
  void show_model(const app::DiscoveredModel& model, std::shared_ptr<const gguf::File> file,
                  const QString& problem);
  void update_estimate();
  void browse();

  AppSettings settings_;
  app::SystemMemory machine_;
  QString chosen_path_;
  std::shared_ptr<const gguf::File> file_;  // the chosen model's mapped header
  QString problem_;                         // why the chosen file cannot be used
  int64_t trained_context_ = 0;             // the chosen model's; 0 when the file does not say
  QListWidget* list_;
  QLabel* info_;
  QSpinBox* context_;
  QComboBox* kv_type_;
  QLabel* memory_;
  QLabel* fit_;
  QDialogButtonBox* buttons_;
  JobRunner runner_;  // last: destroyed (joined) first, before the widgets its posts touch
};

}  // namespace quire::ui
