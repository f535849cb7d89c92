#include "ui/pdf_page_widget.h"

#include <poppler-qt6.h>

#include <QPainter>
#include <QPalette>

#include <utility>

namespace quire::ui {

PdfPageWidget::PdfPageWidget(std::unique_ptr<Poppler::Page> page, int page_number,
                             QWidget* parent)
    : QWidget(parent), page_(std::move(page)), page_number_(page_number) {
  setObjectName(QStringLiteral("PdfPage%1").arg(page_number));
  set_dpi(dpi_);
}

PdfPageWidget::~PdfPageWidget() = default;

double PdfPageWidget::page_width_points() const { return page_->pageSizeF().width(); }

void PdfPageWidget::set_dpi(double dpi) {
  dpi_ = dpi;
  image_ = QImage();
  const QSizeF points = page_->pageSizeF();
  setFixedSize(int(points.width() * dpi / 72.0 + 0.5), int(points.height() * dpi / 72.0 + 0.5));
  update();
}

void PdfPageWidget::set_highlights(QList<QRectF> rects) {
  highlights_ = std::move(rects);
  update();
}

void PdfPageWidget::paintEvent(QPaintEvent*) {
  // Rendering waits until the page is first painted, i.e. scrolled into view: a 900-page book
  // costs nothing until it is read.
  if (image_.isNull()) image_ = page_->renderToImage(dpi_, dpi_);
  QPainter painter(this);
  if (image_.isNull()) {
    painter.fillRect(rect(), palette().color(QPalette::Base));
  } else {
    painter.drawImage(QPoint(0, 0), image_);
  }
  if (highlights_.isEmpty()) return;
  QColor mark = palette().color(QPalette::Highlight);
  mark.setAlpha(90);
  const double scale = dpi_ / 72.0;
  for (const QRectF& r : highlights_) {
    painter.fillRect(QRectF(r.x() * scale, r.y() * scale, r.width() * scale, r.height() * scale),
                     mark);
  }
}

}  // namespace quire::ui
