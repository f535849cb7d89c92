#include "ui/main_window.h"

#include <QAction>
#include <QApplication>
#include <QCloseEvent>
#include <QDockWidget>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QLabel>
#include <QMenuBar>
#include <QMessageBox>
#include <QMimeData>
#include <QSettings>
#include <QStackedWidget>
#include <QStatusBar>
#include <QUrl>

#include <utility>

#include "app/models/discovery.h"
#include "app/models/system_memory.h"
#include "quire/version.h"
#include "ui/ask_backend.h"
#include "ui/attention_view.h"
#include "ui/batch_dialog.h"
#include "ui/batch_run_view.h"
#include "ui/chat_panel.h"
#include "ui/document_controller.h"
#include "ui/document_view.h"
#include "ui/export_dialog.h"
#include "ui/job_progress_widget.h"
#include "ui/library_controller.h"
#include "ui/library_sidebar.h"
#include "ui/model_manager_dialog.h"
#include "ui/settings_dialog.h"
#include "ui/stored_conversation.h"

// The icons live in a static library, whose resource initializer the linker would drop unless
// something refers to it; Q_INIT_RESOURCE must stand outside any namespace.
static void init_quire_resources() { Q_INIT_RESOURCE(quire); }

namespace quire::ui {
namespace {

QStringList local_paths(const QMimeData* mime) {
  QStringList paths;
  if (!mime || !mime->hasUrls()) return paths;
  for (const QUrl& url : mime->urls()) {
    if (url.isLocalFile()) paths << url.toLocalFile();
  }
  return paths;
}

}  // namespace

MainWindow::MainWindow(QString settings_file, std::filesystem::path database, QWidget* parent)
    : QMainWindow(parent), settings_file_(std::move(settings_file)), database_(database) {
  init_quire_resources();
  setWindowTitle(tr("Quire"));
  setWindowIcon(QIcon(QStringLiteral(":/quire/icons/quire.svg")));
  setObjectName(QStringLiteral("MainWindow"));
  setAcceptDrops(true);

  library_ = new LibraryController(database, this);
  documents_ = new DocumentController(database, this);

  auto* welcome = new QLabel(
      tr("<h2>Quire</h2><p>Read whole books, PDFs and codebases with a local Llama model.</p>"
         "<p>Open a file or folder (Ctrl+O), or drop it here.</p>"),
      this);
  welcome->setObjectName(QStringLiteral("WelcomePage"));
  welcome->setAlignment(Qt::AlignCenter);
  welcome->setWordWrap(true);
  document_view_ = new DocumentView(this);
  centre_ = new QStackedWidget(this);
  centre_->addWidget(welcome);
  centre_->addWidget(document_view_);
  batch_view_ = new BatchRunView(database, this);
  centre_->addWidget(batch_view_);
  setCentralWidget(centre_);
  conversations_ = new ConversationLoader(database, this);

  progress_ = new JobProgressWidget(this);
  statusBar()->addPermanentWidget(progress_);
  build_docks();
  build_menus();
  connect_controllers();
  statusBar()->showMessage(tr("No document open"));
  resize(1100, 760);
  restore_state();
  if (!database.empty()) {
    library_->refresh();
    // Snapshots live beside the database (app::Paths: data_dir/quire.db, data_dir/snapshots).
    ask_backend_ = new AskBackend(database, database.parent_path() / "snapshots", this);
    ask_backend_->set_model(model_path_, app_settings_);
    connect_ask_backend();
    chat_->set_backend(ask_backend_);
  }
}

// Members are QObject children; the controllers' destructors (after this body) join their
// workers. Shutting them down first makes the order explicit: no job outlives the widgets.
MainWindow::~MainWindow() {
  if (batch_dialog_) batch_dialog_->runner()->shutdown();
  library_->shutdown();
  documents_->shutdown();
  conversations_->shutdown();
  batch_view_->shutdown();
  if (ask_backend_) ask_backend_->shutdown();
}

void MainWindow::build_docks() {
  sidebar_ = new LibrarySidebar(this);
  auto* library_dock = new QDockWidget(tr("Library"), this);
  library_dock->setObjectName(QStringLiteral("LibraryDock"));
  library_dock->setWidget(sidebar_);
  addDockWidget(Qt::LeftDockWidgetArea, library_dock);

  chat_ = new ChatPanel(this);
  auto* chat_dock = new QDockWidget(tr("Chat"), this);
  chat_dock->setObjectName(QStringLiteral("ChatDock"));
  chat_dock->setWidget(chat_);
  addDockWidget(Qt::RightDockWidgetArea, chat_dock);
  resizeDocks({library_dock, chat_dock}, {240, 340}, Qt::Horizontal);

  attention_ = new AttentionView(database_, this);
  auto* attention_dock = new QDockWidget(tr("Attention"), this);
  attention_dock->setObjectName(QStringLiteral("AttentionDock"));
  attention_dock->setWidget(attention_);
  addDockWidget(Qt::RightDockWidgetArea, attention_dock);
  tabifyDockWidget(chat_dock, attention_dock);
  chat_dock->raise();
}

void MainWindow::build_menus() {
  QMenu* file = menuBar()->addMenu(tr("&File"));
  open_action_ = file->addAction(tr("&Open File..."), this, &MainWindow::choose_file);
  open_action_->setShortcut(QKeySequence::Open);
  open_action_->setObjectName(QStringLiteral("OpenAction"));
  open_folder_action_ = file->addAction(tr("Open &Folder..."), this, &MainWindow::choose_folder);
  open_folder_action_->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_O));
  recent_menu_ = file->addMenu(tr("Open &Recent"));
  file->addSeparator();
  export_action_ = file->addAction(tr("&Export Session..."), this, &MainWindow::export_session);
  export_action_->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_E));
  export_action_->setObjectName(QStringLiteral("ExportAction"));
  export_action_->setEnabled(false);
  batch_action_ = file->addAction(tr("&Batch Questions..."), this,
                                  [this] { open_batch_dialog(); });
  batch_action_->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_B));
  batch_action_->setObjectName(QStringLiteral("BatchAction"));
  batch_action_->setEnabled(!database_.empty());
  file->addSeparator();
  settings_action_ = file->addAction(tr("&Settings..."), this, &MainWindow::show_settings);
  settings_action_->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_Comma));
  settings_action_->setMenuRole(QAction::PreferencesRole);
  file->addSeparator();
  quit_action_ = file->addAction(tr("&Quit"), this, &QWidget::close);
  quit_action_->setShortcut(QKeySequence::Quit);
  quit_action_->setObjectName(QStringLiteral("QuitAction"));

  view_menu_ = menuBar()->addMenu(tr("&View"));
  for (QAction* a : document_view_->view_actions()) view_menu_->addAction(a);
  view_menu_->addSeparator();
  for (QDockWidget* dock : findChildren<QDockWidget*>()) {
    view_menu_->addAction(dock->toggleViewAction());
  }

  QMenu* model = menuBar()->addMenu(tr("&Model"));
  models_action_ = model->addAction(tr("&Manage Models..."), this, &MainWindow::manage_models);
  models_action_->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_M));
  models_action_->setObjectName(QStringLiteral("ModelsAction"));

  QMenu* help = menuBar()->addMenu(tr("&Help"));
  about_action_ = help->addAction(tr("&About Quire"), this, &MainWindow::show_about);
  about_action_->setObjectName(QStringLiteral("AboutAction"));
}

