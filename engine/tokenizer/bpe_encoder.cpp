// Byte-level BPE fragment encoder (GGUF `gpt2` vocabularies).
//
// Algorithm: the pre-tokenizer regex (PCRE2, UTF + UCP so \p{L}, \s are Unicode-aware) cuts the
// text into words; bytes no match covers (invalid UTF-8) become words of their own, so no input
// byte is ever dropped. Each word is mapped to the byte-level alphabet (byte_level.h) and, unless
// the Llama 3 rule "a word that is a whole token is that token" (ignore_merges) applies, merged
// pair by pair, lowest merge rank first and leftmost first among equal ranks, using a heap over a
// linked list of symbols: O(n log n) per word, so a long run of letters stays cheap.
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <queue>
#include <string>
#include <unordered_map>

#include "engine/tokenizer/byte_level.h"
#include "engine/tokenizer/fragment_encoder.h"

namespace quire::engine {
namespace {

// The Llama 3 pre-tokenizer (tokenizer.json of Meta-Llama-3, as used by llama.cpp for
// pre = "llama-bpe").
constexpr std::string_view kLlama3Pattern =
    R"((?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\r\n\p{L}\p{N}]?\p{L}+|)"
    R"(\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";

// The original GPT-2 pre-tokenizer (pre = "default" / "gpt2").
constexpr std::string_view kGpt2Pattern =
    R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)";

struct CodeDeleter {
  void operator()(pcre2_code* c) const { pcre2_code_free(c); }
};
struct MatchDataDeleter {
  void operator()(pcre2_match_data* m) const { pcre2_match_data_free(m); }
};

class BpeEncoder final : public FragmentEncoder {
 public:
  std::unique_ptr<pcre2_code, CodeDeleter> regex;
  std::unordered_map<std::string, int32_t> token_ids;
  std::unordered_map<std::string, int32_t> merge_ranks;  // "left right" -> rank
  bool ignore_merges = false;
  int32_t unk_id = -1;

  void encode(std::string_view text, bool /*starts_segment*/,
              std::vector<int32_t>& out) const override {
    // Match data is per call: pcre2_code is shared read-only, match data is not thread-safe.
    std::unique_ptr<pcre2_match_data, MatchDataDeleter> md(
        pcre2_match_data_create_from_pattern(regex.get(), nullptr));
    const auto* subject = reinterpret_cast<PCRE2_SPTR>(text.data());
    size_t offset = 0;
    while (offset < text.size()) {
      const int rc = pcre2_match(regex.get(), subject, text.size(), offset, 0, md.get(), nullptr);
      if (rc < 0) break;  // no further match: the rest is one gap
      const PCRE2_SIZE* ov = pcre2_get_ovector_pointer(md.get());
      const size_t start = ov[0], end = ov[1];
      if (start > offset) encode_word(text.substr(offset, start - offset), out);
      if (end == start) {  // the patterns cannot match empty; guard against a loop regardless
        offset = start;
        break;
      }
      encode_word(text.substr(start, end - start), out);
      offset = end;
    }
    if (offset < text.size()) encode_word(text.substr(offset), out);
  }

 private:
  struct Symbol {
    size_t start, len;  // bytes of the byte-level word text
    int prev, next;     // linked list; len 0 marks a symbol merged away
  };
  struct Candidate {
    int32_t rank;
    int left;
    size_t left_len, right_len;  // to detect candidates made stale by another merge
    bool operator<(const Candidate& o) const {  // priority_queue is a max-heap: invert
      return rank != o.rank ? rank > o.rank : left > o.left;
    }
  };

  void push_pair(const std::string& w, const std::vector<Symbol>& sy, int left,
                 std::priority_queue<Candidate>& q) const {
    if (left < 0 || sy[static_cast<size_t>(left)].next < 0) return;
    const Symbol& a = sy[static_cast<size_t>(left)];
    const Symbol& b = sy[static_cast<size_t>(a.next)];
    std::string key;
    key.reserve(a.len + b.len + 1);
    key.append(w, a.start, a.len).append(" ").append(w, b.start, b.len);
    if (auto it = merge_ranks.find(key); it != merge_ranks.end()) {
      q.push(Candidate{it->second, left, a.len, b.len});
    }
  }

  void emit_symbol(std::string_view sym, std::vector<int32_t>& out) const {
    if (auto it = token_ids.find(std::string(sym)); it != token_ids.end()) {
      out.push_back(it->second);
      return;
    }
    // A merge produced a string the vocabulary lacks (inconsistent vocabulary): fall back to
    // one token per byte character, create() having ensured those exist or unk does.
    for (size_t i = 0; i < sym.size();) {
      const size_t n = (static_cast<uint8_t>(sym[i]) < 0x80) ? 1 : 2;
      auto it = token_ids.find(std::string(sym.substr(i, n)));
      out.push_back(it != token_ids.end() ? it->second : unk_id);
      i += n;
    }
  }

