/* fuzz_proto.c -- libFuzzer target: one request line through proto_parse
 * (src/protocol.c) and, when it parses, the reply formatters that echo
 * what the client sent (errors in text and JSON, a word reply).  Built by
 * `make fuzz` only; tests/fuzz/README.md says how to run it. */
#define _GNU_SOURCE
#include "../../src/protocol.h"
#include "../../src/util.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    /* a real copy of exactly size bytes, so reading past it is caught */
    char *line = malloc(size ? size : 1);
    if (size) memcpy(line, data, size);
    proto_request rq;
    char err[LEDE_ERRLEN] = "";
    int rc = proto_parse(line, size, &rq, err);
    sbuf out;
    sbuf_init(&out);
    if (rc != LEDE_OK || rq.cmd == PROTO_UNKNOWN) {
        proto_reply_error(&out, 0, PROTO_E_SYNTAX, err);
        proto_reply_error(&out, 1, PROTO_E_SYNTAX, err);
    } else {
        proto_apply_limit(&rq, 50);
        proto_reply_word(&out, 1, rq.cmd, rq.arg ? rq.arg : "x");
        if (rq.arg) proto_escape(&out, rq.arg);
    }
    sbuf_free(&out);
    proto_request_free(&rq);
    free(line);
    return 0;
}
