/* fuzz_http.c -- libFuzzer target: one HTTP request head through
 * http_parse_head (daemon/http_parse.c), leded's own HTTP/1.x head
 * parser.  The bytes up to the first NUL are the head (leded refuses a
 * head with a NUL before parsing it).  A head that parses must hold what
 * the routes rely on: a target, HTTP/1.0 or 1.1, a method.  Built by
 * `make fuzz` only; tests/fuzz/README.md says how to run it. */
#define _GNU_SOURCE
#include "../../daemon/http_parse.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    size_t n = strnlen((const char *)data, size);
    char *head = malloc(n + 1); /* exactly the head and its NUL: reads past it are caught */
    memcpy(head, data, n);
    head[n] = '\0';
    http_request r;
    memset(&r, 0, sizeof r);
    char err[LEDE_ERRLEN] = "";
    if (http_parse_head(&r, head, err) == LEDE_OK) {
        if (!r.target || (r.minor != 0 && r.minor != 1) || !r.method || !r.method_name[0]) abort();
    } else if (!err[0]) {
        abort(); /* a refusal always says why */
    }
    http_request_clear(&r);
    free(head);
    return 0;
}
