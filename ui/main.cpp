// quire: the Qt 6 desktop application.
#include <QApplication>
#include <QMessageBox>

#include "app/store/paths.h"
#include "engine/base/log.h"
#include "quire/version.h"
#include "ui/main_window.h"

int main(int argc, char** argv) {
  QApplication application(argc, argv);
  QApplication::setApplicationName(QStringLiteral("Quire"));
  QApplication::setApplicationVersion(QString::fromUtf8(quire::kVersion));
  QApplication::setDesktopFileName(QStringLiteral("io.github.quire.Quire"));

  QString settings_file;
  auto paths = quire::app::resolve_paths();
  if (paths) {
    if (auto made = quire::app::create_dirs(*paths); made) {
      settings_file = QString::fromStdString(paths->settings_file().string());
    } else {
      quire::log::warn("{}; window state will not be kept", made.error().message);
    }
  } else {
    QMessageBox::warning(nullptr, QObject::tr("Quire"),
                         QString::fromStdString(paths.error().message));
  }

  quire::ui::MainWindow window(settings_file);
  window.show();
  return QApplication::exec();
}
