// LibraryController + LibrarySidebar: ingesting generated files into a temporary store shows
// them in the sidebar model; failures are reported with the path; a large folder ingest can be
// cancelled and leaves nothing behind. Every wait is on a signal.
#include <QSignalSpy>
#include <QStandardItem>
#include <QTemporaryDir>
#include <QTreeView>
#include <QtTest>

#include "app/store/database.h"
#include "app/store/batch_repo.h"
#include "app/store/document_repo.h"
#include "app/store/session_repo.h"
#include "ui/library_controller.h"
#include "ui/library_sidebar.h"
#include "ui_test_files.h"

using quire::ui::LibraryController;
using quire::ui::LibrarySidebar;
namespace t = quire::ui::testing;

class TestLibraryController : public QObject {
  Q_OBJECT

 private:
  static std::filesystem::path db_path(const QTemporaryDir& dir) {
    return dir.filePath(QStringLiteral("quire.db")).toStdString();
  }
  static size_t stored_documents(const std::filesystem::path& db) {
    auto opened = quire::app::Database::open(db);
    if (!opened) return size_t(-1);
    auto rows = quire::app::DocumentRepo(*opened).list();
    return rows ? rows->size() : size_t(-1);
  }

 private slots:
  void ingests_text_and_pdf_and_lists_them_in_the_sidebar() {
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString text = dir.filePath(QStringLiteral("notes.txt"));
    const QString pdf = dir.filePath(QStringLiteral("paper.pdf"));
    QVERIFY(t::write_text_file(text, t::numbered_lines(50, 20)));
    QVERIFY(t::write_pdf(pdf, {QStringLiteral("alpha page"), QStringLiteral("beta page")}));

    LibraryController library(db_path(dir));
    LibrarySidebar sidebar;
    QObject::connect(&library, &LibraryController::documentsChanged, &sidebar,
                     [&] { sidebar.set_listing(library.listing()); });
    QSignalSpy ingested(&library, &LibraryController::documentIngested);
    QSignalSpy failed(&library, &LibraryController::ingestFailed);
    QSignalSpy progress(&library, &LibraryController::ingestProgress);
    QSignalSpy changed(&library, &LibraryController::documentsChanged);
    QSignalSpy finished(&library, &LibraryController::ingestFinished);

    library.ingest({text, pdf});
    QVERIFY(library.busy());
    QVERIFY(finished.wait(20000));
    QVERIFY2(failed.isEmpty(), failed.isEmpty() ? "" : qPrintable(failed[0][1].toString()));
    QCOMPARE(ingested.size(), 2);
    QCOMPARE(ingested[0][0].toString(), text);
    QCOMPARE(ingested[1][0].toString(), pdf);
    QVERIFY(!progress.isEmpty());
    QTRY_COMPARE(changed.size(), 1);  // the list refresh queued after the ingests
    QVERIFY(!library.busy());

    QCOMPARE(library.documents().size(), size_t(2));
    QCOMPARE(sidebar.documents_group()->rowCount(), 2);
    QStringList paths;
    for (int r = 0; r < 2; ++r) {
      paths << sidebar.documents_group()->child(r)->data(LibrarySidebar::kPathRole).toString();
    }
    paths.sort();
    QCOMPARE(paths, QStringList({text, pdf}));  // sorted: notes.txt, paper.pdf
    QCOMPARE(stored_documents(db_path(dir)), size_t(2));

    // Ingesting the unchanged file again keeps one row with the same id.
    const qint64 text_id = ingested[0][1].toLongLong();
    library.ingest({text});
    QVERIFY(finished.wait(20000));
    QCOMPARE(ingested.size(), 3);
    QCOMPARE(ingested[2][1].toLongLong(), text_id);
    QTRY_COMPARE(changed.size(), 2);
    QCOMPARE(library.documents().size(), size_t(2));
  }

