# Every dependency comes from Debian's packages (see scripts/setup.sh).
find_package(Torch REQUIRED)
find_package(Boost 1.74 REQUIRED COMPONENTS filesystem)
find_package(fmt REQUIRED)
find_package(nlohmann_json 3.10 REQUIRED)
find_package(tomlplusplus REQUIRED)
find_package(CLI11 REQUIRED)
find_package(SQLite3 REQUIRED)
find_package(OpenSSL REQUIRED COMPONENTS Crypto)
find_package(Threads REQUIRED)
find_package(PkgConfig REQUIRED)
pkg_check_modules(UTF8PROC REQUIRED IMPORTED_TARGET libutf8proc)
# The Unicode classes of GPT-2's pre-tokenizer pattern (byte-level BPE).
pkg_check_modules(PCRE2 REQUIRED IMPORTED_TARGET libpcre2-8)
# The PostgreSQL results store (libpqxx-dev 6.4, C++17).
pkg_check_modules(PQXX REQUIRED IMPORTED_TARGET libpqxx>=6.4)
