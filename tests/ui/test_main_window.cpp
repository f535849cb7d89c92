// The main window opens, offers its actions, keeps its geometry and closes on Quit.
#include <QAction>
#include <QLabel>
#include <QMenuBar>
#include <QSettings>
#include <QStatusBar>
#include <QTemporaryDir>
#include <QtTest>

#include "ui/main_window.h"

class TestMainWindow : public QObject {
  Q_OBJECT

 private slots:
  void opens_with_title_menus_and_welcome_page() {
    quire::ui::MainWindow window{QString()};
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    QCOMPARE(window.windowTitle(), QStringLiteral("Quire"));
    QVERIFY(window.findChild<QLabel*>(QStringLiteral("WelcomePage")) != nullptr);
    QCOMPARE(window.statusBar()->currentMessage(), QStringLiteral("No document open"));
    QCOMPARE(window.menuBar()->actions().size(), 2);
    QCOMPARE(window.quit_action()->shortcut(), QKeySequence(QKeySequence::Quit));
    QVERIFY(!window.windowIcon().isNull());
  }

  void quit_closes_the_window() {
    quire::ui::MainWindow window{QString()};
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
      quire::ui::MainWindow window{ini};
      window.show();
      QVERIFY(QTest::qWaitForWindowExposed(&window));
      window.resize(640, 480);
      QTRY_COMPARE(window.size(), QSize(640, 480));
      window.close();
    }
    QVERIFY(QSettings(ini, QSettings::IniFormat).contains(QStringLiteral("main_window/geometry")));
    quire::ui::MainWindow again{ini};
    QCOMPARE(again.size(), QSize(640, 480));
  }
};

QTEST_MAIN(TestMainWindow)
#include "test_main_window.moc"
