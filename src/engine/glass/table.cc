/* glass/table.cc -- writes one glass B-tree table file from keys given in
 * ascending order: leaf blocks filled one after another, each level of
 * branch blocks built bottom-up as the level below fills (as a compaction
 * does), nothing ever rewritten.  Owns the block and item layout; knows
 * nothing of what the keys and tags mean (writer.cc, chunks.cc do).
 *
 * A table file is an array of blocks of block_size bytes (2048..65536, a
 * power of two), block n at offset n * block_size.  All integers in blocks
 * are big-endian.  Every block:
 *   0  4  revision (the version file's revision, 1 here; a block's must not
 *         exceed its parent's)
 *   4  1  level (0: leaf; the root has the highest)
 *   5  2  max free: contiguous free bytes between the directory and items
 *   7  2  total free: block_size - directory end - the items' sizes
 *   9  2  directory end (odd; 11 + 2 * items)
 *  11 ... directory: a 2-byte offset in the block of each item, in key order
 *   ...   free space, then the items (here packed at the block's end).
 * Leaf item (level 0):
 *   2  I: item size - 3 in the low 13 bits; 0x8000 the tag is compressed,
 *         0x4000 this is the tag's last component, 0x2000 its first
 *   1  key length (0..255), then the key
 *   2  component number (1, 2, ...), only when not the first component
 *   ...   this component's bytes of the tag.
 * A tag longer than one item is split into components under the same key,
 * in consecutive items (across blocks), each item at most
 * (block_size - 11 - 4 * 2) / 4 bytes, so that four fit in a block.  A
 * compressed tag is one raw deflate stream (readers: zlib, window bits -15) split
 * across its components; readers inflate it when the flag is set, and only
 * the tables whose root info has compress_min > 0 are expected to hold
 * such tags.  Every table that has items starts with the null item: empty
 * key, first and last component, empty tag.
 * Branch item (level > 0), ordered by (key, component) like leaf items:
 *   4  the child's block number
 *   1  key length, the key
 *   2  component number
 * A branch block's first item's key is never compared (the leftmost item of
 * a level has the empty key, component 0); item i > 0 is the separator of
 * its child: a key greater than everything in the child before it and at
 * most the child's first (key, component).  Above leaves it is the child's
 * first key cut just past its first difference from the previous leaf's
 * last key.  No freelist: every block from 0 to the last is in the tree. */
#include "glass.hh"

#include <cstring>

#include <fcntl.h>
#include <unistd.h>

namespace glass {

namespace {
const unsigned DIR_START = 11;
const unsigned REVISION = 1;
const size_t OUT_BUFFER = 1 << 20;
}  // namespace

struct TableWriter::Level {
    explicit Level(unsigned block_size, unsigned level)
        : block(block_size), level(level) { reset(); }
    std::vector<uint8_t> block;
    unsigned level;
    unsigned dir_end = DIR_START, item_start = 0, items = 0;
    std::string first_key, last_key, prev_block_last_key;
    unsigned first_comp = 0, last_comp = 0;
    uint32_t blocks_written = 0;

    void reset() {
        std::fill(block.begin(), block.end(), 0);
        dir_end = DIR_START;
        item_start = unsigned(block.size());
        items = 0;
    }
    unsigned room() const { return item_start - dir_end; }
    /* Copies in the item of (key, component) and notes it as the block's
     * last (and, when the block was empty, its first); the caller checked
     * room() >= size + 2. */
    void place(const uint8_t *item, unsigned size, const std::string &key, unsigned component) {
        note(key, component);
        item_start -= size;
        std::memcpy(&block[item_start], item, size);
        put_be16(&block[dir_end], item_start);
        dir_end += 2;
        ++items;
    }
    /* The block's first and last (key, component), which write_block()
     * makes its parent's separator of. */
    void note(const std::string &key, unsigned component) {
        if (items == 0) {
            first_key = key;
            first_comp = component;
        }
        last_key = key;
        last_comp = component;
    }
};

TableWriter::TableWriter(const std::string &path, unsigned block_size, int compress_level)
    : file(path), block_size(block_size), compress_level(compress_level) {
    max_item = (block_size - DIR_START - 4 * 2) / 4;
    if (max_item > 0x1fff + 3) max_item = 0x1fff + 3;
    fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd < 0) fail_errno("cannot create table", path);
    levels.push_back(new Level(block_size, 0));
}

TableWriter::~TableWriter() {
    for (Level *lv : levels) delete lv;
    if (fd >= 0) ::close(fd);
}

