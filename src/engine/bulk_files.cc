/* bulk_files.cc -- the bytes under the bulk inverter (bulk.hh): its
 * varints, the buffered files the runs are spilled to and merged from
 * and the document spool is written to and replayed from (InFile,
 * OutFile), and IoError, what their failures throw (a path and errno).
 * Knows nothing of runs, terms or documents; touches no database. */
#include "bulk.hh"

#include <cerrno>
#include <cstring>

namespace bulk {

IoError::IoError(const std::string &path, int e, const std::string &why)
    : std::runtime_error(path + ": " + (why.empty() ? std::string(strerror(e)) : why)), path(path), errnum(e) {}

void put_varint(std::string &out, uint64_t v) {
    while (v >= 0x80) {
        out += (char)((v & 0x7f) | 0x80);
        v >>= 7;
    }
    out += (char)v;
}

uint64_t get_varint(const unsigned char *&p) {
    uint64_t v = 0;
    for (unsigned shift = 0;; shift += 7) {
        unsigned char c = *p++;
        v |= (uint64_t)(c & 0x7f) << shift;
        if (!(c & 0x80)) return v;
    }
}

/* ---- files ----------------------------------------------------------------- */

InFile::InFile(const std::string &path, size_t buffer) : path(path), buf(buffer) {
    f = fopen(path.c_str(), "rb");
    if (!f) throw IoError(path, errno);
    setvbuf(f, buf.data(), _IOFBF, buf.size());
}

InFile::~InFile() {
    if (f) fclose(f);
}

int InFile::byte() {
    int c = getc_unlocked(f);
    if (c == EOF) {
        if (ferror(f)) throw IoError(path, errno);
        throw IoError(path, EIO, "truncated");
    }
    return c;
}

bool InFile::at_end() {
    int c = getc_unlocked(f);
    if (c == EOF) {
        if (ferror(f)) throw IoError(path, errno);
        return true;
    }
    ungetc(c, f);
    return false;
}

uint64_t InFile::varint() {
    uint64_t v = 0;
    for (unsigned shift = 0; shift < 64; shift += 7) {
        int c = byte();
        v |= (uint64_t)(c & 0x7f) << shift;
        if (!(c & 0x80)) return v;
    }
    throw IoError(path, EIO, "bad varint");
}

void InFile::bytes(std::string &out, size_t n) {
    out.resize(n);
    if (n && fread(&out[0], 1, n, f) != n) {
        if (ferror(f)) throw IoError(path, errno);
        throw IoError(path, EIO, "truncated");
    }
}

void InFile::append(std::string &out, size_t n) {
    size_t at = out.size();
    out.resize(at + n);
    if (n && fread(&out[at], 1, n, f) != n) {
        if (ferror(f)) throw IoError(path, errno);
        throw IoError(path, EIO, "truncated");
    }
}

void InFile::seek(long offset) {
    if (fseek(f, offset, SEEK_SET) != 0) throw IoError(path, errno);
}

void InFile::skip(size_t n) {
    if (n && fseek(f, (long)n, SEEK_CUR) != 0) throw IoError(path, errno);
}

OutFile::OutFile(const std::string &path) : path(path) {
    f = fopen(path.c_str(), "wb");
    if (!f) throw IoError(path, errno);
}

OutFile::~OutFile() {
    if (f) fclose(f);
}

void OutFile::bytes(const char *p, size_t n) {
    if (n && fwrite(p, 1, n, f) != n) throw IoError(path, errno);
    written += (long)n;
}

void OutFile::bytes(const std::string &s) { bytes(s.data(), s.size()); }

void OutFile::varint(uint64_t v) {
    std::string b;
    put_varint(b, v);
    bytes(b);
}

void OutFile::flush() {
    if (fflush(f) != 0) throw IoError(path, errno);
}

void OutFile::close() {
    FILE *g = f;
    f = nullptr;
    if (fclose(g) != 0) throw IoError(path, errno);
}

}  // namespace bulk
