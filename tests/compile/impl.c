/* Compile-matrix unit: the one translation unit with the implementation. */
#define BLIS_IMPLEMENTATION
#include "../../blis.h"
#include "../../blis_fetch.h"
