// SettingsDialog: edits AppSettings (attention mode and tensor dims, context size, KV type,
// threads, device, data folder, what questions do when documents do not fit). Accepting with an invalid value (bad tensor dims) is refused
// with the reason shown in the dialog.
//
// Threads: GUI thread only.
#pragma once

#include <QDialog>

#include "ui/app_settings.h"

class QComboBox;
class QLabel;
class QLineEdit;
class QSpinBox;

namespace quire::ui {

class SettingsDialog : public QDialog {
  Q_OBJECT

 public:
  explicit SettingsDialog(const AppSettings& values, QWidget* parent = nullptr);

  // The values as edited; valid after accept().
  const AppSettings& values() const { return values_; }

  QComboBox* attention_box() const { return attention_; }
  QLineEdit* dims_box() const { return dims_; }
  QSpinBox* context_box() const { return context_; }
  QComboBox* kv_box() const { return kv_type_; }
  QSpinBox* threads_box() const { return threads_; }
  QComboBox* device_box() const { return device_; }
  QLineEdit* data_folder_box() const { return data_folder_; }
  // Item data: error | head | ranked (AppSettings::overflow).
  QComboBox* overflow_box() const { return overflow_; }
  QString error_text() const;

 public slots:
  void accept() override;

 private:
  AppSettings values_;
  QComboBox* attention_;
  QLineEdit* dims_;
  QSpinBox* context_;
  QComboBox* kv_type_;
  QSpinBox* threads_;
  QComboBox* device_;
  QLineEdit* data_folder_;
  QComboBox* overflow_;
  QLabel* error_;
};

}  // namespace quire::ui
