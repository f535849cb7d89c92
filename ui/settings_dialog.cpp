#include "ui/settings_dialog.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QFileDialog>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QVBoxLayout>

#include <algorithm>

namespace quire::ui {
namespace {

QComboBox* combo(const QStringList& items, const QString& current, QWidget* parent) {
  auto* box = new QComboBox(parent);
  box->addItems(items);
  box->setCurrentText(current);
  return box;
}

}  // namespace

SettingsDialog::SettingsDialog(const AppSettings& values, QWidget* parent)
    : QDialog(parent), values_(values) {
  setObjectName(QStringLiteral("SettingsDialog"));
  setWindowTitle(tr("Quire Settings"));
  setMinimumWidth(480);
  attention_ = combo({QStringLiteral("full"), QStringLiteral("tensorized"),
                      QStringLiteral("hybrid")},
                     values.attention, this);
  attention_->setToolTip(tr("full: exact attention. tensorized: every token (models trained "
                            "with it). hybrid: tensorized document prefill, exact questions."));
  dims_ = new QLineEdit(format_tensor_dims(values.tensor_dims), this);
  dims_->setPlaceholderText(tr("automatic (e.g. 64, 128)"));
  context_ = new QSpinBox(this);
  context_->setRange(AppSettings::kMinContext, AppSettings::kMaxContext);
  context_->setSingleStep(1024);
  context_->setSuffix(tr(" tokens"));
  context_->setValue(values.context_size);
  kv_type_ = combo({QStringLiteral("f16"), QStringLiteral("q8_0")}, values.kv_type, this);
  threads_ = new QSpinBox(this);
  threads_->setRange(0, 1024);
  threads_->setSpecialValueText(tr("one per core"));
  threads_->setValue(values.threads);
  device_ = combo({QStringLiteral("auto"), QStringLiteral("cpu"), QStringLiteral("cuda")},
                  values.device, this);
  data_folder_ = new QLineEdit(values.data_folder, this);
  data_folder_->setPlaceholderText(tr("default (QUIRE_HOME or ~/.local/share/quire)"));
  auto* browse = new QPushButton(tr("Browse..."), this);
  connect(browse, &QPushButton::clicked, this, [this] {
    const QString dir = QFileDialog::getExistingDirectory(this, tr("Data folder"),
                                                          data_folder_->text());
    if (!dir.isEmpty()) data_folder_->setText(dir);
  });
  auto* folder_widget = new QWidget(this);
  auto* folder_row = new QHBoxLayout(folder_widget);
  folder_row->setContentsMargins(0, 0, 0, 0);
  folder_row->addWidget(data_folder_, 1);
  folder_row->addWidget(browse);

  overflow_ = new QComboBox(this);
  overflow_->setObjectName(QStringLiteral("OverflowPolicy"));
  overflow_->addItem(tr("stop and say how much is missing"), QStringLiteral("error"));
  overflow_->addItem(tr("keep the start of the documents"), QStringLiteral("head"));
  overflow_->addItem(tr("keep the parts that best match the question"), QStringLiteral("ranked"));
  overflow_->setCurrentIndex(std::max(0, overflow_->findData(values.overflow)));
  overflow_->setToolTip(tr("What a question (in the chat or a batch) does when its documents "
                           "need more tokens than the context size; the answer always says "
                           "what was left out."));

  auto* form = new QFormLayout;
  form->addRow(tr("&Attention:"), attention_);
  form->addRow(tr("Tensor &dims:"), dims_);
  form->addRow(tr("&Context size:"), context_);
  form->addRow(tr("&KV cache type:"), kv_type_);
  form->addRow(tr("&Threads:"), threads_);
  form->addRow(tr("De&vice:"), device_);
  form->addRow(tr("&When documents do not fit:"), overflow_);
  form->addRow(tr("Data &folder:"), folder_widget);
  // The mnemonic goes to the text box, not to the row's container.
  if (auto* label = qobject_cast<QLabel*>(form->labelForField(folder_widget))) {
    label->setBuddy(data_folder_);
  }
  error_ = new QLabel(this);
  error_->setWordWrap(true);
  auto* note = new QLabel(tr("Changes apply to the next model load. A new data folder is used "
                             "after a restart."), this);
  note->setWordWrap(true);
  auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
  connect(buttons, &QDialogButtonBox::accepted, this, &SettingsDialog::accept);
  connect(buttons, &QDialogButtonBox::rejected, this, &SettingsDialog::reject);
  auto* layout = new QVBoxLayout(this);
  layout->addLayout(form);
  layout->addWidget(note);
  layout->addWidget(error_);
  layout->addWidget(buttons);
}

QString SettingsDialog::error_text() const { return error_->text(); }

void SettingsDialog::accept() {
  AppSettings edited;
  QString error;
  if (!parse_tensor_dims(dims_->text(), edited.tensor_dims, error)) {
    error_->setText(error);
    dims_->setFocus();
    return;
  }
  edited.attention = attention_->currentText();
  edited.context_size = context_->value();
  edited.kv_type = kv_type_->currentText();
  edited.threads = threads_->value();
  edited.device = device_->currentText();
  edited.data_folder = data_folder_->text().trimmed();
  edited.overflow = overflow_->currentData().toString();
  values_ = edited;
  error_->clear();
  QDialog::accept();
}

}  // namespace quire::ui
