#include "ui/pdf_view.h"

#include <poppler-qt6.h>

#include <QScrollBar>
#include <QStringList>
#include <QVBoxLayout>

#include <algorithm>
#include <utility>

#include "ui/pdf_page_widget.h"

namespace quire::ui {
namespace {

constexpr double kDpiAtZoom1 = 96.0;
constexpr int kPageGap = 12;

}  // namespace

PdfView::PdfView(QWidget* parent) : QScrollArea(parent) {
  setObjectName(QStringLiteral("PdfView"));
  setWidgetResizable(true);
  setAlignment(Qt::AlignHCenter);
  setBackgroundRole(QPalette::Dark);
  connect(verticalScrollBar(), &QScrollBar::valueChanged, this, [this] {
    const int page = current_page();
    if (page == last_reported_page_) return;
    last_reported_page_ = page;
    emit currentPageChanged(page);
  });
}

PdfView::~PdfView() {
  // Page widgets borrow Poppler pages of pdf_; delete them before the document goes.
  delete takeWidget();
}

void PdfView::set_document(std::shared_ptr<Poppler::Document> pdf) {
  delete takeWidget();
  pages_.clear();
  find_text_.clear();
  find_page_ = find_index_ = -1;
  pdf_ = std::move(pdf);
  container_ = new QWidget;
  auto* layout = new QVBoxLayout(container_);
  layout->setSpacing(kPageGap);
  layout->setAlignment(Qt::AlignHCenter);
  if (pdf_) {
    const int n = pdf_->numPages();
    for (int i = 0; i < n; ++i) {
      std::unique_ptr<Poppler::Page> page = pdf_->page(i);
      if (!page) continue;  // a damaged page object: Poppler shows nothing for it either
      auto* widget = new PdfPageWidget(std::move(page), i + 1, container_);
      widget->set_dpi(kDpiAtZoom1 * zoom_);
      layout->addWidget(widget, 0, Qt::AlignHCenter);
      pages_.push_back(widget);
    }
  }
  setWidget(container_);
  last_reported_page_ = 0;
  go_to_page(1);
}

int PdfView::current_page() const {
  if (pages_.empty()) return 0;
  const int top = verticalScrollBar()->value() + kPageGap;
  int current = 1;
  for (const PdfPageWidget* page : pages_) {
    if (page->y() > top) break;
    current = page->page_number();
  }
  return current;
}

PdfPageWidget* PdfView::page_widget(int page) const {
  if (page < 1 || page > int(pages_.size())) return nullptr;
  return pages_[size_t(page - 1)];
}

void PdfView::go_to_page(int page) {
  if (pages_.empty()) return;
  scroll_to(std::clamp(page, 1, int(pages_.size())), QRectF());
}

void PdfView::scroll_to(int page, const QRectF& rect_points) {
  PdfPageWidget* widget = page_widget(page);
  if (!widget) return;
  // Positions and the scroll range are only valid once the layout has run, which Qt otherwise
  // defers to a later event (and skips while hidden). Resizing the container now also updates
  // the scroll bar range at once (QScrollArea watches its widget's resize events).
  container_->layout()->activate();
  container_->resize(container_->sizeHint().expandedTo(viewport()->size()));
  int y = widget->y();
  if (!rect_points.isNull()) {
    // Keep the passage in the upper third of the viewport, with the page above it in view.
    const double scale = widget->dpi() / 72.0;
    y += int(rect_points.y() * scale) - viewport()->height() / 3;
    y = std::max(y, widget->y());
  }
  verticalScrollBar()->setValue(y);
}

void PdfView::set_zoom(double zoom) {
  const int page = current_page();
  zoom_ = std::clamp(zoom, 0.25, 6.0);
  for (PdfPageWidget* widget : pages_) widget->set_dpi(kDpiAtZoom1 * zoom_);
  if (page > 0) go_to_page(page);
}

void PdfView::fit_width() {
  double widest = 0.0;
  for (const PdfPageWidget* widget : pages_) widest = std::max(widest, widget->page_width_points());
  if (widest <= 0.0) return;
  // The container's margins, and the vertical scroll bar when it is about to appear, take room.
  const QMargins margins = container_->layout()->contentsMargins();
  const int scroll_bar =
      verticalScrollBar()->isVisible() ? 0 : verticalScrollBar()->sizeHint().width();
  const int available = viewport()->width() - margins.left() - margins.right() - scroll_bar - 2;
  set_zoom(double(available) * 72.0 / (widest * kDpiAtZoom1));
}

QList<QRectF> PdfView::search_page(int page_index, const QString& text) const {
  return pages_[size_t(page_index)]->page()->search(text, Poppler::Page::IgnoreCase);
}

bool PdfView::find(const QString& text, bool backwards) {
  if (pages_.empty() || text.isEmpty()) return false;
  if (text != find_text_) {
    find_text_ = text;
    find_page_ = std::max(0, current_page() - 1);
    find_index_ = backwards ? 0 : -1;
  }
  const int n = int(pages_.size());
  // Visit the current page (from the match after / before the current one), then the others,
  // then the current page again from its other end (wrap-around).
  for (int step = 0; step <= n; ++step) {
    const int page_index = ((backwards ? find_page_ - step : find_page_ + step) % n + n) % n;
    const QList<QRectF> matches = search_page(page_index, text);
    if (matches.isEmpty()) continue;
    int index = -1;
    if (step == 0) {
      index = backwards ? find_index_ - 1 : find_index_ + 1;
      if (index < 0 || index >= matches.size()) continue;
    } else {
      index = backwards ? int(matches.size()) - 1 : 0;
    }
    clear_highlights();
    find_page_ = page_index;
    find_index_ = index;
    pages_[size_t(page_index)]->set_highlights({matches[index]});
    scroll_to(page_index + 1, matches[index]);
    return true;
  }
  return false;
}

bool PdfView::highlight_passage(int page, const QString& passage) {
  PdfPageWidget* widget = page_widget(page);
  if (!widget) return false;
  clear_highlights();
  const QStringList words = passage.simplified().split(QLatin1Char(' '), Qt::SkipEmptyParts);
  for (int take : {int(words.size()), 8, 4}) {
    if (take <= 0 || take > words.size()) continue;
    const QList<QRectF> matches = search_page(page - 1, words.mid(0, take).join(QLatin1Char(' ')));
    if (matches.isEmpty()) continue;
    widget->set_highlights({matches.front()});
    scroll_to(page, matches.front());
    return true;
  }
  go_to_page(page);
  return false;
}

void PdfView::clear_highlights() {
  for (PdfPageWidget* widget : pages_) {
    if (!widget->highlights().isEmpty()) widget->set_highlights({});
  }
}

}  // namespace quire::ui
