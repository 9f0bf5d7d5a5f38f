// examples/cpp/blis_impl.cpp - the one translation unit that compiles blis's
// implementation; every other file includes blis.h for the declarations.
#define BLIS_IMPLEMENTATION
#include "blis.h"
