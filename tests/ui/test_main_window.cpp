// The main window opens, offers its actions, keeps its geometry and recent items, ingests
// dropped files, and closing it during an ingest cancels the ingest with nothing half-stored.
#include <QAction>
#include <QLabel>
#include <QMenuBar>
#include <QSettings>
#include <QStatusBar>
#include <QTemporaryDir>
#include <QTextBlock>
#include <QtTest>

#include <QMimeData>
#include <QSignalSpy>
#include <QStandardItem>
#include <QUrl>

#include "app/store/database.h"
#include "app/store/document_repo.h"
#include "ui/document_view.h"
#include "ui/library_controller.h"
#include "ui/library_sidebar.h"
#include "ui/main_window.h"
#include "ui/text_view.h"
#include "ui_test_files.h"

using quire::ui::LibraryController;
using quire::ui::MainWindow;
namespace t = quire::ui::testing;

class TestMainWindow : public QObject {
  Q_OBJECT

 private slots:
  void opens_with_title_menus_and_welcome_page() {
    MainWindow window{QString()};
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    QCOMPARE(window.windowTitle(), QStringLiteral("Quire"));
    QVERIFY(window.findChild<QLabel*>(QStringLiteral("WelcomePage")) != nullptr);
    QCOMPARE(window.statusBar()->currentMessage(), QStringLiteral("No document open"));
    QCOMPARE(window.menuBar()->actions().size(), 4);  // File, View, Model, Help
    QCOMPARE(window.models_action()->shortcut(), QKeySequence(QStringLiteral("Ctrl+Shift+M")));
    QCOMPARE(window.export_action()->shortcut(), QKeySequence(QStringLiteral("Ctrl+E")));
    QVERIFY(!window.export_action()->isEnabled());  // no answer to export yet
    QVERIFY(window.ask_backend() == nullptr);        // no store, no questions
    QVERIFY(window.attention_view() != nullptr);
    QCOMPARE(window.open_action()->shortcut(), QKeySequence(QKeySequence::Open));
    QCOMPARE(window.quit_action()->shortcut(), QKeySequence(QKeySequence::Quit));
    QVERIFY(!window.windowIcon().isNull());
  }

  void no_two_actions_share_a_shortcut() {
    MainWindow window{QString()};
    QStringList seen;
    for (const QAction* action : window.findChildren<QAction*>()) {
      for (const QKeySequence& keys : action->shortcuts()) {
        const QString text = keys.toString();
        QVERIFY2(!seen.contains(text), qPrintable(text + " is bound twice"));
        seen << text;
      }
    }
    QVERIFY(seen.contains(QKeySequence(QKeySequence::Open).toString()));
    QVERIFY(seen.contains(QStringLiteral("Ctrl+G")));
    QVERIFY(seen.contains(QStringLiteral("F3")));
  }

  void quit_closes_the_window() {
    MainWindow window{QString()};
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    window.quit_action()->trigger();
    QTRY_VERIFY(!window.isVisible());
  }

  void geometry_survives_a_restart() {
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString ini = dir.filePath(QStringLiteral("quire.ini"));
    {
      MainWindow window{ini};
      window.show();
      QVERIFY(QTest::qWaitForWindowExposed(&window));
      window.resize(1000, 700);
      QTRY_COMPARE(window.size(), QSize(1000, 700));
      window.close();
    }
    QVERIFY(QSettings(ini, QSettings::IniFormat).contains(QStringLiteral("main_window/geometry")));
    MainWindow again{ini};
    QCOMPARE(again.size(), QSize(1000, 700));
  }

  void dropping_a_file_ingests_shows_it_and_remembers_it() {
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString ini = dir.filePath(QStringLiteral("quire.ini"));
    const QString path = dir.filePath(QStringLiteral("dropped.txt"));
    QVERIFY(t::write_text_file(path, t::numbered_lines(20, 5)));
    MainWindow window(ini, dir.filePath(QStringLiteral("quire.db")).toStdString());
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    QSignalSpy shown(&window, &MainWindow::documentShown);
    QSignalSpy changed(window.library(), &LibraryController::documentsChanged);

    QMimeData mime;
    mime.setUrls({QUrl::fromLocalFile(path)});
    QDragEnterEvent enter(QPoint(50, 50), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(&window, &enter);
    QVERIFY(enter.isAccepted());
    QDropEvent drop(QPointF(50, 50), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(&window, &drop);

    QVERIFY(shown.wait(20000));
    QCOMPARE(window.document_view()->text_view()->document()->findBlockByNumber(4).text(),
             QStringLiteral("line 5: needle"));
    QVERIFY(window.windowTitle().startsWith(QStringLiteral("dropped")));
    QTRY_COMPARE(window.sidebar()->documents_group()->rowCount(), 1);
    QCOMPARE(window.sidebar()->recent_group()->rowCount(), 1);
    QCOMPARE(window.recent_paths(), QStringList{path});
    window.close();
    const QSettings saved(ini, QSettings::IniFormat);
    QCOMPARE(saved.value(QStringLiteral("recent/paths")).toStringList(), QStringList{path});
    MainWindow again(ini, dir.filePath(QStringLiteral("quire.db")).toStdString());
    QCOMPARE(again.recent_paths(), QStringList{path});
  }

  void closing_during_an_ingest_cancels_it_and_stores_nothing() {
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString folder = dir.filePath(QStringLiteral("big"));
    QVERIFY(t::write_code_folder(folder, 4000));
    const std::filesystem::path db = dir.filePath(QStringLiteral("quire.db")).toStdString();
    {
      MainWindow window(QString(), db);
      window.show();
      QVERIFY(QTest::qWaitForWindowExposed(&window));
      QSignalSpy progress(window.library(), &LibraryController::ingestProgress);
      window.open_path(folder);
      QVERIFY(progress.wait(20000));
      QVERIFY(window.library()->busy());
      QVERIFY(window.close());
      QVERIFY(!window.library()->busy());
    }
    auto opened = quire::app::Database::open(db);
    QVERIFY(opened.ok());
    auto rows = quire::app::DocumentRepo(*opened).list();
    QVERIFY(rows.ok());
    QCOMPARE(rows->size(), size_t(0));
  }
};

QTEST_MAIN(TestMainWindow)
#include "test_main_window.moc"
