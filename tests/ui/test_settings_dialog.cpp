// AppSettings survive a save/load round trip through the INI; hand-edited nonsense falls back to
// the defaults; the dialog edits every value and refuses bad tensor dims with a reason; the
// overflow policy reaches the ask options, and a context overflow reads in the GUI's words.
#include <QComboBox>
#include <QLineEdit>
#include <QSettings>
#include <QSpinBox>
#include <QTemporaryDir>
#include <QtTest>

#include "ui/app_settings.h"
#include "ui/ask_options.h"
#include "ui/settings_dialog.h"

using quire::ui::AppSettings;
using quire::ui::SettingsDialog;

class TestSettingsDialog : public QObject {
  Q_OBJECT

 private slots:
  void values_round_trip_through_the_ini() {
    QTemporaryDir dir;
    const QString ini = dir.filePath(QStringLiteral("quire.ini"));
    AppSettings v;
    v.attention = QStringLiteral("hybrid");
    v.tensor_dims = {32, 128};
    v.context_size = 65536;
    v.kv_type = QStringLiteral("q8_0");
    v.threads = 6;
    v.device = QStringLiteral("cpu");
    v.data_folder = dir.filePath(QStringLiteral("data"));
    v.overflow = QStringLiteral("ranked");
    {
      QSettings s(ini, QSettings::IniFormat);
      quire::ui::save_app_settings(s, v);
    }
    QSettings s(ini, QSettings::IniFormat);
    QCOMPARE(quire::ui::load_app_settings(s), v);
    QCOMPARE(s.value(QStringLiteral("engine/tensor_dims")).toString(), QStringLiteral("32, 128"));
  }

  void nonsense_in_the_ini_falls_back_to_defaults() {
    QTemporaryDir dir;
    QSettings s(dir.filePath(QStringLiteral("quire.ini")), QSettings::IniFormat);
    s.setValue(QStringLiteral("engine/attention"), QStringLiteral("psychic"));
    s.setValue(QStringLiteral("engine/tensor_dims"), QStringLiteral("8, banana"));
    s.setValue(QStringLiteral("engine/context_size"), 10);
    s.setValue(QStringLiteral("engine/kv_type"), QStringLiteral("q2"));
    s.setValue(QStringLiteral("engine/threads"), -3);
    s.setValue(QStringLiteral("engine/device"), QStringLiteral("tpu"));
    s.setValue(QStringLiteral("engine/overflow"), QStringLiteral("truncate"));
    QCOMPARE(quire::ui::load_app_settings(s), AppSettings{});
  }

  void tensor_dims_parse_and_reject() {
    QList<int> dims{1};
    QString error;
    QVERIFY(quire::ui::parse_tensor_dims(QStringLiteral(" 16, 64 ,128"), dims, error));
    QCOMPARE(dims, (QList<int>{16, 64, 128}));
    QVERIFY(quire::ui::parse_tensor_dims(QString(), dims, error));
    QVERIFY(dims.isEmpty());
    dims = {7};
    QVERIFY(!quire::ui::parse_tensor_dims(QStringLiteral("64, 1"), dims, error));
    QCOMPARE(dims, QList<int>{7});
    QVERIFY(error.contains(QStringLiteral("'1'")));
    QVERIFY(!quire::ui::parse_tensor_dims(QStringLiteral("2,2,2,2,2,2,2,2,2"), dims, error));
    QVERIFY(error.contains(QStringLiteral("9 dims")));
  }

