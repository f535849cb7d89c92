#include "app/context/context_builder.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cstddef>

#include "app/store/sha256.h"

namespace quire::app {
namespace {

// Placeholders the chat template is rendered around; control bytes never occur in a template.
constexpr std::string_view kDocsMark = "\x01QUIRE-DOCUMENTS\x01";
constexpr std::string_view kQuestionMark = "\x01QUIRE-QUESTION\x01";
constexpr std::string_view kGapText = "[...]\n";  // where an overflow policy left segments out
constexpr size_t kMaxLabelsInMessage = 12;

struct TemplateParts {
  std::string head;  // template text before the documents (includes the system prompt)
  std::string tail;  // template text after the question (ends with the generation prompt)
};

Result<TemplateParts> split_template(engine::ChatTemplateKind kind, const std::string& system) {
  std::vector<engine::ChatMessage> messages;
  if (!system.empty()) messages.push_back({"system", system});
  messages.push_back({"user", fmt::format("{}{}", kDocsMark, kQuestionMark)});
  const std::string text = engine::render(kind, messages, /*add_generation_prompt=*/true);
  const size_t d = text.find(kDocsMark);
  const size_t q = text.find(kQuestionMark);
  if (d == std::string::npos || q == std::string::npos || q != d + kDocsMark.size()) {
    return make_error(Errc::internal, "the {} chat template did not keep the user turn intact",
                      engine::chat_template_name(kind));
  }
  return TemplateParts{text.substr(0, d), text.substr(q + kQuestionMark.size())};
}

std::string attribute_value(std::string_view s) {
  std::string out;
  for (char c : s) out.push_back(c == '"' || c == '\n' || c == '\r' ? '\'' : c);
  return out;
}

void append(std::vector<int32_t>& ids, std::vector<SegmentRef>& refs,
            const std::vector<int32_t>& add, SegmentRef ref) {
  ids.insert(ids.end(), add.begin(), add.end());
  refs.insert(refs.end(), add.size(), ref);
}

std::string hash_ids(const std::vector<int32_t>& ids) {
  Sha256 hasher;
  for (int32_t id : ids) {
    const auto u = static_cast<uint32_t>(id);
    const std::array<std::byte, 4> le = {std::byte(u & 0xff), std::byte((u >> 8) & 0xff),
                                         std::byte((u >> 16) & 0xff), std::byte(u >> 24)};
    hasher.update(le);
  }
  return hasher.hex_digest();
}

// Per document: the tokens of its header, footer and each rendered segment.
struct EncodedDocument {
  std::vector<int32_t> header, footer;
  std::vector<std::vector<int32_t>> segments;
};

// Chooses the kept segments. `budget` is what the segments may take (template, headers, footers
// and one gap marker per document already paid). Head: the first segments in order, up to the
// first that does not fit. Ranked: best first, each that fits; every kept segment also pays for
// one gap marker after it, the most gaps it can add.
std::vector<std::vector<bool>> choose(const ContextRequest& req,
                                      const std::vector<EncodedDocument>& docs, int64_t budget,
                                      int64_t gap_tokens) {
  std::vector<std::vector<bool>> keep(docs.size());
  for (size_t d = 0; d < docs.size(); ++d) keep[d].assign(docs[d].segments.size(), false);
  int64_t left = budget;
  if (req.overflow == OverflowPolicy::head) {
    for (size_t d = 0; d < docs.size(); ++d) {
      for (size_t s = 0; s < docs[d].segments.size(); ++s) {
        const auto n = static_cast<int64_t>(docs[d].segments[s].size());
        if (n > left) return keep;
        keep[d][s] = true;
        left -= n;
      }
    }
    return keep;
  }
  std::vector<SegmentRef> order = req.ranking;
  std::vector<std::vector<bool>> listed = keep;
  for (const SegmentRef& r : req.ranking) listed[size_t(r.document)][size_t(r.segment)] = true;
  for (size_t d = 0; d < docs.size(); ++d) {
    for (size_t s = 0; s < docs[d].segments.size(); ++s) {
      if (!listed[d][s]) order.push_back({int32_t(d), int32_t(s)});
    }
  }
  for (const SegmentRef& r : order) {
    const auto d = size_t(r.document), s = size_t(r.segment);
    if (keep[d][s]) continue;  // listed twice
    const int64_t n = static_cast<int64_t>(docs[d].segments[s].size()) + gap_tokens;
    if (n > left) continue;
    keep[d][s] = true;
    left -= n;
  }
  return keep;
}

std::string compact_labels(const std::vector<LeftOutSegment>& left_out) {
  std::string out;
  for (size_t i = 0; i < left_out.size() && i < kMaxLabelsInMessage; ++i) {
    if (i > 0) out += ", ";
    out += left_out[i].label;
  }
  if (left_out.size() > kMaxLabelsInMessage) {
    out += fmt::format(" and {} more", left_out.size() - kMaxLabelsInMessage);
  }
  return out;
}

}  // namespace

Result<OverflowPolicy> parse_overflow_policy(std::string_view name) {
  if (name == "error") return OverflowPolicy::error;
  if (name == "head") return OverflowPolicy::head;
  if (name == "ranked") return OverflowPolicy::ranked;
  return make_error(Errc::invalid_argument,
                    "unknown overflow policy '{}'; use error, head or ranked", name);
}

std::string_view overflow_policy_name(OverflowPolicy policy) {
  switch (policy) {
    case OverflowPolicy::error: return "error";
    case OverflowPolicy::head: return "head";
    case OverflowPolicy::ranked: return "ranked";
  }
  return "error";
}

std::string group_thousands(int64_t n) {
  const std::string digits = std::to_string(n < 0 ? -n : n);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out.push_back(',');
    out.push_back(digits[i]);
  }
  return n < 0 ? "-" + out : out;
}

