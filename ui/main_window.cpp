#include "ui/main_window.h"

#include <QAction>
#include <QApplication>
#include <QCloseEvent>
#include <QLabel>
#include <QMenuBar>
#include <QMessageBox>
#include <QSettings>
#include <QStatusBar>

#include "quire/version.h"

// The icons live in a static library, whose resource initializer the linker would drop unless
// something refers to it; Q_INIT_RESOURCE must stand outside any namespace.
static void init_quire_resources() { Q_INIT_RESOURCE(quire); }

namespace quire::ui {

MainWindow::MainWindow(QString settings_file, QWidget* parent)
    : QMainWindow(parent), settings_file_(std::move(settings_file)) {
  init_quire_resources();
  setWindowTitle(tr("Quire"));
  setWindowIcon(QIcon(QStringLiteral(":/quire/icons/quire.svg")));
  setObjectName(QStringLiteral("MainWindow"));

  auto* welcome = new QLabel(
      tr("<h2>Quire</h2><p>Read whole books, PDFs and codebases with a local Llama model.</p>"),
      this);
  welcome->setObjectName(QStringLiteral("WelcomePage"));
  welcome->setAlignment(Qt::AlignCenter);
  welcome->setWordWrap(true);
  setCentralWidget(welcome);

  build_menus();
  statusBar()->showMessage(tr("No document open"));
  resize(1100, 760);
  restore_state();
}

void MainWindow::build_menus() {
  QMenu* file = menuBar()->addMenu(tr("&File"));
  quit_action_ = file->addAction(tr("&Quit"), this, &QWidget::close);
  quit_action_->setShortcut(QKeySequence::Quit);
  quit_action_->setObjectName(QStringLiteral("QuitAction"));

  QMenu* help = menuBar()->addMenu(tr("&Help"));
  about_action_ = help->addAction(tr("&About Quire"), this, &MainWindow::show_about);
  about_action_->setObjectName(QStringLiteral("AboutAction"));
}

void MainWindow::show_about() {
  QMessageBox::about(this, tr("About Quire"),
                     tr("<h3>Quire %1</h3><p>%2</p>")
                         .arg(QString::fromUtf8(kVersion), QString::fromUtf8(kDescription)));
}

void MainWindow::restore_state() {
  if (settings_file_.isEmpty()) return;
  QSettings settings(settings_file_, QSettings::IniFormat);
  restoreGeometry(settings.value(QStringLiteral("main_window/geometry")).toByteArray());
  restoreState(settings.value(QStringLiteral("main_window/state")).toByteArray());
}

void MainWindow::save_state() const {
  if (settings_file_.isEmpty()) return;
  QSettings settings(settings_file_, QSettings::IniFormat);
  settings.setValue(QStringLiteral("main_window/geometry"), saveGeometry());
  settings.setValue(QStringLiteral("main_window/state"), saveState());
}

void MainWindow::closeEvent(QCloseEvent* event) {
  save_state();
  event->accept();
}

}  // namespace quire::ui
