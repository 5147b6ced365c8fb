/* glass/encode.cc -- the byte encodings of Xapian 1.4's glass format that
 * the writer's tables use, and the table keys built from them.  Owns no
 * file and no table; pure functions (the deflate compressors are per thread).
 *
 * Encodings (as glass reads them):
 *   uint          7 bits a byte, least significant group first, the top bit
 *                 set on every byte but the last (0 is one byte 0x00).
 *   uint_last     little-endian bytes with no length, nothing after it
 *                 (0 is no bytes); only as the last thing in a tag or key.
 *   uint_sortable bytewise order equals numeric order: below 0x8000 two
 *                 big-endian bytes; otherwise n = 3, 4 or 5 bytes (values
 *                 below 2^22, 2^29, 2^32), big-endian, the first byte's top
 *                 bits marking n: 10xxxxxx, 110xxxxx, 11100000.
 *   string        uint length, then the bytes.
 *   string_sortable  the bytes with every 0x00 written 0x00 0xff, then a
 *                 0x00 terminator unless nothing follows in the key.
 *   bool          '0' or '1'.
 *   positions     (a position list tag) uint of the last position; when
 *                 there are two or more, a bit stream (bits packed least
 *                 significant first, the last byte padded with zeros)
 *                 holding the first position coded out of the last, the
 *                 count minus two out of last - first, then the positions
 *                 between by binary interpolative coding: for the span
 *                 (j, k) the middle entry m = j + (k - j) / 2 is coded as
 *                 pos[m] - (pos[j] + m - j) out of pos[k] - pos[j] + j - k
 *                 + 1, then (j, m) recursively, then (m, k).  A value v out
 *                 of N takes b = bits(N - 1) bits; when 2^b > N the
 *                 2^b - N values in the middle of the range take b - 1 bits
 *                 (v in [mid, mid + spare) with mid = (N - spare) / 2 is
 *                 written as is in b - 1 bits; v above that is written as
 *                 v - (mid + spare) with bit b - 1 set).
 * Keys:
 *   docdata, termlist           uint_sortable(docid)
 *   termlist's value-slot list  uint_sortable(docid) 0x00
 *   postlist first chunk        string_sortable(term, last)
 *   postlist later chunks       string_sortable(term) uint_sortable(first docid)
 *   doclen list                 0x00 0xe0 [uint_sortable(first docid), later chunks]
 *   position list               string_sortable(term) uint_sortable(docid) */
#include "glass.hh"

#include <cerrno>
#include <cstring>

#include <libdeflate.h>

namespace glass {

void pack_uint(std::string &s, unsigned long long v) {
    while (v >= 128) {
        s += char((v & 0x7f) | 0x80);
        v >>= 7;
    }
    s += char(v);
}

void pack_uint_last(std::string &s, unsigned long long v) {
    for (; v; v >>= 8) s += char(v & 0xff);
}

void pack_uint_sortable(std::string &s, unsigned long long v) {
    if (v < 0x8000) {
        s += char(v >> 8);
        s += char(v & 0xff);
        return;
    }
    unsigned len = v < (1ull << 22) ? 3 : v < (1ull << 29) ? 4 : 5;
    if (len == 5 && v >> 32) throw Error("glass: docid too large for the format");
    unsigned char marker = (unsigned char)(0xff << (10 - len));
    char bytes[5];
    for (unsigned i = len - 1; i > 0; --i, v >>= 8) bytes[i] = char(v & 0xff);
    bytes[0] = char((unsigned char)v | marker);
    s.append(bytes, len);
}

void pack_string(std::string &s, const std::string &v) {
    pack_uint(s, v.size());
    s += v;
}

void pack_string_sortable(std::string &s, const std::string &v, bool last) {
    for (char c : v) {
        s += c;
        if (c == '\0') s += '\xff';
    }
    if (!last) s += '\0';
}

void pack_bool(std::string &s, bool v) { s += v ? '1' : '0'; }

void put_be16(uint8_t *p, unsigned v) {
    p[0] = uint8_t(v >> 8);
    p[1] = uint8_t(v);
}

void put_be32(uint8_t *p, uint32_t v) {
    put_be16(p, v >> 16);
    put_be16(p + 2, v & 0xffff);
}

namespace {

unsigned bits_for(unsigned long long x) {
    unsigned n = 0;
    for (; x; x >>= 1) ++n;
    return n;
}

/* Bits appended least significant first. */
class BitStream {
  public:
    explicit BitStream(std::string &out) : out(out) {}
    void put(unsigned long long value, unsigned nbits) {
        while (nbits) {
            unsigned take = std::min(nbits, 32u);
            acc |= (value & ((1ull << take) - 1)) << held;
            held += take;
            value >>= take;
            nbits -= take;
            while (held >= 8) {
                out += char(acc & 0xff);
                acc >>= 8;
                held -= 8;
            }
        }
    }
    void code(unsigned long long value, unsigned long long outof) {
        unsigned b = bits_for(outof - 1);
        unsigned long long spare = (1ull << b) - outof;
        if (spare) {
            unsigned long long mid = (outof - spare) / 2;
            if (value >= mid + spare) value = (value - (mid + spare)) | (1ull << (b - 1));
            else if (value >= mid) --b;
        }
        put(value, b);
    }
    void interpolative(const Xapian::termpos *pos, size_t j, size_t k) {
        while (j + 1 < k) {
            size_t mid = j + (k - j) / 2;
            unsigned long long outof = pos[k] - pos[j] + j - k + 1;
            unsigned long long lowest = pos[j] + mid - j;
            code(pos[mid] - lowest, outof);
            interpolative(pos, j, mid);
            j = mid;
        }
    }
    void close() {
        if (held) out += char(acc & 0xff);
        acc = 0;
        held = 0;
    }

