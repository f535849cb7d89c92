// LibrarySidebar: the library as a tree: "Documents" (what the store holds, newest first, each
// with its chat sessions as children), "Batch runs" and "Recent" (paths opened lately).
// Activating a document or one of its sessions emits documentActivated (and sessionActivated);
// a batch run emits batchRunActivated; a recent path emits recentActivated (the window ingests it
// again, which is instant when the file is unchanged).
//
// Threads: GUI thread only. It shows what it is given; the LibraryController reads the store.
#pragma once

#include <QStringList>
#include <QWidget>

#include "ui/library_listing.h"

class QModelIndex;
class QStandardItem;
class QStandardItemModel;
class QTreeView;

namespace quire::ui {

class LibrarySidebar : public QWidget {
  Q_OBJECT

 public:
  // Item data roles: the document id (documents) or the path (recent items).
  static constexpr int kDocumentIdRole = Qt::UserRole + 1;
  static constexpr int kPathRole = Qt::UserRole + 2;
  static constexpr int kSessionIdRole = Qt::UserRole + 3;
  static constexpr int kBatchRunIdRole = Qt::UserRole + 4;

  explicit LibrarySidebar(QWidget* parent = nullptr);

  void set_listing(const LibraryListing& listing);
  void set_recent(const QStringList& paths);

  QStandardItemModel* model() const { return model_; }
  QTreeView* view() const { return view_; }
  // The "Documents", "Batch runs" and "Recent" group items.
  QStandardItem* documents_group() const { return documents_; }
  QStandardItem* batch_group() const { return batches_; }
  QStandardItem* recent_group() const { return recent_; }

 signals:
  void documentActivated(qint64 document_id);
  void sessionActivated(qint64 session_id);
  void batchRunActivated(qint64 run_id);
  void recentActivated(const QString& path);

 private:
  void activate(const QModelIndex& index);

  QStandardItemModel* model_;
  QTreeView* view_;
  QStandardItem* documents_;
  QStandardItem* batches_;
  QStandardItem* recent_;
};

}  // namespace quire::ui
