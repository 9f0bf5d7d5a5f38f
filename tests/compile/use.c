/* Compile-matrix unit: uses the API through the declarations (and, with
 * -DBLIS_IMPLEMENTATION, compiles the implementation too, as C or C++). */
#define _POSIX_C_SOURCE 200809L /* blis_fetch.h needs POSIX (its DO THIS) */
#include "../../blis.h"
#include "../../blis_fetch.h"

#include <stdio.h>

int main(void) {
    blis_doc doc;
    blis_err err;
    const char *s = "{\"ok\": true}";
    int ok = 0;
    if (blis_json_parse(s, strlen(s), NULL, &doc, &err) != BLIS_OK) return 1;
    if (blis_doc_get_bool(&doc, blis_doc_root(&doc), "ok", &ok, &err) != BLIS_OK) return 1;
    blis_doc_free(&doc);
    return ok ? 0 : 1;
}
