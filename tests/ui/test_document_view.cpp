// Opening stored documents (through LibraryController and DocumentController, as the window
// does) shows the right pages or text; find and show_location() jump to and highlight the
// right page or line.
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTextBlock>
#include <QtTest>

#include <poppler-qt6.h>

#include "ui/document_controller.h"
#include "ui/document_view.h"
#include "ui/library_controller.h"
#include "ui/pdf_page_widget.h"
#include "ui/pdf_view.h"
#include "ui/text_view.h"
#include "ui_test_files.h"

using quire::ui::DocumentController;
using quire::ui::DocumentView;
using quire::ui::LibraryController;
using quire::ui::LoadedDocument;
using quire::ui::Location;
namespace t = quire::ui::testing;

class TestDocumentView : public QObject {
  Q_OBJECT

 private:
  QTemporaryDir dir_;

  // Ingests `path` into the test store and loads it back as the window would.
  std::shared_ptr<const LoadedDocument> open(const QString& path) {
    const std::filesystem::path db = dir_.filePath(QStringLiteral("quire.db")).toStdString();
    LibraryController library(db);
    QSignalSpy ingested(&library, &LibraryController::documentIngested);
    QSignalSpy failed(&library, &LibraryController::ingestFailed);
    library.ingest({path});
    if (!ingested.wait(20000)) {
      qWarning() << "ingest failed:" << (failed.isEmpty() ? QString() : failed[0][1].toString());
      return nullptr;
    }
    DocumentController documents(db);
    QSignalSpy loaded(&documents, &DocumentController::documentLoaded);
    documents.load(ingested[0][1].toLongLong());
    if (!loaded.wait(20000)) return nullptr;
    return loaded[0][0].value<std::shared_ptr<const LoadedDocument>>();
  }

  // Shows `doc` in `view` at width x height and waits until the window is exposed.
  static bool show(DocumentView& view, const std::shared_ptr<const LoadedDocument>& doc,
                   int width, int height) {
    view.resize(width, height);
    view.set_document(doc);
    view.show();
    return QTest::qWaitForWindowExposed(&view);
  }

  QStringList pdf_pages() const {
    QStringList pages;
    for (int p = 1; p <= 5; ++p) {
      pages << QStringLiteral("This is page %1 of the sample. Marker%1 %2").arg(p).arg(
          p == 4 ? QStringLiteral("zebra crossing here") : QStringLiteral("plain words"));
    }
    return pages;
  }

 private slots:
  void initTestCase() { QVERIFY(dir_.isValid()); }

  void a_pdf_shows_its_pages_and_find_goes_to_the_match() {
    const QString path = dir_.filePath(QStringLiteral("sample.pdf"));
    QVERIFY(t::write_pdf(path, pdf_pages()));
    auto doc = open(path);
    QVERIFY(doc);
    QCOMPARE(doc->doc.kind, std::string("pdf"));
    QCOMPARE(doc->doc.pages, 5);
    QVERIFY(doc->pdf);

    DocumentView view;
    QVERIFY(show(view, doc, 700, 500));
    QVERIFY(view.showing_pages());
    QCOMPARE(view.pdf_view()->page_count(), 5);
    QCOMPARE(view.pdf_view()->current_page(), 1);

    QVERIFY(view.find(QStringLiteral("zebra")));
    QCOMPARE(view.pdf_view()->current_page(), 4);
    QCOMPARE(view.pdf_view()->page_widget(4)->highlights().size(), 1);
    QCOMPARE(view.pdf_view()->page_widget(1)->highlights().size(), 0);
    QVERIFY(!view.find(QStringLiteral("giraffe")));
    // Page widgets render when painted; the one in view has its image.
    QTRY_VERIFY(view.pdf_view()->page_widget(4)->rendered());
  }

