# Every third-party dependency, found the idiomatic way (find_package or pkg-config), each as an
# imported target. Nothing is vendored: Debian 12 ships all of them (.ci/install-deps).
find_package(PkgConfig REQUIRED)
find_package(Threads REQUIRED)

# kernels/cpu: BLAS GEMM for batched prefill.
pkg_check_modules(OPENBLAS REQUIRED IMPORTED_TARGET openblas)

# engine: tokenizers and JSON/format helpers.
pkg_check_modules(SENTENCEPIECE REQUIRED IMPORTED_TARGET sentencepiece)
pkg_check_modules(PCRE2 REQUIRED IMPORTED_TARGET libpcre2-8)
find_package(fmt REQUIRED)
find_package(nlohmann_json 3.10 REQUIRED)
# engine/runtime: XXH3 checksums of session snapshots.
pkg_check_modules(XXHASH REQUIRED IMPORTED_TARGET libxxhash)

# app: documents and storage.
pkg_check_modules(POPPLER_CPP REQUIRED IMPORTED_TARGET poppler-cpp)
find_package(SQLite3 REQUIRED)
find_package(OpenSSL REQUIRED COMPONENTS Crypto)  # SHA-256: content hashes, snapshot checksums
find_package(LibArchive REQUIRED)
pkg_check_modules(ZSTD REQUIRED IMPORTED_TARGET libzstd)
find_package(CLI11 REQUIRED)

if(QUIRE_GUI)
  find_package(Qt6 6.4 REQUIRED COMPONENTS Widgets Concurrent Charts Test)
  pkg_check_modules(POPPLER_QT6 REQUIRED IMPORTED_TARGET poppler-qt6)
  find_package(Qt6 6.4 REQUIRED COMPONENTS PrintSupport)  # PDF export through QPrinter
endif()

if(QUIRE_TESTS)
  find_package(GTest REQUIRED)
  find_package(benchmark REQUIRED)
endif()
