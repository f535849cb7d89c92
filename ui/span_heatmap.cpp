#include "ui/span_heatmap.h"

#include <QMouseEvent>
#include <QPainter>
#include <QPalette>

#include <algorithm>
#include <utility>

namespace quire::ui {
namespace {

constexpr int kStripCell = 18;   // px, one page
constexpr int kBarHeight = 20;   // px, one file / chapter / segment row
constexpr int kLabelWidth = 160; // px, the names beside the bars
constexpr int kMargin = 4;

QColor mix(const QColor& a, const QColor& b, double t) {
  t = std::clamp(t, 0.0, 1.0);
  return QColor::fromRgbF(float(a.redF() + (b.redF() - a.redF()) * t),
                          float(a.greenF() + (b.greenF() - a.greenF()) * t),
                          float(a.blueF() + (b.blueF() - a.blueF()) * t));
}

}  // namespace

SpanHeatmap::SpanHeatmap(QWidget* parent) : QWidget(parent) {
  setObjectName(QStringLiteral("SpanHeatmap"));
  setMouseTracking(false);
}

void SpanHeatmap::set_cells(QList<HeatCell> cells, Layout layout) {
  cells_ = std::move(cells);
  layout_ = layout;
  updateGeometry();
  update();
}

double SpanHeatmap::max_mass() const {
  double m = 0.0;
  for (const HeatCell& c : cells_) m = std::max(m, c.mass);
  return m;
}

QRect SpanHeatmap::cell_rect(int index) const {
  if (index < 0 || index >= cells_.size()) return {};
  if (layout_ == Layout::strip) {
    const int per_row = std::max(1, (width() - 2 * kMargin) / kStripCell);
    return {kMargin + (index % per_row) * kStripCell, kMargin + (index / per_row) * kStripCell,
            kStripCell - 2, kStripCell - 2};
  }
  return {kMargin + kLabelWidth, kMargin + index * kBarHeight,
          std::max(1, width() - 2 * kMargin - kLabelWidth), kBarHeight - 3};
}

QSize SpanHeatmap::sizeHint() const {
  if (layout_ == Layout::strip) {
    const int per_row = 30;
    const int rows = int((cells_.size() + per_row - 1) / per_row);
    return {2 * kMargin + per_row * kStripCell, 2 * kMargin + std::max(1, rows) * kStripCell};
  }
  return {kLabelWidth + 300, 2 * kMargin + int(std::max<qsizetype>(1, cells_.size())) * kBarHeight};
}

QSize SpanHeatmap::minimumSizeHint() const { return {kLabelWidth + 60, kStripCell + 2 * kMargin}; }

void SpanHeatmap::paintEvent(QPaintEvent*) {
  QPainter p(this);
  const QColor cold = palette().color(QPalette::Base);
  const QColor hot = palette().color(QPalette::Highlight);
  const double top = max_mass();
  for (int i = 0; i < cells_.size(); ++i) {
    const HeatCell& c = cells_[i];
    const QRect r = cell_rect(i);
    const double t = top > 0 ? c.mass / top : 0.0;  // relative: the hottest cell is darkest
    if (layout_ == Layout::strip) {
      p.fillRect(r, mix(cold, hot, t));
      p.setPen(palette().color(QPalette::Mid));
      p.drawRect(r);
      continue;
    }
    p.setPen(palette().color(QPalette::Text));
    const QRect label(kMargin, r.top(), kLabelWidth - 6, r.height());
    p.drawText(label, Qt::AlignVCenter | Qt::AlignRight,
               fontMetrics().elidedText(c.name, Qt::ElideLeft, label.width()));
    QRect bar = r;
    bar.setWidth(std::max(1, int(r.width() * (top > 0 ? c.mass / top : 0.0))));
    p.fillRect(bar, mix(cold, hot, 0.25 + 0.75 * t));
    p.drawText(r.adjusted(4, 0, -4, 0), Qt::AlignVCenter | Qt::AlignRight,
               QStringLiteral("%1%").arg(c.mass * 100.0, 0, 'f', 1));
  }
}

int SpanHeatmap::cell_at(QPoint point) const {
  for (int i = 0; i < cells_.size(); ++i) {
    QRect r = cell_rect(i);
    if (layout_ == Layout::bars) r.setLeft(kMargin);  // the name is part of the row
    if (r.contains(point)) return i;
  }
  return -1;
}

void SpanHeatmap::mousePressEvent(QMouseEvent* event) {
  const int i = cell_at(event->position().toPoint());
  if (i >= 0 && cells_[i].location) emit locationActivated(*cells_[i].location);
  QWidget::mousePressEvent(event);
}

}  // namespace quire::ui
