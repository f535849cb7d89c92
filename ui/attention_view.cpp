#include "ui/attention_view.h"

#include <QBarCategoryAxis>
#include <QBarSeries>
#include <QBarSet>
#include <QChart>
#include <QChartView>
#include <QGraphicsLayout>
#include <QLabel>
#include <QScrollArea>
#include <QValueAxis>
#include <QVBoxLayout>

#include <fmt/format.h>

#include <algorithm>
#include <string_view>
#include <utility>

#include "app/store/database.h"
#include "app/store/span_report_repo.h"
#include "ui/span_heatmap.h"

namespace quire::ui {
namespace {

QString qs(const std::string& s) { return QString::fromStdString(s); }

// 1-based line of byte offset `at` in `text`.
int line_of(const std::string& text, int64_t at) {
  const auto end = text.begin() + std::clamp<int64_t>(at, 0, int64_t(text.size()));
  return 1 + int(std::count(text.begin(), end, '\n'));
}

// Where a chapter, file or segment group of the document starts, found as span_report groups
// segments: file first, then page, then chapter, else the segment's own "#N".
std::optional<Location> group_location(const app::Document& doc, const app::GroupMass& g) {
  for (size_t i = 0; i < doc.segments.size(); ++i) {
    const app::Segment& s = doc.segments[i];
    bool match = false;
    if (g.kind == "file") match = s.file == g.name;
    if (g.kind == "chapter") {
      match = s.file.empty() && !s.page && std::string_view(g.name).substr(0, 4) == "ch. " &&
              std::string_view(g.name).substr(4) == s.chapter;
    }
    if (g.kind == "segment") match = g.name == fmt::format("#{}", i + 1);
    if (!match) continue;
    Location where;
    if (g.kind == "file") {
      where.file = qs(s.file);
      where.line = std::max(1, s.line_start);
      return where;
    }
    where.line = line_of(doc.text, s.char_begin);
    const auto begin = size_t(std::clamp<int64_t>(s.char_begin, 0, int64_t(doc.text.size())));
    const auto end = size_t(std::clamp<int64_t>(s.char_end, int64_t(begin), int64_t(doc.text.size())));
    where.passage = QString::fromUtf8(doc.text.data() + begin, qsizetype(end - begin))
                        .section(QLatin1Char('\n'), 0, 0, QString::SectionSkipEmpty)
                        .trimmed()
                        .left(80);
    return where;
  }
  return std::nullopt;
}

// "p. 12" -> 12; 0 when the name is not a page.
int page_of(const std::string& name) {
  if (name.rfind("p. ", 0) != 0) return 0;
  bool ok = false;
  const int page = qs(name.substr(3)).toInt(&ok);
  return ok && page > 0 ? page : 0;
}

}  // namespace

AttentionView::AttentionView(std::filesystem::path database, QWidget* parent)
    : QWidget(parent), database_(std::move(database)) {
  setObjectName(QStringLiteral("AttentionView"));
  summary_ = new QLabel(tr("Select an answer to see where the model looked."), this);
  summary_->setObjectName(QStringLiteral("AttentionSummary"));
  summary_->setWordWrap(true);
  heatmap_ = new SpanHeatmap(this);
  heatmap_->setToolTip(tr("Attention over the document: darker is more. Click to go there."));
  auto* scroll = new QScrollArea(this);
  scroll->setWidget(heatmap_);
  scroll->setWidgetResizable(true);
  chart_ = new QChartView(this);
  chart_->setRenderHint(QPainter::Antialiasing);
  chart_->setMinimumHeight(200);
  chart_->chart()->setTitle(tr("Attention by distance (tokens back)"));
  chart_->chart()->legend()->hide();
  // The dock is narrow: the chart's default margins would leave the bucket labels no room.
  chart_->chart()->setMargins(QMargins(0, 0, 0, 0));
  chart_->chart()->layout()->setContentsMargins(0, 0, 0, 0);
  chart_->chart()->setTheme(palette().color(QPalette::Window).lightness() < 128
                                ? QChart::ChartThemeDark
                                : QChart::ChartThemeLight);
  auto* layout = new QVBoxLayout(this);
  layout->addWidget(summary_);
  layout->addWidget(scroll, 1);
  layout->addWidget(chart_, 2);
  connect(heatmap_, &SpanHeatmap::locationActivated, this, &AttentionView::locationActivated);
}

void AttentionView::set_document(std::shared_ptr<const app::Document> document) {
  document_ = std::move(document);
}

void AttentionView::load_message(qint64 message_id) {
  message_id_ = message_id;
  runner_.cancel_all();
  if (database_.empty()) {
    emit loadFailed(tr("No store is open, so there are no span reports."));
    return;
  }
  runner_.submit([this, message_id](std::stop_token stop) {
    auto fail = [this](const std::string& m) {
      runner_.post([this, m = qs(m)] { emit loadFailed(m); });
    };
    auto db = app::Database::open(database_);
    if (!db) return fail(db.error().message);
    auto row = app::SpanReportRepo(*db).find_for_message(message_id);
    if (!row) return fail(row.error().message);
    if (!*row) {
      return fail("This answer has no attention-span report (it was written before reports "
                  "were kept, or with tensorized attention, which records none yet).");
    }
    auto report = app::span_report_from_json((*row)->report_json);
    if (!report) return fail(report.error().message);
    if (stop.stop_requested()) return;
    runner_.post([this, message_id, r = std::move(*report)] {
      if (message_id == message_id_) show_report(r);
    });
  });
}

void AttentionView::clear() {
  heatmap_->set_cells({}, SpanHeatmap::Layout::bars);
  chart_->chart()->removeAllSeries();
  histogram_ = nullptr;
  summary_->setText(tr("Select an answer to see where the model looked."));
}

void AttentionView::show_report(const app::SpanReport& report) {
  const bool several = report.documents.size() > 1;
  const bool pages = !report.groups.empty() &&
                     std::all_of(report.groups.begin(), report.groups.end(),
                                 [](const app::GroupMass& g) { return g.kind == "page"; });
  QList<HeatCell> cells;
  if (pages && !several) {
    // One cell per page of the document, also those the answer did not look at.
    int n = document_ && document_->kind == "pdf" ? document_->pages : 0;
    for (const app::GroupMass& g : report.groups) n = std::max(n, page_of(g.name));
    for (int p = 1; p <= n; ++p) {
      cells << HeatCell{QStringLiteral("p. %1").arg(p), 0.0, Location{p, {}, 0, {}}};
    }
    for (const app::GroupMass& g : report.groups) {
      if (const int p = page_of(g.name); p > 0) cells[p - 1].mass += g.mass;
    }
  } else {
    for (const app::GroupMass& g : report.groups) {
      HeatCell cell{qs(g.name), g.mass, std::nullopt};
      if (several && size_t(g.document) < report.documents.size()) {
        cell.name = qs(report.documents[size_t(g.document)].title) + QStringLiteral(": ") + cell.name;
      }
      if (g.kind == "page") {
        cell.location = Location{page_of(g.name), {}, 0, {}};
      } else if (g.kind == "file" && (!document_ || several)) {
        cell.location = Location{0, qs(g.name), 1, {}};
      } else if (document_ && !several) {
        cell.location = group_location(*document_, g);
      }
      cells << cell;
    }
  }
  heatmap_->set_cells(cells, pages && !several ? SpanHeatmap::Layout::strip
                                               : SpanHeatmap::Layout::bars);
  show_histogram(report);
  summary_->setText(tr("%1 answer tokens, %2 layers (%3 attention). Half of the attention "
                       "lies within %4 tokens back, 90% within %5; %6% went outside the "
                       "documents (prompt, question, answer).")
                        .arg(report.answer_tokens)
                        .arg(report.layers)
                        .arg(qs(report.attention))
                        .arg(report.span_p50)
                        .arg(report.span_p90)
                        .arg(report.outside_documents * 100.0, 0, 'f', 1));
  emit reportShown();
}

void AttentionView::show_histogram(const app::SpanReport& report) {
  QChart* chart = chart_->chart();
  chart->removeAllSeries();
  for (QAbstractAxis* axis : chart->axes()) {
    chart->removeAxis(axis);
    delete axis;
  }
  histogram_ = new QBarSet(tr("attention"));
  QStringList categories;
  double top = 0.0;
  for (const app::HistogramBucket& b : report.histogram) {
    *histogram_ << b.mass * 100.0;
    top = std::max(top, b.mass * 100.0);
    // Buckets are log2 ranges [2^k, 2^(k+1) - 1]; their lower ends, written short ("2k"), stay
    // readable in a narrow dock where Qt Charts would elide longer category labels.
    categories << (b.min >= 1024 && b.min % 1024 == 0 ? QStringLiteral("%1k").arg(b.min / 1024)
                                                      : QString::number(b.min));
  }
  auto* series = new QBarSeries;
  series->append(histogram_);
  chart->addSeries(series);
  auto* x = new QBarCategoryAxis;
  x->append(categories);
  x->setTitleText(tr("distance from (tokens)"));
  QFont small = x->labelsFont();
  small.setPointSizeF(std::max(6.0, small.pointSizeF() * 0.75));
  x->setLabelsFont(small);
  auto* y = new QValueAxis;
  y->setRange(0.0, top > 0 ? top * 1.1 : 1.0);
  y->setTitleText(tr("% of attention"));
  y->setLabelFormat(QStringLiteral("%.0f"));
  chart->addAxis(x, Qt::AlignBottom);
  chart->addAxis(y, Qt::AlignLeft);
  series->attachAxis(x);
  series->attachAxis(y);
}

QString AttentionView::summary() const { return summary_->text(); }

}  // namespace quire::ui
