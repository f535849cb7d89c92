// The export dialog writes a stored session (stored_session.h) in each format, and each file is
// read back by an independent reader: Qt's JSON parser, the text itself for Markdown and HTML,
// and poppler's pdftotext for the PDF.
#include <QComboBox>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLineEdit>
#include <QProcess>
#include <QPushButton>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QtTest>

#include "stored_session.h"
#include "ui/export_dialog.h"

using quire::ui::ExportDialog;
namespace t = quire::ui::testing;

namespace {

constexpr int kWaitMs = 60000;  // a safety limit, not a timing

QByteArray read_all(const QString& path) {
  QFile f(path);
  return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

}  // namespace

class TestExportDialog : public QObject {
  Q_OBJECT

 private:
  QTemporaryDir dir_;
  std::filesystem::path db_;
  t::StoredSession stored_;

  QString export_as(ExportDialog::Format format) {
    ExportDialog dialog(db_, stored_.session_id);
    QSignalSpy done(&dialog, &ExportDialog::exported);
    QSignalSpy failed(&dialog, &ExportDialog::exportFailed);
    const QString path = dir_.filePath(QStringLiteral("session.") + ExportDialog::extension(format));
    dialog.format_box()->setCurrentIndex(int(format));
    dialog.path_box()->setText(path);
    QTest::mouseClick(dialog.export_button(), Qt::LeftButton);
    if (!done.wait(kWaitMs) && done.isEmpty()) {
      qWarning("export failed: %s",
               failed.isEmpty() ? "no signal" : qPrintable(failed[0][0].toString()));
      return {};
    }
    return done[0][0].toString();
  }

 private slots:
  void initTestCase() {
    QVERIFY(dir_.isValid());
    db_ = dir_.filePath(QStringLiteral("q.db")).toStdString();
    QVERIFY(t::store_session(db_, stored_));
  }

  void markdown_and_html_hold_the_conversation() {
    const QString md = export_as(ExportDialog::Format::markdown);
    QVERIFY(md.endsWith(QStringLiteral(".md")));
    const QString md_text = QString::fromUtf8(read_all(md));
    QVERIFY(md_text.contains(stored_.question));
    QVERIFY(md_text.contains(stored_.answer));

    const QString html = export_as(ExportDialog::Format::html);
    const QString html_text = QString::fromUtf8(read_all(html));
    QVERIFY(html_text.startsWith(QStringLiteral("<!DOCTYPE html>"), Qt::CaseInsensitive));
    QVERIFY(html_text.contains(stored_.answer));
    QVERIFY(html_text.contains(QStringLiteral("<svg")));  // the heatmap of the span report
  }

  void json_parses_back() {
    const QString path = export_as(ExportDialog::Format::json);
    QJsonParseError error;
    const QJsonDocument doc = QJsonDocument::fromJson(read_all(path), &error);
    QCOMPARE(error.error, QJsonParseError::NoError);
    const QJsonObject o = doc.object();
    QCOMPARE(o[QStringLiteral("schema")].toString(), QStringLiteral("quire.session_export/1"));
    const QJsonArray messages = o[QStringLiteral("messages")].toArray();
    QCOMPARE(messages.size(), 2);
    QCOMPARE(messages[1].toObject()[QStringLiteral("text")].toString(), stored_.answer);
    const QJsonObject report = messages[1].toObject()[QStringLiteral("span_report")].toObject();
    QCOMPARE(report[QStringLiteral("effective_span")].toObject()[QStringLiteral("p90")].toInt(), 20);
  }

  void pdf_reads_back_with_pdftotext() {
    const QString pdftotext = QStandardPaths::findExecutable(QStringLiteral("pdftotext"));
    if (pdftotext.isEmpty()) QSKIP("pdftotext (poppler-utils) is not installed");
    const QString path = export_as(ExportDialog::Format::pdf);
    QVERIFY(!path.isEmpty());
    QVERIFY(read_all(path).startsWith("%PDF-"));
    QProcess p;
    p.start(pdftotext, {path, QStringLiteral("-")});
    QVERIFY(p.waitForFinished(kWaitMs));
    QCOMPARE(p.exitCode(), 0);
    const QString text = QString::fromUtf8(p.readAllStandardOutput()).simplified();
    QVERIFY2(text.contains(stored_.question), qPrintable(text));
    QVERIFY2(text.contains(stored_.answer), qPrintable(text));
    QVERIFY(!QFile::exists(path + QStringLiteral(".part")));
  }

  void an_unwritable_target_is_reported() {
    ExportDialog dialog(db_, stored_.session_id);
    QSignalSpy failed(&dialog, &ExportDialog::exportFailed);
    dialog.export_to(dir_.filePath(QStringLiteral("no/such/folder/s.json")),
                     ExportDialog::Format::json);
    QVERIFY(failed.wait(kWaitMs));
    QVERIFY(failed[0][0].toString().startsWith(QStringLiteral("Cannot write")));
  }

  void an_unknown_session_is_reported() {
    ExportDialog dialog(db_, stored_.session_id + 100);
    QSignalSpy failed(&dialog, &ExportDialog::exportFailed);
    dialog.export_to(dir_.filePath(QStringLiteral("x.md")), ExportDialog::Format::markdown);
    QVERIFY(failed.wait(kWaitMs));
    QVERIFY(!QFile::exists(dir_.filePath(QStringLiteral("x.md"))));
  }
};

QTEST_MAIN(TestExportDialog)
#include "test_export_dialog.moc"
