// PdfView: the pages of a PDF, rendered with poppler-qt6 one under the other in a scroll area,
// with zoom, page navigation, find and passage highlighting.
//
// Threads: GUI thread only. Pages render lazily when first painted (PdfPageWidget).
// Coordinates: zoom 1.0 is 96 DPI (the page at its printed size on a typical screen).
#pragma once

#include <QList>
#include <QRectF>
#include <QScrollArea>
#include <QString>

#include <memory>
#include <vector>

namespace Poppler {
class Document;
}

namespace quire::ui {

class PdfPageWidget;

class PdfView : public QScrollArea {
  Q_OBJECT

 public:
  explicit PdfView(QWidget* parent = nullptr);
  ~PdfView() override;

  // Shows `pdf` from its first page; nullptr clears the view. The view shares ownership.
  void set_document(std::shared_ptr<Poppler::Document> pdf);
  int page_count() const { return int(pages_.size()); }
  // The 1-based page at the top of the viewport; 0 when empty.
  int current_page() const;
  // Scrolls so that page (1-based, clamped) starts at the top.
  void go_to_page(int page);

  double zoom() const { return zoom_; }
  void set_zoom(double zoom);  // clamped to [0.25, 6]
  void zoom_in() { set_zoom(zoom_ * 1.25); }
  void zoom_out() { set_zoom(zoom_ / 1.25); }
  // Zooms so that the widest page fills the viewport's width.
  void fit_width();

  // Finds the next (or previous) case-insensitive occurrence of `text` after the current one,
  // wrapping around; highlights it and scrolls to it. false when the document has none.
  bool find(const QString& text, bool backwards = false);
  // Scrolls to `page` (1-based) and highlights `passage` there. Long passages that Poppler cannot
  // match whole (they cross lines) are looked up by their first words. false when the passage
  // was not found on that page (the page is still shown).
  bool highlight_passage(int page, const QString& passage);
  void clear_highlights();
  // The page widget (1-based), for tests; nullptr when out of range.
  PdfPageWidget* page_widget(int page) const;

 signals:
  void currentPageChanged(int page);

 private:
  void scroll_to(int page, const QRectF& rect_points);
  QList<QRectF> search_page(int page_index, const QString& text) const;

  std::shared_ptr<Poppler::Document> pdf_;
  std::vector<PdfPageWidget*> pages_;  // owned by the container widget
  QWidget* container_ = nullptr;
  double zoom_ = 1.0;
  int last_reported_page_ = 0;
  // The current find match: page index and rectangle index within that page's matches.
  QString find_text_;
  int find_page_ = -1;
  int find_index_ = -1;
};

}  // namespace quire::ui