void MainWindow::connect_controllers() {
  connect(library_, &LibraryController::documentsChanged, this,
          [this] { sidebar_->set_listing(library_->listing()); });
  connect(library_, &LibraryController::ingestProgress, progress_,
          &JobProgressWidget::show_progress);
  connect(library_, &LibraryController::ingestFinished, progress_, &JobProgressWidget::finish);
  connect(progress_, &JobProgressWidget::cancelRequested, library_, &LibraryController::cancel);
  connect(library_, &LibraryController::ingestFailed, this,
          [this](const QString& path, const QString& message) {
            if (path == pending_open_) pending_open_.clear();
            statusBar()->showMessage(message);
          });
  connect(library_, &LibraryController::documentIngested, this,
          [this](const QString& path, qint64 id) {
            if (path != pending_open_) return;
            pending_open_.clear();
            documents_->load(id);
          });
  connect(sidebar_, &LibrarySidebar::documentActivated, documents_, &DocumentController::load);
  connect(sidebar_, &LibrarySidebar::recentActivated, this, &MainWindow::open_path);
  connect(sidebar_, &LibrarySidebar::sessionActivated, this, &MainWindow::open_session);
  connect(sidebar_, &LibrarySidebar::batchRunActivated, this, &MainWindow::open_batch_run);
  connect(conversations_, &ConversationLoader::loaded, this, &MainWindow::show_conversation);
  connect(conversations_, &ConversationLoader::failed, this,
          [this](const QString& message) { statusBar()->showMessage(message); });
  connect(batch_view_, &BatchRunView::loadFailed, this,
          [this](const QString& message) { statusBar()->showMessage(message); });
  connect(documents_, &DocumentController::documentLoaded, this, &MainWindow::show_document);
  connect(documents_, &DocumentController::loadFailed, this, [this](const QString& message) {
    statusBar()->showMessage(message);
    if (pending_report_ > 0) attention_->load_message(std::exchange(pending_report_, 0));
  });
  const auto go_to = [this](const Location& where) {
    if (!document_view_->show_location(where)) {
      statusBar()->showMessage(tr("%1 is not in the open document").arg(where.label()));
    }
  };
  connect(chat_, &ChatPanel::citationActivated, this, go_to);
  connect(attention_, &AttentionView::locationActivated, this, go_to);
}

