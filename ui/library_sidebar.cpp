#include "ui/library_sidebar.h"

#include <QDateTime>
#include <QFileInfo>
#include <QStandardItemModel>
#include <QTreeView>
#include <QVBoxLayout>

namespace quire::ui {
namespace {

QString when(int64_t unix_ms) {
  return QDateTime::fromMSecsSinceEpoch(unix_ms).toString(Qt::ISODate);
}

QString describe(const app::DocumentRow& row) {
  QString what = QString::fromStdString(row.kind);
  if (row.pages > 0) what += QStringLiteral(", %1 pages").arg(row.pages);
  return QStringLiteral("%1\n%2\ningested %3")
      .arg(QString::fromStdString(row.path), what, when(row.ingested_at));
}

}  // namespace

LibrarySidebar::LibrarySidebar(QWidget* parent)
    : QWidget(parent),
      model_(new QStandardItemModel(this)),
      view_(new QTreeView(this)),
      documents_(new QStandardItem(tr("Documents"))),
      batches_(new QStandardItem(tr("Batch runs"))),
      recent_(new QStandardItem(tr("Recent"))) {
  setObjectName(QStringLiteral("LibrarySidebar"));
  for (QStandardItem* group : {documents_, batches_, recent_}) {
    group->setEditable(false);
    group->setSelectable(false);
    model_->appendRow(group);
  }
  view_->setObjectName(QStringLiteral("LibraryTree"));
  view_->setModel(model_);
  view_->setHeaderHidden(true);
  view_->setEditTriggers(QAbstractItemView::NoEditTriggers);
  view_->setUniformRowHeights(true);
  view_->expandAll();
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addWidget(view_);
  connect(view_, &QTreeView::activated, this, &LibrarySidebar::activate);
  connect(view_, &QTreeView::doubleClicked, this, &LibrarySidebar::activate);
}

void LibrarySidebar::set_listing(const LibraryListing& listing) {
  documents_->removeRows(0, documents_->rowCount());
  for (const app::DocumentRow& row : listing.documents) {
    const QString title = row.title.empty() ? QFileInfo(QString::fromStdString(row.path)).fileName()
                                            : QString::fromStdString(row.title);
    auto* item = new QStandardItem(title);
    item->setEditable(false);
    item->setToolTip(describe(row));
    item->setData(qint64(row.id), kDocumentIdRole);
    item->setData(QString::fromStdString(row.path), kPathRole);
    if (auto found = listing.sessions.find(row.id); found != listing.sessions.end()) {
      for (const app::SessionRow& session : found->second) {
        auto* child = new QStandardItem(session.title.empty()
                                            ? tr("Session %1").arg(session.id)
                                            : QString::fromStdString(session.title));
        child->setEditable(false);
        child->setToolTip(tr("Last used %1").arg(when(session.updated_at)));
        child->setData(qint64(row.id), kDocumentIdRole);
        child->setData(qint64(session.id), kSessionIdRole);
        item->appendRow(child);
      }
    }
    documents_->appendRow(item);
  }
  batches_->removeRows(0, batches_->rowCount());
  for (const app::BatchRunRow& run : listing.batch_runs) {
    auto* item = new QStandardItem(
        tr("%1 (%2)").arg(QString::fromStdString(run.name), QString::fromStdString(run.status)));
    item->setEditable(false);
    item->setToolTip(tr("%1\nstarted %2")
                         .arg(QString::fromStdString(run.question), when(run.created_at)));
    item->setData(qint64(run.id), kBatchRunIdRole);
    batches_->appendRow(item);
  }
  view_->expand(documents_->index());
  view_->expand(batches_->index());
}

void LibrarySidebar::set_recent(const QStringList& paths) {
  recent_->removeRows(0, recent_->rowCount());
  for (const QString& path : paths) {
    auto* item = new QStandardItem(QFileInfo(path).fileName());
    item->setEditable(false);
    item->setToolTip(path);
    item->setData(path, kPathRole);
    recent_->appendRow(item);
  }
  view_->expand(recent_->index());
}

void LibrarySidebar::activate(const QModelIndex& index) {
  const QVariant run = index.data(kBatchRunIdRole);
  if (run.isValid()) {
    emit batchRunActivated(run.toLongLong());
    return;
  }
  const QVariant id = index.data(kDocumentIdRole);
  if (id.isValid()) {
    emit documentActivated(id.toLongLong());
    const QVariant session = index.data(kSessionIdRole);
    if (session.isValid()) emit sessionActivated(session.toLongLong());
    return;
  }
  const QString path = index.data(kPathRole).toString();
  if (!path.isEmpty()) emit recentActivated(path);
}

}  // namespace quire::ui
