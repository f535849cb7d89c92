#include "ui/document_view.h"

#include <poppler-qt6.h>

#include <QAction>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QSpinBox>
#include <QStackedWidget>
#include <QToolButton>
#include <QVBoxLayout>

#include <algorithm>
#include <utility>

#include "ui/pdf_view.h"
#include "ui/text_view.h"

namespace quire::ui {
namespace {

QToolButton* tool_button(QAction* action, QWidget* parent) {
  auto* button = new QToolButton(parent);
  button->setDefaultAction(action);
  button->setAutoRaise(true);
  return button;
}

// 1-based line of byte offset `offset` in UTF-8 `text`.
int line_at(const std::string& text, int64_t offset) {
  const auto end = text.begin() + std::clamp<int64_t>(offset, 0, int64_t(text.size()));
  return 1 + int(std::count(text.begin(), end, '\n'));
}

}  // namespace

DocumentView::DocumentView(QWidget* parent) : QWidget(parent) {
  setObjectName(QStringLiteral("DocumentView"));
  pdf_view_ = new PdfView(this);
  text_view_ = new TextView(this);
  stack_ = new QStackedWidget(this);
  stack_->addWidget(pdf_view_);
  stack_->addWidget(text_view_);
  build_tool_row();
  connect(pdf_view_, &PdfView::currentPageChanged, this, &DocumentView::update_page_box);
}

void DocumentView::build_tool_row() {
  auto make = [this](const QString& text, const QKeySequence& keys, auto slot) {
    auto* action = new QAction(text, this);
    action->setShortcut(keys);
    action->setShortcutContext(Qt::WindowShortcut);
    connect(action, &QAction::triggered, this, slot);
    addAction(action);
    return action;
  };
  zoom_in_action_ = make(tr("Zoom &In"), QKeySequence::ZoomIn, [this] { pdf_view_->zoom_in(); });
  zoom_out_action_ =
      make(tr("Zoom &Out"), QKeySequence::ZoomOut, [this] { pdf_view_->zoom_out(); });
  fit_width_action_ = make(tr("Fit &Width"), QKeySequence(Qt::CTRL | Qt::Key_0),
                           [this] { pdf_view_->fit_width(); });
  find_action_ = make(tr("&Find..."), QKeySequence::Find, [this] {
    find_box_->setFocus();
    find_box_->selectAll();
  });
  // F3 / Shift+F3 rather than the platform's FindNext list, which on X11 includes Ctrl+G.
  find_next_action_ = make(tr("Find &Next"), QKeySequence(Qt::Key_F3),
                           [this] { find(find_box_->text(), false); });
  find_previous_action_ = make(tr("Find &Previous"), QKeySequence(Qt::SHIFT | Qt::Key_F3),
                               [this] { find(find_box_->text(), true); });
  go_to_page_action_ = make(tr("&Go to Page..."), QKeySequence(Qt::CTRL | Qt::Key_G), [this] {
    page_box_->setFocus();
    page_box_->selectAll();
  });

  // Tool buttons show the short icon text; menus and tooltips the full name.
  const std::pair<QAction*, QString> short_names[] = {
      {zoom_out_action_, QStringLiteral("\u2212")}, {zoom_in_action_, QStringLiteral("+")},
      {fit_width_action_, tr("Fit")}, {find_previous_action_, QStringLiteral("\u25B2")},
      {find_next_action_, QStringLiteral("\u25BC")}};
  for (const auto& [action, text] : short_names) {
    action->setToolTip(QStringLiteral("%1 (%2)").arg(action->text().remove(QLatin1Char('&')),
                                                     action->shortcut().toString(
                                                         QKeySequence::NativeText)));
    action->setIconText(text);
  }

  page_box_ = new QSpinBox(this);
  page_box_->setObjectName(QStringLiteral("PageBox"));
  page_box_->setKeyboardTracking(false);
  page_box_->setAccessibleName(tr("Page"));
  page_total_ = new QLabel(this);
  connect(page_box_, &QSpinBox::valueChanged, this, [this](int page) {
    if (showing_pages() && page != pdf_view_->current_page()) pdf_view_->go_to_page(page);
  });
  find_box_ = new QLineEdit(this);
  find_box_->setObjectName(QStringLiteral("FindBox"));
  find_box_->setPlaceholderText(tr("Find in document"));
  find_box_->setClearButtonEnabled(true);
  find_box_->setMinimumWidth(160);
  connect(find_box_, &QLineEdit::returnPressed, this, [this] { find(find_box_->text()); });
  find_status_ = new QLabel(this);

  auto* row = new QHBoxLayout;
  row->addWidget(new QLabel(tr("Page"), this));
  row->addWidget(page_box_);
  row->addWidget(page_total_);
  row->addSpacing(12);
  for (QAction* a : {zoom_out_action_, zoom_in_action_, fit_width_action_}) {
    row->addWidget(tool_button(a, this));
  }
  row->addStretch(1);
  row->addWidget(find_box_, 2);
  row->addWidget(tool_button(find_previous_action_, this));
  row->addWidget(tool_button(find_next_action_, this));
  row->addWidget(find_status_);

  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addLayout(row);
  layout->addWidget(stack_, 1);
}

QList<QAction*> DocumentView::view_actions() const {
  return {zoom_in_action_,  zoom_out_action_,       fit_width_action_, find_action_,
          find_next_action_, find_previous_action_, go_to_page_action_};
}

bool DocumentView::showing_pages() const { return stack_->currentWidget() == pdf_view_; }

void DocumentView::set_document(std::shared_ptr<const LoadedDocument> document) {
  document_ = std::move(document);
  find_status_->clear();
  const bool pages = document_ && document_->pdf;
  pdf_view_->set_document(pages ? document_->pdf : nullptr);
  segment_lines_.clear();
  if (document_ && !pages) {
    show_text();
  } else {
    text_view_->set_text(QString());
  }
  stack_->setCurrentWidget(pages ? static_cast<QWidget*>(pdf_view_) : text_view_);
  for (QAction* a : {zoom_in_action_, zoom_out_action_, fit_width_action_, go_to_page_action_}) {
    a->setEnabled(pages);
  }
  page_box_->setEnabled(pages);
  page_box_->setRange(pages ? 1 : 0, pages ? pdf_view_->page_count() : 0);
  page_total_->setText(pages ? tr("of %1").arg(pdf_view_->page_count()) : QString());
  // Start at the width of the view when it is known (shown); hidden views keep zoom 1.
  if (pages && isVisible()) pdf_view_->fit_width();
  update_page_box();
}

void DocumentView::update_page_box() {
  if (!showing_pages()) return;
  const QSignalBlocker quiet(page_box_);
  page_box_->setValue(pdf_view_->current_page());
}

bool DocumentView::find(const QString& text, bool backwards) {
  const bool found = showing_pages() ? pdf_view_->find(text, backwards)
                                     : text_view_->find_text(text, backwards);
  find_status_->setText(found || text.isEmpty() ? QString() : tr("Not found"));
  update_page_box();
  return found;
}

void DocumentView::show_text() {
  const app::Document& doc = document_->doc;
  if (doc.kind != "code") {
    for (const app::Segment& s : doc.segments) {
      segment_lines_.push_back(line_at(doc.text, s.char_begin));
    }
    text_view_->set_text(QString::fromStdString(doc.text));
    return;
  }
  QString shown;
  std::vector<int> numbers;
  const std::string* file = nullptr;
  for (const app::Segment& s : doc.segments) {
    if (!file || *file != s.file) {
      file = &s.file;
      shown += QStringLiteral("\u2500\u2500 %1\n").arg(QString::fromStdString(s.file));
      numbers.push_back(0);
    }
    segment_lines_.push_back(int(numbers.size()) + 1);
    const auto begin = size_t(std::clamp<int64_t>(s.char_begin, 0, int64_t(doc.text.size())));
    const auto end =
        size_t(std::clamp<int64_t>(s.char_end, int64_t(begin), int64_t(doc.text.size())));
    QString text = QString::fromUtf8(doc.text.data() + begin, qsizetype(end - begin));
    if (!text.endsWith(QLatin1Char('\n'))) text += QLatin1Char('\n');
    const int lines = int(text.count(QLatin1Char('\n')));
    for (int i = 0; i < lines; ++i) numbers.push_back(s.line_start + i);
    shown += text;
  }
  text_view_->set_text(shown, std::move(numbers));
}

int DocumentView::text_line_for(const Location& where) const {
  const app::Document& doc = document_->doc;
  for (size_t i = 0; i < doc.segments.size() && i < segment_lines_.size(); ++i) {
    const app::Segment& s = doc.segments[i];
    if (where.page > 0) {
      if (s.page && *s.page == where.page) return segment_lines_[i];
    } else if (!where.file.isEmpty()) {
      if (QString::fromStdString(s.file) == where.file && where.line >= s.line_start &&
          where.line <= s.line_end) {
        return segment_lines_[i] + (where.line - s.line_start);
      }
    }
  }
  if (where.page == 0 && where.file.isEmpty() && where.line > 0) return where.line;
  return 0;
}

bool DocumentView::show_location(const Location& where) {
  if (!document_) return false;
  if (showing_pages()) {
    if (where.page < 1 || where.page > pdf_view_->page_count()) return false;
    pdf_view_->highlight_passage(where.page, where.passage);
    update_page_box();
    return true;
  }
  const int line = text_line_for(where);
  if (line <= 0 || line > text_view_->blockCount()) return false;
  text_view_->highlight_passage(line, where.passage);
  return true;
}

}  // namespace quire::ui