  void show_location_jumps_to_a_page_and_highlights_the_passage() {
    const QString path = dir_.filePath(QStringLiteral("cited.pdf"));
    QVERIFY(t::write_pdf(path, pdf_pages()));
    auto doc = open(path);
    QVERIFY(doc);
    DocumentView view;
    QVERIFY(show(view, doc, 700, 500));

    QVERIFY(view.show_location(Location{3, {}, 0, QStringLiteral("Marker3")}));
    QCOMPARE(view.pdf_view()->current_page(), 3);
    const auto* page3 = view.pdf_view()->page_widget(3);
    QCOMPARE(page3->highlights().size(), 1);
    // The highlight is where Poppler finds the word on that page.
    const QList<QRectF> expected =
        page3->page()->search(QStringLiteral("Marker3"), Poppler::Page::IgnoreCase);
    QCOMPARE(page3->highlights().front(), expected.front());

    QVERIFY(view.show_location(Location{2, {}, 0, QString()}));
    QCOMPARE(view.pdf_view()->current_page(), 2);
    QCOMPARE(page3->highlights().size(), 0);
    QVERIFY(!view.show_location(Location{9, {}, 0, QString()}));
  }

  void zoom_changes_the_page_size_and_keeps_the_page() {
    const QString path = dir_.filePath(QStringLiteral("zoom.pdf"));
    QVERIFY(t::write_pdf(path, pdf_pages()));
    auto doc = open(path);
    QVERIFY(doc);
    DocumentView view;
    QVERIFY(show(view, doc, 700, 500));
    view.pdf_view()->go_to_page(2);
    const int width = view.pdf_view()->page_widget(2)->width();
    view.pdf_view()->zoom_in();
    QCOMPARE(view.pdf_view()->page_widget(2)->width(), qRound(width * 1.25));
    QCOMPARE(view.pdf_view()->current_page(), 2);
    view.pdf_view()->fit_width();
    QVERIFY(view.pdf_view()->page_widget(2)->width() <= view.pdf_view()->viewport()->width());
    QVERIFY(view.pdf_view()->page_widget(2)->width() >= view.pdf_view()->viewport()->width() - 40);
  }

  void a_text_file_shows_numbered_lines_and_jumps_to_a_line() {
    const QString path = dir_.filePath(QStringLiteral("lines.txt"));
    QVERIFY(t::write_text_file(path, t::numbered_lines(400, 321)));
    auto doc = open(path);
    QVERIFY(doc);
    DocumentView view;
    QVERIFY(show(view, doc, 600, 400));
    QVERIFY(!view.showing_pages());
    auto* text = view.text_view();
    QCOMPARE(text->document()->findBlockByNumber(320).text(), QStringLiteral("line 321: needle"));
    QVERIFY(text->gutter_width() > 0);

    QVERIFY(view.find(QStringLiteral("needle")));
    QCOMPARE(text->current_line(), 321);

    QVERIFY(view.show_location(Location{0, {}, 200, QStringLiteral("line 200: hay")}));
    QCOMPARE(text->current_line(), 200);
    const QTextBlock block = text->document()->findBlockByNumber(199);
    QCOMPARE(text->highlight_begin(), block.position());
    QCOMPARE(text->highlight_end(), block.position() + block.text().size());
    QVERIFY(!view.show_location(Location{0, {}, 5000, QString()}));
  }

  void a_code_folder_maps_file_and_line_to_the_text() {
    const QString folder = dir_.filePath(QStringLiteral("code"));
    QVERIFY(t::write_code_folder(folder, 3));
    auto doc = open(folder);
    QVERIFY(doc);
    QCOMPARE(doc->doc.kind, std::string("code"));
    DocumentView view;
    view.set_document(doc);
    QVERIFY(view.show_location(
        Location{0, QStringLiteral("file_00001.cpp"), 7, QStringLiteral("int value_7 = 7;")}));
    auto* text = view.text_view();
    const QString highlighted = text->toPlainText().mid(
        text->highlight_begin(), text->highlight_end() - text->highlight_begin());
    QCOMPARE(highlighted, QStringLiteral("int value_7 = 7;"));
    // file_00001.cpp comes second in the folder's stable (sorted) order: after file 0's heading
    // and 30 lines, then its own heading. The gutter shows the line within the file.
    QCOMPARE(text->current_line(), 1 + 30 + 1 + 7);
    QCOMPARE(text->gutter_number(text->current_line() - 1), 7);
    QCOMPARE(text->gutter_number(31), 0);  // the heading of file_00001.cpp
    QVERIFY(text->document()->findBlockByNumber(31).text().endsWith(
        QStringLiteral("file_00001.cpp")));
    QVERIFY(!view.show_location(Location{0, QStringLiteral("nope.cpp"), 1, QString()}));
  }
};

QTEST_MAIN(TestDocumentView)
#include "test_document_view.moc"
