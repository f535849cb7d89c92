// SentencePiece fragment encoder: the GGUF vocabulary becomes a ModelProto (spm_model_proto.h)
// loaded into two SentencePieceProcessors, one with the dummy "▁" prefix and one without, so
// that the prefix goes only where llama.cpp puts it (start of input, after a special token).
#include <sentencepiece_processor.h>

#include "engine/tokenizer/fragment_encoder.h"
#include "engine/tokenizer/spm_model_proto.h"

namespace quire::engine {
namespace {

class SpmEncoder final : public FragmentEncoder {
 public:
  // SentencePieceProcessor::Encode is const and keeps no mutable state, so sharing is safe.
  sentencepiece::SentencePieceProcessor with_prefix, without_prefix;
  bool add_space_prefix = true;

  void encode(std::string_view text, bool starts_segment,
              std::vector<int32_t>& out) const override {
    if (text.empty()) return;
    const auto& sp = (starts_segment && add_space_prefix) ? with_prefix : without_prefix;
    std::vector<int> ids;
    // Encode fails only for an unloaded model, which create() rules out.
    if (!sp.Encode(std::string(text), &ids).ok()) return;
    out.insert(out.end(), ids.begin(), ids.end());
  }
};

Result<void> load(sentencepiece::SentencePieceProcessor& sp, const Vocab& vocab, bool prefix) {
  const auto status = sp.LoadFromSerializedProto(build_spm_model_proto(vocab, prefix));
  if (!status.ok()) {
    return make_error(Errc::corrupt_data,
                      "tokenizer: SentencePiece rejected the model's vocabulary ({}); the GGUF "
                      "tokenizer metadata is damaged or not a SentencePiece vocabulary",
                      status.ToString());
  }
  return {};
}

}  // namespace

Result<std::unique_ptr<FragmentEncoder>> make_spm_encoder(const Vocab& vocab) {
  if (vocab.unk_id < 0) {
    return make_error(Errc::corrupt_data,
                      "tokenizer: the SentencePiece vocabulary has no unknown token "
                      "(tokenizer.ggml.unknown_token_id, or a token of type 2); SentencePiece "
                      "needs one");
  }
  auto enc = std::make_unique<SpmEncoder>();
  enc->add_space_prefix = vocab.add_space_prefix;
  if (auto r = load(enc->with_prefix, vocab, true); !r) return r.error();
  if (auto r = load(enc->without_prefix, vocab, false); !r) return r.error();
  return std::unique_ptr<FragmentEncoder>(std::move(enc));
}

}  // namespace quire::engine
