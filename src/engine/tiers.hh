/* tiers.hh -- what tiers.cc gives the rest of the engine: reading
 * "lede.tiers", the tier terms a document gets (and a bulk writer's
 * verdicts kept by term id, TierVerdicts), and the plan of a tier run
 * (search.cc).  Declarations only, but for TierVerdicts' small inline
 * members; nothing outside the engine includes it. */
#ifndef LEDE_ENGINE_TIERS_HH
#define LEDE_ENGINE_TIERS_HH

#include "internal.hh"

/* The tier words of "lede.tiers" (none in an index made before it). */
TierMap tiers_of(const settings &s);
/* The same, for a writer's lookups. */
TierWords tier_words_of(const settings &s);
/* Adds XT<word> to doc for each tier word whose (baked) wdf in doc is at
 * least its threshold, and XTN<word> where it reaches the narrow level's:
 * XT<word> with the word's wdf when weigh (format 5: tier_wdfs), else
 * boolean as XTN always is. */
void add_tier_terms(const TierWords &tiers, bool weigh, Xapian::Document &doc);
/* add_tier_terms' answers for a bulk writer, kept by term id: each
 * unprefixed term's threshold and its narrow level's, asked of the tier
 * words the first time the term's id (in the run buffer's generation)
 * is seen, then read from an array.  Asking for every term of every
 * article (an FNV hash of its bytes, a probe and, for the common words
 * that are mostly tier words, a string compare on a cold entry) was 5% of
 * a Reuters build's samples (issue 20); and XT<word>'s id, where format 5
 * weighs it (its own lookup in the run buffer otherwise).  Forgotten when the run buffer's
 * generation changes (its ids are then another run's); one per bulk
 * writer, made at its first put, whose tier words never change after:
 * they are read only by engine_writer_configure (writer.cc's
 * load_format), which a bulk writer refuses after its first put, so no
 * verdict is kept of tier words that changed. */
class TierVerdicts {
  public:
    /* term's threshold in at and its narrow level's in narrow (0: none),
     * false when term is no tier word; id is term's in generation gen. */
    bool find(const TierWords &tiers, uint32_t gen, uint32_t id, const std::string &term,
              Xapian::termcount &at, Xapian::termcount &narrow);
    /* The run buffer id of XT<word> (NO_ID: not known yet), for the
     * word of id, which find() has just answered for. */
    static constexpr uint32_t NO_ID = 0xffffffff;
    uint32_t &tier_term_id(uint32_t id) { return by_id[id].xt; }
    /* Asks the cache for id's verdict (a miss, most of find's time: ids
     * are in no order in an article), ahead of find. */
    void prefetch(uint32_t g, uint32_t id) const {
        if (g == gen && id < by_id.size()) __builtin_prefetch(&by_id[id]);
    }
    /* The memory held (a writer counts it in its budget). */
    size_t bytes() const { return by_id.capacity() * sizeof(Verdict); }

  private:
    /* at 0: not asked yet; NONE: no tier word (a word whose threshold
     * is NONE is asked every time). */
    static constexpr Xapian::termcount NONE = 0xffffffff;
    struct Verdict {
        Xapian::termcount at = 0, narrow = 0;
        uint32_t xt = NO_ID;
    };
    uint32_t gen = 0;
    std::vector<Verdict> by_id;
};
/* The same for the bulk path's flat table (tokenise.hh); its terms'
 * verdicts kept in verdicts when not null (and the table's ids are a
 * run buffer's). */
namespace tok { class TermTable; }
void add_tier_terms(const TierWords &tiers, bool weigh, tok::TermTable &table,
                    TierVerdicts *verdicts = nullptr);
/* The tier terms of a document's prefix terms (prefix_terms.cc):
 * XTXW<prefix> for each prefix word whose sum over the text fields
 * (its XW<field><prefix> wdfs in sums) reaches the threshold tiers has
 * for XW<prefix>. */
std::vector<std::string> prefix_tier_terms(const TierWords &tiers, const PrefixSums &sums);
/* A ranked query's tier run: q over the articles holding a tier term of
 * its scoring words, and the most any other article of q can score (see
 * tiers.cc); false when q has a scoring word that is not a tier word, an
 * operator whose weight it cannot bound, fewer postings than min_postings
 * in its scoring words, or the index no tiers.  The wildcards of
 * filtered with a tier are sources made for the tier run (WildcardSource::TIER_RUN);
 * q's own are left as they were, for the whole match. */
bool tier_plan(engine_reader *r, const Xapian::Query &q, Xapian::doccount min_postings,
               Xapian::Query &filtered, double &bound);
/* A query's scoring leaves as the tier plans read them: each leaf's term
 * and wqf, repeats kept (Xapian weighs each leaf apart, with its own wqf). */
using TierLeaves = std::vector<std::pair<std::string, double>>;
/* q's scoring leaves, as tier_plan collects them, when they are tier
 * words only (no wildcard) and tier_plan could bound q (tiers.cc). */
bool tier_leaves(engine_reader *r, const Xapian::Query &q, TierLeaves &leaves);
/* The narrow level's plan of a field OR (a phrase's OR of its body,
 * headline and standfirst branches, tiers.cc): q FILTERed by the narrow
 * tier terms (XTN<word>) of its body branches' words and by its prefixed
 * branches whole, and the most any other article of q can score.  False
 * when q is no OR, has no prefixed branch or one whose rarest term is
 * common, a body branch with a word outside the narrow level, a position
 * to read or an operator collect cannot bound, or fewer postings than
 * min_postings in its body words. */
bool narrow_tier_plan(engine_reader *r, const Xapian::Query &q, Xapian::doccount min_postings,
                      Xapian::Query &filtered, double &bound);
