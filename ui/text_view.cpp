#include "ui/text_view.h"

#include <QFontDatabase>
#include <QPaintEvent>
#include <QPainter>
#include <QRegularExpression>
#include <QResizeEvent>
#include <QStringList>
#include <QTextBlock>
#include <QTextCharFormat>
#include <QTextDocument>

#include <algorithm>
#include <utility>

namespace quire::ui {

// The gutter is a child widget in the editor's left viewport margin; it asks the editor to
// paint it because only the editor knows where its blocks are.
class TextView::Gutter : public QWidget {
 public:
  explicit Gutter(TextView* view) : QWidget(view), view_(view) {}
  QSize sizeHint() const override { return {view_->gutter_width(), 0}; }

 protected:
  void paintEvent(QPaintEvent* event) override { view_->paint_gutter(event); }

 private:
  TextView* view_;
};

TextView::TextView(QWidget* parent) : QPlainTextEdit(parent), gutter_(new Gutter(this)) {
  setObjectName(QStringLiteral("TextView"));
  setReadOnly(true);
  setTextInteractionFlags(Qt::TextSelectableByMouse | Qt::TextSelectableByKeyboard);
  setLineWrapMode(QPlainTextEdit::NoWrap);
  setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
  connect(this, &QPlainTextEdit::blockCountChanged, this,
          [this] { setViewportMargins(gutter_width(), 0, 0, 0); });
  connect(this, &QPlainTextEdit::updateRequest, this, &TextView::update_gutter);
  setViewportMargins(gutter_width(), 0, 0, 0);
}

int TextView::gutter_width() const {
  int digits = 1;
  const int largest = line_numbers_.empty()
                          ? blockCount()
                          : *std::max_element(line_numbers_.begin(), line_numbers_.end());
  for (int n = std::max(1, largest); n >= 10; n /= 10) ++digits;
  return 12 + fontMetrics().horizontalAdvance(QLatin1Char('9')) * digits;
}

void TextView::set_text(const QString& text, std::vector<int> line_numbers) {
  highlight_begin_ = highlight_end_ = -1;
  setExtraSelections({});
  line_numbers_ = std::move(line_numbers);
  setPlainText(text);
  QTextCharFormat heading;
  heading.setFontWeight(QFont::Bold);
  for (size_t b = 0; b < line_numbers_.size(); ++b) {
    if (line_numbers_[b] != 0) continue;
    QTextCursor cursor(document()->findBlockByNumber(int(b)));
    cursor.movePosition(QTextCursor::EndOfBlock, QTextCursor::KeepAnchor);
    cursor.setCharFormat(heading);
  }
  setViewportMargins(gutter_width(), 0, 0, 0);
  go_to_line(1);
}

int TextView::gutter_number(int block) const {
  if (line_numbers_.empty()) return block + 1;
  return block >= 0 && size_t(block) < line_numbers_.size() ? line_numbers_[size_t(block)] : 0;
}

void TextView::go_to_line(int line) {
  const int block_number = std::clamp(line, 1, std::max(1, blockCount())) - 1;
  QTextCursor cursor(document()->findBlockByNumber(block_number));
  setTextCursor(cursor);
  centerCursor();
}

int TextView::current_line() const { return textCursor().blockNumber() + 1; }

bool TextView::highlight_passage(int line, const QString& passage) {
  go_to_line(line);
  const QTextBlock block = document()->findBlockByNumber(std::max(0, current_line() - 1));
  const QStringList words = passage.simplified().split(QLatin1Char(' '), Qt::SkipEmptyParts);
  for (int take : {int(words.size()), 8, 4}) {
    if (take <= 0 || take > words.size()) continue;
    // Any run of whitespace in the passage matches any run in the text (line breaks included).
    QStringList escaped;
    for (const QString& w : words.mid(0, take)) escaped << QRegularExpression::escape(w);
    const QRegularExpression pattern(escaped.join(QStringLiteral("\\s+")));
    const QTextCursor found = document()->find(pattern, block.position());
    if (found.isNull()) continue;
    set_highlight(found.selectionStart(), found.selectionEnd());
    QTextCursor at(document());
    at.setPosition(found.selectionStart());
    setTextCursor(at);
    centerCursor();
    return true;
  }
  set_highlight(block.position(), block.position() + block.length() - 1);
  return false;
}

void TextView::set_highlight(int begin, int end) {
  highlight_begin_ = begin;
  highlight_end_ = end;
  QTextEdit::ExtraSelection mark;
  mark.cursor = QTextCursor(document());
  mark.cursor.setPosition(begin);
  mark.cursor.setPosition(end, QTextCursor::KeepAnchor);
  mark.format.setBackground(palette().color(QPalette::Highlight));
  mark.format.setForeground(palette().color(QPalette::HighlightedText));
  setExtraSelections({mark});
}

bool TextView::find_text(const QString& text, bool backwards) {
  if (text.isEmpty()) return false;
  const QTextDocument::FindFlags flags =
      backwards ? QTextDocument::FindBackward : QTextDocument::FindFlags();
  if (find(text, flags)) return true;
  // Wrap around: start again from the other end.
  QTextCursor cursor(document());
  cursor.movePosition(backwards ? QTextCursor::End : QTextCursor::Start);
  setTextCursor(cursor);
  return find(text, flags);
}

void TextView::resizeEvent(QResizeEvent* event) {
  QPlainTextEdit::resizeEvent(event);
  const QRect area = contentsRect();
  gutter_->setGeometry(QRect(area.left(), area.top(), gutter_width(), area.height()));
}

void TextView::update_gutter(const QRect& rect, int dy) {
  if (dy != 0) {
    gutter_->scroll(0, dy);
  } else {
    gutter_->update(0, rect.y(), gutter_->width(), rect.height());
  }
}

void TextView::paint_gutter(QPaintEvent* event) {
  QPainter painter(gutter_);
  painter.fillRect(event->rect(), palette().color(QPalette::AlternateBase));
  painter.setPen(palette().color(QPalette::PlaceholderText));
  QTextBlock block = firstVisibleBlock();
  int top = int(blockBoundingGeometry(block).translated(contentOffset()).top());
  const int line_height = fontMetrics().height();
  while (block.isValid() && top <= event->rect().bottom()) {
    const int bottom = top + int(blockBoundingRect(block).height());
    if (block.isVisible() && bottom >= event->rect().top()) {
      const int number = gutter_number(block.blockNumber());
      if (number > 0) {
        painter.drawText(0, top, gutter_->width() - 6, line_height, Qt::AlignRight,
                         QString::number(number));
      }
    }
    block = block.next();
    top = bottom;
  }
}

}  // namespace quire::ui
