/* glass/version.cc -- writes a glass database's version file, "iamglass",
 * the last file of a build: a reader sees no database until it exists.
 * Owns that file's layout; the tables' files are table.cc's.
 *
 * iamglass (integers are glass "uint"s, see encode.cc):
 *   16 bytes  magic: 0x0f 0x0d "Xapian Glass", then the format version as
 *             two big-endian bytes: (2016 - 2014) << 9 | 3 << 5 | 14
 *   16 bytes  the database's UUID (random, version 4)
 *   uint      revision (1)
 *   six root infos, in table order postlist, docdata, termlist, position,
 *   spelling, synonym; each:
 *     uint    root block number (0 when the root is fake)
 *     uint    level << 2 | 2 (sequential) | 1 (root is fake: empty table)
 *     uint    number of entries (the null item not counted)
 *     uint    block size >> 11
 *     uint    compress_min: tags longer than this may be deflated by a
 *             later writer (0 never: postlist, position; 4 for the others)
 *     string  freelist: empty for an empty table; else uint revision, uint
 *             first unused block (all blocks are used), then two freelist
 *             cursors (block, offset / 4) both 0 0: an empty freelist
 *   statistics:
 *     uint    document count
 *     uint    last docid - document count
 *     uint    smallest non-zero document length (0 when none)
 *     uint    largest wdf
 *     uint    largest document length - largest wdf
 *     uint    oldest changeset (0)
 *     uint    total document length
 *     uint    largest spelling word frequency
 * Written to v.tmp, synced, renamed over iamglass, then the directory is
 * synced. */
#include "glass.hh"

#include <cstdio>

#include <fcntl.h>
#include <unistd.h>

namespace glass {

namespace {

const unsigned COMPRESS_MIN[TABLES] = {0, 4, 4, 0, 4, 4};

std::string random_uuid() {
    unsigned char u[16];
    int fd = ::open("/dev/urandom", O_RDONLY | O_CLOEXEC);
    if (fd < 0 || ::read(fd, u, sizeof u) != ssize_t(sizeof u)) {
        if (fd >= 0) ::close(fd);
        fail_errno("cannot read", "/dev/urandom");
    }
    ::close(fd);
    u[6] = (u[6] & 0x0f) | 0x40;
    u[8] = (u[8] & 0x3f) | 0x80;
    return std::string(reinterpret_cast<char *>(u), sizeof u);
}

void pack_root(std::string &s, const RootInfo &r, unsigned block_size, unsigned compress_min) {
    pack_uint(s, r.root);
    pack_uint(s, r.level << 2 | 2 | (r.fake_root ? 1 : 0));
    pack_uint(s, r.entries);
    pack_uint(s, block_size >> 11);
    pack_uint(s, compress_min);
    std::string freelist;
    if (!r.fake_root) {
        pack_uint(freelist, 1);
        pack_uint(freelist, r.blocks);
        for (int i = 0; i < 4; ++i) pack_uint(freelist, 0);
    }
    pack_string(s, freelist);
}

void write_all(int fd, const std::string &bytes, const std::string &path) {
    size_t done = 0;
    while (done < bytes.size()) {
        ssize_t w = ::write(fd, bytes.data() + done, bytes.size() - done);
        if (w < 0 && errno == EINTR) continue;
        if (w < 0) fail_errno("cannot write", path);
        done += size_t(w);
    }
}

}  // namespace

void write_version_file(const std::string &dir, const RootInfo roots[TABLES],
                        unsigned block_size, const Stats &st, bool sync) {
    const unsigned format = (2016 - 2014) << 9 | 3 << 5 | 14;
    std::string s("\x0f\x0dXapian Glass", 14);
    s += char(format >> 8);
    s += char(format & 0xff);
    s += random_uuid();
    pack_uint(s, 1);
    for (int t = 0; t < TABLES; ++t) pack_root(s, roots[t], block_size, COMPRESS_MIN[t]);
    pack_uint(s, st.doccount);
    pack_uint(s, st.last_docid - st.doccount);
    pack_uint(s, st.doclen_lbound);
    pack_uint(s, st.wdf_ubound);
    pack_uint(s, st.doclen_ubound - st.wdf_ubound);
    pack_uint(s, 0);
    pack_uint(s, st.total_doclen);
    pack_uint(s, st.spelling_wordfreq_ubound);

    std::string tmp = dir + "/v.tmp", final_path = dir + "/iamglass";
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    if (fd < 0) fail_errno("cannot create", tmp);
    try {
        write_all(fd, s, tmp);
        if (sync && ::fsync(fd) != 0) fail_errno("cannot fsync", tmp);
    } catch (...) {
        ::close(fd);
        ::unlink(tmp.c_str());
        throw;
    }
    if (::close(fd) != 0) fail_errno("cannot close", tmp);
    if (::rename(tmp.c_str(), final_path.c_str()) != 0) fail_errno("cannot rename to", final_path);
    if (sync) {
        int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0) fail_errno("cannot open", dir);
        int rc = ::fsync(dfd);
        ::close(dfd);
        if (rc != 0) fail_errno("cannot fsync", dir);
    }
}

}  // namespace glass
