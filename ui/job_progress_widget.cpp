#include "ui/job_progress_widget.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QProgressBar>
#include <QToolButton>

namespace quire::ui {

JobProgressWidget::JobProgressWidget(QWidget* parent)
    : QWidget(parent),
      bar_(new QProgressBar(this)),
      label_(new QLabel(this)),
      cancel_(new QToolButton(this)) {
  setObjectName(QStringLiteral("JobProgress"));
  bar_->setMaximumWidth(220);
  bar_->setTextVisible(false);
  cancel_->setText(tr("Cancel"));
  cancel_->setObjectName(QStringLiteral("CancelJobButton"));
  cancel_->setToolTip(tr("Cancel this job; nothing half-done is kept"));
  auto* layout = new QHBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addWidget(label_);
  layout->addWidget(bar_);
  layout->addWidget(cancel_);
  connect(cancel_, &QToolButton::clicked, this, &JobProgressWidget::cancelRequested);
  hide();
}

void JobProgressWidget::show_progress(const quire::ProgressUpdate& u) {
  if (u.total > 0) {
    // QProgressBar takes int; per-mille keeps huge token counts in range.
    bar_->setRange(0, 1000);
    bar_->setValue(int(u.fraction() * 1000.0));
  } else {
    bar_->setRange(0, 0);  // busy indicator: the total is not known yet
  }
  QString text = u.total > 0 ? tr("%1: %2/%3 %4").arg(QString::fromStdString(u.stage)).arg(u.done)
                                   .arg(u.total).arg(QString::fromStdString(u.unit))
                             : tr("%1: %2 %3").arg(QString::fromStdString(u.stage)).arg(u.done)
                                   .arg(QString::fromStdString(u.unit));
  if (u.rate_per_s > 0.0) {
    text += tr(", %1 %2/s").arg(u.rate_per_s, 0, 'f', 1).arg(QString::fromStdString(u.unit));
  }
  if (u.eta_s >= 0.0) {
    text += tr(", %1 left").arg(QString::fromStdString(format_duration(u.eta_s)));
  }
  label_->setText(text);
  show();
}

void JobProgressWidget::finish() { hide(); }

QString JobProgressWidget::text() const { return label_->text(); }

}  // namespace quire::ui
