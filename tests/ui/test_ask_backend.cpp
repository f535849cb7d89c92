// The real answer backend over a real (tiny, random) model: the ask job runs on the backend's
// worker thread and its text, citations and progress reach the GUI thread as signals; a second
// question about the same document restores the document's snapshot; stop() during the prefill
// cancels it and nothing is stored. The model's answers are gibberish: the checks are on the
// plumbing, not on the words.
#include <QListWidget>
#include <QSettings>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>

#include <filesystem>

#include "ui/ask_backend.h"
#include "ui/chat_panel.h"
#include "ui/main_window.h"
#include "ui_test_files.h"

using quire::ProgressUpdate;
using quire::ui::AnswerRecord;
using quire::ui::AppSettings;
using quire::ui::AskBackend;
using quire::ui::ChatPanel;
using quire::ui::Citation;
using quire::ui::MainWindow;
namespace t = quire::ui::testing;

namespace {

constexpr int kWaitMs = 120000;  // a safety limit for a slow, shared CI machine; not a timing

}  // namespace

class TestAskBackend : public QObject {
  Q_OBJECT

 private:
  QTemporaryDir dir_;
  QString model_;
  QString notes_;
  QString long_text_;

  std::filesystem::path path(const QString& name) const {
    return std::filesystem::path(dir_.filePath(name).toStdString());
  }
  std::unique_ptr<AskBackend> make_backend() const {
    auto backend = std::make_unique<AskBackend>(path(QStringLiteral("quire.db")),
                                                path(QStringLiteral("snapshots")));
    AppSettings settings;
    settings.context_size = 32768;
    settings.threads = 2;
    backend->set_model(model_, settings);
    backend->set_max_tokens(8);
    return backend;
  }

 private slots:
  void initTestCase() {
    QVERIFY(dir_.isValid());
    model_ = dir_.filePath(QStringLiteral("tiny.gguf"));
    QVERIFY(t::write_tiny_model(model_, "q8_0", 1));
    QStringList notes;
    for (int i = 1; i <= 8; ++i) {
      notes << QStringLiteral("# Part %1").arg(i) << QString()
            << QStringLiteral("The river keeps %1 boats near the old mill.").arg(i * 3)
            << QString();
    }
    notes_ = dir_.filePath(QStringLiteral("notes.md"));
    QVERIFY(t::write_text_file(notes_, notes));
    long_text_ = dir_.filePath(QStringLiteral("long.txt"));
    QVERIFY(t::write_text_file(long_text_, t::numbered_lines(1500, 700)));
  }

