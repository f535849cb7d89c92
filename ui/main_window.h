// Quire's main window: the library sidebar (left dock), the document view (centre; a welcome
// page until a document is open), the chat panel (right dock) and a status bar with the progress
// of long jobs. Files and folders dropped on the window, or chosen with File > Open, are
// ingested into the store and then shown. Window geometry, dock layout and recent items are kept
// in the settings INI (QUIRE_HOME aware).
// With a store, questions go to an AskBackend the window owns (the model chosen in Model >
// Manage Models, kept in the INI as model/path); each answer's span report is shown in the
// attention dock, and its session can be exported (File > Export Session). Selecting a stored
// session in the sidebar opens its document, shows its conversation in the chat panel and its
// latest answer in the attention dock; selecting a batch run shows its items in the centre
// (BatchRunView, with Export). File > Batch Questions opens the BatchDialog with the chat's model
// and settings; closing the window during a batch stops it (resumable) and waits for it.
//
// Threads: GUI thread only. Store, extraction and loading run on the controllers' workers;
// closing the window cancels them and waits for them to unwind (nothing half-stored remains).
#pragma once

#include <QMainWindow>
#include <QPointer>
#include <QString>
#include <QStringList>

#include <filesystem>
#include <memory>

#include "ui/app_settings.h"

class QAction;
class QMenu;
class QStackedWidget;

namespace quire::ui {

class AnswerBackend;
class AskBackend;
class AttentionView;
struct AnswerRecord;
class BatchDialog;
class BatchRunView;
class ConversationLoader;
struct StoredConversation;
class ChatPanel;
class DocumentController;
class DocumentView;
class JobProgressWidget;
class LibraryController;
class LibrarySidebar;
struct LoadedDocument;

class MainWindow : public QMainWindow {
  Q_OBJECT

 public:
  static constexpr int kMaxRecent = 10;

  // settings_file: the INI file that keeps window state, recent items and AppSettings
  // (app::Paths::settings_file()); empty keeps nothing (tests).
  // database: the store (app::Paths::database()); empty: the library stays empty and opening a
  // file reports that there is no store.
  explicit MainWindow(QString settings_file, std::filesystem::path database = {},
                      QWidget* parent = nullptr);
  ~MainWindow() override;

  // Ingests `path` (file or folder), remembers it in Recent, and shows it when stored.
  void open_path(const QString& path);
  // Where questions go instead of the window's own AskBackend (tests); nullptr: nowhere.
  // Borrowed; must outlive the window.
  void set_answer_backend(AnswerBackend* backend);
  // Runs the model manager and, when accepted, uses and remembers the chosen model.
  void manage_models();
  // Exports the session of the last answer (ExportDialog); does nothing before an answer.
  void export_session();
  // Opens the batch dialog (non-modal; one at a time) with the chat's model and settings.
  // Returns it; nullptr without a store.
  BatchDialog* open_batch_dialog();
  // Shows stored session `session_id`: its document, conversation and latest answer's report.
  // sessionShown() follows (or a status-bar message when it cannot be read).
  void open_session(qint64 session_id);
  // Shows stored batch run `run_id` in the centre.
  void open_batch_run(qint64 run_id);
  // The model file questions are answered with (settings model/path); empty: none chosen.
  QString model_path() const { return model_path_; }

  QAction* quit_action() const { return quit_action_; }
  QAction* about_action() const { return about_action_; }
  QAction* open_action() const { return open_action_; }
  QAction* open_folder_action() const { return open_folder_action_; }
  QAction* settings_action() const { return settings_action_; }
  QAction* models_action() const { return models_action_; }
  QAction* export_action() const { return export_action_; }
  QAction* batch_action() const { return batch_action_; }
  BatchRunView* batch_run_view() const { return batch_view_; }
  // The window's own backend; nullptr without a store.
  AskBackend* ask_backend() const { return ask_backend_; }
  AttentionView* attention_view() const { return attention_; }
  qint64 last_session_id() const { return last_session_id_; }
  LibraryController* library() const { return library_; }
  DocumentController* documents() const { return documents_; }
  LibrarySidebar* sidebar() const { return sidebar_; }
  DocumentView* document_view() const { return document_view_; }
  ChatPanel* chat_panel() const { return chat_; }
  JobProgressWidget* job_progress() const { return progress_; }
  QStringList recent_paths() const { return recent_; }
  const AppSettings& app_settings() const { return app_settings_; }

 signals:
  // A document is shown in the document view.
  void documentShown();
  // A stored session's conversation is in the chat panel.
  void sessionShown(qint64 session_id);

 protected:
  void closeEvent(QCloseEvent* event) override;
  void dragEnterEvent(QDragEnterEvent* event) override;
  void dropEvent(QDropEvent* event) override;

 private:
  void build_docks();
  void build_menus();
  void connect_controllers();
  void show_about();
  void show_settings();
  void choose_file();
  void choose_folder();
  void remember_recent(const QString& path);
  void rebuild_recent_menu();
  void show_document(const std::shared_ptr<const LoadedDocument>& document);
  void restore_state();
  void save_state() const;
  void connect_ask_backend();
  void answer_stored(const AnswerRecord& record);
  void show_conversation(const StoredConversation& conversation);

  QString settings_file_;
  AppSettings app_settings_;
  QStringList recent_;
  QString pending_open_;  // the path whose ingest, when it ends, opens the document
  std::filesystem::path database_;
  QString model_path_;
  qint64 last_session_id_ = 0;
  qint64 pending_report_ = 0;  // the answer whose report to show once its document is shown

  LibraryController* library_ = nullptr;
  DocumentController* documents_ = nullptr;
  LibrarySidebar* sidebar_ = nullptr;
  DocumentView* document_view_ = nullptr;
  ChatPanel* chat_ = nullptr;
  JobProgressWidget* progress_ = nullptr;
  QStackedWidget* centre_ = nullptr;
  QMenu* recent_menu_ = nullptr;
  QMenu* view_menu_ = nullptr;
  QAction* quit_action_ = nullptr;
  QAction* about_action_ = nullptr;
  QAction* open_action_ = nullptr;
  QAction* open_folder_action_ = nullptr;
  QAction* settings_action_ = nullptr;
  QAction* models_action_ = nullptr;
  QAction* export_action_ = nullptr;
  QAction* batch_action_ = nullptr;
  AskBackend* ask_backend_ = nullptr;
  ConversationLoader* conversations_ = nullptr;
  BatchRunView* batch_view_ = nullptr;
  QPointer<BatchDialog> batch_dialog_;
  AttentionView* attention_ = nullptr;
};

}  // namespace quire::ui
