#include "ui/model_manager_dialog.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QListWidget>
#include <QPushButton>
#include <QSignalBlocker>
#include <QSpinBox>
#include <QVBoxLayout>

#include <utility>

#include "engine/gguf/gguf.h"
#include "engine/runtime/memory_estimate.h"
#include "ui/session_settings.h"

namespace quire::ui {
namespace {

QString qs(const std::string& s) { return QString::fromStdString(s); }
QString bytes(int64_t n) { return qs(app::format_bytes(n)); }

// "1.1 B", "15.2 M", "900 K" parameters.
QString parameters(int64_t n) {
  if (n >= 1'000'000'000) return QStringLiteral("%1 B").arg(double(n) / 1e9, 0, 'f', 1);
  if (n >= 1'000'000) return QStringLiteral("%1 M").arg(double(n) / 1e6, 0, 'f', 1);
  if (n >= 1'000) return QStringLiteral("%1 K").arg(double(n) / 1e3, 0, 'f', 0);
  return QString::number(n);
}

}  // namespace

ModelManagerDialog::ModelManagerDialog(const AppSettings& settings, const QString& current_model,
                                       app::DiscoveryOptions discovery, app::SystemMemory memory,
                                       QWidget* parent)
    : QDialog(parent), settings_(settings), machine_(memory) {
  setWindowTitle(tr("Models"));
  setObjectName(QStringLiteral("ModelManagerDialog"));
  list_ = new QListWidget(this);
  list_->setObjectName(QStringLiteral("ModelList"));
  list_->addItem(tr("Looking for models..."));
  list_->setEnabled(false);
  auto* browse = new QPushButton(tr("&Browse..."), this);
  info_ = new QLabel(tr("Choose a model from the list or a GGUF file with Browse."), this);
  info_->setObjectName(QStringLiteral("ModelInfo"));
  info_->setWordWrap(true);
  info_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  context_ = new QSpinBox(this);
  context_->setRange(AppSettings::kMinContext, AppSettings::kMaxContext);
  context_->setSingleStep(1024);
  context_->setSuffix(tr(" tokens"));
  context_->setValue(settings.context_size);
  kv_type_ = new QComboBox(this);
  kv_type_->addItems({QStringLiteral("f16"), QStringLiteral("q8_0")});
  kv_type_->setCurrentText(settings.kv_type);
  memory_ = new QLabel(this);
  memory_->setObjectName(QStringLiteral("ModelMemory"));
  memory_->setWordWrap(true);
  fit_ = new QLabel(this);
  fit_->setObjectName(QStringLiteral("ModelFit"));
  fit_->setWordWrap(true);
  buttons_ = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);

  auto* form = new QFormLayout;
  form->addRow(tr("Context size:"), context_);
  form->addRow(tr("KV cache type:"), kv_type_);
  auto* top = new QHBoxLayout;
  top->addWidget(new QLabel(tr("Models found on this computer:"), this), 1);
  top->addWidget(browse);
  auto* layout = new QVBoxLayout(this);
  layout->addLayout(top);
  layout->addWidget(list_, 1);
  layout->addWidget(info_);
  layout->addLayout(form);
  layout->addWidget(memory_);
  layout->addWidget(fit_);
  layout->addWidget(buttons_);
  resize(640, 520);

  connect(browse, &QPushButton::clicked, this, &ModelManagerDialog::browse);
  connect(list_, &QListWidget::currentItemChanged, this, [this](QListWidgetItem* item) {
    if (item && !item->data(Qt::UserRole).toString().isEmpty()) {
      choose_file(item->data(Qt::UserRole).toString());
    }
  });
  connect(context_, &QSpinBox::valueChanged, this, &ModelManagerDialog::update_estimate);
  connect(kv_type_, &QComboBox::currentTextChanged, this, &ModelManagerDialog::update_estimate);
  connect(buttons_, &QDialogButtonBox::accepted, this, &QDialog::accept);
  connect(buttons_, &QDialogButtonBox::rejected, this, &QDialog::reject);
  update_estimate();

  runner_.submit([this, discovery = std::move(discovery)](std::stop_token stop) {
    auto found = app::discover_models(discovery, stop);
    if (!found) return;  // cancelled: the dialog is closing
    runner_.post([this, models = std::move(*found)] { show_models(models); });
  });
  if (!current_model.isEmpty()) choose_file(current_model);
}

QPushButton* ModelManagerDialog::ok_button() const {
  return buttons_->button(QDialogButtonBox::Ok);
}

AppSettings ModelManagerDialog::values() const {
  AppSettings v = settings_;
  v.context_size = context_->value();
  v.kv_type = kv_type_->currentText();
  return v;
}

void ModelManagerDialog::show_models(const std::vector<app::DiscoveredModel>& models) {
  // Filling the list must not choose a model; only the person (or choose_file) does.
  const QSignalBlocker quiet(list_);
  list_->clear();
  list_->setEnabled(true);
  if (models.empty()) {
    list_->addItem(tr("No GGUF models found in ~/models, Ollama, LM Studio or GPT4All; use "
                      "Browse to pick a file."));
  }
  for (const app::DiscoveredModel& m : models) {
    QString text =
        QStringLiteral("%1  (%2, %3)").arg(qs(m.name), qs(m.source), bytes(int64_t(m.bytes)));
    if (!m.problem.empty()) text += tr(" — unusable: %1").arg(qs(m.problem));
    auto* item = new QListWidgetItem(text, list_);
    item->setData(Qt::UserRole, QString::fromStdString(m.path.string()));
    item->setToolTip(QString::fromStdString(m.path.string()));
  }
  emit modelsListed();
}

void ModelManagerDialog::choose_file(const QString& path) {
  chosen_path_ = path;
  file_.reset();
  problem_.clear();
  trained_context_ = 0;
  info_->setText(tr("Reading %1...").arg(QFileInfo(path).fileName()));
  update_estimate();
  runner_.submit([this, path](std::stop_token) {
    const std::filesystem::path p = path.toStdString();
    app::DiscoveredModel model = app::describe_model_file(p);
    std::shared_ptr<const gguf::File> file;
    QString problem = qs(model.problem);
    if (problem.isEmpty()) {
      auto opened = gguf::File::open(p);
      if (opened) {
        file = std::make_shared<const gguf::File>(std::move(*opened));
      } else {
        problem = qs(opened.error().message);
      }
    }
    runner_.post([this, path, model = std::move(model), file, problem] {
      if (path == chosen_path_) show_model(model, file, problem);  // else a newer choice runs
    });
  });
}

void ModelManagerDialog::show_model(const app::DiscoveredModel& model,
                                    std::shared_ptr<const gguf::File> file,
                                    const QString& problem) {
  file_ = std::move(file);
  problem_ = problem;
  trained_context_ = model.context_length;
  QString text = tr("<b>%1</b><br>%2").arg(qs(model.name).toHtmlEscaped(),
                                           chosen_path_.toHtmlEscaped());
  if (problem_.isEmpty()) {
    text += tr("<br>Architecture: %1 · Quantization: %2 · Parameters: %3 · Trained context: %4")
                .arg(model.architecture.empty() ? tr("unknown") : qs(model.architecture),
                     qs(model.quant), parameters(model.parameters),
                     model.context_length > 0 ? QString::number(model.context_length)
                                              : tr("not stated"));
  }
  info_->setText(text);
  update_estimate();
  emit modelDescribed();
}

void ModelManagerDialog::update_estimate() {
  QPushButton* ok = ok_button();
  fit_->setStyleSheet(QString());
  if (!problem_.isEmpty()) {
    memory_->clear();
    fit_->setText(tr("This file cannot be used: %1").arg(problem_));
    ok->setEnabled(false);
    return;
  }
  if (!file_) {
    memory_->clear();
    fit_->clear();
    ok->setEnabled(false);
    return;
  }
  auto config = session_config(values());
  Result<engine::MemoryEstimate> estimate =
      config ? engine::estimate_memory(*file_, *config)
             : Result<engine::MemoryEstimate>(config.error());
  if (!estimate) {
    memory_->clear();
    fit_->setText(qs(estimate.error().message));
    ok->setEnabled(false);
    return;
  }
  const engine::MemoryEstimate& e = *estimate;
  QString parts = tr("weights %1 + KV cache %2").arg(bytes(e.weights), bytes(e.kv_cache));
  if (e.tensorized > 0) parts += tr(" + tensorized states %1").arg(bytes(e.tensorized));
  parts += tr(" + scratch %1").arg(bytes(e.scratch));
  QString text = tr("Memory needed: %1 (%2).").arg(bytes(e.total()), parts);
  if (machine_.total > 0) {
    text += tr(" This computer has %1 available of %2.")
                .arg(bytes(machine_.available), bytes(machine_.total));
  }
  memory_->setText(text);
  const app::MemoryFit fit = app::memory_fit(e, machine_);
  QString verdict = fit == app::MemoryFit::fits ? tr("Fits in memory.")
                                                : qs(app::memory_fit_message(e, machine_));
  if (trained_context_ > 0 && context_->value() > trained_context_) {
    verdict += tr(" The context is longer than the %1 tokens the model was trained on; its "
                  "answers about the far end of long documents may suffer.")
                   .arg(trained_context_);
  }
  fit_->setText(verdict);
  if (fit == app::MemoryFit::does_not_fit) {
    fit_->setStyleSheet(QStringLiteral("color: palette(highlight); font-weight: bold;"));
  }
  ok->setEnabled(fit != app::MemoryFit::does_not_fit);
}

void ModelManagerDialog::browse() {
  const QString path = QFileDialog::getOpenFileName(this, tr("Choose a GGUF model"), QString(),
                                                    tr("GGUF models (*.gguf);;All files (*)"));
  if (!path.isEmpty()) choose_file(path);
}

}  // namespace quire::ui
