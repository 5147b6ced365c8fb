/* protocol_facets.c -- a SEARCH reply's facets in text and JSON (see
 * protocol_facets.h and docs/PROTOCOL.md).  Escapes text fields as the rest
 * of the protocol does (proto_escape); touches no connection or index. */
#include "protocol_facets.h"
#include "protocol.h"

void proto_facets_text(sbuf *out, const search_results *res) {
    for (unsigned i = 0; i < res->nfacets; i++) {
        const search_facet *f = &res->facets[i];
        sbuf_puts(out, "FACET\t");
        proto_escape(out, f->name);
        sbuf_printf(out, "\tkind=%s\tvalues=%u\tdistinct=%llu\tseen=%llu\testimated=%d\n", f->kind,
                    f->nvalues, (unsigned long long)f->distinct, (unsigned long long)f->seen,
                    f->estimated);
        for (unsigned v = 0; v < f->nvalues; v++) {
            sbuf_puts(out, "VALUE\t");
            proto_escape(out, f->values[v].value);
            sbuf_printf(out, "\t%llu\n", (unsigned long long)f->values[v].count);
        }
    }
}

/* A string from the index is UTF-8; guard anyway, as protocol.c does. */
static json_t *json_text(const char *s) {
    json_t *v = json_string(s ? s : "");
    return v ? v : json_string("\xEF\xBF\xBD");
}

json_t *proto_facets_json(const search_results *res) {
    json_t *all = json_object();
    for (unsigned i = 0; i < res->nfacets; i++) {
        const search_facet *f = &res->facets[i];
        json_t *j = json_object(), *values = json_array();
        json_object_set_new(j, "kind", json_string(f->kind));
        json_object_set_new(j, "estimated", json_boolean(f->estimated));
        json_object_set_new(j, "seen", json_integer((json_int_t)f->seen));
        json_object_set_new(j, "distinct", json_integer((json_int_t)f->distinct));
        for (unsigned v = 0; v < f->nvalues; v++) {
            json_t *e = json_object();
            json_object_set_new(e, "value", json_text(f->values[v].value));
            json_object_set_new(e, "count", json_integer((json_int_t)f->values[v].count));
            json_array_append_new(values, e);
        }
        json_object_set_new(j, "values", values);
        json_object_set_new(all, f->name, j);
    }
    return all;
}