  void streams_an_answer_with_citations_then_restores_the_snapshot() {
    auto backend = make_backend();
    ChatPanel panel;
    panel.set_backend(backend.get());
    backend->set_documents({notes_});
    QSignalSpy pieces(backend.get(), &AskBackend::pieceReceived);
    QSignalSpy citations(backend.get(), &AskBackend::citationsReady);
    QSignalSpy stored(backend.get(), &AskBackend::answerStored);
    QSignalSpy finished(backend.get(), &AskBackend::finished);
    QSignalSpy failed(backend.get(), &AskBackend::failed);
    QSignalSpy progress(backend.get(), &AskBackend::progressChanged);

    QVERIFY(panel.ask(QStringLiteral("How many boats?")));
    QVERIFY(backend->busy());
    QVERIFY(finished.wait(kWaitMs) || !failed.isEmpty());
    QVERIFY2(failed.isEmpty(), failed.isEmpty() ? "" : qPrintable(failed[0][0].toString()));
    QCOMPARE(finished.size(), 1);
    QCOMPARE(finished[0][0].toBool(), false);
    QVERIFY(!backend->busy());
    // Streamed: several pieces, and the panel shows exactly what they said, in order.
    QVERIFY(pieces.size() >= 2);
    QString streamed;
    for (const QList<QVariant>& args : pieces) streamed += args[0].toString();
    QCOMPARE(panel.answer_text(), streamed);
    // Citations name places of the document and quote it.
    QCOMPARE(citations.size(), 1);
    const auto cited = citations[0][0].value<QList<Citation>>();
    QVERIFY(!cited.isEmpty());
    QCOMPARE(panel.citation_list()->count(), cited.size());
    for (const Citation& c : cited) QVERIFY(!c.location.passage.isEmpty());
    // The prefill was reported with its total.
    bool saw_prefill = false;
    for (const QList<QVariant>& args : progress) {
      const auto u = args[0].value<ProgressUpdate>();
      if (u.stage == "prefill" && u.total > 0) saw_prefill = true;
    }
    QVERIFY(saw_prefill);
    QCOMPARE(stored.size(), 1);
    const auto first = stored[0][0].value<AnswerRecord>();
    QVERIFY(!first.restored_from_snapshot);
    QCOMPARE(first.prefill_tokens, first.context_tokens);
    QVERIFY(first.message_id > 0 && first.span_report_id > 0);

    // A second question about the same document: the model stays loaded and the document's
    // state comes from its snapshot; only the question is prefilled.
    QVERIFY(panel.ask(QStringLiteral("Where is the mill?")));
    QVERIFY(finished.wait(kWaitMs) || !failed.isEmpty());
    QVERIFY2(failed.isEmpty(), failed.isEmpty() ? "" : qPrintable(failed[0][0].toString()));
    QCOMPARE(stored.size(), 2);
    const auto second = stored[1][0].value<AnswerRecord>();
    QVERIFY(second.restored_from_snapshot);
    QVERIFY(second.prefill_tokens > 0);
    QVERIFY(second.prefill_tokens < second.context_tokens);
    QVERIFY(second.message_id > first.message_id);
  }

  void stop_during_the_prefill_cancels_it() {
    auto backend = make_backend();
    backend->set_documents({long_text_});
    QSignalSpy finished(backend.get(), &AskBackend::finished);
    QSignalSpy failed(backend.get(), &AskBackend::failed);
    QSignalSpy stored(backend.get(), &AskBackend::answerStored);
    QSignalSpy pieces(backend.get(), &AskBackend::pieceReceived);
    ProgressUpdate last;
    bool stopped_in_prefill = false;
    connect(backend.get(), &AskBackend::progressChanged, this, [&](const ProgressUpdate& u) {
      if (u.stage != "prefill") return;
      last = u;
      if (!stopped_in_prefill && u.total > 0 && u.done < u.total) {
        stopped_in_prefill = true;
        backend->stop();
      }
    });
    backend->start(QStringLiteral("Where is the needle?"));
    QVERIFY(finished.wait(kWaitMs) || !failed.isEmpty());
    QVERIFY2(failed.isEmpty(), failed.isEmpty() ? "" : qPrintable(failed[0][0].toString()));
    QVERIFY(stopped_in_prefill);
    QCOMPARE(finished[0][0].toBool(), true);
    QVERIFY(last.done < last.total);  // the prefill never completed
    QCOMPARE(stored.size(), 0);
    QCOMPARE(pieces.size(), 0);
    QVERIFY(!backend->busy());
  }

  void shutdown_during_a_question_waits_and_refuses_more() {
    auto backend = make_backend();
    backend->set_documents({long_text_});
    QSignalSpy progress(backend.get(), &AskBackend::progressChanged);
    QSignalSpy failed(backend.get(), &AskBackend::failed);
    backend->start(QStringLiteral("Where is the needle?"));
    QVERIFY(progress.wait(kWaitMs));
    backend->shutdown();  // returns once the worker has unwound
    QVERIFY(failed.isEmpty());
    QSignalSpy finished(backend.get(), &AskBackend::finished);
    QVERIFY(finished.wait(kWaitMs));  // the cancelled question still ends, on the GUI thread
    QCOMPARE(finished[0][0].toBool(), true);
    backend->start(QStringLiteral("Another?"));
    QVERIFY(failed.wait(kWaitMs));
  }

