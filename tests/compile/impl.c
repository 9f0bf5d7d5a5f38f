/* Compile-matrix unit: the one translation unit with the implementation. */
#define _POSIX_C_SOURCE 200809L /* blis_fetch.h needs POSIX (its DO THIS) */
#define BLIS_IMPLEMENTATION
#include "../../blis.h"
#include "../../blis_fetch.h"
