/* test_run_buffer.cc -- src/engine/bulk.hh's RunBuffer as the writer's
 * dictionary of terms: ids_of (the batched lookup of an article's
 * boolean terms) must give the ids id_of gives one term at a time, in
 * batches of any length, with terms repeated within a batch and across
 * batches, past several doublings of the index's slots and many chunks
 * of entries; each id's term and postings must be its own (an entry
 * never moves when more are added).  FlatIndex::likely_entry, the
 * batch's hint, must name the entry a key's first slot holds. */
#include "bulk.hh"
#include "unit.h"

#include <string>
#include <vector>

namespace {

std::string term_of(unsigned i) { return "XP" + std::to_string(i * 2654435761u % 70001u); }

void check_batches_match_single() {
    bulk::RunBuffer one, batched;
    std::vector<std::string> batch;
    std::vector<uint32_t> got;
    bool same = true;
    unsigned n = 0;
    for (unsigned b = 0; n < 60000; b++) {
        batch.clear();
        size_t len = b % 41; /* 0 to 40: under, at and over a batch of 16 */
        for (size_t i = 0; i < len; i++, n++) batch.push_back(term_of(i % 7 == 3 ? n / 2 : n));
        if (len > 2) batch.push_back(batch[1]); /* a repeat within the batch */
        got.assign(batch.size(), 0);
        batched.ids_of(batch.data(), batch.size(), got.data());
        for (size_t i = 0; i < batch.size(); i++) same = same && got[i] == one.id_of(batch[i]);
    }
    CHECK(same, "ids_of gives id_of's ids, batch by batch");
    CHECK(batched.entries().size() == one.entries().size() && batched.bytes() == one.bytes(),
          "as many terms and bytes (%zu, %zu)", batched.entries().size(), one.entries().size());
    bool own = true;
    for (size_t k = 0; k < one.entries().size(); k++)
        own = own && batched.term_of((uint32_t)k) == one.term_of((uint32_t)k) &&
              batched.id_of(std::string(one.term_of((uint32_t)k))) == k;
    CHECK(own, "each id keeps its own term");
}

void check_entries_stay_put() {
    bulk::RunBuffer buf;
    uint32_t first = buf.id_of("first");
    const bulk::RunBuffer::Entry *at = &buf.entries()[first];
    buf.add(first, 7, 0, 1, nullptr, 0);
    for (unsigned i = 0; i < 5000; i++) buf.add(buf.id_of(term_of(i)), 8 + i, 0, 1, nullptr, 0);
    CHECK(&buf.entries()[first] == at, "an entry stays where it was put past many chunks");
    CHECK(at->term == "first" && at->postings.last == 7, "and keeps its term and postings");
    size_t count = 0;
    buf.entries().each([&](const bulk::RunBuffer::Entry &) { count++; });
    CHECK(count == buf.entries().size(), "each() visits every entry (%zu)", count);
    buf.release();
    CHECK(buf.empty() && buf.bytes() == 0, "release empties the buffer");
    CHECK(buf.id_of("again") == 0, "ids start again from 0 after a release");
}

void check_likely_entry() {
    FlatIndex index;
    index.make_room(0, [](size_t) { return (size_t)0; });
    size_t h = ((size_t)0x12345678 << 32) | 5;
    CHECK(index.likely_entry(h) == SIZE_MAX, "no entry in an empty slot");
    index.put(index.find(h, [](size_t) { return false; }), h, 3);
    CHECK(index.likely_entry(h) == 3, "the entry in the key's first slot");
    CHECK(index.likely_entry(((size_t)0x9999 << 32) | 5) == SIZE_MAX, "none for another tag");
}

}  // namespace

int main() {
    check_batches_match_single();
    check_entries_stay_put();
    check_likely_entry();
    return unit_exit();
}