  private:
    std::string &out;
    unsigned long long acc = 0;
    unsigned held = 0;
};

}  // namespace

void encode_positions(std::string &s, const Xapian::termpos *pos, size_t n) {
    pack_uint(s, pos[n - 1]);
    if (n < 2) return;
    BitStream bits(s);
    bits.code(pos[0], pos[n - 1]);
    bits.code(n - 2, pos[n - 1] - pos[0]);
    bits.interpolative(pos, 0, n - 1);
    bits.close();
}

std::string docid_key(Xapian::docid did) {
    std::string k;
    pack_uint_sortable(k, did);
    return k;
}

std::string postlist_first_key(const std::string &term) {
    if (term.empty()) return std::string("\0\xe0", 2);
    std::string k;
    pack_string_sortable(k, term, true);
    return k;
}

std::string postlist_chunk_key(const std::string &term, Xapian::docid first) {
    std::string k;
    if (term.empty()) k.assign("\0\xe0", 2);
    else pack_string_sortable(k, term, false);
    pack_uint_sortable(k, first);
    return k;
}

std::string position_key(const std::string &term, Xapian::docid did) {
    std::string k;
    pack_string_sortable(k, term, false);
    pack_uint_sortable(k, did);
    return k;
}

namespace {

/* One compressor a level and a thread: libdeflate's, which keeps no
 * state between calls, so nothing is reset per tag.  zlib's deflate at
 * level 1 (a stream per size class, reset for each tag) was 8.5% of a
 * Reuters build's CPU on the termlist worker alone; libdeflate's level 1
 * takes 0.41x its CPU on the same tags, for a termlist table 0.7% larger
 * (bench/results/index.md).  Its output is a raw deflate stream with a
 * window of at most 32 KiB, which Xapian inflates with window bits -15. */
struct Compressors {
    libdeflate_compressor *at[13] = {};
    ~Compressors() {
        for (libdeflate_compressor *c : at)
            if (c) libdeflate_free_compressor(c);
    }
    libdeflate_compressor *get(int level) {
        if (!at[level]) at[level] = libdeflate_alloc_compressor(level);
        if (!at[level]) throw Error("glass: libdeflate could not allocate a compressor");
        return at[level];
    }
};

}  // namespace

bool deflate_tag(const std::string &tag, int level, std::string &out) {
    level = level < 1 ? 1 : level > 9 ? 9 : level;
    if (tag.size() < 2) return false;
    thread_local Compressors compressors;
    out.resize(tag.size() - 1);
    size_t n = libdeflate_deflate_compress(compressors.get(level), tag.data(), tag.size(), &out[0],
                                           out.size());
    if (n == 0) return false; /* no smaller */
    out.resize(n);
    return true;
}

void fail_errno(const std::string &what, const std::string &path) {
    throw Error("glass: " + what + ": " + path + ": " + std::strerror(errno));
}

}  // namespace glass
