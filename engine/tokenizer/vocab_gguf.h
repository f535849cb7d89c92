// Reads a tokenizer vocabulary out of GGUF metadata (the tokenizer.ggml.* keys; the key
// mapping is documented in vocab.h). The result is validated (vocab.h validate()) and ready for
// Tokenizer::create.
#pragma once

#include "engine/base/result.h"
#include "engine/gguf/gguf.h"
#include "engine/tokenizer/vocab.h"

namespace quire::engine {

// Errors: corrupt_data when a required key (tokenizer.ggml.model, tokenizer.ggml.tokens) is
// missing or a key has the wrong type or an inconsistent value (the message names the file and
// the key); unsupported for a tokenizer model other than "llama" / "gpt2".
Result<Vocab> vocab_from_gguf(const gguf::File& file);

}  // namespace quire::engine