std::string segment_label(const Segment& seg, size_t index) {
  if (!seg.file.empty()) {
    if (seg.line_start <= 0) return seg.file;
    if (seg.line_end > seg.line_start) return fmt::format("{}:{}-{}", seg.file, seg.line_start,
                                                          seg.line_end);
    return fmt::format("{}:{}", seg.file, seg.line_start);
  }
  if (seg.page) {
    if (seg.page_label.empty() || seg.page_label == std::to_string(*seg.page)) {
      return fmt::format("p. {}", *seg.page);
    }
    return fmt::format("p. {} \"{}\"", *seg.page, attribute_value(seg.page_label));
  }
  if (!seg.chapter.empty()) return fmt::format("ch. {}", attribute_value(seg.chapter));
  return fmt::format("#{}", index + 1);
}

std::string OverflowNotice::message() const {
  return fmt::format(
      "the documents need {} tokens; the context holds {} with {} kept for the answer; kept {} "
      "of {} segments ({}), {} tokens in all; left out: {}",
      group_thousands(needed_tokens), group_thousands(n_ctx), group_thousands(answer_reserve),
      kept_segments, kept_segments + static_cast<int64_t>(left_out.size()),
      overflow_policy_name(policy), group_thousands(used_tokens), compact_labels(left_out));
}

