/* Compile-matrix unit: blis.h alone, implementation included, in strict
 * ISO C (no POSIX feature macro): the library must need libc only. */
#ifndef BLIS_IMPLEMENTATION
#define BLIS_IMPLEMENTATION
#endif
#include "../../blis.h"

#include <string.h>

int main(void) {
    blis_doc doc;
    blis_err err;
    const char *s = "[1, 2.5, \"x\"]";
    if (blis_json_parse(s, strlen(s), NULL, &doc, &err) != BLIS_OK) return 1;
    blis_doc_free(&doc);
    return 0;
}
