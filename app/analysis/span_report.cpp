#include "app/analysis/span_report.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <nlohmann/json.hpp>

namespace quire::app {
namespace {

constexpr size_t kPassageBytes = 400;

// Log2 bucket of a distance: 0 -> 0, 1 -> 1, 2..3 -> 2, 4..7 -> 3, ...
size_t bucket_of(int64_t distance) {
  size_t b = 0;
  while (distance > 0) {
    distance >>= 1;
    ++b;
  }
  return b;
}

// At most `max` bytes of `s`, not splitting a UTF-8 sequence.
std::string utf8_prefix(std::string_view s, size_t max) {
  if (s.size() <= max) return std::string(s);
  size_t n = max;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
  return std::string(s.substr(0, n)) + "…";
}

struct Group {
  std::string kind, name;
};

Group group_of(const Segment& seg, size_t index) {
  if (!seg.file.empty()) return {"file", seg.file};
  if (seg.page) return {"page", fmt::format("p. {}", *seg.page)};
  if (!seg.chapter.empty()) return {"chapter", "ch. " + seg.chapter};
  return {"segment", fmt::format("#{}", index + 1)};
}

struct LayerAcc {
  double mass = 0.0, distance_mass = 0.0, entropy_sum = 0.0;
  int64_t rows = 0;
  std::map<std::pair<int32_t, int32_t>, double> segments;
};

nlohmann::json ref_json(const SegmentRef& r, const std::string& label) {
  return {{"document", r.document}, {"segment", r.segment}, {"label", label}};
}

}  // namespace

Result<SpanReport> compute_span_report(const SpanReportInput& in) {
  if (in.trace == nullptr || in.token_segments == nullptr) {
    return make_error(Errc::invalid_argument, "a span report needs an attention trace and a map");
  }
  for (size_t d = 0; d < in.documents.size(); ++d) {
    if (in.documents[d].document == nullptr) {
      return make_error(Errc::invalid_argument, "span report: document {} is missing", d + 1);
    }
  }
  const std::vector<SegmentRef>& map = *in.token_segments;
  for (const SegmentRef& r : map) {
    if (r.document < 0) continue;
    if (size_t(r.document) >= in.documents.size() || r.segment < 0 ||
        size_t(r.segment) >= in.documents[size_t(r.document)].document->segments.size()) {
      return make_error(Errc::invalid_argument,
                        "span report: the token map names segment {} of document {}, which the "
                        "report was not given",
                        r.segment + 1, r.document + 1);
    }
  }

  SpanReport rep;
  rep.attention = in.trace->attention;
  rep.answer_tokens = static_cast<int64_t>(in.trace->tokens.size());
  std::map<std::pair<int32_t, int32_t>, double> seg_mass;
  std::map<int32_t, LayerAcc> layers;
  std::vector<std::pair<int64_t, double>> by_distance;  // (distance, weight)
  double outside = 0.0;
  // run_end[p]: the first position after p with another segment (or none), so a span is
  // split over segments in O(segments it touches).
  std::vector<int64_t> run_end(map.size());
  for (int64_t p = int64_t(map.size()) - 1; p >= 0; --p) {
    const bool same = p + 1 < int64_t(map.size()) &&
                      map[size_t(p + 1)].document == map[size_t(p)].document &&
                      map[size_t(p + 1)].segment == map[size_t(p)].segment;
    run_end[size_t(p)] = same ? run_end[size_t(p + 1)] : p + 1;
  }
  std::vector<std::pair<int64_t, int64_t>> ranges;  // [first, last] of each entry, to check
  for (const AnswerTokenAttention& tok : in.trace->tokens) {
    for (const LayerAttention& row : tok.layers) {
      LayerAcc& acc = layers[row.layer];
      ranges.clear();
      double row_sum = 0.0;
      for (const AttentionEntry& e : row.entries) {
        if (!std::isfinite(e.weight) || e.weight < 0.0f) {
          return make_error(Errc::invalid_argument,
                            "span report: weight {} at position {} (layer {}) is not a "
                            "non-negative number",
                            e.weight, e.position, row.layer);
        }
        if (e.position < 0 || e.length < 1 || e.position > tok.position - (e.length - 1)) {
          return make_error(Errc::invalid_argument,
                            "span report: key positions [{}, {}) for the answer token at {} "
                            "(layer {}) are negative or after the query",
                            e.position, e.position + e.length, tok.position, row.layer);
        }
        ranges.emplace_back(e.position, e.position + e.length - 1);
        const double w = e.weight;
        row_sum += w;
        acc.mass += w;
        acc.distance_mass += w * (double(tok.position - e.position) - double(e.length - 1) / 2);
        // The distance histogram gets a span in up to kSpanPieces equal pieces, each at its
        // middle distance.
        constexpr int64_t kSpanPieces = 16;
        const int64_t pieces = std::min(e.length, kSpanPieces);
        for (int64_t k = 0; k < pieces; ++k) {
          const int64_t lo = e.position + e.length * k / pieces;
          const int64_t hi = e.position + e.length * (k + 1) / pieces;  // exclusive
          by_distance.emplace_back(tok.position - (lo + hi - 1) / 2,
                                   w * double(hi - lo) / double(e.length));
        }
        for (int64_t p = e.position, end = e.position + e.length; p < end;) {
          const bool mapped = p < int64_t(map.size()) && map[size_t(p)].document >= 0;
          const int64_t next = p < int64_t(map.size()) ? std::min(end, run_end[size_t(p)]) : end;
          const double piece = w * double(next - p) / double(e.length);
          if (mapped) {
            const SegmentRef r = map[size_t(p)];
            seg_mass[{r.document, r.segment}] += piece;
            acc.segments[{r.document, r.segment}] += piece;
          } else {
            outside += piece;
          }
          p = next;
        }
      }
      std::sort(ranges.begin(), ranges.end());
      for (size_t i = 1; i < ranges.size(); ++i) {
        if (ranges[i].first <= ranges[i - 1].second) {
          return make_error(Errc::invalid_argument,
                            "span report: key position {} is listed twice for the answer token "
                            "at {} (layer {})",
                            ranges[i].first, tok.position, row.layer);
        }
      }
      if (row_sum > 0.0) {  // a span of L positions holds p as L equal parts of p / L
        double h = 0.0;
        for (const AttentionEntry& e : row.entries) {
          const double p = e.weight / row_sum;
          if (p > 0.0) h -= p * std::log2(p / double(e.length));
        }
        acc.entropy_sum += h;
      }
      ++acc.rows;
    }
  }
  rep.layers = static_cast<int32_t>(layers.size());
  double total = outside;
  for (const auto& [k, w] : seg_mass) total += w;
  rep.total_weight = total;
  const double scale = total > 0.0 ? 1.0 / total : 0.0;
  rep.outside_documents = outside * scale;

  // Effective span and histogram, over every recorded weight.
  std::sort(by_distance.begin(), by_distance.end());
  double cum = 0.0;
  bool have50 = false, have90 = false;
  for (const auto& [dist, w] : by_distance) {
    cum += w * scale;
    // A small tolerance so that weights summing to exactly half by hand still count as half.
    if (!have50 && cum >= 0.5 - 1e-9) rep.span_p50 = dist, have50 = true;
    if (!have90 && cum >= 0.9 - 1e-9) rep.span_p90 = dist, have90 = true;
    const size_t b = bucket_of(dist);
    while (rep.histogram.size() <= b) {
      const size_t k = rep.histogram.size();
      const int64_t lo = k == 0 ? 0 : int64_t(1) << (k - 1);
      const int64_t hi = k == 0 ? 0 : (int64_t(1) << k) - 1;
      rep.histogram.push_back({lo, hi, 0.0});
    }
    rep.histogram[b].mass += w * scale;
  }

  auto label_of = [&](int32_t d, int32_t s) {
    return segment_label(in.documents[size_t(d)].document->segments[size_t(s)], size_t(s));
  };
  std::map<std::tuple<int32_t, std::string, std::string>, size_t> group_index;
  rep.documents.resize(in.documents.size());
  for (size_t d = 0; d < in.documents.size(); ++d) {
    const Document& doc = *in.documents[d].document;
    rep.documents[d] = {int32_t(d), in.documents[d].store_id, doc.title, doc.kind, 0.0};
  }
  for (const auto& [key, w] : seg_mass) {  // map order is document order
    const auto [d, s] = key;
    const SegmentRef ref{d, s};
    rep.segments.push_back({ref, in.documents[size_t(d)].store_id, label_of(d, s), w * scale});
    rep.documents[size_t(d)].mass += w * scale;
    const Group g = group_of(in.documents[size_t(d)].document->segments[size_t(s)], size_t(s));
    const auto gk = std::make_tuple(d, g.kind, g.name);
    auto it = group_index.find(gk);
    if (it == group_index.end()) {
      it = group_index.emplace(gk, rep.groups.size()).first;
      rep.groups.push_back({d, g.kind, g.name, 0.0});
    }
    rep.groups[it->second].mass += w * scale;
  }

  std::vector<SegmentMass> ranked = rep.segments;
  std::stable_sort(ranked.begin(), ranked.end(),
                   [](const SegmentMass& a, const SegmentMass& b) { return a.mass > b.mass; });
  for (size_t i = 0; i < ranked.size() && int(i) < in.top_passages; ++i) {
    const SegmentMass& m = ranked[i];
    const Document& doc = *in.documents[size_t(m.ref.document)].document;
    const Segment& seg = doc.segments[size_t(m.ref.segment)];
    const std::string_view text = std::string_view(doc.text).substr(
        size_t(std::clamp<int64_t>(seg.char_begin, 0, int64_t(doc.text.size()))),
        size_t(std::max<int64_t>(0, std::min<int64_t>(seg.char_end, int64_t(doc.text.size())) -
                                        seg.char_begin)));
    rep.top_passages.push_back({m.ref, m.label, m.mass, utf8_prefix(text, kPassageBytes)});
  }

  for (const auto& [layer, acc] : layers) {
    LayerSummary s;
    s.layer = layer;
    s.mass = acc.mass * scale;
    s.mean_distance = acc.mass > 0.0 ? acc.distance_mass / acc.mass : 0.0;
    s.entropy_bits = acc.rows > 0 ? acc.entropy_sum / double(acc.rows) : 0.0;
    double best = 0.0;
    for (const auto& [key, w] : acc.segments) {
      if (w > best) {
        best = w;
        s.top_segment = SegmentMass{{key.first, key.second},
                                    in.documents[size_t(key.first)].store_id,
                                    label_of(key.first, key.second), w * scale};
      }
    }
    rep.per_layer.push_back(std::move(s));
  }
  return rep;
}

std::string span_report_to_json(const SpanReport& r) {
  using nlohmann::json;
  json out = {{"schema", "quire.span_report/1"},
              {"attention", r.attention},
              {"answer_tokens", r.answer_tokens},
              {"layers", r.layers},
              {"total_weight", r.total_weight},
              {"outside_documents", r.outside_documents},
              {"effective_span", {{"p50", r.span_p50}, {"p90", r.span_p90}}}};
  json hist = json::array();
  for (const auto& b : r.histogram) {
    hist.push_back({{"min", b.min}, {"max", b.max}, {"mass", b.mass}});
  }
  out["distance_histogram"] = hist;
  json segs = json::array();
  for (const auto& s : r.segments) {
    segs.push_back({{"document", s.ref.document}, {"document_id", s.document_id},
                    {"segment", s.ref.segment}, {"label", s.label}, {"mass", s.mass}});
  }
  out["segments"] = segs;
  json groups = json::array();
  for (const auto& g : r.groups) {
    groups.push_back({{"document", g.document}, {"kind", g.kind}, {"name", g.name},
                      {"mass", g.mass}});
  }
  out["groups"] = groups;
  json docs = json::array();
  for (const auto& d : r.documents) {
    docs.push_back({{"document", d.document}, {"document_id", d.document_id}, {"title", d.title},
                    {"kind", d.kind}, {"mass", d.mass}});
  }
  out["documents"] = docs;
  json top = json::array();
  for (const auto& p : r.top_passages) {
    top.push_back({{"document", p.ref.document}, {"segment", p.ref.segment}, {"label", p.label},
                   {"mass", p.mass}, {"text", p.text}});
  }
  out["top_passages"] = top;
  json layers = json::array();
  for (const auto& l : r.per_layer) {
    layers.push_back({{"layer", l.layer}, {"mass", l.mass}, {"mean_distance", l.mean_distance},
                      {"entropy_bits", l.entropy_bits},
                      {"top_segment", l.top_segment ? ref_json(l.top_segment->ref,
                                                               l.top_segment->label)
                                                    : json(nullptr)}});
  }
  out["per_layer"] = layers;
  // Replace invalid UTF-8 (a document's bytes) rather than throw.
  return out.dump(2, ' ', false, json::error_handler_t::replace);
}

Result<SpanReport> span_report_from_json(std::string_view text) {
  const auto j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    return make_error(Errc::corrupt_data, "the span report is not a JSON object");
  }
  if (j.value("schema", "") != "quire.span_report/1") {
    return make_error(Errc::unsupported,
                      "span report schema '{}' is not quire.span_report/1; update Quire",
                      j.value("schema", ""));
  }
  SpanReport r;
  try {  // nlohmann reports a field of the wrong type by throwing; it becomes corrupt_data here
    r.attention = j.at("attention").get<std::string>();
    r.answer_tokens = j.at("answer_tokens").get<int64_t>();
    r.layers = j.at("layers").get<int32_t>();
    r.total_weight = j.at("total_weight").get<double>();
    r.outside_documents = j.at("outside_documents").get<double>();
    r.span_p50 = j.at("effective_span").at("p50").get<int64_t>();
    r.span_p90 = j.at("effective_span").at("p90").get<int64_t>();
    for (const auto& b : j.at("distance_histogram")) {
      r.histogram.push_back({b.at("min").get<int64_t>(), b.at("max").get<int64_t>(),
                             b.at("mass").get<double>()});
    }
    for (const auto& s : j.at("segments")) {
      r.segments.push_back({{s.at("document").get<int32_t>(), s.at("segment").get<int32_t>()},
                            s.at("document_id").get<int64_t>(), s.at("label").get<std::string>(),
                            s.at("mass").get<double>()});
    }
    for (const auto& g : j.at("groups")) {
      r.groups.push_back({g.at("document").get<int32_t>(), g.at("kind").get<std::string>(),
                          g.at("name").get<std::string>(), g.at("mass").get<double>()});
    }
    for (const auto& d : j.at("documents")) {
      r.documents.push_back({d.at("document").get<int32_t>(), d.at("document_id").get<int64_t>(),
                             d.at("title").get<std::string>(), d.at("kind").get<std::string>(),
                             d.at("mass").get<double>()});
    }
    for (const auto& p : j.at("top_passages")) {
      r.top_passages.push_back({{p.at("document").get<int32_t>(), p.at("segment").get<int32_t>()},
                                p.at("label").get<std::string>(), p.at("mass").get<double>(),
                                p.at("text").get<std::string>()});
    }
    for (const auto& l : j.at("per_layer")) {
      LayerSummary s{l.at("layer").get<int32_t>(), l.at("mass").get<double>(),
                     l.at("mean_distance").get<double>(), l.at("entropy_bits").get<double>(), {}};
      const auto& top = l.at("top_segment");
      if (!top.is_null()) {
        s.top_segment = SegmentMass{
            {top.at("document").get<int32_t>(), top.at("segment").get<int32_t>()}, 0,
            top.at("label").get<std::string>(), 0.0};
      }
      r.per_layer.push_back(std::move(s));
    }
  } catch (const nlohmann::json::exception& e) {
    return make_error(Errc::corrupt_data, "the span report has a missing or mistyped field: {}",
                      e.what());
  }
  return r;
}

