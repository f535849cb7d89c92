// quire: the Qt 6 desktop application.
//   quire [PATH]                        open PATH (file or folder) at start
//   quire PATH --screenshot DIR [--find TEXT] [--ask QUESTION] [--batch-folder FOLDER]
//                                       write screenshots of the main views to DIR and quit
//                                       (tests/ui/screenshots.sh)
#include <QApplication>
#include <QCommandLineParser>
#include <QDir>
#include <QMessageBox>
#include <QSettings>

#include "app/store/paths.h"
#include "engine/base/log.h"
#include "quire/version.h"
#include "ui/app_settings.h"
#include "ui/main_window.h"
#include "ui/screenshot_tour.h"

int main(int argc, char** argv) {
  QApplication application(argc, argv);
  QApplication::setApplicationName(QStringLiteral("Quire"));
  QApplication::setApplicationVersion(QString::fromUtf8(quire::kVersion));
  QApplication::setDesktopFileName(QStringLiteral("io.github.quire.Quire"));

  QCommandLineParser parser;
  parser.setApplicationDescription(QString::fromUtf8(quire::kDescription));
  parser.addHelpOption();
  parser.addVersionOption();
  parser.addPositionalArgument(QStringLiteral("path"),
                               QObject::tr("A document or code folder to open"));
  const QCommandLineOption screenshot(QStringLiteral("screenshot"),
                                      QObject::tr("Write screenshots of the main views to DIR "
                                                  "and quit"),
                                      QStringLiteral("DIR"));
  const QCommandLineOption find(QStringLiteral("find"),
                                QObject::tr("With --screenshot: text to find in the document"),
                                QStringLiteral("TEXT"));
  const QCommandLineOption ask(QStringLiteral("ask"),
                               QObject::tr("With --screenshot: a question to ask"),
                               QStringLiteral("QUESTION"));
  const QCommandLineOption batch_folder(
      QStringLiteral("batch-folder"),
      QObject::tr("With --screenshot: run the batch dialog over FOLDER (the --ask question)"),
      QStringLiteral("FOLDER"));
  parser.addOptions({screenshot, find, ask});
  parser.addOption(batch_folder);
  parser.process(application);

  QString settings_file;
  std::filesystem::path database;
  auto paths = quire::app::resolve_paths();
  if (paths) {
    // A data folder chosen in Settings replaces the default one (QUIRE_HOME still wins, so tests
    // and portable installs stay self-contained).
    const QString ini = QString::fromStdString(paths->settings_file().string());
    const QString chosen =
        quire::ui::load_app_settings(QSettings(ini, QSettings::IniFormat)).data_folder;
    if (!chosen.isEmpty() && !quire::app::process_env("QUIRE_HOME")) {
      paths->data_dir = chosen.toStdString();
    }
    if (auto made = quire::app::create_dirs(*paths); made) {
      settings_file = ini;
      database = paths->database();
    } else {
      quire::log::warn("{}; nothing will be stored", made.error().message);
    }
  } else {
    QMessageBox::warning(nullptr, QObject::tr("Quire"),
                         QString::fromStdString(paths.error().message));
  }

  quire::ui::MainWindow window(settings_file, database);
  window.show();
  if (parser.isSet(screenshot)) {
    QDir folder(parser.value(screenshot));
    if (!folder.mkpath(QStringLiteral("."))) {
      quire::log::error("cannot create the screenshot folder {}", folder.path().toStdString());
      return 1;
    }
    auto* tour = new quire::ui::ScreenshotTour(&window, database, folder, parser.value(find),
                                               parser.value(ask));
    tour->set_batch_folder(parser.value(batch_folder));
    tour->start(60000);
  }
  if (!parser.positionalArguments().isEmpty()) {
    window.open_path(parser.positionalArguments().constFirst());
  }
  return QApplication::exec();
}
