#include "app/analysis/citations.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <string_view>

namespace quire::app {
namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'; }

// Trims ASCII white space and cuts at most `limit` bytes at a UTF-8 character boundary.
std::string quote(std::string_view text, size_t limit) {
  while (!text.empty() && is_space(text.front())) text.remove_prefix(1);
  while (!text.empty() && is_space(text.back())) text.remove_suffix(1);
  if (text.size() > limit) {
    size_t cut = limit;
    // A continuation byte (10xxxxxx) cannot start a character: back up to the lead byte.
    while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
    text = text.substr(0, cut);
  }
  return std::string(text);
}

}  // namespace

AttentionTrace trace_from_recorder(const std::vector<engine::RecordedStep>& steps,
                                   std::string attention) {
  AttentionTrace trace;
  trace.attention = std::move(attention);
  trace.tokens.reserve(steps.size());
  for (const engine::RecordedStep& step : steps) {
    AnswerTokenAttention token;
    token.position = step.position;
    for (const engine::RecordedLayer& layer : step.layers) {
      LayerAttention out;
      out.layer = layer.layer;
      out.entries.reserve(layer.top.size());
      for (const engine::RecordedPosition& p : layer.top) out.entries.push_back({p.position, p.weight, p.length});
      token.layers.push_back(std::move(out));
    }
    trace.tokens.push_back(std::move(token));
  }
  return trace;
}

std::vector<Citation> citations_from_report(const SpanReport& report,
                                            const std::vector<ContextDocument>& documents,
                                            int max_citations) {
  std::vector<const SegmentMass*> ranked;
  for (const SegmentMass& s : report.segments) {
    if (s.mass > 0.0) ranked.push_back(&s);
  }
  // report.segments is in document order, so a stable sort keeps ties in that order.
  std::stable_sort(ranked.begin(), ranked.end(),
                   [](const SegmentMass* a, const SegmentMass* b) { return a->mass > b->mass; });
  std::vector<Citation> out;
  for (const SegmentMass* s : ranked) {
    if (static_cast<int>(out.size()) >= max_citations) break;
    const auto d = static_cast<size_t>(s->ref.document);
    if (s->ref.document < 0 || d >= documents.size() || !documents[d].document) continue;
    const Document& doc = *documents[d].document;
    const auto i = static_cast<size_t>(s->ref.segment);
    if (s->ref.segment < 0 || i >= doc.segments.size()) continue;
    const Segment& seg = doc.segments[i];
    if (seg.char_begin < 0 || seg.char_end < seg.char_begin ||
        static_cast<size_t>(seg.char_end) > doc.text.size()) {
      continue;
    }
    Citation c;
    c.document = s->ref.document;
    c.document_id = documents[d].store_id;
    c.document_title = doc.title;
    c.segment = s->ref.segment;
    c.label = s->label;
    c.page = seg.page;
    c.page_label = seg.page_label;
    c.chapter = seg.chapter;
    c.file = seg.file;
    c.line_start = seg.line_start;
    c.line_end = seg.line_end;
    c.text = quote(std::string_view(doc.text).substr(size_t(seg.char_begin),
                                                     size_t(seg.char_end - seg.char_begin)),
                   kMaxQuoteBytes);
    c.weight = s->mass;
    out.push_back(std::move(c));
  }
  return out;
}

std::string citations_to_json(const std::vector<Citation>& citations) {
  nlohmann::json out = nlohmann::json::array();
  for (const Citation& c : citations) {
    nlohmann::json item = {{"document", c.document},  {"document_id", c.document_id},
                           {"title", c.document_title}, {"segment", c.segment},
                           {"label", c.label},        {"text", c.text},
                           {"weight", c.weight}};
    if (c.page) item["page"] = *c.page;
    if (!c.page_label.empty()) item["page_label"] = c.page_label;
    if (!c.chapter.empty()) item["chapter"] = c.chapter;
    if (!c.file.empty()) item["file"] = c.file;
    if (c.line_start > 0) {
      item["line_start"] = c.line_start;
      item["line_end"] = c.line_end;
    }
    out.push_back(std::move(item));
  }
  return out.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace quire::app
