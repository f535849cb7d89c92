// PdfPageWidget: one PDF page in the document view. It knows its size before it is rendered
// (so the scroll area has the right length), renders itself lazily the first time it is painted
// and paints highlight rectangles over the page.
//
// Threads: GUI thread only. The Poppler::Page is borrowed from the view's Poppler::Document,
// which outlives every page widget.
#pragma once

#include <QImage>
#include <QList>
#include <QRectF>
#include <QWidget>

#include <memory>

namespace Poppler {
class Page;
}

namespace quire::ui {

class PdfPageWidget : public QWidget {
  Q_OBJECT

 public:
  // page_number: 1-based, for tests and accessibility.
  PdfPageWidget(std::unique_ptr<Poppler::Page> page, int page_number, QWidget* parent = nullptr);
  ~PdfPageWidget() override;

  int page_number() const { return page_number_; }
  // Resolution in dots per inch; 72 shows the page at its size in points.
  void set_dpi(double dpi);
  double dpi() const { return dpi_; }
  // Page width in points (1/72 inch), for fit-to-width.
  double page_width_points() const;
  // Rectangles in page points (Poppler's text search coordinates at 72 DPI).
  void set_highlights(QList<QRectF> rects);
  const QList<QRectF>& highlights() const { return highlights_; }
  Poppler::Page* page() const { return page_.get(); }
  bool rendered() const { return !image_.isNull(); }

 protected:
  void paintEvent(QPaintEvent* event) override;

 private:
  std::unique_ptr<Poppler::Page> page_;
  int page_number_;
  double dpi_ = 96.0;
  QImage image_;  // null until first painted at the current dpi
  QList<QRectF> highlights_;
};

}  // namespace quire::ui
