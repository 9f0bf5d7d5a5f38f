/* tools/blis_impl.c - blis.h and blis_fetch.h compiled once for
 * simulation_worker (BLIS_IMPLEMENTATION in exactly one unit). */
#define _POSIX_C_SOURCE 200809L /* blis_fetch.h: directories, processes */
#define BLIS_IMPLEMENTATION
#include "../blis.h"
#include "../blis_fetch.h"
