// Security and encoding builtins (LANGUAGE.md §10) on OpenSSL's libcrypto: SHA-256 and MD5
// digests (EVP_Digest), base64 (EVP_EncodeBlock / EVP_DecodeBlock), constant-time comparison
// (CRYPTO_memcmp) and OS randomness (RAND_bytes, seeded from getrandom). Nothing hand-written
// except the strictness checks around EVP_DecodeBlock, which by itself skips blanks and does not
// report how much padding it decoded.
//
// libcrypto is opened on the first call of one of these builtins, not at start-up
// (base/lazy_library.hpp: it is the largest library bp uses and is linked with BIND_NOW): the
// headers give the prototypes, the function pointers come from dlsym. If it cannot be loaded, the
// builtin raises IOError saying so.
#include "base/lazy_library.hpp"
#include "stdlib/support.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <algorithm>
#include <string>

namespace bp::stdlib {

namespace {

// The seven libcrypto functions used here, resolved together on first use.
struct CryptoApi {
    decltype(&EVP_Digest) digest;
    decltype(&EVP_md5) md5;
    decltype(&EVP_sha256) sha256;
    decltype(&EVP_EncodeBlock) encode_block;
    decltype(&EVP_DecodeBlock) decode_block;
    decltype(&RAND_bytes) rand_bytes;
    decltype(&CRYPTO_memcmp) memcmp;
};

struct CryptoLoad {
    CryptoApi api{};
    std::string error; // empty: every symbol was found
};

CryptoLoad load_crypto() {
    static base::LazyLibrary lib(BP_LIBCRYPTO_SONAME, "OpenSSL libcrypto");
    CryptoLoad r;
    CryptoApi& f = r.api;
    bool ok = lib.bind("EVP_Digest", f.digest, r.error) && lib.bind("EVP_md5", f.md5, r.error) &&
              lib.bind("EVP_sha256", f.sha256, r.error) && lib.bind("EVP_EncodeBlock", f.encode_block, r.error) &&
              lib.bind("EVP_DecodeBlock", f.decode_block, r.error) &&
              lib.bind("RAND_bytes", f.rand_bytes, r.error) && lib.bind("CRYPTO_memcmp", f.memcmp, r.error);
    if (ok) r.error.clear(); // (bind leaves it empty on success; spelled out for the reader)
    return r;
}

// The table, loaded on the first call (a function-local static: thread-safe, once); `fn` names the
// builtin in the IOError raised when libcrypto is unavailable.
const CryptoApi& crypto(std::string_view fn) {
    static const CryptoLoad loaded = load_crypto();
    if (!loaded.error.empty()) rt::raise(ErrorKind::IOError, std::string(fn) + ": " + loaded.error);
    return loaded.api;
}

std::string to_hex(const unsigned char* p, size_t n) {
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string out(2 * n, '\0');
    for (size_t i = 0; i < n; ++i) {
        out[2 * i] = kDigits[p[i] >> 4];
        out[2 * i + 1] = kDigits[p[i] & 0xF];
    }
    return out;
}

enum class Digest { Sha256, Md5 };

std::string digest_hex(std::string_view data, Digest which, std::string_view fn) {
    const CryptoApi& c = crypto(fn);
    const EVP_MD* md = which == Digest::Sha256 ? c.sha256() : c.md5();
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (!md || c.digest(data.data(), data.size(), out, &len, md, nullptr) != 1)
        rt::raise(ErrorKind::ValueError, std::string(fn) + ": digest failed");
    return to_hex(out, len);
}

bool is_b64_char(unsigned char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/';
}

[[noreturn]] void raise_b64(std::string_view why) {
    rt::raise(ErrorKind::ValueError, "base64_decode: " + std::string(why));
}

// Strict RFC 4648 form: length a multiple of 4, alphabet only, '=' only as the last one or two
// characters. Returns the number of padding characters.
size_t check_b64(std::string_view s) {
    if (s.size() % 4 != 0) raise_b64("invalid length");
    size_t pad = 0;
    while (pad < 2 && pad < s.size() && s[s.size() - 1 - pad] == '=') ++pad;
    for (size_t i = 0; i < s.size() - pad; ++i)
        if (!is_b64_char(static_cast<unsigned char>(s[i]))) raise_b64("invalid character");
    return pad;
}

} // namespace

Value bi_hash_sha256(BuiltinArgs& a) { return str_value(a, digest_hex(arg_sv(a, 0), Digest::Sha256, "hash_sha256")); }

Value bi_hash_md5(BuiltinArgs& a) { return str_value(a, digest_hex(arg_sv(a, 0), Digest::Md5, "hash_md5")); }

// Running time depends only on the lengths (CRYPTO_memcmp reads every byte).
Value bi_secure_compare(BuiltinArgs& a) {
    std::string_view x = arg_sv(a, 0), y = arg_sv(a, 1);
    const CryptoApi& c = crypto("secure_compare");
    if (x.size() != y.size()) return Value::from_bool(false);
    return Value::from_bool(x.empty() || c.memcmp(x.data(), y.data(), x.size()) == 0);
}

Value bi_random_bytes(BuiltinArgs& a) {
    int64_t n = arg_int(a, 0);
    if (n < 0 || n > 1024) rt::raise(ErrorKind::ValueError, "random_bytes: n must be 0-1024");
    const CryptoApi& c = crypto("random_bytes");
    unsigned char buf[1024];
    if (n > 0 && c.rand_bytes(buf, static_cast<int>(n)) != 1)
        rt::raise(ErrorKind::IOError, "random_bytes: the OS random source failed");
    return str_value(a, to_hex(buf, static_cast<size_t>(n)));
}

Value bi_base64_encode(BuiltinArgs& a) {
    std::string_view s = arg_sv(a, 0);
    const CryptoApi& c = crypto("base64_encode");
    size_t out_len = rt::checked_size(0, (s.size() + 2) / 3, 4);
    std::string out(out_len + 1, '\0'); // EVP_EncodeBlock writes a NUL
    size_t done = 0;
    // EVP_EncodeBlock takes an int length: encode in chunks (a multiple of 3 bytes).
    constexpr size_t kChunk = 3 * (1u << 28);
    for (size_t off = 0; off < s.size(); off += kChunk) {
        size_t n = std::min(kChunk, s.size() - off);
        done += static_cast<size_t>(c.encode_block(reinterpret_cast<unsigned char*>(out.data() + done),
                                                    reinterpret_cast<const unsigned char*>(s.data() + off),
                                                    static_cast<int>(n)));
    }
    out.resize(done);
    return str_value(a, out);
}

Value bi_base64_decode(BuiltinArgs& a) {
    std::string_view s = arg_sv(a, 0);
    const CryptoApi& c = crypto("base64_decode");
    size_t pad = check_b64(s);
    std::string out(s.size() / 4 * 3 + 1, '\0');
    size_t done = 0;
    constexpr size_t kChunk = 4 * (1u << 28); // whole quanta; only the last holds padding
    for (size_t off = 0; off < s.size(); off += kChunk) {
        size_t n = std::min(kChunk, s.size() - off);
        int r = c.decode_block(reinterpret_cast<unsigned char*>(out.data() + done),
                                reinterpret_cast<const unsigned char*>(s.data() + off), static_cast<int>(n));
        if (r < 0) raise_b64("invalid input");
        done += static_cast<size_t>(r);
    }
    out.resize(done - pad); // EVP_DecodeBlock counts padding as zero bytes
    return str_value(a, out);
}

} // namespace bp::stdlib