void MainWindow::open_path(const QString& path) {
  const QString absolute = QFileInfo(path).absoluteFilePath();
  remember_recent(absolute);
  pending_open_ = absolute;
  statusBar()->showMessage(tr("Reading %1...").arg(QFileInfo(absolute).fileName()));
  library_->ingest({absolute});
}

void MainWindow::set_answer_backend(AnswerBackend* backend) { chat_->set_backend(backend); }

void MainWindow::connect_ask_backend() {
  connect(ask_backend_, &AskBackend::progressChanged, progress_, &JobProgressWidget::show_progress);
  connect(ask_backend_, &AskBackend::progressEnded, progress_, &JobProgressWidget::finish);
  connect(progress_, &JobProgressWidget::cancelRequested, ask_backend_, &AskBackend::stop);
  connect(ask_backend_, &AskBackend::notice, this,
          [this](const QString& text) { statusBar()->showMessage(text); });
  connect(ask_backend_, &AskBackend::answerStored, this, &MainWindow::answer_stored);
  connect(ask_backend_, &AskBackend::failed, this,
          [this](const QString& text) { statusBar()->showMessage(text); });
}

void MainWindow::answer_stored(const AnswerRecord& record) {
  last_session_id_ = record.session_id;
  export_action_->setEnabled(true);
  attention_->load_message(record.message_id);
  statusBar()->showMessage(
      record.restored_from_snapshot
          ? tr("Answered: %1 context tokens, the document restored from its snapshot; %2 "
               "answer tokens")
                .arg(record.context_tokens)
                .arg(record.answer_tokens)
          : tr("Answered: %1 context tokens prefilled and saved; %2 answer tokens")
                .arg(record.prefill_tokens)
                .arg(record.answer_tokens));
}

void MainWindow::open_session(qint64 session_id) {
  if (database_.empty() || chat_->answering()) return;
  conversations_->load(session_id);
}

void MainWindow::show_conversation(const StoredConversation& conversation) {
  last_session_id_ = conversation.session_id;
  export_action_->setEnabled(true);
  chat_->show_conversation(conversation);
  // The report is drawn over the document (page strip, per-file bars), so it waits for it.
  pending_report_ = conversation.latest_answer_id();
  documents_->load(conversation.document_id);
  emit sessionShown(conversation.session_id);
}

void MainWindow::open_batch_run(qint64 run_id) {
  if (database_.empty()) return;
  centre_->setCurrentWidget(batch_view_);
  batch_view_->show_run(run_id);
}

BatchDialog* MainWindow::open_batch_dialog() {
  if (database_.empty()) return nullptr;
  if (!batch_dialog_) {
    batch_dialog_ = new BatchDialog(database_, database_.parent_path() / "snapshots", model_path_,
                                    app_settings_, this);
    batch_dialog_->setAttribute(Qt::WA_DeleteOnClose);
    // New and finished runs appear in the library's "Batch runs".
    const auto refresh = [this] { library_->refresh(); };
    connect(batch_dialog_->runner(), &BatchRunner::finished, this, refresh);
    connect(batch_dialog_->runner(), &BatchRunner::stopped, this, refresh);
    connect(batch_dialog_->runner(), &BatchRunner::failed, this, refresh);
  }
  batch_dialog_->show();
  batch_dialog_->raise();
  return batch_dialog_;
}

void MainWindow::manage_models() {
  ModelManagerDialog dialog(app_settings_, model_path_, app::default_discovery_options(),
                            app::system_memory(), this);
  if (dialog.exec() != QDialog::Accepted || dialog.model_path().isEmpty()) return;
  model_path_ = dialog.model_path();
  app_settings_ = dialog.values();
  if (ask_backend_) ask_backend_->set_model(model_path_, app_settings_);
  statusBar()->showMessage(tr("Questions will be answered by %1").arg(model_path_));
  if (settings_file_.isEmpty()) return;
  QSettings settings(settings_file_, QSettings::IniFormat);
  settings.setValue(QStringLiteral("model/path"), model_path_);
  save_app_settings(settings, app_settings_);
}

void MainWindow::export_session() {
  if (last_session_id_ <= 0 || database_.empty()) return;
  ExportDialog dialog(database_, last_session_id_, this);
  connect(&dialog, &ExportDialog::exported, this,
          [this](const QString& path) { statusBar()->showMessage(tr("Exported to %1").arg(path)); });
  dialog.exec();
}

