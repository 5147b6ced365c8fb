/* similar.cc -- SIMILAR (engine_similar): the articles most like one
 * article.  Its distinctive words are what Xapian's relevance feedback
 * (Enquire::get_eset with the article as the one relevant document)
 * ranks first among its body terms -- headline words included, as the
 * body term holds them (engine.h) -- leaving out stop words, the index's
 * common words ("lede.common") and bare numbers (an article with nothing
 * else gets its plain terms); the SIMILAR_TERMS best are ORed and ranked
 * as any query (BM25), the article itself left out, its near-duplicates
 * (its group key, duplicates.cc) left out too unless asked for, then all
 * of them included, flagged.  A query given with it filters the results
 * without weight.  Everything it asks of Xapian travels over the remote
 * protocol (RSet/ESet, value ranges, boolean filters).  Runs the query
 * and makes its totals as a search does (search.cc's start_query and
 * fill_totals) and fills hits through results.cc. */
#include "internal.hh"
#include "query_run.hh"
#include "../qsyntax.h"

namespace {

const Xapian::termcount SIMILAR_TERMS = 20;

/* The terms relevance feedback may pick: words of the body term that say
 * something about the article. */
class DistinctiveTerms : public Xapian::ExpandDecider {
  public:
    /* strict: also without common words and numbers */
    DistinctiveTerms(const engine_reader *r, bool strict) : r(r), strict(strict) {}

    bool operator()(const std::string &term) const override {
        if (term.empty() || prefix_length(term) != 0) return false;
        if (!strict) return true;
        if (term.size() < 2 || r->common.count(term) || r->stop_words.count(term) || term[0] == STOP_MARK)
            return false;
        for (unsigned char c : term)
            if (!(c >= '0' && c <= '9') && c != '.' && c != ',') return true;
        return false;  /* a number */
    }

  private:
    const engine_reader *r;
    bool strict;
};

/* The article's distinctive terms, ORed; when it has none (a table of
 * figures, all numbers and common words), its body terms however plain. */
Xapian::Query distinctive_query(engine_reader *r, Xapian::docid did) {
    Xapian::RSet rset;
    rset.add_document(did);
    Xapian::Enquire enq(r->db);
    DistinctiveTerms strict(r, true), any(r, false);
    Xapian::ESet eset = enq.get_eset(SIMILAR_TERMS, rset, &strict);
    if (eset.empty()) eset = enq.get_eset(SIMILAR_TERMS, rset, &any);
    std::vector<std::string> terms(eset.begin(), eset.end());
    return Xapian::Query(Xapian::Query::OP_OR, terms.begin(), terms.end());
}

/* q without the article and, unless shown, its near-duplicates; shown,
 * they all match, whatever words they share; filtered by o->query when
 * given. */
Xapian::Query restrict(engine_reader *r, Xapian::Query q, const std::string &qterm,
                       const std::string &key, const search_opts *o) {
    Xapian::Query out_of(qterm);
    if (!key.empty()) {
        Xapian::Query group(Xapian::Query::OP_VALUE_RANGE, ENGINE_SLOT_DUP, key, key);
        if (o->dups_show) q = Xapian::Query(Xapian::Query::OP_OR, q, group);
        else out_of = Xapian::Query(Xapian::Query::OP_OR, out_of, group);
    }
    q = Xapian::Query(Xapian::Query::OP_AND_NOT, q, out_of);
    if (o->query && *o->query)
        q = Xapian::Query(Xapian::Query::OP_FILTER, q, parse(r, o->query, o->any, 0));
    return q;
}

int similar_once(engine_reader *r, const char *id, const search_opts *o,
                 search_results *out, char *err) {
    setup_search(r);
    std::string qterm = id_term(id);
    Xapian::PostingIterator p = r->db.postlist_begin(qterm);
    if (p == r->db.postlist_end(qterm))
        return lede_seterr_code(err, LEDE_ENOTFOUND, "no article '%s'", id);
    Xapian::docid did = *p;
    std::string key = r->db.get_document(did).get_value(ENGINE_SLOT_DUP);
    check_stop(o, "reading the article");
    Xapian::Query like = distinctive_query(r, did);
    check_stop(o, "choosing its words");
    Xapian::Query q = restrict(r, like, qterm, key, o);
    QueryRun run(r);
    if (int rc = start_query(r, q, o, run, err)) return rc;
    fill_totals(run.page, run.facets, o, out);
    fill_hits(r, run.page, like, o, out);
    if (o->dups_show && !key.empty())
        for (unsigned i = 0; i < out->nhits; i++)
            out->hits[i].near_dup = run.page.items[i].get_document().get_value(ENGINE_SLOT_DUP) == key;
    return LEDE_OK;
}

}  // namespace

extern "C" {

int engine_similar(engine_reader *r, const char *id, const search_opts *o,
                   search_results *out, char *err) {
    memset(out, 0, sizeof *out);
    if (o->query && *o->query && qsyntax_check(o->query, err) != LEDE_OK) return LEDE_ESYNTAX;
    if (o->query && *o->query)
        if (int rc = prescreen(o->query, o->max_cost, err)) return rc;
    int rc = with_retry(r, err, "similar", [&] {
        search_results_free(out);
        return similar_once(r, id, o, out, err);
    });
    if (rc != LEDE_OK) search_results_free(out);
    return rc;
}

}  // extern "C"
