// Context builder: documents + a question -> the model's prompt as token ids, split into a
// question-independent PREFIX (template head, system prompt, documents) and the question SUFFIX
// (question plus the template tail that asks the model to answer), with a token -> segment map
// over the prefix.
//
// The prefix is what a Session prefills once and snapshots (keyed by prefix_hash); every question
// about the same documents reuses it and only the suffix is prefilled. So the prefix never
// depends on the question, except under the `ranked` overflow policy, whose choice of segments is
// the question's by definition (the notice says so, and the hash then differs per question).
//
// Rendering (the compact format the model sees and may cite; documented for the answer parser):
//   <template head with the system prompt>
//   <document title="TITLE" kind="pdf">\n        one per document, in the given order
//   [p. 12] TEXT\n                               one line-group per kept segment, in order
//   [p. 3 "iv"] TEXT\n                           page with a printed label
//   [src/main.cpp:10-40] TEXT\n                  code: file and 1-based inclusive lines
//   [ch. Chapter title] TEXT\n                   chapter / section
//   [#7] TEXT\n                                  anything else: 1-based segment number
//   [...]\n                                      where an overflow policy left segments out
//   </document>\n
//   Question: QUESTION<template tail>            the suffix
// The template is rendered around placeholders and cut there, so head and tail are exactly what
// the model's chat format puts around one user turn. Template text is encoded with
// parse_special = true; document text and the question with parse_special = false, so a document
// or a question cannot inject control tokens. Each piece (header, segment line, footer) is
// encoded on its own so that its tokens map to it exactly; SentencePiece vocabularies therefore
// put their space prefix before each piece, as llama.cpp does for every encode call.
//
// Budget: the prompt must fit n_ctx - answer_reserve. The prefix must fit that minus
// question_reserve, so which segments a `head` cut keeps does not change with the question's
// length; a question longer than what is left gives Errc::context_overflow.
//
// Threads: pure function of its inputs; the Tokenizer is shared read-only.
#pragma once

#include <cstdint>
#include <optional>
#include <stop_token>
#include <string>
#include <string_view>
#include <vector>

#include "app/documents/document.h"
#include "engine/base/progress.h"
#include "engine/base/result.h"
#include "engine/tokenizer/chat_template.h"
#include "engine/tokenizer/tokenizer.h"

namespace quire::app {

enum class OverflowPolicy { error, head, ranked };

// "error" | "head" | "ranked" (the CLI's --overflow values); Errc::invalid_argument otherwise.
Result<OverflowPolicy> parse_overflow_policy(std::string_view name);
std::string_view overflow_policy_name(OverflowPolicy policy);

// A segment of one of the builder's input documents.
struct SegmentRef {
  int32_t document = -1;  // index into ContextRequest::documents; -1: no segment
  int32_t segment = -1;   // index into that Document::segments
  bool operator==(const SegmentRef&) const = default;
};

struct ContextDocument {
  const Document* document = nullptr;  // borrowed for the call; must not be null
  int64_t store_id = 0;                // documents.id in the store; 0 when not stored
};

struct ContextRequest {
  std::vector<ContextDocument> documents;
  std::string system_prompt;
  std::string question;
  engine::ChatTemplateKind chat_template = engine::ChatTemplateKind::plain;
  int64_t n_ctx = 0;              // the session's context length in tokens (> 0)
  int64_t answer_reserve = 1024;  // tokens kept free for the answer (>= 0)
  int64_t question_reserve = 256; // tokens kept free for the suffix when choosing the prefix
  OverflowPolicy overflow = OverflowPolicy::error;
  // For `ranked`: segments best first (rank_segments_for_question() in segment_ranking.h).
  // Segments not listed rank after all listed ones, in document order.
  std::vector<SegmentRef> ranking;
};

struct LeftOutSegment {
  SegmentRef ref;
  int64_t store_id = 0;   // the document's store id
  std::string label;      // its location label without brackets ("p. 12", "src/a.cpp:1-40")
  int64_t n_tokens = 0;   // tokens it would have taken
};

// What did not fit and what was done about it. Never empty-handed: the CLI and GUI print
// message() whenever a notice is present.
struct OverflowNotice {
  OverflowPolicy policy = OverflowPolicy::head;
  int64_t needed_tokens = 0;   // the whole prompt with every segment
  int64_t n_ctx = 0;
  int64_t answer_reserve = 0;
  int64_t used_tokens = 0;     // the prompt as built
  int64_t kept_segments = 0;
  std::vector<LeftOutSegment> left_out;  // in document order

  // "the documents need 181,234 tokens; the context holds 131,072 with 1,024 kept for the
  //  answer; kept 310 of 402 segments (head); left out: p. 311-402"
  std::string message() const;
};

struct BuiltContext {
  std::vector<int32_t> prefix_tokens;
  std::vector<int32_t> suffix_tokens;
  std::vector<SegmentRef> prefix_segments;  // one per prefix token; {-1,-1} for template text
  std::string prefix_hash;                  // SHA-256 hex of the prefix ids (little-endian i32)
  std::vector<SegmentRef> kept;             // kept segments, in document order
  std::optional<OverflowNotice> notice;     // set exactly when segments were left out

  int64_t n_tokens() const {
    return static_cast<int64_t>(prefix_tokens.size() + suffix_tokens.size());
  }
};

// Builds the prompt. Errors: invalid_argument (no documents, a null document, n_ctx <= 0,
// negative reserves, a segment outside its document's text, a ranking entry naming no segment),
// context_overflow (policy error and the documents do not fit; the template alone does not fit;
// the question does not fit in what the prefix leaves), cancelled. Progress counts segments
// tokenized.
Result<BuiltContext> build_context(const ContextRequest& request,
                                   const engine::Tokenizer& tokenizer, std::stop_token stop = {},
                                   const ProgressSink& progress = {});

// The label a segment is rendered with, without brackets: "p. 12", "p. 3 \"iv\"",
// "src/main.cpp:10-40", "ch. Title", "#7" (1-based index when nothing else is known).
std::string segment_label(const Segment& segment, size_t index);

// 1234567 -> "1,234,567" for the numbers in messages.
std::string group_thousands(int64_t n);

}  // namespace quire::app
