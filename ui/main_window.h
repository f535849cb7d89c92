// Quire's main window. For now the frame every view will live in: menus, a welcome page and a
// status bar, with its geometry kept across runs in the settings file (QUIRE_HOME aware).
// Thread: GUI thread only.
#pragma once

#include <QMainWindow>
#include <QString>

class QAction;

namespace quire::ui {

class MainWindow : public QMainWindow {
  Q_OBJECT

 public:
  // settings_file: the INI file that keeps window state (app::Paths::settings_file()); an empty
  // string keeps nothing (tests).
  explicit MainWindow(QString settings_file, QWidget* parent = nullptr);

  QAction* quit_action() const { return quit_action_; }
  QAction* about_action() const { return about_action_; }

 protected:
  void closeEvent(QCloseEvent* event) override;

 private:
  void build_menus();
  void show_about();
  void restore_state();
  void save_state() const;

  QString settings_file_;
  QAction* quit_action_ = nullptr;
  QAction* about_action_ = nullptr;
};

}  // namespace quire::ui
