#include "ui/batch_run_view.h"

#include <QDir>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPushButton>
#include <QTableWidget>
#include <QVBoxLayout>

#include <utility>

#include "app/store/database.h"
#include "ui/batch_dialog.h"
#include "ui/export_dialog.h"

namespace quire::ui {

BatchRunView::BatchRunView(std::filesystem::path database, QWidget* parent)
    : QWidget(parent),
      database_(std::move(database)),
      summary_(new QLabel(this)),
      items_(new QTableWidget(0, 4, this)),
      export_(new QPushButton(tr("&Export…"), this)) {
  setObjectName(QStringLiteral("BatchRunView"));
  summary_->setWordWrap(true);
  summary_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  items_->setObjectName(QStringLiteral("BatchRunItems"));
  items_->setHorizontalHeaderLabels({tr("Document"), tr("Question"), tr("Status"), tr("Answer")});
  items_->horizontalHeader()->setStretchLastSection(true);
  items_->setEditTriggers(QAbstractItemView::NoEditTriggers);
  items_->setSelectionBehavior(QAbstractItemView::SelectRows);
  items_->verticalHeader()->hide();
  export_->setEnabled(false);
  export_->setToolTip(tr("Write the run as Markdown, HTML, JSON, JSON Lines or CSV"));
  connect(export_, &QPushButton::clicked, this, &BatchRunView::export_run);
  auto* top = new QHBoxLayout;
  top->addWidget(summary_, 1);
  top->addWidget(export_);
  auto* layout = new QVBoxLayout(this);
  layout->addLayout(top);
  layout->addWidget(items_, 1);
}

void BatchRunView::show_run(qint64 run_id) {
  runner_.cancel_all();
  runner_.submit([this, run_id](std::stop_token) {
    auto fail = [this](const std::string& m) {
      runner_.post([this, message = QString::fromStdString(m)] {
        summary_->setText(message);
        emit loadFailed(message);
      });
    };
    auto db = app::Database::open(database_);
    if (!db) return fail(db.error().message);
    auto run = app::load_batch_export(*db, run_id);
    if (!run) return fail(run.error().message);
    runner_.post([this, r = std::move(*run)] { show_export(r); });
  });
}

void BatchRunView::show_export(const app::BatchExport& run) {
  run_id_ = run.run.id;
  qint64 done = 0;
  qint64 failed = 0;
  for (const app::BatchItemRow& item : run.items) {
    done += item.status == "done" ? 1 : 0;
    failed += item.status == "failed" ? 1 : 0;
  }
  summary_->setText(tr("<b>Batch run %1: %2</b><br>%3 — %4; %5 questions, %6 items: %7 answered, "
                       "%8 failed, %9 without an outcome.")
                        .arg(run.run.id)
                        .arg(QString::fromStdString(run.run.name).toHtmlEscaped(),
                             QDir::toNativeSeparators(QString::fromStdString(run.run.folder))
                                 .toHtmlEscaped(),
                             QString::fromStdString(run.run.status))
                        .arg(run.questions.size())
                        .arg(run.items.size())
                        .arg(done)
                        .arg(failed)
                        .arg(qint64(run.items.size()) - done - failed));
  items_->setRowCount(0);
  for (const app::BatchItemRow& item : run.items) {
    const int row = items_->rowCount();
    items_->insertRow(row);
    const QString full = QString::fromStdString(item.status == "done" ? item.answer : item.error);
    const QStringList cells{QString::fromStdString(item.path),
                            QString::fromStdString(item.question),
                            QString::fromStdString(item.status),
                            item_excerpt(item, BatchDialog::kExcerptChars)};
    for (int c = 0; c < cells.size(); ++c) {
      auto* cell = new QTableWidgetItem(cells[c]);
      cell->setToolTip(c == 3 ? full : cells[c]);
      items_->setItem(row, c, cell);
    }
  }
  export_->setEnabled(true);
  emit runShown(run_id_);
}

void BatchRunView::export_run() {
  if (run_id_ <= 0) return;
  ExportDialog dialog(database_, ExportDialog::Target::batch_run, run_id_, this);
  dialog.exec();
}

QString BatchRunView::summary_text() const { return summary_->text(); }

}  // namespace quire::ui
