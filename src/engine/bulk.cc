/* bulk.cc -- the bulk inverter (bulk.hh): takes the flat documents
 * make_flat_document() made (or Xapian::Documents), spools each
 * (bulk_docs.cc) and files its postings in the current run (bulk_runs.cc), spilling the run past the memory
 * budget; at the end replays phase 1 and merges the runs (the last one
 * from memory) into phase 2 of a sink, the memory runs' term sorts on
 * threads of their own beside phase 1 (RunSorts).  Owns DIR.runs/ (made here, removed by the destructor, whatever
 * happened); touches no database. */
#include "bulk.hh"
#include "../util.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <exception>
#include <thread>

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

namespace bulk {

namespace {

/* The run buffer's least share of the budget, whatever the rest holds:
 * below it, runs would be too small to be worth a file. */
const size_t MIN_RUN_SHARE = 4;

/* An entry of current and one of latest, with their buckets. */
const size_t REPLACED_BYTES = 96;

std::string make_runs_dir(const std::string &dir) {
    std::string d = dir + ".runs";
    if (mkdir(d.c_str(), 0755) != 0) throw IoError(d, errno);
    return d;
}

/* d and what it holds: files, and directories of files (the writer's
 * metadata database). */
void remove_dir(const std::string &d) {
    if (DIR *dh = opendir(d.c_str())) {
        while (struct dirent *e = readdir(dh)) {
            if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
            std::string p = d + "/" + e->d_name;
            if (unlink(p.c_str()) != 0 && (errno == EISDIR || errno == EPERM)) remove_dir(p);
        }
        closedir(dh);
    }
    rmdir(d.c_str());
}

}  // namespace

Inverter::Inverter(const std::string &dir, size_t budget)
    : dir(dir), runs_dir(make_runs_dir(dir)), budget(budget), spool(runs_dir + "/docs") {}

Inverter::~Inverter() { remove_dir(runs_dir); }

void Inverter::spill() {
    std::string path = runs_dir + "/run." + std::to_string(runs.size());
    runs.push_back(path);
    buffer.spill(path);
    lede_crash_point("bulk-after-spill");
}

uint32_t Inverter::version_of(Xapian::docid did, bool replaces) {
    if (!replaces) return 0;
    auto got = current.emplace(did, 0);
    if (got.second) replaced_bytes += REPLACED_BYTES;
    return ++got.first->second;
}

long Inverter::finish_add(Xapian::docid did, uint32_t version, const std::string &data,
                          const std::string &note, const TermWdfs &terms, const SlotValues &values,
                          bool replaces) {
    long at = spool.add(did, version, data, note, terms, values);
    if (replaces) latest[did] = at;
    size_t held = reserved + replaced_bytes;
    size_t room = std::max(budget > held ? budget - held : 0, budget / MIN_RUN_SHARE);
    if (buffer.bytes() > room) spill();
    return at;
}

long Inverter::add(Xapian::docid did, const Xapian::Document &doc, bool replaces) {
    uint32_t version = version_of(did, replaces);
    TermWdfs terms;
    Posting p;
    p.did = did;
    p.version = version;
    terms.reserve(doc.termlist_count());
    for (Xapian::TermIterator t = doc.termlist_begin(); t != doc.termlist_end(); ++t) {
        p.wdf = t.get_wdf();
        terms.emplace_back(*t, p.wdf); /* *t makes a new string each time: read once */
        p.positions.assign(t.positionlist_begin(), t.positionlist_end());
        buffer.add(terms.back().first, p);
    }
    SlotValues values;
    for (Xapian::ValueIterator v = doc.values_begin(); v != doc.values_end(); ++v)
        values.emplace_back(v.get_valueno(), *v);
    return finish_add(did, version, doc.get_data(), std::string(), terms, values, replaces);
}

namespace {

/* How many terms ahead of its add a term's entry is asked for (its
 * postings' end half as far: the entry must be in by then).  A term's
 * entry and the end of its postings were two cache misses each, in
 * id order, which is no order in memory: RunBuffer::add's store misses,
 * 5-7% of a Reuters build's samples (issue 20). */
const size_t PREFETCH_AHEAD = 8;

/* The first terms' entries, then postings, asked for before the loop
 * reaches them. */
void prefetch_runs(const RunBuffer &buffer, const FlatDocument &doc) {
    size_t n = std::min(doc.terms.size(), PREFETCH_AHEAD);
    for (size_t i = 0; i < n; i++) buffer.prefetch_entry(doc.terms[i].id);
    for (size_t i = 0; i < n / 2; i++) buffer.prefetch_postings(doc.terms[i].id);
}

}  // namespace

long Inverter::add(Xapian::docid did, FlatDocument &doc, bool replaces) {
    uint32_t version = version_of(did, replaces);
    TermWdfs terms;
    terms.reserve(doc.terms.size());
    /* The ids hold while the run they were given in is being filled:
     * nothing spills between make_flat_document and here.  Positions go
     * from the document's array to the run's encoding, copied nowhere
     * between. */
    bool ids = doc.generation != 0 && doc.generation == buffer.generation();
    if (ids) prefetch_runs(buffer, doc);
    for (size_t i = 0; i < doc.terms.size(); i++) {
        FlatTerm &t = doc.terms[i];
        if (ids && i + PREFETCH_AHEAD < doc.terms.size()) {
            buffer.prefetch_entry(doc.terms[i + PREFETCH_AHEAD].id);
            buffer.prefetch_postings(doc.terms[i + PREFETCH_AHEAD / 2].id);
        }
        uint32_t id = ids ? t.id : buffer.id_of(t.term);
        buffer.add(id, did, version, t.wdf, doc.begin(t), t.count);
        terms.emplace_back(std::move(t.term), t.wdf);
    }
    return finish_add(did, version, doc.data, doc.note, terms, doc.values, replaces);
}

/* The last run stays in memory, where the budget held it while it was
 * filled: spilling it only to read it back at once cost a write and a
 * read of every posting of a build that spilled nothing else. */
void Inverter::documents(Sink &sink, Xapian::docid offset) {
    spool.replay(current, latest, offset, sink);
}

struct RunSorts::Sort {
    std::thread thread;
    std::vector<const RunBuffer::Entry *> order;
    std::exception_ptr failure;
};

RunSorts::RunSorts(const std::vector<RunSet> &sets) {
    try {
        for (const RunSet &set : sets) {
            sorts.emplace_back(new Sort);
            if (set.memory->empty()) continue;
            Sort *s = sorts.back().get();
            const RunBuffer *run = set.memory;
            s->thread = std::thread([s, run] {
                try {
                    s->order = run->in_order();
                } catch (...) {
                    s->failure = std::current_exception();
                }
            });
        }
    } catch (...) {
        join(); /* a thread not started: those that were, stopped */
        throw;
    }
}

RunSorts::~RunSorts() { join(); }

void RunSorts::join() {
    for (auto &s : sorts)
        if (s->thread.joinable()) s->thread.join();
}

void RunSorts::wait(std::vector<RunSet> &sets) {
    join();
    for (size_t i = 0; i < sets.size() && i < sorts.size(); i++) {
        if (sorts[i]->failure) std::rethrow_exception(sorts[i]->failure);
        if (!sets[i].memory->empty()) sets[i].order = &sorts[i]->order;
    }
}

}  // namespace bulk
