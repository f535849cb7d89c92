// AttentionView: the attention-span report of one answer (app/analysis/span_report.h): a heatmap
// of its attention over the document (SpanHeatmap: a page strip for PDFs, per-file bars for code,
// per-chapter or per-segment bars otherwise), the distance histogram (Qt Charts) and the
// effective span. Clicking a heatmap cell emits locationActivated() for the document view.
//
// Threads: GUI thread only. load_message() reads the stored report on the view's JobRunner
// worker (own Database connection) and shows it when it arrives; a newer load replaces an older.
#pragma once

#include <QString>
#include <QWidget>

#include <filesystem>
#include <memory>

#include "app/analysis/span_report.h"
#include "app/documents/document.h"
#include "ui/job_runner.h"
#include "ui/location.h"

class QBarSet;
class QChartView;
class QLabel;

namespace quire::ui {

class SpanHeatmap;

class AttentionView : public QWidget {
  Q_OBJECT

 public:
  // database: the store the reports are read from; empty: only show_report() works.
  explicit AttentionView(std::filesystem::path database = {}, QWidget* parent = nullptr);

  // The document the reports are about (the open one), for page counts and line locations of
  // segments; nullptr: cells of chapters and segments are not clickable, the strip shows only
  // the pages the report names.
  void set_document(std::shared_ptr<const app::Document> document);
  // Loads and shows the span report stored for assistant message `message_id`; reportShown() or
  // loadFailed() follows.
  void load_message(qint64 message_id);
  void show_report(const app::SpanReport& report);
  void clear();

  SpanHeatmap* heatmap() const { return heatmap_; }
  QBarSet* histogram_set() const { return histogram_; }
  QString summary() const;
  qint64 message_id() const { return message_id_; }

 signals:
  void locationActivated(const quire::ui::Location& location);
  void reportShown();
  void loadFailed(const QString& message);

 private:
  void show_histogram(const app::SpanReport& report);

  std::filesystem::path database_;
  std::shared_ptr<const app::Document> document_;
  qint64 message_id_ = 0;
  SpanHeatmap* heatmap_;
  QChartView* chart_;
  QBarSet* histogram_ = nullptr;  // owned by the chart's series
  QLabel* summary_;
  JobRunner runner_;  // last: joined first, before the widgets its posts touch
};

}  // namespace quire::ui