/* Whether every term of q is a prefixed field's (headline, standfirst,
 * their pair terms); least is lowered to its rarest term's frequency
 * (field_first.cc). */
bool prefixed_only(engine_reader *r, const Xapian::Query &q, Xapian::doccount &least);
/* The field-first plan of a ranked OR of the fields (field_first.cc):
 * the branches of prefixed fields ranked alone on enq (its query left
 * set to them), then q over their first matches; the most any other
 * article can score in bound.  False when q is not such an OR, its body
 * branches' postings are fewer than min_postings or not many times the
 * prefixed ones', fewer than want articles match those, or no page from
 * them could beat the bound.  Its match is checked_mset's: o's deadline
 * and cancel stop it (QueryStopped). */
bool field_first_plan(engine_reader *r, Xapian::Enquire &enq, const Xapian::Query &q, const search_opts *o,
                      Xapian::doccount want, Xapian::doccount min_postings,
                      Xapian::Query &filtered, double &bound);
/* Whether field_first_plan is for q, its prefixed branches' rarest
 * terms could fill a page of want (their articles summed, at least
 * want) and are few (the plan then ranks every one of them):
 * search.cc's tier_page then tries it before the narrow level, whose
 * run costs more and more often fails its bound (field_first.cc).
 * Reads term statistics only. */
bool field_first_likely(engine_reader *r, const Xapian::Query &q, Xapian::doccount want,
                        Xapian::doccount min_postings);
/* How many articles of r's index hold term, as a match's weighting
 * reads it (the empty term: how many articles there are); a remote
 * reader's kept until it moves (tiers.cc). */
Xapian::doccount tier_freq(engine_reader *r, const std::string &term);
/* The most a leaf of term (of wqf wqf) can add for an article whose wdf
 * of it is at most wdf, as tf_weight() scores it (tiers.cc). */
double leaf_bound(engine_reader *r, const std::string &term, double wqf, double wdf);
/* Whether r may take format 5's plans from XT's wdfs (tier_wdf.cc,
 * tier_wdf_multi.cc): format 5, local, one database, with tier words. */
bool wdf_plans_may(const engine_reader *r);
/* A posting of a format 5 XT list: the word's wdf in the article, its id. */
using WdfPosting = std::pair<Xapian::termcount, Xapian::docid>;
/* XT<word>'s postings into out, ascending by id; false when one is below
 * the word's threshold (its wdf not the word's).  o's deadline and cancel
 * flag are looked at as it reads (QueryStopped; o null: not). */
bool read_tier_wdfs(const engine_reader *r, const std::string &word, const search_opts *o,
                    std::vector<WdfPosting> &out);
/* The one-word plan of a format 5 index (tier_wdf.cc): q, a single tier
 * word, over the articles whose XT<word> wdf is at least its want-th
 * greatest (ties kept), and the most any other article can score (the
 * word at one below that wdf).  False when the index is not format 5,
 * remote or of several databases, q is not one tier word, its postings
 * are fewer than min_postings, its XT list holds fewer than want
 * articles, or a posting there is below the word's threshold (an XT
 * written boolean: the plan then cannot see the wdfs).  o (may be null)
 * as read_tier_wdfs. */
bool wdf_tier_plan(engine_reader *r, const Xapian::Query &q, const search_opts *o, Xapian::doccount want,
                   Xapian::doccount min_postings, Xapian::Query &filtered, double &bound);
/* Format 5's plans of a query of several tier leaves (tier_wdf_multi.cc):
 * an AND, bare PHRASE or NEAR of tier words (not the parser's phrase, an
 * OR of the fields), the left side of AND_NOT or
 * FILTER, weightless parts beside them (what tier_leaves reads, no
 * wildcard).  Made once from the leaves' XT lists (o's deadline looked at
 * as they are read); next gives q FILTERed to the articles whose most
 * possible score (from the wdfs the lists give, a word's threshold - 1
 * where its list lacks the article) reaches a cut taken among the
 * articles every list holds, and the most any other article can score;
 * each next a lower cut, a few at most.  None when the index may not take
 * them (wdf_plans_may), q is a single leaf (wdf_tier_plan's), its words'
 * postings are fewer than min_postings, its lists likely share fewer
 * than a page of articles (then they are not read), a posting is below
 * its word's threshold, the filter would hold too many articles, or
 * LEDE_WDF_MULTI_OFF is in the environment (read once: a benchmark and
 * test hook). */
class WdfMultiPlan {
  public:
    WdfMultiPlan(engine_reader *r, const Xapian::Query &q, const search_opts *o, Xapian::doccount want,
                 Xapian::doccount min_postings);
    /* The next plan to run as a tier run; false when none is left. */
    bool next(Xapian::Query &filtered, double &bound);

    /* An article of the leaves' XT lists: the most it can score, and
     * whether every leaf's wdf is known (the lists all hold it). */
    struct Candidate {
        double most;
        Xapian::docid id;
        bool known;
    };

  private:
    void build(engine_reader *r, const search_opts *o, Xapian::doccount min_postings);

    Xapian::Query q;
    Xapian::doccount want;
    std::vector<Candidate> candidates;  /* ascending by id */
    std::vector<double> known;          /* the mosts of the candidates every list holds */
    double floor = 0;                   /* the most an article of no list can score */
    Xapian::doccount first = 0;         /* the first cut's rank among the known */
    unsigned tried = 0;
    size_t last = 0;                    /* the last filter's size */
    bool done = true;
};
/* Drops the tier words' frequencies a remote reader kept (tier_freq):
 * r moved to other databases or revisions. */
void forget_tier_freqs(engine_reader *r);

#endif
