// The library's history in the main window: a stored session chosen in the sidebar opens its
// document, shows its conversation in the chat panel (citations that go to their page) and its
// answer's span report in the attention view; a stored batch run chosen in the sidebar shows its
// items in the centre, and the export dialog writes a batch run in every batch format, read back
// here with Qt's JSON parser and a small RFC 4180 reader written for the test.
#include <QAbstractItemView>
#include <QComboBox>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLineEdit>
#include <QListWidget>
#include <QPushButton>
#include <QSignalSpy>
#include <QStandardItem>
#include <QStandardItemModel>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTreeView>
#include <QtTest>

#include <filesystem>

#include "app/store/batch_repo.h"
#include "app/store/database.h"
#include "stored_session.h"
#include "ui/attention_view.h"
#include "ui/batch_run_view.h"
#include "ui/chat_panel.h"
#include "ui/export_dialog.h"
#include "ui/library_controller.h"
#include "ui/library_sidebar.h"
#include "ui/location.h"
#include "ui/main_window.h"

using quire::ui::AttentionView;
using quire::ui::BatchRunView;
using quire::ui::ChatPanel;
using quire::ui::ExportDialog;
using quire::ui::LibraryController;
using quire::ui::LibrarySidebar;
using quire::ui::Location;
using quire::ui::MainWindow;
namespace t = quire::ui::testing;

namespace {

constexpr int kWaitMs = 60000;  // a safety limit, not a timing

// The first item under `group` (recursively) whose `role` holds `id`.
QStandardItem* find_item(QStandardItem* group, int role, qint64 id) {
  for (int r = 0; r < group->rowCount(); ++r) {
    QStandardItem* child = group->child(r);
    if (child->data(role).isValid() && child->data(role).toLongLong() == id) return child;
    if (QStandardItem* deeper = find_item(child, role, id)) return deeper;
  }
  return nullptr;
}

// RFC 4180 records: quoted fields with doubled quotes, CRLF or LF between records.
QList<QStringList> parse_csv(const QString& text) {
  QList<QStringList> rows;
  QStringList row;
  QString field;
  bool quoted = false;
  for (qsizetype i = 0; i < text.size(); ++i) {
    const QChar c = text[i];
    if (quoted) {
      if (c == QLatin1Char('"') && i + 1 < text.size() && text[i + 1] == QLatin1Char('"')) {
        field += c;
        ++i;
      } else if (c == QLatin1Char('"')) {
        quoted = false;
      } else {
        field += c;
      }
    } else if (c == QLatin1Char('"')) {
      quoted = true;
    } else if (c == QLatin1Char(',')) {
      row << field;
      field.clear();
    } else if (c == QLatin1Char('\n')) {
      row << field;
      field.clear();
      rows << row;
      row.clear();
    } else if (c != QLatin1Char('\r')) {
      field += c;
    }
  }
  if (!field.isEmpty() || !row.isEmpty()) rows << (row << field);
  return rows;
}

}  // namespace

class TestLibraryHistory : public QObject {
  Q_OBJECT

 private:
  QTemporaryDir dir_;
  std::filesystem::path db_;
  t::StoredSession stored_;
  qint64 run_id_ = 0;

  bool refreshed(MainWindow& window) {
    QSignalSpy changed(window.library(), &LibraryController::documentsChanged);
    window.library()->refresh();
    return changed.wait(kWaitMs);
  }

 private slots:
  void initTestCase() {
    QVERIFY(dir_.isValid());
    db_ = std::filesystem::path(dir_.filePath(QStringLiteral("quire.db")).toStdString());
    QVERIFY(t::store_session(db_, stored_));
    // A batch run of one question over two documents: one answered, one failed.
    auto db = quire::app::Database::open(db_);
    QVERIFY(db);
    quire::app::BatchRepo repo(*db);
    quire::app::NewBatchRun run;
    run.name = "logbooks";
    run.folder = "/nonexistent/logbooks";
    run.questions = {"Who kept the lamp?"};
    run.questions_hash = std::string(64, 'q');
    run.options_hash = std::string(64, 'o');
    run.model_fingerprint = "tiny";
    run.attention_config = "kv_type=f16";
    run.paths = {"/nonexistent/logbooks/a.txt", "/nonexistent/logbooks/b.txt"};
    auto created = repo.create_run(run);
    QVERIFY(created);
    run_id_ = created->id;
    auto items = repo.items(run_id_);
    QVERIFY(items && items->size() == 2);
    quire::app::BatchItemOutcome done;
    done.status = "done";
    done.answer = "The keeper, \"Old Tom\", kept it.";
    QVERIFY(repo.finish_item((*items)[0].id, done));
    quire::app::BatchItemOutcome failed;
    failed.status = "failed";
    failed.error = "b.txt: not a text file";
    QVERIFY(repo.finish_item((*items)[1].id, failed));
    QVERIFY(repo.finish_run(run_id_, "done"));
  }

