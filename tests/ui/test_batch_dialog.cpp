// The batch dialog over a real (tiny, random) model: a folder of 3 text files x 2 questions runs
// to the end on the runner's worker, every item reaches the table and the output file (parsed
// back here with Qt's JSON reader); Stop after the first item leaves the run cancelled and
// resumable, and Resume finishes it without asking the finished items again (checked on the
// BatchRepo rows); closing the dialog during a batch stops it and waits for the worker. The
// model's answers are gibberish: the checks are on the plumbing, not on the words.
#include <QComboBox>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSettings>
#include <QSet>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QtTest>

#include <filesystem>
#include <map>

#include "app/store/batch_repo.h"
#include "app/store/database.h"
#include "ui/batch_dialog.h"
#include "ui/batch_runner.h"
#include "ui/main_window.h"
#include "ui_test_files.h"

using quire::app::BatchItemRow;
using quire::app::BatchRepo;
using quire::app::BatchRunRow;
using quire::app::Database;
using quire::ui::AppSettings;
using quire::ui::BatchDialog;
using quire::ui::BatchRunner;
using quire::ui::BatchSummary;
using quire::ui::MainWindow;
namespace t = quire::ui::testing;

namespace {

constexpr int kWaitMs = 300000;  // a safety limit for a slow, shared CI machine; not a timing
constexpr int kItems = 6;        // 3 documents x 2 questions

}  // namespace

class TestBatchDialog : public QObject {
  Q_OBJECT

 private:
  QTemporaryDir dir_;
  QString model_;
  QString folder_;       // 3 short documents
  QString long_folder_;  // 2 long documents, for stopping during a prefill

  std::filesystem::path path(const QString& name) const {
    return std::filesystem::path(dir_.filePath(name).toStdString());
  }
  std::unique_ptr<BatchDialog> make_dialog(const QString& db, const QString& folder,
                                           int context = 8192) const {
    AppSettings settings;
    settings.context_size = context;
    settings.threads = 2;
    auto dialog = std::make_unique<BatchDialog>(path(db), path(QStringLiteral("snapshots")),
                                                model_, settings);
    dialog->folder_box()->setText(folder);
    dialog->questions_edit()->setPlainText(
        QStringLiteral("# asked of every file\nHow many boats?\n\nWhere is the mill?\n"));
    dialog->max_tokens_box()->setValue(4);
    return dialog;
  }
  // The run's items as the store has them, by item id.
  std::map<qint64, BatchItemRow> stored_items(const QString& db, qint64 run_id) const {
    auto database = Database::open(path(db));
    if (!database) return {};
    auto items = BatchRepo(*database).items(run_id);
    std::map<qint64, BatchItemRow> out;
    if (items) {
      for (const BatchItemRow& item : *items) out[item.id] = item;
    }
    return out;
  }
  BatchRunRow stored_run(const QString& db, qint64 run_id) const {
    auto database = Database::open(path(db));
    if (!database) return {};
    auto run = BatchRepo(*database).find_run(run_id);
    return run && *run ? **run : BatchRunRow{};
  }

 private slots:
  void initTestCase() {
    QVERIFY(dir_.isValid());
    model_ = dir_.filePath(QStringLiteral("tiny.gguf"));
    QVERIFY(t::write_tiny_model(model_, "q8_0", 1));
    folder_ = dir_.filePath(QStringLiteral("reports"));
    QVERIFY(QDir().mkpath(folder_));
    for (const char* name : {"alpha.txt", "beta.txt", "gamma.txt"}) {
      // Long enough that a document's prefill takes a while: a stop requested when an item
      // ends arrives while the next ones are still being answered.
      QStringList lines;
      for (int i = 1; i <= 120; ++i) {
        lines << QStringLiteral("%1: the river keeps %2 boats near the old mill.")
                     .arg(QString::fromLatin1(name))
                     .arg(i * 3);
      }
      QVERIFY(t::write_text_file(QDir(folder_).filePath(QString::fromLatin1(name)), lines));
    }
    long_folder_ = dir_.filePath(QStringLiteral("long"));
    QVERIFY(QDir().mkpath(long_folder_));
    for (const char* name : {"one.txt", "two.txt"}) {
      QVERIFY(t::write_text_file(QDir(long_folder_).filePath(QString::fromLatin1(name)),
                                 t::numbered_lines(1500, 700)));
    }
  }

