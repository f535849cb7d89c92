// Test inputs for the ui suites, generated on the fly: text files with known lines, PDFs with
// known words on known pages (written with Qt's QPdfWriter, independently of the poppler code
// that reads them), large folders for cancellation tests, and tiny random-weight models.
#pragma once

#include <QString>
#include <QStringList>

#include <cstdint>

namespace quire::ui::testing {

// Writes `lines` joined with '\n' (and a final '\n') to `path`. false on I/O failure.
bool write_text_file(const QString& path, const QStringList& lines);
// Lines "line N: <word>" for N = 1..n, where word is "needle" on line `needle_line` and
// "hay" elsewhere.
QStringList numbered_lines(int n, int needle_line);
// A PDF of `pages.size()` A5 pages; page i (1-based i+1) shows the text pages[i].
bool write_pdf(const QString& path, const QStringList& pages);
// A folder of `files` small source files (each 30 lines) under `dir`.
bool write_code_folder(const QString& dir, int files);
// A random-weight model of the synthetic "tiny" shape (engine/model/synthetic_model.h) in weight
// type `type` ("q8_0", "f32", ...). false when it cannot be written.
bool write_tiny_model(const QString& path, const char* type, uint64_t seed = 0);

}  // namespace quire::ui::testing