  void encode_word(std::string_view bytes, std::vector<int32_t>& out) const {
    std::string w;
    byte_level_encode(bytes, w);
    if (ignore_merges) {
      if (auto it = token_ids.find(w); it != token_ids.end()) {
        out.push_back(it->second);
        return;
      }
    }
    std::vector<Symbol> sy;
    sy.reserve(bytes.size());
    for (size_t i = 0; i < w.size();) {
      const size_t n = (static_cast<uint8_t>(w[i]) < 0x80) ? 1 : 2;
      const int idx = static_cast<int>(sy.size());
      sy.push_back(Symbol{i, n, idx - 1, -1});
      if (idx > 0) sy[static_cast<size_t>(idx - 1)].next = idx;
      i += n;
    }
    std::priority_queue<Candidate> q;
    for (int i = 0; i + 1 < static_cast<int>(sy.size()); ++i) push_pair(w, sy, i, q);
    while (!q.empty()) {
      const Candidate c = q.top();
      q.pop();
      Symbol& a = sy[static_cast<size_t>(c.left)];
      if (a.len != c.left_len || a.next < 0) continue;
      Symbol& b = sy[static_cast<size_t>(a.next)];
      if (b.len != c.right_len) continue;
      a.len += b.len;
      b.len = 0;
      a.next = b.next;
      if (a.next >= 0) sy[static_cast<size_t>(a.next)].prev = c.left;
      push_pair(w, sy, a.prev, q);
      push_pair(w, sy, c.left, q);
    }
    for (int i = 0; i >= 0 && !sy.empty(); i = sy[static_cast<size_t>(i)].next) {
      const Symbol& s = sy[static_cast<size_t>(i)];
      emit_symbol(std::string_view(w).substr(s.start, s.len), out);
    }
  }
};

}  // namespace

Result<std::unique_ptr<FragmentEncoder>> make_bpe_encoder(const Vocab& vocab) {
  auto enc = std::make_unique<BpeEncoder>();
  std::string_view pattern;
  const std::string& pre = vocab.pre;
  if (pre == "llama-bpe" || pre == "llama3" || pre == "smaug-bpe") {
    pattern = kLlama3Pattern;
    enc->ignore_merges = true;
  } else if (pre.empty() || pre == "default" || pre == "gpt2") {
    pattern = kGpt2Pattern;
  } else {
    return make_error(Errc::unsupported,
                      "tokenizer: pre-tokenizer '{}' (tokenizer.ggml.pre) is not supported; "
                      "Quire handles 'llama-bpe' (Llama 3) and 'gpt2'/'default' byte-level BPE",
                      pre);
  }
  int err = 0;
  PCRE2_SIZE err_offset = 0;
  enc->regex.reset(pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(),
                                 PCRE2_UTF | PCRE2_UCP | PCRE2_MATCH_INVALID_UTF, &err,
                                 &err_offset, nullptr));
  if (!enc->regex) {
    PCRE2_UCHAR msg[256];
    pcre2_get_error_message(err, msg, sizeof msg);
    return make_error(Errc::internal, "tokenizer: pre-tokenizer regex does not compile at {}: {}",
                      err_offset, reinterpret_cast<const char*>(msg));
  }
  // JIT is only a speed-up; the interpreter gives the same matches when it is unavailable.
  (void)pcre2_jit_compile(enc->regex.get(), PCRE2_JIT_COMPLETE);

  enc->unk_id = vocab.unk_id;
  enc->token_ids.reserve(vocab.tokens.size());
  for (size_t i = 0; i < vocab.tokens.size(); ++i) {
    enc->token_ids.emplace(vocab.tokens[i], static_cast<int32_t>(i));  // first id wins
  }
  enc->merge_ranks.reserve(vocab.merges.size());
  for (size_t i = 0; i < vocab.merges.size(); ++i) {
    enc->merge_ranks.emplace(vocab.merges[i], static_cast<int32_t>(i));
  }
  if (vocab.unk_id < 0) {
    for (int b = 0; b < 256; ++b) {
      const std::string& ch = byte_level_char(static_cast<uint8_t>(b));
      if (!enc->token_ids.contains(ch)) {
        return make_error(Errc::corrupt_data,
                          "tokenizer: the byte-level vocabulary has no token for byte 0x{:02X} "
                          "('{}') and no unknown token, so some text cannot be encoded",
                          b, ch);
      }
    }
  }
  return std::unique_ptr<FragmentEncoder>(std::move(enc));
}

}  // namespace quire::engine
