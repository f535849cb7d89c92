// AppSettings survive a save/load round trip through the INI; hand-edited nonsense falls back to
// the defaults; the dialog edits every value and refuses bad tensor dims with a reason.
#include <QComboBox>
#include <QLineEdit>
#include <QSettings>
#include <QSpinBox>
#include <QTemporaryDir>
#include <QtTest>

#include "ui/app_settings.h"
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
    QCOMPARE(dialog.values(), expected);
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