void TableWriter::add(const std::string &key, const std::string &tag) {
    if (key.empty() || key.size() > 255)
        throw Error("glass: key of " + std::to_string(key.size()) + " bytes in " + file +
                    " (1..255 allowed)");
    if (any && !(last_key < key))
        throw Error("glass: keys out of order in " + file);
    if (!any) add_item(std::string(), 1, true, false, "", 0); /* the null item */
    any = true;
    last_key = key;
    ++entries;

    std::string packed;
    bool compressed = compress_level > 0 && tag.size() > 4 && deflate_tag(tag, compress_level, packed);
    const std::string &data = compressed ? packed : tag;
    size_t left = data.size(), at = 0;
    unsigned component = 1;
    do {
        size_t header = 3 + key.size() + (component > 1 ? 2 : 0);
        size_t chunk = std::min(left, max_item - header);
        unsigned room = levels[0]->room();
        if (header + chunk + 2 > room) {
            /* A tag split anyway may fill the rest of this block. */
            size_t fits = room > header + 2 ? room - header - 2 : 0;
            if (data.size() > max_item - header - 2 && fits >= 256) chunk = fits;
        }
        if (component > 0xffff) throw Error("glass: tag too large in " + file);
        add_item(key, component, chunk == left, compressed, data.data() + at, chunk);
        at += chunk;
        left -= chunk;
        ++component;
    } while (left);
}

void TableWriter::add_item(const std::string &key, unsigned component, bool last,
                           bool compressed, const char *data, size_t len) {
    Level &lv = *levels[0];
    uint8_t item[65536 + 300];
    size_t size = 3 + key.size() + (component > 1 ? 2 : 0) + len;
    if (size + 2 > lv.room()) {
        write_block(lv);
    }
    unsigned flags = (compressed ? 0x8000 : 0) | (last ? 0x4000 : 0) | (component == 1 ? 0x2000 : 0);
    put_be16(item, unsigned(size - 3) | flags);
    item[2] = uint8_t(key.size());
    std::memcpy(item + 3, key.data(), key.size());
    size_t o = 3 + key.size();
    if (component > 1) {
        put_be16(item + o, component);
        o += 2;
    }
    std::memcpy(item + o, data, len);
    lv.place(item, unsigned(size), key, component);
}

/* The separator of a leaf: the child's first key cut just past its first
 * difference from the previous leaf's last key. */
static std::string cut_key(const std::string &prev, const std::string &first) {
    size_t i = 0, n = std::min(prev.size(), first.size());
    while (i < n && prev[i] == first[i]) ++i;
    if (i < first.size()) ++i;
    return first.substr(0, i);
}

void TableWriter::push_branch(unsigned level, const std::string &key, unsigned component,
                              uint32_t child) {
    if (levels.size() <= level) levels.push_back(new Level(block_size, level));
    Level &lv = *levels[level];
    size_t size = 4 + 1 + key.size() + 2;
    if (size + 2 > lv.room()) write_block(lv);
    uint8_t item[4 + 1 + 255 + 2];
    put_be32(item, child);
    item[4] = uint8_t(key.size());
    std::memcpy(item + 5, key.data(), key.size());
    put_be16(item + 5 + key.size(), component);
    lv.place(item, unsigned(size), key, component);
}

/* Fills in lv's block header and appends the block to the output; returns
 * its number. */
uint32_t TableWriter::append_block(Level &lv) {
    uint8_t *b = lv.block.data();
    put_be32(b, REVISION);
    b[4] = uint8_t(lv.level);
    put_be16(b + 5, lv.room());
    put_be16(b + 7, lv.room());
    put_be16(b + 9, lv.dir_end);
    out.append(reinterpret_cast<const char *>(b), block_size);
    bytes += block_size;
    return next_block++;
}

/* Writes lv's block, gives its parent an item for it (unless it is the
 * root: see finish()), and starts an empty one. */
uint32_t TableWriter::write_block(Level &lv) {
    uint32_t n = append_block(lv);
    if (out.size() >= OUT_BUFFER) flush_output();
    if (lv.level + 1 < 256 && n != UINT32_MAX) {
        std::string key;
        unsigned comp = 0;
        if (lv.blocks_written > 0) {
            key = lv.level == 0 ? cut_key(lv.prev_block_last_key, lv.first_key) : lv.first_key;
            comp = lv.first_comp;
        }
        lv.prev_block_last_key = lv.last_key;
        ++lv.blocks_written;
        lv.reset();
        push_branch(lv.level + 1, key, comp, n);
    }
    return n;
}

void TableWriter::flush_output() {
    size_t done = 0;
    while (done < out.size()) {
        ssize_t w = ::write(fd, out.data() + done, out.size() - done);
        if (w < 0) {
            if (errno == EINTR) continue;
            fail_errno("cannot write", file);
        }
        done += size_t(w);
    }
    out.clear();
}

RootInfo TableWriter::finish(bool sync) {
    RootInfo info;
    if (any) {
        for (unsigned j = 0;; ++j) {
            Level &lv = *levels[j];
            bool top = j + 1 == levels.size();
            if (top && lv.blocks_written == 0) {
                /* The root: written without a parent item. */
                info.root = append_block(lv);
                info.level = j;
                break;
            }
            write_block(lv);
        }
        info.fake_root = false;
        info.entries = entries;
        info.blocks = next_block;
    }
    flush_output();
    if (sync && ::fsync(fd) != 0) fail_errno("cannot fsync", file);
    if (::close(fd) != 0) {
        fd = -1;
        fail_errno("cannot close", file);
    }
    fd = -1;
    return info;
}

}  // namespace glass