  void sessions_and_batch_runs_appear_under_their_groups() {
    QTemporaryDir dir;
    const QString text = dir.filePath(QStringLiteral("book.txt"));
    QVERIFY(t::write_text_file(text, t::numbered_lines(10, 2)));
    LibraryController library(db_path(dir));
    QSignalSpy ingested(&library, &LibraryController::documentIngested);
    QSignalSpy changed(&library, &LibraryController::documentsChanged);
    library.ingest({text});
    QVERIFY(changed.wait(20000));
    QCOMPARE(ingested.size(), 1);
    const qint64 doc_id = ingested[0][1].toLongLong();
    {
      // Another part of Quire (the ask pipeline, batch runs) writes these rows.
      auto db = quire::app::Database::open(db_path(dir));
      QVERIFY(db.ok());
      QVERIFY(quire::app::SessionRepo(*db).create(doc_id, "About chapter one", "fp", "full").ok());
      QVERIFY(quire::app::BatchRepo(*db)
                  .create_run("Weekly review", "What changed?", "fp", "full", {"/a.txt", "/b.txt"})
                  .ok());
    }
    library.refresh();
    QVERIFY(changed.wait(20000));

    LibrarySidebar sidebar;
    sidebar.set_listing(library.listing());
    QCOMPARE(sidebar.documents_group()->rowCount(), 1);
    QStandardItem* doc = sidebar.documents_group()->child(0);
    QCOMPARE(doc->rowCount(), 1);
    QCOMPARE(doc->child(0)->text(), QStringLiteral("About chapter one"));
    QCOMPARE(sidebar.batch_group()->rowCount(), 1);
    QVERIFY(sidebar.batch_group()->child(0)->text().startsWith(QStringLiteral("Weekly review")));

    QSignalSpy opened(&sidebar, &LibrarySidebar::documentActivated);
    QSignalSpy session(&sidebar, &LibrarySidebar::sessionActivated);
    QSignalSpy run(&sidebar, &LibrarySidebar::batchRunActivated);
    emit sidebar.view()->activated(doc->child(0)->index());
    QCOMPARE(opened.size(), 1);
    QCOMPARE(opened[0][0].toLongLong(), doc_id);
    QCOMPARE(session.size(), 1);
    emit sidebar.view()->activated(sidebar.batch_group()->child(0)->index());
    QCOMPARE(run.size(), 1);
    QCOMPARE(opened.size(), 1);
  }

  void a_missing_file_fails_with_its_path_and_the_rest_goes_on() {
    QTemporaryDir dir;
    const QString good = dir.filePath(QStringLiteral("good.txt"));
    QVERIFY(t::write_text_file(good, t::numbered_lines(3, 1)));
    const QString missing = dir.filePath(QStringLiteral("missing.txt"));
    LibraryController library(db_path(dir));
    QSignalSpy failed(&library, &LibraryController::ingestFailed);
    QSignalSpy ingested(&library, &LibraryController::documentIngested);
    QSignalSpy finished(&library, &LibraryController::ingestFinished);
    library.ingest({missing, good});
    QVERIFY(finished.wait(20000));
    QCOMPARE(failed.size(), 1);
    QCOMPARE(failed[0][0].toString(), missing);
    QVERIFY2(failed[0][1].toString().contains(QStringLiteral("missing.txt")),
             qPrintable(failed[0][1].toString()));
    QCOMPARE(ingested.size(), 1);
    QCOMPARE(ingested[0][0].toString(), good);
  }

  void cancelling_a_large_folder_stores_nothing() {
    QTemporaryDir dir;
    const QString folder = dir.filePath(QStringLiteral("big"));
    QVERIFY(t::write_code_folder(folder, 4000));
    LibraryController library(db_path(dir));
    QSignalSpy progress(&library, &LibraryController::ingestProgress);
    QSignalSpy failed(&library, &LibraryController::ingestFailed);
    QSignalSpy ingested(&library, &LibraryController::documentIngested);
    QSignalSpy finished(&library, &LibraryController::ingestFinished);
    QSignalSpy changed(&library, &LibraryController::documentsChanged);
    library.ingest({folder});
    QVERIFY(progress.wait(20000));
    const auto first = progress[0][0].value<quire::ProgressUpdate>();
    QCOMPARE(QString::fromStdString(first.stage), QStringLiteral("ingest"));
    QCOMPARE(first.total, 4000);
    library.cancel();
    QVERIFY(finished.wait(20000));
    QVERIFY(ingested.isEmpty());
    QCOMPARE(failed.size(), 1);
    QVERIFY2(failed[0][1].toString().contains(QStringLiteral("cancel")),
             qPrintable(failed[0][1].toString()));
    QVERIFY(changed.wait(20000));
    QVERIFY(library.documents().empty());
    QCOMPARE(stored_documents(db_path(dir)), size_t(0));
  }

  void shutdown_during_an_ingest_returns_with_nothing_half_stored() {
    QTemporaryDir dir;
    const QString folder = dir.filePath(QStringLiteral("big"));
    QVERIFY(t::write_code_folder(folder, 4000));
    auto library = std::make_unique<LibraryController>(db_path(dir));
    QSignalSpy progress(library.get(), &LibraryController::ingestProgress);
    library->ingest({folder});
    QVERIFY(progress.wait(20000));
    library->shutdown();
    QVERIFY(!library->busy());
    library.reset();
    QCOMPARE(stored_documents(db_path(dir)), size_t(0));
  }
};

QTEST_MAIN(TestLibraryController)
#include "test_library_controller.moc"
