// DocumentView: shows one loaded document: PDF pages (PdfView) when the PDF source opens, else
// its text with line numbers (TextView); a tool row with page navigation, zoom and find; and
// show_location(), which citations call to jump to a page or line and highlight a passage.
//
// Threads: GUI thread only; the document arrives loaded (DocumentController).
#pragma once

#include <QWidget>

#include <memory>
#include <vector>

#include "ui/document_controller.h"
#include "ui/location.h"

class QAction;
class QLabel;
class QLineEdit;
class QSpinBox;
class QStackedWidget;

namespace quire::ui {

class PdfView;
class TextView;

class DocumentView : public QWidget {
  Q_OBJECT

 public:
  explicit DocumentView(QWidget* parent = nullptr);

  void set_document(std::shared_ptr<const LoadedDocument> document);
  const LoadedDocument* document() const { return document_.get(); }
  // true when pages are shown (a PDF whose file opened), false for the text view.
  bool showing_pages() const;

  // Jumps to `where` and highlights its passage. For a PDF shown as text (file gone) and for code
  // folders, pages and file:line are mapped through the segment map to lines of the text.
  // false when the location is not in this document (unknown file, page out of range).
  bool show_location(const Location& where);
  // Finds the next / previous occurrence of `text` in the shown view; false when none.
  bool find(const QString& text, bool backwards = false);

  PdfView* pdf_view() const { return pdf_view_; }
  TextView* text_view() const { return text_view_; }
  // Actions with shortcuts, for the window's menus: zoom in/out, fit width, find, find next,
  // find previous, go to page.
  QList<QAction*> view_actions() const;
  QAction* find_action() const { return find_action_; }

 private:
  void build_tool_row();
  void update_page_box();
  // Fills the text view: the document text, and for code folders a heading line with the file
  // name before each file and per-file line numbers in the gutter. Sets segment_lines_.
  void show_text();
  // Line (1-based, in the shown text) where `where` starts; 0 when unknown.
  int text_line_for(const Location& where) const;

  std::shared_ptr<const LoadedDocument> document_;
  std::vector<int> segment_lines_;  // shown-text line (1-based) of each segment's first line
  QStackedWidget* stack_ = nullptr;
  PdfView* pdf_view_ = nullptr;
  TextView* text_view_ = nullptr;
  QSpinBox* page_box_ = nullptr;
  QLabel* page_total_ = nullptr;
  QLineEdit* find_box_ = nullptr;
  QLabel* find_status_ = nullptr;
  QAction* zoom_in_action_ = nullptr;
  QAction* zoom_out_action_ = nullptr;
  QAction* fit_width_action_ = nullptr;
  QAction* find_action_ = nullptr;
  QAction* find_next_action_ = nullptr;
  QAction* find_previous_action_ = nullptr;
  QAction* go_to_page_action_ = nullptr;
};

}  // namespace quire::ui
