/* tools/libblis_sim.c - the shared library libblis-sim (make shared): blis.h
 * and blis_fetch.h compiled once, every BLIS_DEF function exported; the
 * Python package (python/blis_sim) calls blis_binding_call through ctypes. */
#define _POSIX_C_SOURCE 200809L /* blis_fetch.h: opendir, fork, mkstemp */
#define BLIS_IMPLEMENTATION
#include "../blis.h"
#include "../blis_fetch.h"
