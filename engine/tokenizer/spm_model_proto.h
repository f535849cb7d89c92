// Serializes a SentencePiece ModelProto (sentencepiece_model.proto, proto2) from a GGUF `llama`
// Vocab, so that SentencePieceProcessor::LoadFromSerializedProto can load it. Debian's
// libsentencepiece-dev ships no sentencepiece_model.pb.h, so this writes the protobuf wire format
// by hand, only for the fields Quire sets:
//   ModelProto      1 pieces (message, repeated), 2 trainer_spec (message),
//                   3 normalizer_spec (message)
//   SentencePiece   1 piece (string), 2 score (float, fixed32), 3 type (enum, varint)
//   TrainerSpec     3 model_type (BPE = 2), 24 treat_whitespace_as_suffix = false,
//                   26 allow_whitespace_only_pieces = true, 35 byte_fallback,
//                   40..43 unk/bos/eos/pad ids
//   NormalizerSpec  1 name = "identity", 3 add_dummy_prefix, 4 remove_extra_whitespaces = false,
//                   5 escape_whitespaces = true
// These mirror the Llama / Mistral tokenizer.model files: BPE merges by piece score, no Unicode
// normalization, spaces kept and escaped as "▁", unknown bytes as <0xNN> pieces.
#pragma once

#include <string>

#include "engine/tokenizer/vocab.h"

namespace quire::engine {

// The serialized ModelProto for `vocab` (kind spm, already validated). `add_dummy_prefix` is a
// parameter rather than vocab.add_space_prefix because the tokenizer needs both variants: llama.cpp
// puts the "▁" prefix only before the first text fragment and after special tokens.
std::string build_spm_model_proto(const Vocab& vocab, bool add_dummy_prefix);

}  // namespace quire::engine
