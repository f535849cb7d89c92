// `quire-cli inspect MODEL [--json] [--ctx N] [--attention ... --tensor-*]`: what a GGUF file
// holds, without loading the model: version, architecture, metadata (long arrays and strings summarized), tensor count, parameter
// count, tensor types and file size. Reads only the header and metadata through the mapping, so
// it is instant even for a 40 GB file. Errors (missing, corrupt, unsupported) go to stderr with
// the exit code of exit_code_for(). JSON keeps the file's metadata order. The tensorized line
// states the extra memory of tensorized attention's states for a context of --ctx tokens (the
// training context by default) with the given dims and variant.
#include <fmt/format.h>

#include <map>
#include <memory>
#include <optional>
#include <nlohmann/json.hpp>
#include <string>

#include "app/cli/attention_options.h"
#include "app/cli/commands.h"
#include "app/cli/exit_codes.h"
#include "engine/attention/attention_config.h"
#include "engine/attention/tensorized_state.h"
#include "engine/gguf/gguf.h"
#include "engine/model/model_config.h"
#include "kernels/tpa.h"

namespace quire::app {

namespace {

constexpr size_t kMaxInlineItems = 16;   // longer arrays print as "[32000 strings]"
constexpr size_t kMaxTextChars = 72;     // longer strings are cut in the text view

// What inspect reports. Model-level facts derived from the metadata by the engine's model
// config (context length, KV bytes per token, ...) belong here as fields of their own.
struct InspectReport {
  std::string file;
  uint32_t version = 0;
  uint64_t alignment = 0;
  std::string architecture;  // empty when general.architecture is absent
  std::string name;          // empty when general.name is absent
  uint64_t size_bytes = 0;
  size_t tensor_count = 0;
  int64_t parameter_count = 0;
  std::map<std::string, size_t> tensor_types;  // "q4_K" -> tensors of that type
  // The engine's reading of the metadata (model_config.h); absent, with the reason in
  // model_error, when the file is not a model Quire can run.
  std::optional<engine::ModelConfig> model;
  std::string model_error;
  int64_t kv_bytes_f16 = 0;   // K and V of one token over all layers
  int64_t kv_bytes_q8_0 = 0;  // 0 when head_dim is not a multiple of 32 (q8_0 impossible)
  // t6 (TPA) only: the f16 bytes per token multi-head attention of the same shape would keep
  // (2 n_head head_dim per layer), against kv_bytes_f16 holding the factor rows.
  int64_t kv_bytes_mha_f16 = 0;
  // Tensorized attention at `tensorized_ctx` tokens (--ctx, else the training context) with
  // the --attention settings (variant complete unless told): its dims and the extra bytes of its
  // per-layer states (engine/attention/tensorized_state.h); empty dims when unknown or when
  // --attention full; then tensorized_error says why, if it is an error.
  kern::TensorDims tensorized_dims;
  kern::TensorVariant tensorized_variant = kern::TensorVariant::complete;
  int64_t tensorized_ctx = 0;
  int64_t tensorized_bytes = 0;
  std::string tensorized_error;
};

// What inspect was asked beside the file: the context and attention of the memory figure.
struct InspectQuery {
  int64_t ctx = 0;  // 0: the model's training context
  engine::AttentionConfig attention;
  bool attention_given = false;  // --attention on the command line
};

void describe_model(const gguf::File& f, const InspectQuery& q, InspectReport& r) {
  auto config = engine::config_from_gguf(f);
  if (!config) {
    r.model_error = config.error().message;
    return;
  }
  r.model = *config;
  const int64_t rows = 2 * config->n_layer * config->n_head_kv;
  r.kv_bytes_f16 = rows * kern::row_bytes(kern::DType::f16, config->head_dim);
  if (config->is_tpa()) {  // factor rows (kernels/tpa.h); the cache has no q8_0 form
    const kern::TpaShape tpa{config->n_head, config->head_dim, config->rank_q, config->rank_k,
                             config->rank_v};
    r.kv_bytes_f16 = 2 * config->n_layer * kern::row_bytes(kern::DType::f16, tpa.row_elems());
    r.kv_bytes_mha_f16 = 2 * config->n_layer * config->n_head *
                         kern::row_bytes(kern::DType::f16, config->head_dim);
  } else if (config->head_dim % 32 == 0) {
    r.kv_bytes_q8_0 = rows * kern::row_bytes(kern::DType::q8_0, config->head_dim);
  }
  r.tensorized_ctx = q.ctx > 0 ? q.ctx : config->n_ctx_train;
  if (r.tensorized_ctx <= 0) return;
  if (q.attention_given && q.attention.mode == engine::AttentionMode::full) return;
  auto dims = engine::resolve_dims(q.attention, f, r.tensorized_ctx);
  if (!dims) {
    r.tensorized_error = dims.error().message;
    return;
  }
  r.tensorized_dims = *dims;
  r.tensorized_variant = q.attention.variant;
  // hybrid holds the same states as tensorized until its document prefill ends: its peak.
  r.tensorized_bytes = engine::TensorizedState::bytes_for(
      r.tensorized_ctx, *dims, q.attention.variant, config->n_layer, config->n_head,
      config->n_head_kv, config->head_dim);
}

InspectReport describe(const gguf::File& f, const InspectQuery& q) {
  InspectReport r;
  r.file = f.name();
  r.version = f.version();
  r.alignment = f.alignment();
  if (auto a = f.get_string("general.architecture")) r.architecture = *a;
  if (auto n = f.get_string("general.name")) r.name = *n;
  r.size_bytes = f.size();
  r.tensor_count = f.tensors().size();
  for (const gguf::TensorInfo& t : f.tensors()) {
    r.parameter_count += t.n_elements();
    ++r.tensor_types[std::string(kern::dtype_info(t.type).name)];
  }
  describe_model(f, q, r);
  return r;
}

std::string array_summary(const gguf::Array& a) {
  const bool strings = a.type == gguf::ValueType::string;
  return fmt::format("[{} {}]", a.items.size(),
                     strings ? "strings" : std::string(gguf::value_type_name(a.type)));
}

nlohmann::ordered_json value_json(const gguf::Value& v) {
  using gguf::ValueType;
  switch (v.type()) {
    case ValueType::string: return *v.as_string();
    case ValueType::boolean: return *v.as_bool();
    case ValueType::f32: case ValueType::f64: return *v.as_float();
    case ValueType::i8: case ValueType::i16: case ValueType::i32: case ValueType::i64:
      return *v.as_int();
    case ValueType::array: {
      const gguf::Array& a = *v.as_array();
      if (a.items.size() > kMaxInlineItems) return array_summary(a);
      nlohmann::ordered_json out = nlohmann::ordered_json::array();
      for (const gguf::Value& item : a.items) out.push_back(value_json(item));
      return out;
    }
    default: return *v.as_uint();
  }
}

std::string value_text(const gguf::Value& v) {
  if (const std::string* s = v.as_string()) {
    std::string shown;
    for (char c : s->substr(0, kMaxTextChars)) shown += c == '\n' ? std::string("\\n") : std::string(1, c);
    return s->size() > kMaxTextChars ? fmt::format("\"{}...\" ({} bytes)", shown, s->size())
                                     : fmt::format("\"{}\"", shown);
  }
  if (const gguf::Array* a = v.as_array()) {
    if (a->items.size() > kMaxInlineItems) return array_summary(*a);
    std::string out = "[";
    for (size_t i = 0; i < a->items.size(); ++i) {
      out += (i ? ", " : "") + value_text(a->items[i]);
    }
    return out + "]";
  }
  if (v.type() == gguf::ValueType::f32) return fmt::format("{}", static_cast<float>(*v.as_float()));
  return value_json(v).dump();
}

std::string human_count(int64_t n) {
  if (n >= 1'000'000'000) return fmt::format("{:.2f} B", static_cast<double>(n) / 1e9);
  if (n >= 1'000'000) return fmt::format("{:.2f} M", static_cast<double>(n) / 1e6);
  if (n >= 1'000) return fmt::format("{:.2f} K", static_cast<double>(n) / 1e3);
  return std::to_string(n);
}

std::string human_bytes(uint64_t n) {
  if (n >= (uint64_t{1} << 30)) return fmt::format("{:.2f} GiB", static_cast<double>(n) / (1 << 30));
  if (n >= (uint64_t{1} << 20)) return fmt::format("{:.2f} MiB", static_cast<double>(n) / (1 << 20));
  if (n >= (uint64_t{1} << 10)) return fmt::format("{:.2f} KiB", static_cast<double>(n) / (1 << 10));
  return fmt::format("{} bytes", n);
}

void print_json(const InspectReport& r, const gguf::File& f) {
  nlohmann::ordered_json meta = nlohmann::ordered_json::object();
  for (const auto& [key, value] : f.metadata()) meta[key] = value_json(value);
  nlohmann::ordered_json types = nlohmann::ordered_json::object();
  for (const auto& [type, count] : r.tensor_types) types[type] = count;
  nlohmann::ordered_json model;  // null when the engine cannot run the file
  if (r.model) {
    const engine::ModelConfig& c = *r.model;
    model = {{"n_layer", c.n_layer}, {"n_embd", c.n_embd}, {"n_ff", c.n_ff},
             {"n_head", c.n_head}, {"n_head_kv", c.n_head_kv}, {"head_dim", c.head_dim},
             {"n_rot", c.n_rot}, {"n_vocab", c.n_vocab}, {"context_length", c.n_ctx_train},
             {"rms_eps", c.rms_eps}, {"rope_base", c.rope_base},
             {"rope_freq_scale", c.freq_scale},
             {"kv_bytes_per_token", {{"f16", r.kv_bytes_f16},
                                     {"q8_0", r.kv_bytes_q8_0 ? nlohmann::ordered_json(r.kv_bytes_q8_0)
                                                              : nlohmann::ordered_json()}}}};
    if (c.is_tpa()) {
      model["tpa"] = {{"rank_q", c.rank_q}, {"rank_k", c.rank_k}, {"rank_v", c.rank_v},
                      {"kv_bytes_per_token_f16", r.kv_bytes_f16},
                      {"mha_kv_bytes_per_token_f16", r.kv_bytes_mha_f16},
                      {"kv_saving_ratio", double(r.kv_bytes_mha_f16) / double(r.kv_bytes_f16)}};
    }
    if (!r.tensorized_dims.n.empty()) {
      model["tensorized_state"] = {{"dims", r.tensorized_dims.to_string()},
                                   {"context_length", r.tensorized_ctx},
                                   {"bytes", r.tensorized_bytes}};
      if (r.tensorized_variant != kern::TensorVariant::complete) {
        model["tensorized_state"]["variant"] = engine::tensor_variant_name(r.tensorized_variant);
      }
    }
  }
  const nlohmann::ordered_json out = {
      {"file", r.file},
      {"version", r.version},
      {"alignment", r.alignment},
      {"architecture", r.architecture.empty() ? nlohmann::ordered_json() : nlohmann::ordered_json(r.architecture)},
      {"name", r.name.empty() ? nlohmann::ordered_json() : nlohmann::ordered_json(r.name)},
      {"size_bytes", r.size_bytes},
      {"tensor_count", r.tensor_count},
      {"parameter_count", r.parameter_count},
      {"tensor_types", types},
      {"model", model},
      {"metadata", meta}};
  fmt::print("{}\n", out.dump(2));
}

void print_text(const InspectReport& r, const gguf::File& f) {
  std::string types;
  for (const auto& [type, count] : r.tensor_types) {
    types += fmt::format("{}{} {}", types.empty() ? "" : ", ", type, count);
  }
  fmt::print("file          {}\n", r.file);
  fmt::print("gguf          version {}, alignment {}\n", r.version, r.alignment);
  fmt::print("architecture  {}\n", r.architecture.empty() ? "-" : r.architecture);
  fmt::print("name          {}\n", r.name.empty() ? "-" : r.name);
  fmt::print("size          {} ({} bytes)\n", human_bytes(r.size_bytes), r.size_bytes);
  fmt::print("tensors       {}\n", r.tensor_count);
  fmt::print("parameters    {} ({})\n", human_count(r.parameter_count), r.parameter_count);
  fmt::print("tensor types  {}\n", types.empty() ? "-" : types);
  if (r.model) {
    const engine::ModelConfig& c = *r.model;
    fmt::print("model         {} layers, embd {}, ff {}, {} heads ({} kv) of {}, vocab {}\n",
               c.n_layer, c.n_embd, c.n_ff, c.n_head, c.n_head_kv, c.head_dim, c.n_vocab);
    fmt::print("rope          base {}, freq scale {}, rms eps {}\n", c.rope_base, c.freq_scale,
               c.rms_eps);
    fmt::print("context       {}\n",
               c.n_ctx_train > 0 ? fmt::format("{} tokens (training)", c.n_ctx_train) : "-");
    fmt::print("kv per token  f16 {}, q8_0 {}\n", human_bytes(uint64_t(r.kv_bytes_f16)),
               r.kv_bytes_q8_0 ? human_bytes(uint64_t(r.kv_bytes_q8_0)) : "-");
    if (c.is_tpa()) {
      fmt::print("tpa           ranks q {}, k {}, v {}: kv per token f16 {} against {} for "
                 "multi-head attention of the same shape ({:.1f}x smaller, {:.1f}% saved)\n",
                 c.rank_q == 0 ? std::string("- (KV-only, plain Q)") : std::to_string(c.rank_q),
                 c.rank_k, c.rank_v, human_bytes(uint64_t(r.kv_bytes_f16)),
                 human_bytes(uint64_t(r.kv_bytes_mha_f16)),
                 double(r.kv_bytes_mha_f16) / double(r.kv_bytes_f16),
                 100.0 * (1.0 - double(r.kv_bytes_f16) / double(r.kv_bytes_mha_f16)));
    }
    if (!r.tensorized_dims.n.empty()) {
      fmt::print("tensorized    {} extra at {} tokens (dims {}, {}, all layers)\n",
                 human_bytes(uint64_t(r.tensorized_bytes)), r.tensorized_ctx,
                 r.tensorized_dims.to_string(),
                 engine::tensor_variant_name(r.tensorized_variant));
    } else if (!r.tensorized_error.empty()) {
      fmt::print("tensorized    -: {}\n", r.tensorized_error);
    }
  } else {
    fmt::print("model         not runnable: {}\n", r.model_error);
  }
  fmt::print("metadata      {} keys\n", f.metadata().size());
  for (const auto& [key, value] : f.metadata()) {
    fmt::print("  {} = {}\n", key, value_text(value));
  }
}

}  // namespace

void add_inspect_command(CLI::App& root, CommandRun& run) {
  struct Options {
    std::string model;
    bool json = false;
    int64_t ctx = 0;
    AttentionOptions attention;
  };
  auto opts = std::make_shared<Options>();
  CLI::App* cmd = root.add_subcommand(
      "inspect", "Show what a GGUF model file holds: version, architecture, metadata, tensors");
  cmd->add_option("MODEL", opts->model, "Path of a .gguf file")->required();
  cmd->add_flag("--json", opts->json, "Print one JSON object");
  cmd->add_option("-c,--ctx", opts->ctx,
                  "Context length of the tensorized memory figure (default: training context)")
      ->check(CLI::PositiveNumber);
  add_attention_options(cmd, opts->attention);
  auto* attention_opt = cmd->get_option("--attention");
  cmd->parse_complete_callback([&run, opts, attention_opt] {
    run = [opts, given = attention_opt->count() > 0]() -> int {
      auto attention = attention_config(opts->attention);
      if (!attention) return report_error(attention.error());
      const InspectQuery query{opts->ctx, *attention, given};
      auto file = gguf::File::open(opts->model);
      if (!file) return report_error(file.error());
      const InspectReport report = describe(*file, query);
      if (opts->json) {
        print_json(report, *file);
      } else {
        print_text(report, *file);
      }
      return kExitOk;
    };
  });
}

}  // namespace quire::app
