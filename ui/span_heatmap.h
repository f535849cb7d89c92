// SpanHeatmap: where an answer looked, as cells shaded by attention mass (darker = more): a strip
// of page cells for PDFs, or one labelled bar per file (code), chapter or segment otherwise.
// Clicking a cell with a location emits locationActivated().
//
// Threads: GUI thread only.
#pragma once

#include <QList>
#include <QRect>
#include <QString>
#include <QWidget>

#include <optional>

#include "ui/location.h"

namespace quire::ui {

struct HeatCell {
  QString name;                      // "p. 3", "src/a.cpp", "ch. Storms", "#4"
  double mass = 0.0;                 // fraction of the answer's attention, [0, 1]
  std::optional<Location> location;  // where clicking goes; none: not clickable
};

class SpanHeatmap : public QWidget {
  Q_OBJECT

 public:
  enum class Layout { strip, bars };

  explicit SpanHeatmap(QWidget* parent = nullptr);

  void set_cells(QList<HeatCell> cells, Layout layout);
  const QList<HeatCell>& cells() const { return cells_; }
  Layout layout_kind() const { return layout_; }
  // The cell's rectangle at the current size (tests click its centre); empty for a bad index.
  QRect cell_rect(int index) const;

  QSize sizeHint() const override;
  QSize minimumSizeHint() const override;

 signals:
  void locationActivated(const quire::ui::Location& location);

 protected:
  void paintEvent(QPaintEvent* event) override;
  void mousePressEvent(QMouseEvent* event) override;

 private:
  int cell_at(QPoint point) const;
  double max_mass() const;

  QList<HeatCell> cells_;
  Layout layout_ = Layout::bars;
};

}  // namespace quire::ui
