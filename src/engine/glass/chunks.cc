/* glass/chunks.cc -- the chunked lists of the postlist table: a term's
 * postlist, the document-length list and the value streams, built in docid
 * order and written in key order; and the spill file that holds the
 * doclen and value chunks until the postlist table reaches their keys.
 * Owns these tags' layouts; the keys' encodings are encode.cc's.
 *
 * Postlist table keys, in the order they sort (and are written):
 *   0x00 0xc0 name                metadata (tag: the value, never empty)
 *   0x00 0xd0 uint_last(slot)     value statistics: uint freq, string
 *                                 lowest value, then the highest value's
 *                                 bytes (nothing when equal to the lowest)
 *   0x00 0xd8 uint(slot) uint_sortable(first docid)
 *                                 value chunk: string value of the first
 *                                 docid, then (uint docid gap - 1, string
 *                                 value)...; closed once it reaches 2000
 *                                 bytes
 *   0x00 0xe0 [uint_sortable(first docid)]
 *                                 document-length list, a postlist whose
 *                                 wdfs are the lengths and whose first
 *                                 chunk says termfreq 0, collfreq 0
 *   string_sortable(term, last) [0x00 uint_sortable(first docid)]
 *                                 a term's postlist
 * A postlist is split in chunks, each closed once its body reaches 2000
 * bytes (the next posting starts the next one).  First chunk tag: uint
 * termfreq, uint collection frequency, uint first docid - 1, then as every
 * chunk: bool is-last-chunk, uint last docid - first docid of the chunk,
 * body: uint wdf of its first docid, then (uint docid gap - 1, uint wdf)...
 * Later chunks sit under the key with their first docid.
 *
 * Memory: a term's chunks are held encoded until end_term (its termfreq
 * and collfreq go first): the first PARK_AFTER bytes of them in memory,
 * the rest parked in the spill file as each closes (a term in every one
 * of 10 million articles has some 15 MB of postlist); the doclen list and
 * the values go to the spill file as each 2000-byte chunk fills.  That
 * leaves 24 to 56 bytes a parked chunk in memory, plus one open chunk a
 * value slot. */
#include "glass.hh"

#include <algorithm>

#include <fcntl.h>
#include <unistd.h>

namespace glass {

namespace {
const size_t CHUNK_SIZE = 2000;
const size_t PARK_AFTER = 256 << 10;

std::string chunk_head(bool last, Xapian::docid first, Xapian::docid final_did) {
    std::string s;
    pack_bool(s, last);
    pack_uint(s, final_did - first);
    return s;
}

std::string first_chunk_head(Xapian::doccount termfreq, unsigned long long collfreq,
                             Xapian::docid first) {
    std::string s;
    pack_uint(s, termfreq);
    pack_uint(s, collfreq);
    pack_uint(s, first - 1);
    return s;
}
}  // namespace

void PostingChunks::add(Xapian::docid did, Xapian::termcount wdf) {
    if (started && cur.body.size() >= CHUNK_SIZE) close_chunk();
    size_t before = cur.body.size();
    if (!started) {
        cur.first = did;
        started = true;
    } else {
        pack_uint(cur.body, did - cur.last - 1);
    }
    cur.last = did;
    pack_uint(cur.body, wdf);
    held += cur.body.size() - before;
}

void PostingChunks::close_chunk() {
    if (held > PARK_AFTER) {
        SpillFile::Ref ref = spill.put(cur.body);
        held -= cur.body.size();
        cur.at = ref.offset;
        cur.len = ref.len;
        std::string().swap(cur.body);
    }
    chunks.push_back(std::move(cur));
    cur = Chunk();
    started = false;
}

void PostingChunks::write(TableWriter &table, const std::string &term,
                          Xapian::doccount termfreq, unsigned long long collfreq) {
    if (started) close_chunk();
    for (size_t i = 0; i < chunks.size(); ++i) {
        const Chunk &c = chunks[i];
        bool last = i + 1 == chunks.size();
        std::string parked = c.len ? spill.get(SpillFile::Ref{c.at, c.len}) : std::string();
        const std::string &body = c.len ? parked : c.body;
        if (i == 0) {
            table.add(postlist_first_key(term), first_chunk_head(termfreq, collfreq, c.first) +
                                                    chunk_head(last, c.first, c.last) + body);
        } else {
            table.add(postlist_chunk_key(term, c.first), chunk_head(last, c.first, c.last) + body);
        }
    }
    chunks.clear();
    held = 0;
}

SpillFile::SpillFile(const std::string &dir) : path(dir + "/spill.tmp") {
    fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) fail_errno("cannot create spill file", path);
    ::unlink(path.c_str()); /* nothing left behind, whatever happens */
}