  void runs_every_item_and_writes_the_output() {
    auto dialog = make_dialog(QStringLiteral("all.db"), folder_);
    const QString out = dir_.filePath(QStringLiteral("results.jsonl"));
    dialog->output_box()->setText(out);
    dialog->format_box()->setCurrentIndex(dialog->format_box()->findData(QStringLiteral("jsonl")));
    QSignalSpy finished(dialog->runner(), &BatchRunner::finished);
    QSignalSpy failed(dialog->runner(), &BatchRunner::failed);
    QSignalSpy items(dialog->runner(), &BatchRunner::itemFinished);
    QSignalSpy progress(dialog->runner(), &BatchRunner::progressChanged);
    QVERIFY(dialog->start());
    QVERIFY(!dialog->start_button()->isEnabled());
    QVERIFY(dialog->stop_button()->isEnabled());
    QVERIFY(finished.wait(kWaitMs) || !failed.isEmpty());
    QVERIFY2(failed.isEmpty(), failed.isEmpty() ? "" : qPrintable(failed[0][0].toString()));
    const auto summary = finished[0][0].value<BatchSummary>();
    QCOMPARE(summary.total_items, qint64(kItems));
    QCOMPARE(summary.answered, qint64(kItems));
    QCOMPARE(summary.failed, qint64(0));
    QCOMPARE(summary.output, out);
    QCOMPARE(items.size(), kItems);
    QCOMPARE(items.last()[1].toLongLong(), qint64(kItems));  // finished count of the run
    QVERIFY(!progress.isEmpty());
    QCOMPARE(dialog->items_table()->rowCount(), kItems);
    for (int r = 0; r < kItems; ++r) {
      QCOMPARE(dialog->items_table()->item(r, 2)->text(), QStringLiteral("done"));
    }
    // Document-major, named relative to the folder.
    QCOMPARE(dialog->items_table()->item(0, 0)->text(), QStringLiteral("alpha.txt"));
    QCOMPARE(dialog->items_table()->item(5, 0)->text(), QStringLiteral("gamma.txt"));
    QCOMPARE(dialog->items_table()->item(1, 1)->text(), QStringLiteral("Where is the mill?"));
    QVERIFY(dialog->start_button()->isEnabled());
    QVERIFY(dialog->status_text().contains(QDir::toNativeSeparators(out)));

    // The output file, read back: one object per item, each (document, question) once.
    QFile file(out);
    QVERIFY(file.open(QIODevice::ReadOnly));
    const QList<QByteArray> lines = file.readAll().trimmed().split('\n');
    QCOMPARE(lines.size(), kItems);
    QSet<QString> pairs;
    for (const QByteArray& line : lines) {
      QJsonParseError error{};
      const QJsonObject o = QJsonDocument::fromJson(line, &error).object();
      QCOMPARE(error.error, QJsonParseError::NoError);
      QCOMPARE(o.value(QStringLiteral("status")).toString(), QStringLiteral("done"));
      QVERIFY(o.value(QStringLiteral("message_id")).toInteger() > 0);
      const QString question = o.value(QStringLiteral("question")).toString();
      QVERIFY(question == QStringLiteral("How many boats?") ||
              question == QStringLiteral("Where is the mill?"));
      pairs.insert(QFileInfo(o.value(QStringLiteral("path")).toString()).fileName() +
                   QLatin1Char('|') + question);
    }
    QCOMPARE(pairs.size(), kItems);
    QVERIFY(pairs.contains(QStringLiteral("beta.txt|Where is the mill?")));
  }

  void stop_after_the_first_item_then_resume() {
    const QString db = QStringLiteral("resume.db");
    auto dialog = make_dialog(db, folder_);
    QSignalSpy finished(dialog->runner(), &BatchRunner::finished);
    QSignalSpy stopped(dialog->runner(), &BatchRunner::stopped);
    QSignalSpy failed(dialog->runner(), &BatchRunner::failed);
    qint64 run_id = 0;
    connect(dialog->runner(), &BatchRunner::itemFinished, this,
            [&](const BatchItemRow& item, qint64, qint64) {
              if (run_id != 0) return;
              run_id = item.run_id;
              dialog->stop();
            });
    QVERIFY(dialog->start());
    QVERIFY(stopped.wait(kWaitMs) || !failed.isEmpty() || !finished.isEmpty());
    QVERIFY2(failed.isEmpty(), failed.isEmpty() ? "" : qPrintable(failed[0][0].toString()));
    QCOMPARE(finished.size(), 0);
    QCOMPARE(stopped.size(), 1);
    QVERIFY(run_id > 0);
    QCOMPARE(stored_run(db, run_id).status, std::string("cancelled"));
    const auto before = stored_items(db, run_id);
    QCOMPARE(int(before.size()), kItems);
    std::map<qint64, BatchItemRow> done_before;
    for (const auto& [id, item] : before) {
      if (item.status != "pending") done_before[id] = item;
    }
    QVERIFY(!done_before.empty());
    QVERIFY(int(done_before.size()) < kItems);

    // The Resume list offers the run; resuming answers only the items without an outcome.
    QSignalSpy listed(dialog.get(), &BatchDialog::unfinishedListed);
    dialog->refresh_unfinished();
    QVERIFY(listed.wait(kWaitMs));
    const int index = dialog->resume_box()->findData(QVariant::fromValue(run_id));
    QVERIFY(index >= 0);
    dialog->resume_box()->setCurrentIndex(index);
    QSignalSpy items(dialog->runner(), &BatchRunner::itemFinished);
    QVERIFY(dialog->resume_selected());
    QVERIFY(finished.wait(kWaitMs) || !failed.isEmpty());
    QVERIFY2(failed.isEmpty(), failed.isEmpty() ? "" : qPrintable(failed[0][0].toString()));
    const auto summary = finished[0][0].value<BatchSummary>();
    QCOMPARE(summary.run_id, run_id);
    QVERIFY(summary.resumed);
    QCOMPARE(summary.done_before, qint64(done_before.size()));
    QCOMPARE(summary.answered, qint64(kItems) - qint64(done_before.size()));
    QCOMPARE(items.size(), kItems - int(done_before.size()));
    for (const QList<QVariant>& args : items) {
      QVERIFY(!done_before.count(args[0].value<BatchItemRow>().id));  // none asked again
    }
    QCOMPARE(stored_run(db, run_id).status, std::string("done"));
    const auto after = stored_items(db, run_id);
    QSet<qint64> messages;
    for (const auto& [id, item] : after) {
      QCOMPARE(item.status, std::string("done"));
      QVERIFY(item.message_id);
      messages.insert(*item.message_id);
    }
    QCOMPARE(messages.size(), kItems);
    for (const auto& [id, item] : done_before) {  // untouched by the resume
      QCOMPARE(after.at(id).message_id, item.message_id);
      QCOMPARE(after.at(id).finished_at, item.finished_at);
    }
  }

