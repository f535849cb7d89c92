// The attention view shows a stored span report (written by hand, stored_session.h): a strip of
// the document's three pages shaded by their mass, the distance histogram with the stored
// buckets, the effective span; clicking a page cell asks to show that page.
#include <QBarSet>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>

#include "stored_session.h"
#include "ui/attention_view.h"
#include "ui/span_heatmap.h"

using quire::ui::AttentionView;
using quire::ui::Location;
using quire::ui::SpanHeatmap;
namespace t = quire::ui::testing;

class TestAttentionView : public QObject {
  Q_OBJECT

 private slots:
  void shows_a_stored_report() {
    QTemporaryDir dir;
    const std::filesystem::path db = dir.filePath(QStringLiteral("q.db")).toStdString();
    t::StoredSession stored;
    QVERIFY(t::store_session(db, stored));

    AttentionView view(db);
    view.resize(700, 600);
    view.show();
    auto doc = std::make_shared<quire::app::Document>();
    doc->kind = "pdf";
    doc->pages = 3;
    view.set_document(doc);
    QSignalSpy shown(&view, &AttentionView::reportShown);
    view.load_message(stored.message_id);
    QVERIFY(shown.wait(60000));

    // Page strip: every page of the document, page 1 with no attention.
    const SpanHeatmap* map = view.heatmap();
    QCOMPARE(map->layout_kind(), SpanHeatmap::Layout::strip);
    QCOMPARE(map->cells().size(), 3);
    QCOMPARE(map->cells()[0].mass, 0.0);
    QCOMPARE(map->cells()[1].mass, 0.6);
    QCOMPARE(map->cells()[2].mass, 0.25);
    QCOMPARE(map->cells()[1].name, QStringLiteral("p. 2"));

    // Histogram: the six stored buckets, in percent.
    QBarSet* bars = view.histogram_set();
    QVERIFY(bars);
    QCOMPARE(bars->count(), 6);
    const double expected[] = {5.0, 10.0, 20.0, 40.0, 0.0, 25.0};
    for (int i = 0; i < 6; ++i) QVERIFY(qAbs(bars->at(i) - expected[i]) < 1e-9);
    QVERIFY2(view.summary().contains(QStringLiteral("within 6 tokens")), qPrintable(view.summary()));
    QVERIFY(view.summary().contains(QStringLiteral("90% within 20")));
    QVERIFY(view.summary().contains(QStringLiteral("15.0%")));

    QSignalSpy activated(&view, &AttentionView::locationActivated);
    QTest::mouseClick(view.heatmap(), Qt::LeftButton, {}, map->cell_rect(1).center());
    QCOMPARE(activated.size(), 1);
    QCOMPARE(activated[0][0].value<Location>().page, 2);
  }

  void a_message_without_a_report_says_so() {
    QTemporaryDir dir;
    const std::filesystem::path db = dir.filePath(QStringLiteral("q.db")).toStdString();
    t::StoredSession stored;
    QVERIFY(t::store_session(db, stored));
    AttentionView view(db);
    QSignalSpy failed(&view, &AttentionView::loadFailed);
    view.load_message(stored.message_id - 1);  // the question: no report
    QVERIFY(failed.wait(60000));
    QVERIFY(failed[0][0].toString().contains(QStringLiteral("no attention-span report")));
  }

  void code_reports_are_bars_per_file() {
    AttentionView view;
    quire::app::SpanReport report;
    report.documents = {{0, 1, "proj", "code", 1.0}};
    report.groups = {{0, "file", "src/a.cpp", 0.7}, {0, "file", "README.md", 0.3}};
    report.histogram = {{0, 0, 1.0}};
    view.resize(600, 400);
    view.show();
    view.show_report(report);
    QCOMPARE(view.heatmap()->layout_kind(), SpanHeatmap::Layout::bars);
    QCOMPARE(view.heatmap()->cells().size(), 2);
    QSignalSpy activated(&view, &AttentionView::locationActivated);
    QTest::mouseClick(view.heatmap(), Qt::LeftButton, {}, view.heatmap()->cell_rect(0).center());
    QCOMPARE(activated.size(), 1);
    QCOMPARE(activated[0][0].value<Location>().file, QStringLiteral("src/a.cpp"));
  }
};

QTEST_MAIN(TestAttentionView)
#include "test_attention_view.moc"