  void a_stored_session_shows_its_conversation_document_and_report() {
    MainWindow window(QString(), db_);
    QVERIFY(refreshed(window));
    QStandardItem* item = find_item(window.sidebar()->documents_group(),
                                    LibrarySidebar::kSessionIdRole, stored_.session_id);
    QVERIFY(item);
    QSignalSpy shown(&window, &MainWindow::sessionShown);
    QSignalSpy document(&window, &MainWindow::documentShown);
    QSignalSpy report(window.attention_view(), &AttentionView::reportShown);
    emit window.sidebar()->view()->activated(item->index());
    QVERIFY(shown.wait(kWaitMs));
    QCOMPARE(shown[0][0].toLongLong(), stored_.session_id);
    QCOMPARE(window.last_session_id(), stored_.session_id);
    QVERIFY(window.export_action()->isEnabled());
    ChatPanel* chat = window.chat_panel();
    QVERIFY(chat->answer_text().contains(stored_.question));
    QVERIFY(chat->answer_text().contains(stored_.answer));
    // The stored citation is listed and goes to its page.
    QCOMPARE(chat->citation_list()->count(), 1);
    QVERIFY(chat->citation_list()->item(0)->text().contains(QStringLiteral("page 2")));
    QSignalSpy cited(chat, &ChatPanel::citationActivated);
    emit chat->citation_list()->itemActivated(chat->citation_list()->item(0));
    QCOMPARE(cited.size(), 1);
    const auto where = cited[0][0].value<Location>();
    QCOMPARE(where.page, 2);
    QCOMPARE(where.passage, QStringLiteral("The lamp broke."));
    // Its document is opened (from the stored text: the PDF file is gone) and the answer's
    // report is shown.
    QVERIFY(document.size() > 0 || document.wait(kWaitMs));
    QVERIFY(report.size() > 0 || report.wait(kWaitMs));
    QCOMPARE(window.attention_view()->message_id(), stored_.message_id);
  }

  void a_stored_batch_run_shows_its_items() {
    MainWindow window(QString(), db_);
    QVERIFY(refreshed(window));
    QStandardItem* item =
        find_item(window.sidebar()->batch_group(), LibrarySidebar::kBatchRunIdRole, run_id_);
    QVERIFY(item);
    BatchRunView* view = window.batch_run_view();
    QSignalSpy shown(view, &BatchRunView::runShown);
    emit window.sidebar()->view()->activated(item->index());
    QVERIFY(shown.wait(kWaitMs));
    QCOMPARE(view->run_id(), run_id_);
    QVERIFY(view->isVisibleTo(&window));  // the centre shows the run, not the document
    QVERIFY(view->export_button()->isEnabled());
    QTableWidget* table = view->items_table();
    QCOMPARE(table->rowCount(), 2);
    QCOMPARE(table->item(0, 2)->text(), QStringLiteral("done"));
    QVERIFY(table->item(0, 3)->text().contains(QStringLiteral("Old Tom")));
    QCOMPARE(table->item(1, 2)->text(), QStringLiteral("failed"));
    QVERIFY(table->item(1, 3)->text().contains(QStringLiteral("not a text file")));
    QVERIFY(view->summary_text().contains(QStringLiteral("1 answered")));
    QVERIFY(view->summary_text().contains(QStringLiteral("1 failed")));
  }

  void the_export_dialog_writes_a_batch_run() {
    ExportDialog dialog(db_, ExportDialog::Target::batch_run, run_id_);
    QStringList offered;
    for (int i = 0; i < dialog.format_box()->count(); ++i) {
      offered << ExportDialog::extension(ExportDialog::Format(dialog.format_box()->itemData(i).toInt()));
    }
    QCOMPARE(offered, (QStringList{QStringLiteral("md"), QStringLiteral("html"),
                                   QStringLiteral("json"), QStringLiteral("jsonl"),
                                   QStringLiteral("csv")}));
    const auto write = [&](ExportDialog::Format format) -> QByteArray {
      QSignalSpy done(&dialog, &ExportDialog::exported);
      const QString path = dir_.filePath(QStringLiteral("run.") + ExportDialog::extension(format));
      dialog.format_box()->setCurrentIndex(dialog.format_box()->findData(int(format)));
      dialog.path_box()->setText(path);
      QTest::mouseClick(dialog.export_button(), Qt::LeftButton);
      if (!done.wait(kWaitMs) && done.isEmpty()) return {};
      QFile f(path);
      return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
    };

    const QList<QStringList> csv = parse_csv(QString::fromUtf8(write(ExportDialog::Format::csv)));
    QCOMPARE(csv.size(), 3);  // the header and one row per item
    QCOMPARE(csv[0].value(0), QStringLiteral("path"));
    QCOMPARE(csv[0].value(1), QStringLiteral("status"));
    QCOMPARE(csv[1].value(0), QStringLiteral("/nonexistent/logbooks/a.txt"));
    QCOMPARE(csv[1].value(1), QStringLiteral("done"));
    QCOMPARE(csv[1].value(2), QStringLiteral("The keeper, \"Old Tom\", kept it."));
    QCOMPARE(csv[2].value(1), QStringLiteral("failed"));
    QCOMPARE(csv[2].value(3), QStringLiteral("b.txt: not a text file"));

    const QList<QByteArray> lines = write(ExportDialog::Format::jsonl).trimmed().split('\n');
    QCOMPARE(lines.size(), 2);
    const QJsonObject first = QJsonDocument::fromJson(lines[0]).object();
    QCOMPARE(first.value(QStringLiteral("question")).toString(), QStringLiteral("Who kept the lamp?"));
    QCOMPARE(first.value(QStringLiteral("status")).toString(), QStringLiteral("done"));

    const QJsonObject json = QJsonDocument::fromJson(write(ExportDialog::Format::json)).object();
    QCOMPARE(json.value(QStringLiteral("schema")).toString(),
             QStringLiteral("quire.batch_export/1"));

    const QByteArray markdown = write(ExportDialog::Format::markdown);
    QVERIFY(markdown.contains("Who kept the lamp?"));
    QVERIFY(markdown.contains("Old Tom"));
  }
};

QTEST_MAIN(TestLibraryHistory)
#include "test_library_history.moc"
