#include "ui/session_settings.h"

namespace quire::ui {

Result<engine::SessionConfig> session_config(const AppSettings& settings) {
  engine::SessionConfig config;
  config.n_ctx = settings.context_size;
  config.n_threads = settings.threads;
  if (settings.kv_type == QStringLiteral("f16")) {
    config.kv_type = kern::KvType::f16;
  } else if (settings.kv_type == QStringLiteral("q8_0")) {
    config.kv_type = kern::KvType::q8_0;
  } else {
    return make_error(Errc::invalid_argument,
                      "KV type '{}' is not one Quire knows; choose f16 or q8_0 in Settings",
                      settings.kv_type.toStdString());
  }
  if (!engine::parse_attention_mode(settings.attention.toStdString(), config.attention.mode)) {
    return make_error(Errc::invalid_argument,
                      "attention mode '{}' is not one Quire knows; choose full, tensorized or "
                      "hybrid in Settings",
                      settings.attention.toStdString());
  }
  for (int n : settings.tensor_dims) config.attention.dims.n.push_back(n);
  return config;
}

}  // namespace quire::ui