  void the_dialog_edits_every_value() {
    SettingsDialog dialog(AppSettings{});
    dialog.attention_box()->setCurrentText(QStringLiteral("tensorized"));
    dialog.dims_box()->setText(QStringLiteral("64, 128"));
    dialog.context_box()->setValue(16384);
    dialog.kv_box()->setCurrentText(QStringLiteral("q8_0"));
    dialog.threads_box()->setValue(4);
    dialog.device_box()->setCurrentText(QStringLiteral("cuda"));
    dialog.data_folder_box()->setText(QStringLiteral("/tmp/quire-data"));
    dialog.overflow_box()->setCurrentIndex(
        dialog.overflow_box()->findData(QStringLiteral("head")));
    dialog.accept();
    QCOMPARE(dialog.result(), int(QDialog::Accepted));
    AppSettings expected;
    expected.attention = QStringLiteral("tensorized");
    expected.tensor_dims = {64, 128};
    expected.context_size = 16384;
    expected.kv_type = QStringLiteral("q8_0");
    expected.threads = 4;
    expected.device = QStringLiteral("cuda");
    expected.data_folder = QStringLiteral("/tmp/quire-data");
    expected.overflow = QStringLiteral("head");
    QCOMPARE(dialog.values(), expected);
  }

  void the_dialog_shows_the_current_overflow_policy() {
    AppSettings values;
    values.overflow = QStringLiteral("ranked");
    SettingsDialog dialog(values);
    QCOMPARE(dialog.overflow_box()->currentData().toString(), QStringLiteral("ranked"));
    QCOMPARE(dialog.overflow_box()->count(), 3);
  }

  void the_overflow_policy_becomes_the_ask_option() {
    AppSettings v;
    QCOMPARE(*quire::ui::overflow_policy(v), quire::app::OverflowPolicy::error);
    v.overflow = QStringLiteral("head");
    QCOMPARE(*quire::ui::overflow_policy(v), quire::app::OverflowPolicy::head);
    v.overflow = QStringLiteral("ranked");
    QCOMPARE(*quire::ui::overflow_policy(v), quire::app::OverflowPolicy::ranked);
    v.overflow = QStringLiteral("truncate");
    auto bad = quire::ui::overflow_policy(v);
    QVERIFY(!bad);
    QVERIFY(QString::fromStdString(bad.error().message).contains(QStringLiteral("truncate")));
  }

  void a_context_overflow_reads_in_the_guis_words() {
    AppSettings v;
    v.context_size = 4096;
    // The app core's text, as quire-cli prints it: it names the CLI's flags.
    const quire::Error overflow{quire::Errc::context_overflow,
                                "the documents need 9,000 tokens; the context holds 4,096 with "
                                "256 kept for the answer and 64 for the question; use --overflow "
                                "head or ranked, or a larger --ctx"};
    const QString text = quire::ui::gui_error_message(overflow, v, 256);
    QVERIFY2(!text.contains(QStringLiteral("--")), qPrintable(text));
    QVERIFY(text.contains(QLocale().toString(4096)));
    QVERIFY(text.contains(QStringLiteral("256")));
    QVERIFY(text.contains(QStringLiteral("Settings")));
    QVERIFY(text.contains(QStringLiteral("When documents do not fit")));
    // Under head or ranked only a bigger context helps; the policy is not suggested again.
    v.overflow = QStringLiteral("ranked");
    const QString ranked = quire::ui::gui_error_message(overflow, v, 256);
    QVERIFY(ranked.contains(QStringLiteral("Context size")));
    QVERIFY(!ranked.contains(QStringLiteral("When documents do not fit")));
    // Other errors keep the app core's message.
    const quire::Error missing{quire::Errc::not_found, "notes.md: no such file"};
    QCOMPARE(quire::ui::gui_error_message(missing, v, 256), QStringLiteral("notes.md: no such file"));
  }

  void the_dialog_refuses_bad_dims_and_says_why() {
    SettingsDialog dialog(AppSettings{});
    dialog.show();
    dialog.dims_box()->setText(QStringLiteral("64, x"));
    dialog.accept();
    QVERIFY(dialog.isVisible());
    QVERIFY(dialog.error_text().contains(QStringLiteral("'x'")));
    QCOMPARE(dialog.values(), AppSettings{});
  }
};

QTEST_MAIN(TestSettingsDialog)
#include "test_settings_dialog.moc"
