#include "engine/tokenizer/spm_model_proto.h"

#include <bit>
#include <cstdint>
#include <string_view>

namespace quire::engine {
namespace {

// Protobuf wire types.
constexpr uint32_t kVarint = 0, kLengthDelimited = 2, kFixed32 = 5;

void put_varint(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

void put_tag(std::string& out, uint32_t field, uint32_t wire) { put_varint(out, (field << 3) | wire); }

void put_bytes(std::string& out, uint32_t field, std::string_view bytes) {
  put_tag(out, field, kLengthDelimited);
  put_varint(out, bytes.size());
  out.append(bytes);
}

// int32 fields are sign-extended to 64 bits on the wire (so -1 takes ten bytes).
void put_int32(std::string& out, uint32_t field, int32_t v) {
  put_tag(out, field, kVarint);
  put_varint(out, static_cast<uint64_t>(static_cast<int64_t>(v)));
}

void put_bool(std::string& out, uint32_t field, bool v) { put_int32(out, field, v ? 1 : 0); }

void put_float(std::string& out, uint32_t field, float v) {
  put_tag(out, field, kFixed32);
  const auto bits = std::bit_cast<uint32_t>(v);
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((bits >> (8 * i)) & 0xff));
}

}  // namespace

std::string build_spm_model_proto(const Vocab& vocab, bool add_dummy_prefix) {
  std::string model;
  bool has_bytes = false;
  std::string piece;
  for (size_t i = 0; i < vocab.tokens.size(); ++i) {
    const auto id = static_cast<int32_t>(i);
    TokenType type = vocab.type_of(id);
    // SentencePiece needs exactly one UNKNOWN piece, the one the metadata names.
    if (id == vocab.unk_id) type = TokenType::unknown;
    else if (type == TokenType::unknown) type = TokenType::control;
    has_bytes = has_bytes || type == TokenType::byte;
    piece.clear();
    put_bytes(piece, 1, vocab.tokens[i]);
    put_float(piece, 2, vocab.scores.empty() ? 0.0f : vocab.scores[i]);
    put_int32(piece, 3, static_cast<int32_t>(type));
    put_bytes(model, 1, piece);
  }

  std::string trainer;
  put_int32(trainer, 3, 2);  // model_type = BPE
  put_bool(trainer, 24, false);
  put_bool(trainer, 26, true);
  put_bool(trainer, 35, has_bytes);
  put_int32(trainer, 40, vocab.unk_id);
  put_int32(trainer, 41, vocab.bos_id);
  put_int32(trainer, 42, vocab.eos_id);
  put_int32(trainer, 43, vocab.pad_id);
  put_bytes(model, 2, trainer);

  std::string normalizer;
  put_bytes(normalizer, 1, "identity");
  put_bool(normalizer, 3, add_dummy_prefix);
  put_bool(normalizer, 4, false);
  put_bool(normalizer, 5, true);
  put_bytes(model, 3, normalizer);
  return model;
}

}  // namespace quire::engine
