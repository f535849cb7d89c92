// The chat panel streams a (fake) backend's answer, stops it on request, lists its citations,
// and a citation activated in the main window jumps the document view to the cited place.
#include <QListWidget>
#include <QPushButton>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>

#include "fake_answer_backend.h"
#include "ui/chat_panel.h"
#include "ui/document_view.h"
#include "ui/main_window.h"
#include "ui/text_view.h"
#include "ui_test_files.h"

using quire::ui::ChatPanel;
using quire::ui::Citation;
using quire::ui::Location;
using quire::ui::MainWindow;
using quire::ui::testing::FakeAnswerBackend;
namespace t = quire::ui::testing;

class TestChatPanel : public QObject {
  Q_OBJECT

 private slots:
  void streams_the_answer_and_lists_citations() {
    FakeAnswerBackend backend({QStringLiteral("The "), QStringLiteral("needle "),
                               QStringLiteral("is on line 7.")},
                              {Citation{Location{0, {}, 7, QStringLiteral("needle")},
                                        QStringLiteral("line 7: needle")}});
    ChatPanel panel;
    QVERIFY(!panel.ask(QStringLiteral("no backend yet")));
    panel.set_backend(&backend);
    QSignalSpy pieces(&backend, &FakeAnswerBackend::pieceReceived);
    QSignalSpy ended(&panel, &ChatPanel::answerEnded);
    QVERIFY(!panel.ask(QStringLiteral("   ")));
    QVERIFY(panel.ask(QStringLiteral("Where is the needle?")));
    QCOMPARE(backend.questions(), QStringList{QStringLiteral("Where is the needle?")});
    QVERIFY(panel.answering());
    QVERIFY(panel.stop_button()->isEnabled());
    QVERIFY(!panel.ask_button()->isEnabled());
    QVERIFY(!panel.ask(QStringLiteral("a second question while answering")));

    QVERIFY(pieces.wait(5000));
    // The first piece is shown before the answer is complete.
    QCOMPARE(panel.answer_text(), QStringLiteral("The "));
    QVERIFY(ended.wait(5000));
    QCOMPARE(panel.answer_text(), QStringLiteral("The needle is on line 7."));
    QVERIFY(!panel.answering());
    QVERIFY(!panel.stop_button()->isEnabled());
    QCOMPARE(panel.citation_list()->count(), 1);
    QVERIFY(panel.citation_list()->item(0)->text().contains(QStringLiteral("line 7")));

    QSignalSpy activated(&panel, &ChatPanel::citationActivated);
    emit panel.citation_list()->itemActivated(panel.citation_list()->item(0));
    QCOMPARE(activated.size(), 1);
    QCOMPARE(activated[0][0].value<Location>().line, 7);
  }

  void stop_ends_the_stream_early() {
    QStringList many;
    for (int i = 0; i < 1000; ++i) many << QStringLiteral("word%1 ").arg(i);
    FakeAnswerBackend backend(many, {}, 5);
    ChatPanel panel;
    panel.set_backend(&backend);
    QSignalSpy pieces(&backend, &FakeAnswerBackend::pieceReceived);
    QSignalSpy finished(&backend, &FakeAnswerBackend::finished);
    QVERIFY(panel.ask(QStringLiteral("Tell me everything")));
    QVERIFY(pieces.wait(5000));
    QTest::mouseClick(panel.stop_button(), Qt::LeftButton);
    QCOMPARE(finished.size(), 1);
    QCOMPARE(finished[0][0].toBool(), true);
    QVERIFY(!panel.answering());
    const int sent = backend.pieces_sent();
    QVERIFY(sent < many.size());
    QCOMPARE(panel.answer_text(), many.mid(0, sent).join(QString()));
    QCOMPARE(panel.citation_list()->count(), 0);
  }

  void following_a_citation_in_the_window_highlights_the_line() {
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = dir.filePath(QStringLiteral("haystack.txt"));
    QVERIFY(t::write_text_file(path, t::numbered_lines(300, 250)));
    FakeAnswerBackend backend({QStringLiteral("On line 250.")},
                              {Citation{Location{0, {}, 250, QStringLiteral("line 250: needle")},
                                        QStringLiteral("needle")}});
    MainWindow window(QString(), dir.filePath(QStringLiteral("quire.db")).toStdString());
    window.set_answer_backend(&backend);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    QSignalSpy shown(&window, &MainWindow::documentShown);
    window.open_path(path);
    QVERIFY(shown.wait(20000));

    QSignalSpy ended(window.chat_panel(), &ChatPanel::answerEnded);
    QVERIFY(window.chat_panel()->ask(QStringLiteral("Where is the needle?")));
    QVERIFY(ended.wait(5000));
    auto* list = window.chat_panel()->citation_list();
    QCOMPARE(list->count(), 1);
    emit list->itemActivated(list->item(0));
    auto* text = window.document_view()->text_view();
    QCOMPARE(text->current_line(), 250);
    QCOMPARE(text->toPlainText().mid(text->highlight_begin(),
                                     text->highlight_end() - text->highlight_begin()),
             QStringLiteral("line 250: needle"));
  }
};

QTEST_MAIN(TestChatPanel)
#include "test_chat_panel.moc"
