#include "engine/tokenizer/tokenizer.h"

#include <algorithm>

#include "engine/tokenizer/byte_level.h"
#include "engine/tokenizer/fragment_encoder.h"

namespace quire::engine {
namespace {

// "<0x0A>" -> byte 0x0A; nullopt for anything else.
std::optional<char> parse_byte_token(std::string_view t) {
  if (t.size() != 6 || !t.starts_with("<0x") || t[5] != '>') return std::nullopt;
  int v = 0;
  for (char c : t.substr(3, 2)) {
    v <<= 4;
    if (c >= '0' && c <= '9') v |= c - '0';
    else if (c >= 'A' && c <= 'F') v |= c - 'A' + 10;
    else if (c >= 'a' && c <= 'f') v |= c - 'a' + 10;
    else return std::nullopt;
  }
  return static_cast<char>(v);
}

std::string spm_piece(std::string_view text) {
  static constexpr std::string_view kSpace = "\xE2\x96\x81";  // U+2581 "▁"
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    if (text.substr(i, kSpace.size()) == kSpace) {
      out.push_back(' ');
      i += kSpace.size();
    } else {
      out.push_back(text[i++]);
    }
  }
  return out;
}

bool is_eog_name(std::string_view t) {
  static constexpr std::array<std::string_view, 7> kNames = {
      "<|eot_id|>", "<|end_of_text|>", "<|im_end|>", "<|endoftext|>",
      "</s>",       "<end_of_turn>",   "<|eom_id|>"};
  return std::find(kNames.begin(), kNames.end(), t) != kNames.end();
}

}  // namespace

Tokenizer::~Tokenizer() = default;

Result<std::unique_ptr<Tokenizer>> Tokenizer::create(const Vocab& in) {
  if (auto r = validate(in); !r) return r.error();
  Vocab vocab = in;
  if (vocab.unk_id < 0) {  // some files type a token as unknown but omit unknown_token_id
    for (size_t i = 0; i < vocab.tokens.size(); ++i) {
      if (vocab.type_of(static_cast<int32_t>(i)) == TokenType::unknown) {
        vocab.unk_id = static_cast<int32_t>(i);
        break;
      }
    }
  }
  auto encoder = vocab.kind == Vocab::Kind::spm ? make_spm_encoder(vocab) : make_bpe_encoder(vocab);
  if (!encoder) return encoder.error();

  std::unique_ptr<Tokenizer> tok(new Tokenizer());
  tok->kind_ = vocab.kind;
  tok->encoder_ = std::move(*encoder);
  tok->bos_id_ = vocab.bos_id;
  tok->eos_id_ = vocab.eos_id;
  tok->add_bos_ = vocab.add_bos && vocab.bos_id >= 0;
  tok->add_eos_ = vocab.add_eos && vocab.eos_id >= 0;
  tok->strip_leading_space_ = vocab.kind == Vocab::Kind::spm && vocab.add_space_prefix;

  tok->pieces_.resize(vocab.tokens.size());
  tok->special_ids_.resize(vocab.tokens.size());
  for (size_t i = 0; i < vocab.tokens.size(); ++i) {
    const auto id = static_cast<int32_t>(i);
    const std::string& text = vocab.tokens[i];
    const TokenType type = vocab.type_of(id);
    std::string& piece = tok->pieces_[i];
    switch (type) {
      case TokenType::control:
      case TokenType::unused:
        break;  // not printed
      case TokenType::unknown:
        piece = vocab.kind == Vocab::Kind::spm ? " \xE2\x81\x87 " : text;  // SentencePiece's " ⁇ "
        break;
      case TokenType::user_defined:
        piece = text;
        break;
      case TokenType::byte:
        if (auto b = parse_byte_token(text)) piece.assign(1, *b);
        else piece = text;
        break;
      case TokenType::undefined:
      case TokenType::normal:
        if (vocab.kind == Vocab::Kind::spm) {
          piece = spm_piece(text);
        } else {
          auto bytes = byte_level_decode(text);
          piece = bytes ? std::move(*bytes) : text;
        }
        break;
    }
    const bool control = type == TokenType::control || type == TokenType::unknown;
    if (control || type == TokenType::user_defined) {
      tok->special_ids_[i] = true;
      tok->specials_.push_back(Special{text, id, control});
    }
    if (id == vocab.eos_id || (type == TokenType::control && is_eog_name(text))) {
      tok->eog_ids_.push_back(id);
    }
  }
  std::stable_sort(tok->specials_.begin(), tok->specials_.end(),
                   [](const Special& a, const Special& b) { return a.text.size() > b.text.size(); });
  for (size_t i = 0; i < tok->specials_.size(); ++i) {
    const auto first = static_cast<uint8_t>(tok->specials_[i].text.front());
    tok->specials_by_byte_[first].push_back(static_cast<uint32_t>(i));
  }
  std::sort(tok->eog_ids_.begin(), tok->eog_ids_.end());
  return tok;
}

std::vector<int32_t> Tokenizer::encode(std::string_view text, bool add_special,
                                       bool parse_special) const {
  std::vector<int32_t> out;
  out.reserve(text.size() / 3 + 2);
  if (add_special && add_bos_) out.push_back(bos_id_);
  // Leftmost-longest scan for special tokens; the text between them goes to the encoder.
  bool starts_segment = true;
  size_t begin = 0;  // start of the pending plain-text fragment
  for (size_t pos = 0; pos < text.size() && !specials_.empty();) {
    const Special* hit = nullptr;
    for (uint32_t i : specials_by_byte_[static_cast<uint8_t>(text[pos])]) {
      const Special& s = specials_[i];
      if ((parse_special || !s.control) && text.compare(pos, s.text.size(), s.text) == 0) {
        hit = &s;  // candidates are longest first, so the first hit is the longest
        break;
      }
    }
    if (!hit) {
      ++pos;
      continue;
    }
    if (pos > begin) encoder_->encode(text.substr(begin, pos - begin), starts_segment, out);
    out.push_back(hit->id);
    starts_segment = true;
    pos += hit->text.size();
    begin = pos;
  }
  if (begin < text.size()) encoder_->encode(text.substr(begin), starts_segment, out);
  if (add_special && add_eos_) out.push_back(eos_id_);
  return out;
}

std::string Tokenizer::token_to_piece(int32_t id) const {
  if (id < 0 || id >= n_vocab()) return {};
  return pieces_[static_cast<size_t>(id)];
}

void Tokenizer::append_decoded(int32_t id, bool& segment_start, std::string& out) const {
  if (id < 0 || id >= n_vocab()) return;
  const auto i = static_cast<size_t>(id);
  std::string_view piece = pieces_[i];
  if (special_ids_[i]) {
    out.append(piece);
    segment_start = true;
    return;
  }
  if (piece.empty()) return;
  if (segment_start && strip_leading_space_ && piece.front() == ' ') piece.remove_prefix(1);
  segment_start = false;
  out.append(piece);
}

std::string Tokenizer::decode(std::span<const int32_t> ids) const {
  std::string out;
  bool segment_start = true;
  for (int32_t id : ids) append_decoded(id, segment_start, out);
  return out;
}

bool Tokenizer::is_eog(int32_t id) const {
  return std::binary_search(eog_ids_.begin(), eog_ids_.end(), id);
}

}  // namespace quire::engine
