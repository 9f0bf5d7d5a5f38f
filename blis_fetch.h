/* blis_fetch.h - the POSIX side of blis: directory listing now, downloads
 * (HuggingFace model configs through the curl tool) with --roofline.
 *                                                                   v0.1.0
 * DO THIS
 *   Include after blis.h. In the one file that defines BLIS_IMPLEMENTATION,
 *   this header's implementation is compiled too. It needs POSIX: compile
 *   that file with _POSIX_C_SOURCE=200809L (or a GNU dialect).
 *
 * CONTENTS
 *   blis_posix_list_dir  a blis_list_dir_fn (for blis_mfu_db_load_dir)
 *                        over opendir/readdir; names sorted, "." and ".."
 *                        and hidden entries skipped.
 *   The downloader (curl run from an argument vector, never a shell; the
 *   token kept out of every argument list; a temporary file renamed into
 *   place only on success; curl's exit codes mapped to blis statuses) is
 *   not in this version yet.
 *
 * blis.h never depends on this header. LICENCE: Apache-2.0, as blis.h.
 */
#ifndef BLIS_FETCH_H
#define BLIS_FETCH_H

#include "blis.h"

#define BLIS_FETCH_VERSION "0.1.0"

#ifdef __cplusplus
extern "C" {
#endif

/* user is unused (pass NULL). */
BLIS_DEF int blis_posix_list_dir(void *user, const char *dir, blis_buf *names);

#ifdef __cplusplus
}
#endif

#endif /* BLIS_FETCH_H */

#if defined(BLIS_IMPLEMENTATION) && !defined(BLIS_FETCH_IMPLEMENTATION_INCLUDED)
#define BLIS_FETCH_IMPLEMENTATION_INCLUDED

#include <dirent.h>
#include <stdlib.h>
#include <string.h>

static int blis__name_cmp(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

BLIS_DEF int blis_posix_list_dir(void *user, const char *dir, blis_buf *names) {
    DIR *d = opendir(dir);
    struct dirent *e;
    blis_buf raw;
    char **index = NULL;
    size_t count = 0, cap = 0, i, off = 0;
    int rc = 0;
    (void)user;
    if (!d) return -1;
    memset(&raw, 0, sizeof raw);
    while ((e = readdir(d)) != NULL)
        if (e->d_name[0] != '.' && blis_buf_write(&raw, e->d_name, strlen(e->d_name) + 1) != 0) rc = -1;
    closedir(d);
    for (off = 0; rc == 0 && off < raw.len; off += strlen(raw.data + off) + 1) {
        if (blis__grow(&raw.alloc, (void **)&index, &cap, count + 1, sizeof *index))
            rc = -1;
        else
            index[count++] = raw.data + off;
    }
    if (rc == 0 && count) qsort(index, count, sizeof *index, blis__name_cmp); /* deterministic order */
    for (i = 0; rc == 0 && i < count; i++)
        if (blis_buf_write(names, index[i], strlen(index[i]) + 1) != 0) rc = -1;
    blis__free(&raw.alloc, index);
    blis_buf_free(&raw);
    return rc;
}

#endif /* BLIS_IMPLEMENTATION */
