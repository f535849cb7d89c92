// The status-bar progress shows done/total, rate and time left from a ProgressUpdate, a busy
// bar when the total is unknown, hides when the job ends, and its button asks for a cancel.
#include <QProgressBar>
#include <QSignalSpy>
#include <QToolButton>
#include <QtTest>

#include "ui/job_progress_widget.h"

using quire::ui::JobProgressWidget;

class TestJobProgress : public QObject {
  Q_OBJECT

 private slots:
  void shows_counts_rate_and_eta() {
    JobProgressWidget widget;
    quire::ProgressUpdate u;
    u.stage = "ingest";
    u.unit = "files";
    u.done = 40;
    u.total = 120;
    u.rate_per_s = 12.5;
    u.eta_s = 65.0;
    widget.show_progress(u);
    QVERIFY(!widget.isHidden());
    QCOMPARE(widget.text(), QStringLiteral("ingest: 40/120 files, 12.5 files/s, 1m05s left"));
    auto* bar = widget.findChild<QProgressBar*>();
    QVERIFY(bar);
    QCOMPARE(bar->maximum(), 1000);
    QCOMPARE(bar->value(), 333);
    widget.finish();
    QVERIFY(widget.isHidden());
  }

  void unknown_total_shows_a_busy_bar_without_eta() {
    JobProgressWidget widget;
    quire::ProgressUpdate u;
    u.stage = "prefill";
    u.unit = "tokens";
    u.done = 512;
    widget.show_progress(u);
    QCOMPARE(widget.text(), QStringLiteral("prefill: 512 tokens"));
    auto* bar = widget.findChild<QProgressBar*>();
    QCOMPARE(bar->maximum(), 0);
  }

  void cancel_button_requests_a_cancel() {
    JobProgressWidget widget;
    QSignalSpy cancel(&widget, &JobProgressWidget::cancelRequested);
    widget.cancel_button()->click();
    QCOMPARE(cancel.size(), 1);
  }
};

QTEST_MAIN(TestJobProgress)
#include "test_job_progress.moc"