SpillFile::~SpillFile() {
    if (fd >= 0) ::close(fd);
}

SpillFile::Ref SpillFile::put(const std::string &bytes) {
    Ref ref{end, bytes.size()};
    size_t done = 0;
    while (done < bytes.size()) {
        ssize_t w = ::pwrite(fd, bytes.data() + done, bytes.size() - done, off_t(end + done));
        if (w < 0 && errno == EINTR) continue;
        if (w < 0) fail_errno("cannot write spill file", path);
        done += size_t(w);
    }
    end += bytes.size();
    return ref;
}

std::string SpillFile::get(const Ref &ref) const {
    std::string s(ref.len, '\0');
    size_t done = 0;
    while (done < ref.len) {
        ssize_t r = ::pread(fd, &s[done], ref.len - done, off_t(ref.offset + done));
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) fail_errno("cannot read spill file", path);
        done += size_t(r);
    }
    return s;
}

void DoclenStream::add(Xapian::docid did, Xapian::termcount length) {
    if (!cur.empty() && cur.size() >= CHUNK_SIZE) close_chunk();
    if (cur.empty()) first = did;
    else pack_uint(cur, did - prev - 1);
    prev = did;
    pack_uint(cur, length);
}

void DoclenStream::close_chunk() {
    chunks.push_back(Parked{first, prev, spill.put(cur)});
    cur.clear();
}

void DoclenStream::write(TableWriter &postlist) {
    if (!cur.empty()) close_chunk();
    for (size_t i = 0; i < chunks.size(); ++i) {
        const Parked &c = chunks[i];
        std::string tag = chunk_head(i + 1 == chunks.size(), c.first, c.last) + spill.get(c.ref);
        if (i == 0) postlist.add(postlist_first_key(""), first_chunk_head(0, 0, c.first) + tag);
        else postlist.add(postlist_chunk_key("", c.first), tag);
    }
    chunks.clear();
}

void ValueStreams::add(Xapian::docid did, Xapian::valueno slot, const std::string &value) {
    Slot &s = slots[slot];
    if (s.freq++ == 0) {
        s.lower = s.upper = value;
    } else if (value < s.lower) {
        s.lower = value;
    } else if (value > s.upper) {
        s.upper = value;
    }
    if (s.cur.empty()) s.cur_first = did;
    else pack_uint(s.cur, did - s.prev - 1);
    s.prev = did;
    pack_string(s.cur, value);
    if (s.cur.size() >= CHUNK_SIZE) close_chunk(s);
}

void ValueStreams::close_chunk(Slot &s) {
    s.chunks.emplace_back(s.cur_first, spill.put(s.cur));
    s.cur.clear();
}

void ValueStreams::write(TableWriter &postlist) {
    /* Both key kinds encode the slot in ways whose byte order is not the
     * numeric order: sort by the encoded bytes. */
    std::vector<std::pair<std::string, Xapian::valueno>> stats_keys, chunk_prefixes;
    for (auto &entry : slots) {
        std::string k("\0\xd0", 2);
        pack_uint_last(k, entry.first);
        stats_keys.emplace_back(k, entry.first);
        std::string p("\0\xd8", 2);
        pack_uint(p, entry.first);
        chunk_prefixes.emplace_back(p, entry.first);
    }
    std::sort(stats_keys.begin(), stats_keys.end());
    std::sort(chunk_prefixes.begin(), chunk_prefixes.end());
    for (auto &k : stats_keys) {
        const Slot &s = slots[k.second];
        std::string tag;
        pack_uint(tag, s.freq);
        pack_string(tag, s.lower);
        if (s.lower != s.upper) tag += s.upper;
        postlist.add(k.first, tag);
    }
    for (auto &p : chunk_prefixes) {
        Slot &s = slots[p.second];
        if (!s.cur.empty()) close_chunk(s);
        for (auto &c : s.chunks) {
            std::string key = p.first;
            pack_uint_sortable(key, c.first);
            postlist.add(key, spill.get(c.second));
        }
    }
    slots.clear();
}

}  // namespace glass