  void closing_during_a_batch_stops_it_and_waits() {
    const QString db = QStringLiteral("close.db");
    auto dialog = make_dialog(db, long_folder_, 32768);
    dialog->show();
    QSignalSpy stopped(dialog->runner(), &BatchRunner::stopped);
    QSignalSpy finished(dialog->runner(), &BatchRunner::finished);
    bool closed = false;
    connect(dialog->runner(), &BatchRunner::documentProgress, this,
            [&](const QString&, const quire::ProgressUpdate& u) {
              if (closed || u.stage != "prefill") return;
              closed = true;
              dialog->close();  // returns once the worker has unwound
            });
    QVERIFY(dialog->start());
    QVERIFY(stopped.wait(kWaitMs) || !finished.isEmpty());
    QVERIFY(closed);
    QCOMPARE(finished.size(), 0);
    QVERIFY(dialog->isHidden());
    QVERIFY(stopped[0][0].toString().contains(QStringLiteral("Resume")));
    QVERIFY(!stopped[0][0].toString().contains(QStringLiteral("--")));  // no CLI flags
    // Nothing runs any more and nothing is left half-done: the run is cancelled, resumable.
    auto database = Database::open(path(db));
    QVERIFY(database);
    auto runs = BatchRepo(*database).list_runs();
    QVERIFY(runs && runs->size() == 1);
    QCOMPARE(runs->front().status, std::string("cancelled"));
    QVERIFY(!dialog->start());  // after close the runner refuses new work
    QVERIFY(!dialog->runner()->busy());
  }

  void closing_the_main_window_during_a_batch_stops_it_and_waits() {
    QTemporaryDir home;
    const QString ini = home.filePath(QStringLiteral("quire.ini"));
    {
      QSettings settings(ini, QSettings::IniFormat);
      settings.setValue(QStringLiteral("model/path"), model_);
      settings.setValue(QStringLiteral("engine/context_size"), 32768);
      settings.setValue(QStringLiteral("engine/threads"), 2);
    }
    const std::filesystem::path db(home.filePath(QStringLiteral("quire.db")).toStdString());
    MainWindow window(ini, db);
    window.show();
    BatchDialog* dialog = window.open_batch_dialog();
    QVERIFY(dialog);
    QCOMPARE(dialog->runner()->model_path(), model_);  // the chat's model and settings
    QCOMPARE(dialog->runner()->settings().context_size, 32768);
    dialog->folder_box()->setText(long_folder_);
    dialog->questions_edit()->setPlainText(QStringLiteral("Where is the needle?"));
    dialog->max_tokens_box()->setValue(4);
    QSignalSpy progress(dialog->runner(), &BatchRunner::documentProgress);
    QVERIFY(dialog->start());
    QVERIFY(progress.wait(kWaitMs));
    QVERIFY(window.close());  // returns once the batch's worker has unwound
    // Nothing runs any more: the run was left cancelled (resumable), no item is half-done.
    auto database = Database::open(db);
    QVERIFY(database);
    auto runs = BatchRepo(*database).list_runs();
    QVERIFY(runs && runs->size() == 1);
    QCOMPARE(runs->front().status, std::string("cancelled"));
    auto items = BatchRepo(*database).items(runs->front().id);
    QVERIFY(items);
    for (const BatchItemRow& item : *items) {
      QVERIFY(item.status == "pending" || item.status == "done");
      QCOMPARE(item.message_id.has_value(), item.status == "done");
    }
  }
};

QTEST_MAIN(TestBatchDialog)
#include "test_batch_dialog.moc"
