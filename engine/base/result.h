// Result<T>: the value of an operation that can fail in an expected way (bad input, missing file,
// cancelled job). Library code returns errors as values and never exits or aborts; exceptions are
// kept for programming errors and allocation failure.
//
// An Error carries a code (for programs: exit codes, retries) and a message for a person: what
// went wrong, about which file or value, and what to do about it. Example:
//   "model.gguf: tensor 'blk.3.attn_q.weight' runs past the end of the file (offset 1234, size
//    5678, file 4096 bytes); the file is truncated, download it again".
#pragma once

#include <fmt/format.h>

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace quire {

enum class Errc {
  invalid_argument,   // the caller asked for something that cannot be (bad option, bad shape)
  not_found,          // a file, model, document or session does not exist
  permission_denied,  // the OS refused access
  io_error,           // reading or writing failed (disk full is no_space)
  no_space,           // the disk is full
  corrupt_data,       // a file is damaged, truncated or hostile
  unsupported,        // a valid input Quire does not handle (quant type, architecture, PDF kind)
  mismatch,           // things that must agree do not (model vs snapshot, config vs cache)
  context_overflow,   // the input does not fit the context and the policy says not to cut it
  out_of_memory,      // the request does not fit in RAM or VRAM
  cancelled,          // the user stopped the job
  internal,           // a bug in Quire: please report it
};

// A short stable name for the code ("corrupt_data"), for logs and JSON.
std::string_view errc_name(Errc code);

struct Error {
  Errc code = Errc::internal;
  std::string message;

  // "corrupt_data: model.gguf: ..." for logs; people see `message` alone.
  std::string describe() const;
};

template <class... Args>
Error make_error(Errc code, fmt::format_string<Args...> format, Args&&... args) {
  return Error{code, fmt::format(format, std::forward<Args>(args)...)};
}

// Holds either a T or an Error. Check with ok() / operator bool before value().
template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}           // NOLINT: implicit by design
  Result(Error error) : v_(std::move(error)) {}       // NOLINT: implicit by design

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  const Error& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : error_(std::move(error)) {}  // NOLINT: implicit by design

  bool ok() const { return !error_.has_value(); }
  explicit operator bool() const { return ok(); }
  const Error& error() const { return *error_; }

 private:
  std::optional<Error> error_;
};

}  // namespace quire