  void closing_the_window_during_a_question_cancels_it() {
    QTemporaryDir home;
    const QString ini = home.filePath(QStringLiteral("quire.ini"));
    {
      QSettings settings(ini, QSettings::IniFormat);
      settings.setValue(QStringLiteral("model/path"), model_);
      settings.setValue(QStringLiteral("engine/context_size"), 32768);
    }
    MainWindow window(ini, home.filePath(QStringLiteral("quire.db")).toStdString());
    QVERIFY(window.ask_backend());
    QCOMPARE(window.model_path(), model_);
    window.show();
    QSignalSpy shown(&window, &MainWindow::documentShown);
    window.open_path(long_text_);
    QVERIFY(shown.wait(kWaitMs));
    AskBackend* backend = window.ask_backend();
    QSignalSpy finished(backend, &AskBackend::finished);
    QSignalSpy stored(backend, &AskBackend::answerStored);
    bool closed = false;
    connect(backend, &AskBackend::progressChanged, this, [&](const ProgressUpdate& u) {
      if (closed || u.stage != "prefill" || u.done >= u.total) return;
      closed = true;
      QVERIFY(window.close());  // returns once the worker has unwound
    });
    QVERIFY(window.chat_panel()->ask(QStringLiteral("Where is the needle?")));
    QVERIFY(finished.wait(kWaitMs));
    QVERIFY(closed);
    QVERIFY(!window.isVisible());
    QCOMPARE(finished[0][0].toBool(), true);
    QCOMPARE(stored.size(), 0);
  }

  // The overflow policy of the settings reaches the ask job: under "error" a document longer
  // than the context fails with the GUI's own words (Settings, not CLI flags), under "head" the
  // same question is answered from the document's start.
  void the_overflow_setting_decides_what_a_long_document_does() {
    AskBackend backend(path(QStringLiteral("overflow.db")), path(QStringLiteral("snapshots")));
    AppSettings settings;
    settings.context_size = AppSettings::kMinContext;
    settings.threads = 2;
    settings.overflow = QStringLiteral("error");
    backend.set_model(model_, settings);
    backend.set_max_tokens(4);
    backend.set_documents({long_text_});
    QSignalSpy failed(&backend, &AskBackend::failed);
    QSignalSpy finished(&backend, &AskBackend::finished);
    backend.start(QStringLiteral("Where is the needle?"));
    QVERIFY(failed.wait(kWaitMs) || !finished.isEmpty());
    QCOMPARE(failed.size(), 1);
    const QString message = failed[0][0].toString();
    QVERIFY2(!message.contains(QStringLiteral("--")), qPrintable(message));
    QVERIFY2(message.contains(QStringLiteral("Settings")), qPrintable(message));
    QVERIFY2(message.contains(QLocale().toString(AppSettings::kMinContext)), qPrintable(message));

    settings.overflow = QStringLiteral("head");
    backend.set_model(model_, settings);
    QSignalSpy stored(&backend, &AskBackend::answerStored);
    backend.start(QStringLiteral("Where is the needle?"));
    QVERIFY(finished.wait(kWaitMs) || failed.size() > 1);
    QVERIFY2(failed.size() == 1, qPrintable(failed.last()[0].toString()));
    QCOMPARE(stored.size(), 1);
    QVERIFY(stored[0][0].value<AnswerRecord>().context_tokens <= AppSettings::kMinContext);
  }

  void without_a_model_says_what_to_do() {
    AskBackend backend(path(QStringLiteral("quire.db")), path(QStringLiteral("snapshots")));
    backend.set_documents({notes_});
    QSignalSpy failed(&backend, &AskBackend::failed);
    backend.start(QStringLiteral("How many boats?"));
    QVERIFY(failed.wait(kWaitMs));
    QVERIFY(failed[0][0].toString().contains(QStringLiteral("Manage Models")));
  }
};

QTEST_MAIN(TestAskBackend)
#include "test_ask_backend.moc"
