/* test_glass_deflate.cc -- glass::deflate_tag (src/engine/glass/encode.cc),
 * libdeflate's compressor kept per level and thread: every tag it
 * compresses must inflate back to itself through zlib's raw inflate with
 * window bits -15, as Xapian's glass reader does, at sizes from tiny to
 * past deflate's 32 KiB window, at both levels the writer uses, with the
 * compressors reused in any order; a tag deflate cannot shrink is refused
 * (false), so the table writer stores it as it is. */
#include "glass/glass.hh"
#include "unit.h"

#include <cstdint>
#include <string>
#include <zlib.h>

namespace {

/* Xapian's reading of a compressed tag: one raw deflate stream. */
bool inflate_raw(const std::string &in, size_t expect, std::string &out) {
    z_stream z{};
    if (inflateInit2(&z, -15) != Z_OK) return false;
    out.assign(expect + 1, '\0');
    z.next_in = (Bytef *)in.data();
    z.avail_in = (uInt)in.size();
    z.next_out = (Bytef *)&out[0];
    z.avail_out = (uInt)out.size();
    int rc = inflate(&z, Z_FINISH);
    out.resize(out.size() - z.avail_out);
    inflateEnd(&z);
    return rc == Z_STREAM_END;
}

/* Text like a termlist: words from a small vocabulary, repeats far apart. */
std::string wordy(size_t n, uint32_t seed) {
    static const char *const words[] = {"oil", "price", "barrel", "opec", "crude", "said",
                                        "market", "reuter", "trade", "export", "bank", "rate"};
    std::string s;
    while (s.size() < n) {
        seed = seed * 1664525u + 1013904223u;
        s += words[(seed >> 16) % 12];
        s += char('0' + (seed >> 8) % 10);
    }
    s.resize(n);
    return s;
}

std::string noise(size_t n, uint32_t seed) {
    std::string s(n, '\0');
    for (char &c : s) {
        seed = seed * 1664525u + 1013904223u;
        c = char(seed >> 24);
    }
    return s;
}

void check_round_trip(size_t n, int level) {
    std::string tag = wordy(n, (uint32_t)n), packed, back;
    bool packed_ok = glass::deflate_tag(tag, level, packed);
    /* A tag of a few dozen bytes may not shrink (libdeflate's smallest
     * block costs more than zlib's): then it is refused, never grown. */
    if (n >= 100 || packed_ok)
        CHECK(packed_ok && packed.size() < tag.size(), "a %zu-byte tag deflates smaller (level %d)", n,
              level);
    CHECK(!packed_ok || (inflate_raw(packed, tag.size(), back) && back == tag),
          "the %zu-byte tag inflates back to itself (level %d)", n, level);
}

}  // namespace

int main(void) {
    /* Tiny tags, powers of two on both sides, tags past the 32 KiB window,
     * in an order that reuses each compressor after others. */
    const size_t sizes[] = {40,  100,  511,  512,   513,   1024,  1025,  4096, 4097,
                            8192, 8193, 16384, 16385, 20000, 70000, 600,  3000};
    for (int level : {1, 6})
        for (size_t n : sizes) check_round_trip(n, level);

    std::string packed;
    CHECK(!glass::deflate_tag(noise(900, 7), 1, packed), "random bytes are refused (stored as they are)");
    CHECK(!glass::deflate_tag("x", 1, packed), "a one-byte tag is refused");
    check_round_trip(700, 1); /* a stream used after a refusal still works */
    return unit_exit();
}