void MainWindow::show_document(const std::shared_ptr<const LoadedDocument>& document) {
  centre_->setCurrentWidget(document_view_);  // first, so the view knows its width
  document_view_->set_document(document);
  // The attention view reads the document's segments; it shares ownership of its holder.
  attention_->set_document(std::shared_ptr<const app::Document>(document, &document->doc));
  if (ask_backend_) ask_backend_->set_documents({QString::fromStdString(document->doc.path)});
  if (pending_report_ > 0) attention_->load_message(std::exchange(pending_report_, 0));
  const app::Document& doc = document->doc;
  const QString title = QString::fromStdString(doc.title);
  setWindowTitle(tr("%1 — Quire").arg(title));
  QString what = QString::fromStdString(doc.kind);
  if (doc.pages > 0) what += tr(", %1 pages").arg(doc.pages);
  if (doc.kind == "pdf" && !document->pdf) {
    what += tr("; the PDF file cannot be opened any more, showing its stored text");
  }
  statusBar()->showMessage(tr("%1 (%2)").arg(title, what));
  emit documentShown();
}

void MainWindow::choose_file() {
  const QString path = QFileDialog::getOpenFileName(
      this, tr("Open a document"), QString(),
      tr("Documents (*.pdf *.epub *.txt *.md *.markdown *.html *.htm);;All files (*)"));
  if (!path.isEmpty()) open_path(path);
}

void MainWindow::choose_folder() {
  const QString path = QFileDialog::getExistingDirectory(this, tr("Open a code folder"));
  if (!path.isEmpty()) open_path(path);
}

void MainWindow::remember_recent(const QString& path) {
  recent_.removeAll(path);
  recent_.prepend(path);
  while (recent_.size() > kMaxRecent) recent_.removeLast();
  rebuild_recent_menu();
  if (settings_file_.isEmpty()) return;
  QSettings settings(settings_file_, QSettings::IniFormat);
  settings.setValue(QStringLiteral("recent/paths"), recent_);
}

void MainWindow::rebuild_recent_menu() {
  recent_menu_->clear();
  for (const QString& path : recent_) {
    recent_menu_->addAction(QFileInfo(path).fileName(), this, [this, path] { open_path(path); })
        ->setToolTip(path);
  }
  recent_menu_->setEnabled(!recent_.isEmpty());
  sidebar_->set_recent(recent_);
}

void MainWindow::show_about() {
  QMessageBox::about(this, tr("About Quire"),
                     tr("<h3>Quire %1</h3><p>%2</p>")
                         .arg(QString::fromUtf8(kVersion), QString::fromUtf8(kDescription)));
}

void MainWindow::show_settings() {
  SettingsDialog dialog(app_settings_, this);
  if (dialog.exec() != QDialog::Accepted) return;
  app_settings_ = dialog.values();
  if (ask_backend_) ask_backend_->set_model(model_path_, app_settings_);
  if (settings_file_.isEmpty()) return;
  QSettings settings(settings_file_, QSettings::IniFormat);
  save_app_settings(settings, app_settings_);
}

void MainWindow::dragEnterEvent(QDragEnterEvent* event) {
  if (!local_paths(event->mimeData()).isEmpty()) event->acceptProposedAction();
}

void MainWindow::dropEvent(QDropEvent* event) {
  const QStringList paths = local_paths(event->mimeData());
  if (paths.isEmpty()) return;
  event->acceptProposedAction();
  // Every dropped item is stored; the last one is shown.
  for (const QString& path : paths) open_path(path);
}

void MainWindow::restore_state() {
  if (settings_file_.isEmpty()) {
    rebuild_recent_menu();
    return;
  }
  QSettings settings(settings_file_, QSettings::IniFormat);
  restoreGeometry(settings.value(QStringLiteral("main_window/geometry")).toByteArray());
  restoreState(settings.value(QStringLiteral("main_window/state")).toByteArray());
  recent_ = settings.value(QStringLiteral("recent/paths")).toStringList().mid(0, kMaxRecent);
  app_settings_ = load_app_settings(settings);
  model_path_ = settings.value(QStringLiteral("model/path")).toString();
  rebuild_recent_menu();
}

void MainWindow::save_state() const {
  if (settings_file_.isEmpty()) return;
  QSettings settings(settings_file_, QSettings::IniFormat);
  settings.setValue(QStringLiteral("main_window/geometry"), saveGeometry());
  settings.setValue(QStringLiteral("main_window/state"), saveState());
}

void MainWindow::closeEvent(QCloseEvent* event) {
  // Cancel first: a running ingest rolls back and nothing half-stored remains.
  library_->shutdown();
  documents_->shutdown();
  chat_->stop();
  // Stops a running batch (left resumable) and waits for its worker.
  if (batch_dialog_) batch_dialog_->close();
  conversations_->shutdown();
  batch_view_->shutdown();
  // Stops a running question and waits for the worker: its session is stored whole or not at all.
  if (ask_backend_) ask_backend_->shutdown();
  save_state();
  event->accept();
}

}  // namespace quire::ui
