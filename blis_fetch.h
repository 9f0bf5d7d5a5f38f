/* blis_fetch.h - downloads for blis (HuggingFace model configs), by running
 * the curl command-line tool as a subprocess.              v0.1.0 (empty)
 *
 * STATUS
 *   This header is a placeholder in this version: it declares nothing yet.
 *   The downloader (curl run from an argument vector, never a shell; the
 *   token kept out of every argument list; a temporary file renamed into
 *   place only on success; curl's exit codes mapped to blis statuses) comes
 *   with the --roofline feature. It will be POSIX (blis.h stays ISO C) and
 *   blis.h will never depend on it.
 *
 * LICENCE: Apache-2.0, as blis.h.
 */
#ifndef BLIS_FETCH_H
#define BLIS_FETCH_H

#include "blis.h"

#define BLIS_FETCH_VERSION "0.1.0"

#endif /* BLIS_FETCH_H */