Result<BuiltContext> build_context(const ContextRequest& req, const engine::Tokenizer& tok,
                                   std::stop_token stop, const ProgressSink& progress) {
  if (req.documents.empty()) {
    return make_error(Errc::invalid_argument, "no documents to build a context from");
  }
  if (req.n_ctx <= 0 || req.answer_reserve < 0 || req.question_reserve < 0) {
    return make_error(Errc::invalid_argument,
                      "bad token budget: context {}, answer reserve {}, question reserve {} "
                      "(the context must be positive, the reserves not negative)",
                      req.n_ctx, req.answer_reserve, req.question_reserve);
  }
  size_t total_segments = 0;
  for (size_t d = 0; d < req.documents.size(); ++d) {
    const Document* doc = req.documents[d].document;
    if (doc == nullptr) return make_error(Errc::invalid_argument, "document {} is missing", d + 1);
    for (size_t s = 0; s < doc->segments.size(); ++s) {
      const Segment& seg = doc->segments[s];
      if (seg.char_begin < 0 || seg.char_end < seg.char_begin ||
          seg.char_end > static_cast<int64_t>(doc->text.size())) {
        return make_error(Errc::invalid_argument,
                          "{}: segment {} spans bytes {}..{} outside the text ({} bytes); "
                          "ingest the document again",
                          doc->path, s + 1, seg.char_begin, seg.char_end, doc->text.size());
      }
    }
    total_segments += doc->segments.size();
  }
  for (const SegmentRef& r : req.ranking) {
    if (r.document < 0 || size_t(r.document) >= req.documents.size() || r.segment < 0 ||
        size_t(r.segment) >= req.documents[size_t(r.document)].document->segments.size()) {
      return make_error(Errc::invalid_argument,
                        "the ranking names segment {} of document {}, which does not exist",
                        r.segment + 1, r.document + 1);
    }
  }

  auto parts = split_template(req.chat_template, req.system_prompt);
  if (!parts) return parts.error();
  std::vector<int32_t> head = tok.encode(parts->head, false, true);
  if (req.chat_template == engine::ChatTemplateKind::plain && tok.bos() >= 0 &&
      (head.empty() || head.front() != tok.bos())) {
    head.insert(head.begin(), tok.bos());  // the plain format has no BOS text of its own
  }
  std::vector<int32_t> suffix = tok.encode("Question: " + req.question, false, false);
  const std::vector<int32_t> tail = tok.encode(parts->tail, false, true);
  suffix.insert(suffix.end(), tail.begin(), tail.end());
  const std::vector<int32_t> gap = tok.encode(kGapText, false, false);

  std::optional<ProgressTracker> tracker;
  if (progress) tracker.emplace("context", "segments", int64_t(total_segments), progress);
  std::vector<EncodedDocument> encoded(req.documents.size());
  int64_t fixed = static_cast<int64_t>(head.size());  // everything but the segments
  int64_t all_segments = 0;
  for (size_t d = 0; d < req.documents.size(); ++d) {
    const Document& doc = *req.documents[d].document;
    EncodedDocument& e = encoded[d];
    e.header = tok.encode(fmt::format("<document title=\"{}\" kind=\"{}\">\n",
                                      attribute_value(doc.title), attribute_value(doc.kind)),
                          false, false);
    e.footer = tok.encode("</document>\n", false, false);
    fixed += static_cast<int64_t>(e.header.size() + e.footer.size());
    e.segments.reserve(doc.segments.size());
    for (size_t s = 0; s < doc.segments.size(); ++s) {
      if (stop.stop_requested()) return cancelled_error("building the context");
      const Segment& seg = doc.segments[s];
      std::string_view text = std::string_view(doc.text).substr(
          size_t(seg.char_begin), size_t(seg.char_end - seg.char_begin));
      while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.remove_suffix(1);
      e.segments.push_back(
          tok.encode(fmt::format("[{}] {}\n", segment_label(seg, s), text), false, false));
      all_segments += static_cast<int64_t>(e.segments.back().size());
      if (tracker) tracker->advance();
    }
  }
  if (tracker) tracker->finish();

  const int64_t usable = req.n_ctx - req.answer_reserve;
  const int64_t prefix_limit = usable - req.question_reserve;
  const int64_t needed = fixed + all_segments +
                         std::max<int64_t>(int64_t(suffix.size()), req.question_reserve);
  const bool fits = fixed + all_segments <= prefix_limit;
  if (!fits && req.overflow == OverflowPolicy::error) {
    return make_error(Errc::context_overflow,
                      "the documents need {} tokens; the context holds {} with {} kept for the "
                      "answer and {} for the question; use --overflow head or ranked, or a "
                      "larger --ctx",
                      group_thousands(needed), group_thousands(req.n_ctx),
                      group_thousands(req.answer_reserve), group_thousands(req.question_reserve));
  }
  const int64_t gap_tokens = static_cast<int64_t>(gap.size());
  const int64_t budget = prefix_limit - fixed - gap_tokens * int64_t(req.documents.size());
  if (!fits && budget < 0) {
    return make_error(Errc::context_overflow,
                      "the prompt without any document text needs {} tokens; the context holds "
                      "{} with {} kept for the answer and {} for the question; use a larger --ctx",
                      group_thousands(fixed + int64_t(suffix.size())), group_thousands(req.n_ctx),
                      group_thousands(req.answer_reserve), group_thousands(req.question_reserve));
  }
  std::vector<std::vector<bool>> keep;
  if (fits) {
    for (const EncodedDocument& e : encoded) keep.emplace_back(e.segments.size(), true);
  } else {
    keep = choose(req, encoded, budget, gap_tokens);
  }

  BuiltContext out;
  append(out.prefix_tokens, out.prefix_segments, head, {});
  OverflowNotice notice;
  notice.policy = req.overflow;
  for (size_t d = 0; d < encoded.size(); ++d) {
    const Document& doc = *req.documents[d].document;
    append(out.prefix_tokens, out.prefix_segments, encoded[d].header, {});
    bool in_gap = false;
    for (size_t s = 0; s < encoded[d].segments.size(); ++s) {
      const SegmentRef ref{int32_t(d), int32_t(s)};
      if (keep[d][s]) {
        append(out.prefix_tokens, out.prefix_segments, encoded[d].segments[s], ref);
        out.kept.push_back(ref);
        in_gap = false;
        continue;
      }
      if (!in_gap) append(out.prefix_tokens, out.prefix_segments, gap, {});
      in_gap = true;
      notice.left_out.push_back({ref, req.documents[d].store_id,
                                 segment_label(doc.segments[s], s),
                                 int64_t(encoded[d].segments[s].size())});
    }
    append(out.prefix_tokens, out.prefix_segments, encoded[d].footer, {});
  }
  const int64_t prefix_size = static_cast<int64_t>(out.prefix_tokens.size());
  if (prefix_size + int64_t(suffix.size()) > usable) {
    return make_error(Errc::context_overflow,
                      "the question takes {} tokens but only {} are left after the documents "
                      "({} tokens) and the {} kept for the answer; shorten the question or raise "
                      "the question reserve",
                      group_thousands(int64_t(suffix.size())),
                      group_thousands(usable - prefix_size), group_thousands(prefix_size),
                      group_thousands(req.answer_reserve));
  }
  out.suffix_tokens = std::move(suffix);
  out.prefix_hash = hash_ids(out.prefix_tokens);
  if (!notice.left_out.empty()) {
    notice.needed_tokens = needed;
    notice.n_ctx = req.n_ctx;
    notice.answer_reserve = req.answer_reserve;
    notice.used_tokens = out.n_tokens();
    notice.kept_segments = static_cast<int64_t>(out.kept.size());
    out.notice = std::move(notice);
  }
  return out;
}

}  // namespace quire::app
