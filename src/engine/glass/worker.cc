/* glass/worker.cc -- TableWorker (glass.hh): one table written by a thread
 * of its own while the writer's thread goes on with the others, so a
 * bulk merge keeps two cores busy: the docdata and termlist tables (the
 * termlist tags' deflate) in phase 1, the position table (the
 * positions' encoding and its blocks) in phase 2.  Owns its thread and the queue to it; the
 * table's layout is table.cc's and the tags' encodings encode.cc's.
 *
 * The items go in batches of about BATCH bytes, each batch one string of
 * records (no allocation an item):
 *   key length   4 bytes (host order), then the key
 *   length       4 bytes: the tag's bytes, or POSITIONS | the number of
 *                positions, then the tag or the positions (4 bytes each)
 * At most QUEUED batches wait, so the worker holds at most about
 * (QUEUED + SPARE + 2) * BATCH bytes, 512 KiB (the batch being filled,
 * the queued ones, the one being written, the spare strings kept for
 * reuse), and an item past BATCH: the writer's thread waits when the
 * queue is full.  The thread writes the items in the order
 * given, so the table is byte for byte what the writer's thread would
 * have written.  A failure of the thread (glass::Error, an I/O error) is
 * kept and thrown at the next hand-over or at finish(); destroying the
 * worker stops its thread, the items not yet written dropped. */
#include "glass.hh"

#include <cstring>

namespace glass {

namespace {
const size_t BATCH = 64 << 10;
const size_t QUEUED = 4;
const size_t SPARE = 2;
const uint32_t POSITIONS = 0x80000000u;

void put_u32(std::string &out, uint32_t v) { out.append(reinterpret_cast<const char *>(&v), 4); }

uint32_t get_u32(const char *&p) {
    uint32_t v;
    std::memcpy(&v, p, 4);
    p += 4;
    return v;
}
}  // namespace

TableWorker::TableWorker(std::unique_ptr<TableWriter> table) : table(std::move(table)) {
    thread = std::thread([this] { run(); });
}

TableWorker::~TableWorker() {
    {
        std::lock_guard<std::mutex> lock(mu);
        stopping = true;
    }
    changed.notify_all();
    if (thread.joinable()) thread.join();
}

void TableWorker::add(const std::string &key, const std::string &tag) {
    if (tag.size() >= POSITIONS) throw Error("glass: a tag of over 2 GB in " + table->path());
    put_u32(filling, uint32_t(key.size()));
    filling += key;
    put_u32(filling, uint32_t(tag.size()));
    filling += tag;
    if (filling.size() >= BATCH) hand_over();
}

void TableWorker::add_positions(const std::string &key, const Xapian::termpos *positions, size_t n) {
    if (n >= POSITIONS / sizeof *positions) throw Error("glass: too many positions in " + table->path());
    put_u32(filling, uint32_t(key.size()));
    filling += key;
    put_u32(filling, POSITIONS | uint32_t(n));
    filling.append(reinterpret_cast<const char *>(positions), n * sizeof *positions);
    if (filling.size() >= BATCH) hand_over();
}

/* The batch being filled onto the queue, once there is room for it; a
 * spare string (one the thread wrote) to fill next. */
void TableWorker::hand_over() {
    std::unique_lock<std::mutex> lock(mu);
    changed.wait(lock, [this] { return queue.size() < QUEUED || failure; });
    if (failure) std::rethrow_exception(failure);
    queue.push_back(std::move(filling));
    filling.clear();
    if (!spare.empty()) {
        filling.swap(spare.back());
        spare.pop_back();
    }
    lock.unlock();
    changed.notify_all();
}

RootInfo TableWorker::finish(bool sync) {
    if (!filling.empty()) hand_over();
    {
        std::unique_lock<std::mutex> lock(mu);
        changed.wait(lock, [this] { return (queue.empty() && idle) || failure; });
        if (failure) std::rethrow_exception(failure);
    }
    return table->finish(sync);
}

void TableWorker::write(const std::string &batch) {
    const char *p = batch.data(), *end = p + batch.size();
    while (p < end) {
        uint32_t n = get_u32(p);
        key.assign(p, n);
        p += n;
        n = get_u32(p);
        tag.clear();
        if (n & POSITIONS) {
            n &= ~POSITIONS;
            positions.resize(n);
            std::memcpy(positions.data(), p, n * sizeof(Xapian::termpos));
            p += n * sizeof(Xapian::termpos);
            encode_positions(tag, positions.data(), n);
        } else {
            tag.assign(p, n);
            p += n;
        }
        table->add(key, tag);
    }
}

void TableWorker::run() {
    std::unique_lock<std::mutex> lock(mu);
    for (;;) {
        idle = true;
        changed.notify_all();
        changed.wait(lock, [this] { return !queue.empty() || stopping; });
        if (stopping) return;
        std::string batch = std::move(queue.front());
        queue.pop_front();
        idle = false;
        lock.unlock();
        changed.notify_all();
        try {
            write(batch);
        } catch (...) {
            lock.lock();
            failure = std::current_exception();
            queue.clear();
            continue;
        }
        batch.clear();
        lock.lock();
        if (spare.size() < SPARE) spare.push_back(std::move(batch));
    }
}

}  // namespace glass
