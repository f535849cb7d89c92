#include "ui/library_sidebar.h"

#include <QDateTime>
#include <QFileInfo>
#include <QStandardItemModel>
#include <QTreeView>
#include <QVBoxLayout>

namespace quire::ui {
namespace {

QString describe(const app::DocumentRow& row) {
  const QString when = QDateTime::fromMSecsSinceEpoch(row.ingested_at).toString(Qt::ISODate);
  QString what = QString::fromStdString(row.kind);
  if (row.pages > 0) what += QStringLiteral(", %1 pages").arg(row.pages);
  return QStringLiteral("%1\n%2\ningested %3").arg(QString::fromStdString(row.path), what, when);
}

}  // namespace

LibrarySidebar::LibrarySidebar(QWidget* parent)
    : QWidget(parent),
      model_(new QStandardItemModel(this)),
      view_(new QTreeView(this)),
      documents_(new QStandardItem(tr("Documents"))),
      recent_(new QStandardItem(tr("Recent"))) {
  setObjectName(QStringLiteral("LibrarySidebar"));
  for (QStandardItem* group : {documents_, recent_}) {
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

void LibrarySidebar::set_documents(const std::vector<app::DocumentRow>& rows) {
  documents_->removeRows(0, documents_->rowCount());
  for (const app::DocumentRow& row : rows) {
    const QString title = row.title.empty() ? QFileInfo(QString::fromStdString(row.path)).fileName()
                                            : QString::fromStdString(row.title);
    auto* item = new QStandardItem(title);
    item->setEditable(false);
    item->setToolTip(describe(row));
    item->setData(qint64(row.id), kDocumentIdRole);
    item->setData(QString::fromStdString(row.path), kPathRole);
    documents_->appendRow(item);
  }
  view_->expand(documents_->index());
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
  const QVariant id = index.data(kDocumentIdRole);
  if (id.isValid()) {
    emit documentActivated(id.toLongLong());
    return;
  }
  const QString path = index.data(kPathRole).toString();
  if (!path.isEmpty()) emit recentActivated(path);
}

}  // namespace quire::ui
