// The model manager lists the models discovery finds, describes the chosen one and estimates
// its memory for the chosen context and KV type against a given machine; a model that will not
// fit says so and cannot be accepted. Numbers are the tiny f32 model's, computed by hand.
#include <QComboBox>
#include <QLabel>
#include <QListWidget>
#include <QPushButton>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTemporaryDir>
#include <QtTest>

#include "ui/model_manager_dialog.h"
#include "ui_test_files.h"

using quire::ui::AppSettings;
using quire::ui::ModelManagerDialog;

namespace {

constexpr int kWaitMs = 60000;  // a safety limit, not a timing
constexpr int64_t kMiB = 1024 * 1024;

}  // namespace

class TestModelManager : public QObject {
  Q_OBJECT

 private:
  QTemporaryDir dir_;
  QString model_;

  quire::app::DiscoveryOptions options() const {
    quire::app::DiscoveryOptions o;
    o.user_folders = {dir_.path().toStdString()};
    return o;
  }

 private slots:
  void initTestCase() {
    QVERIFY(dir_.isValid());
    model_ = dir_.filePath(QStringLiteral("tiny-f32.gguf"));
    QVERIFY(quire::ui::testing::write_tiny_model(model_, "f32"));
    QFile junk(dir_.filePath(QStringLiteral("broken.gguf")));
    QVERIFY(junk.open(QIODevice::WriteOnly));
    junk.write("not a gguf file");
  }

  void lists_describes_and_estimates() {
    AppSettings settings;
    settings.context_size = 1024;
    ModelManagerDialog dialog(settings, QString(), options(), {64 * kMiB, 32 * kMiB});
    QSignalSpy listed(&dialog, &ModelManagerDialog::modelsListed);
    QVERIFY(listed.wait(kWaitMs));
    QCOMPARE(dialog.model_list()->count(), 2);
    QVERIFY(!dialog.ok_button()->isEnabled());  // nothing chosen yet
    int tiny_row = -1;
    for (int i = 0; i < 2; ++i) {
      if (dialog.model_list()->item(i)->text().startsWith(QStringLiteral("tiny-f32"))) tiny_row = i;
    }
    QVERIFY(tiny_row >= 0);
    QVERIFY(dialog.model_list()->item(1 - tiny_row)->text().contains(QStringLiteral("unusable")));

    QSignalSpy described(&dialog, &ModelManagerDialog::modelDescribed);
    dialog.model_list()->setCurrentRow(tiny_row);
    QVERIFY(described.wait(kWaitMs));
    QCOMPARE(dialog.model_path(), model_);
    const QString info = dialog.info_label()->text();
    QVERIFY2(info.contains(QStringLiteral("Architecture: llama")), qPrintable(info));
    QVERIFY2(info.contains(QStringLiteral("Quantization: f32")), qPrintable(info));
    // 2 * 384 * 256 + 256 + 2 * (2 * 256 + 2 * 65536 + 2 * 16384 + 3 * 131072) = 1312000.
    QVERIFY2(info.contains(QStringLiteral("Parameters: 1.3 M")), qPrintable(info));
    QVERIFY2(info.contains(QStringLiteral("Trained context: 512")), qPrintable(info));
    // Weights 1312000 * 4 bytes = 5.0 MiB; KV 512 bytes a token * 1024 = 512.0 KiB;
    // scratch 512 * 2176 * 4 + 384 * 4 = 4457984 bytes = 4.3 MiB; total 10230272 = 9.8 MiB.
    const QString memory = dialog.memory_label()->text();
    QVERIFY2(memory.contains(QStringLiteral("Memory needed: 9.8 MiB")), qPrintable(memory));
    QVERIFY2(memory.contains(QStringLiteral("weights 5.0 MiB + KV cache 512.0 KiB")),
             qPrintable(memory));
    QVERIFY2(memory.contains(QStringLiteral("32.0 MiB available of 64.0 MiB")), qPrintable(memory));
    // 1024 tokens are more than the 512 the tiny model states as its training context.
    QVERIFY(dialog.fit_label()->text().startsWith(QStringLiteral("Fits in memory.")));
    QVERIFY(dialog.fit_label()->text().contains(QStringLiteral("trained on")));
    QVERIFY(dialog.ok_button()->isEnabled());

    // q8_0 halves (and a bit) the KV cache: 34 bytes per 32 values instead of 64.
    dialog.kv_box()->setCurrentText(QStringLiteral("q8_0"));
    QVERIFY(dialog.memory_label()->text().contains(QStringLiteral("KV cache 272.0 KiB")));
    QCOMPARE(dialog.values().kv_type, QStringLiteral("q8_0"));
    dialog.context_box()->setValue(512);
    QCOMPARE(dialog.fit_label()->text(), QStringLiteral("Fits in memory."));
    dialog.context_box()->setValue(4096);
    QCOMPARE(dialog.values().context_size, 4096);
  }

  void says_when_it_will_not_fit() {
    AppSettings settings;
    settings.context_size = 8192;  // 5248000 + 4 MiB KV + 4457984 = 13.9 MiB
    ModelManagerDialog dialog(settings, model_, options(), {16 * kMiB, 12 * kMiB});
    QSignalSpy described(&dialog, &ModelManagerDialog::modelDescribed);
    QVERIFY(described.wait(kWaitMs));
    QVERIFY2(dialog.fit_label()->text().startsWith(QStringLiteral("Will not fit")),
             qPrintable(dialog.fit_label()->text()));
    QVERIFY(!dialog.ok_button()->isEnabled());
    dialog.context_box()->setValue(1024);  // 9.8 MiB: more than 3/4 of the 12 MiB available
    QVERIFY(dialog.fit_label()->text().startsWith(QStringLiteral("Tight")));
    QVERIFY(dialog.ok_button()->isEnabled());
    dialog.context_box()->setValue(512);  // 5248000 + 256 KiB + 4457984 = 9.5 MiB: still tight
    QVERIFY(dialog.fit_label()->text().startsWith(QStringLiteral("Tight")));
  }

  void a_broken_file_is_refused_with_the_reason() {
    ModelManagerDialog dialog(AppSettings{}, dir_.filePath(QStringLiteral("broken.gguf")),
                              options(), {64 * kMiB, 32 * kMiB});
    QSignalSpy described(&dialog, &ModelManagerDialog::modelDescribed);
    QVERIFY(described.wait(kWaitMs));
    QVERIFY(dialog.fit_label()->text().startsWith(QStringLiteral("This file cannot be used")));
    QVERIFY(!dialog.ok_button()->isEnabled());
  }
};

QTEST_MAIN(TestModelManager)
#include "test_model_manager.moc"