std::string span_report_to_markdown(const SpanReport& r) {
  std::string md = fmt::format(
      "## Attention span ({} attention)\n\n"
      "{} answer tokens, {} layers. Effective span: 50% of the attention within {} tokens, 90% "
      "within {} tokens. Outside the documents: {:.1f}%.\n\n",
      r.attention, r.answer_tokens, r.layers, group_thousands(r.span_p50),
      group_thousands(r.span_p90), 100.0 * r.outside_documents);
  if (!r.top_passages.empty()) {
    md += "### Top passages\n\n| # | Where | Mass | Text |\n|---|---|---|---|\n";
    for (size_t i = 0; i < r.top_passages.size(); ++i) {
      const Passage& p = r.top_passages[i];
      std::string text;
      for (char c : p.text) {
        if (c == '|') text += "\\|";
        else if (c == '\n' || c == '\r') text += ' ';
        else text += c;
      }
      md += fmt::format("| {} | {} | {:.1f}% | {} |\n", i + 1, p.label, 100.0 * p.mass, text);
    }
    md += "\n";
  }
  md += "### Distance histogram\n\n| Distance (tokens) | Mass |\n|---|---|\n";
  for (const auto& b : r.histogram) {
    md += fmt::format("| {}–{} | {:.1f}% |\n", group_thousands(b.min), group_thousands(b.max),
                      100.0 * b.mass);
  }
  md += "\n### Per layer\n\n| Layer | Mass | Mean distance | Entropy (bits) | Top segment |\n"
        "|---|---|---|---|---|\n";
  for (const auto& l : r.per_layer) {
    md += fmt::format("| {} | {:.1f}% | {:.1f} | {:.2f} | {} |\n", l.layer, 100.0 * l.mass,
                      l.mean_distance, l.entropy_bits,
                      l.top_segment ? l.top_segment->label : std::string("–"));
  }
  return md;
}

}  // namespace quire::app
