// TextView: a read-only plain-text view with a line-number gutter, for text, Markdown, HTML,
// EPUB text and code folders. Offers find and passage highlighting.
//
// Threads: GUI thread only.
// Lines: 1-based block numbers of the shown text (a block is a '\n'-terminated line). The gutter
// may show other numbers (a code folder's per-file lines), given with set_text().
#pragma once

#include <QPlainTextEdit>
#include <QString>

#include <vector>

namespace quire::ui {

class TextView : public QPlainTextEdit {
  Q_OBJECT

 public:
  explicit TextView(QWidget* parent = nullptr);

  // line_numbers: per block, the number the gutter shows, 0 marking a heading block (a file name:
  // drawn bold, no number); empty shows 1, 2, 3 ...
  void set_text(const QString& text, std::vector<int> line_numbers = {});
  // What the gutter shows for a 0-based block: its number, or 0 for a heading.
  int gutter_number(int block) const;
  // Moves the cursor to the start of `line` (clamped) and scrolls it into view.
  void go_to_line(int line);
  // The 1-based line of the cursor.
  int current_line() const;
  // Highlights `passage` at or after the start of `line` (whitespace-insensitive prefix match
  // of its first words when the whole passage is not found), else the whole line. Returns
  // whether the passage itself was found.
  bool highlight_passage(int line, const QString& passage);
  // Case-insensitive find of the next / previous occurrence, wrapping; selects it.
  bool find_text(const QString& text, bool backwards = false);
  // The highlighted range (passage or line) as [begin, end) character positions; -1 when none.
  int highlight_begin() const { return highlight_begin_; }
  int highlight_end() const { return highlight_end_; }
  // Width the gutter needs for the current line count, in pixels.
  int gutter_width() const;

 protected:
  void resizeEvent(QResizeEvent* event) override;

 private:
  class Gutter;
  void paint_gutter(QPaintEvent* event);
  void update_gutter(const QRect& rect, int dy);
  void set_highlight(int begin, int end);

  Gutter* gutter_;
  int highlight_begin_ = -1;
  int highlight_end_ = -1;
  std::vector<int> line_numbers_;
};

}  // namespace quire::ui
