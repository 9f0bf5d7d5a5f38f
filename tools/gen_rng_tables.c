/* gen_rng_tables - computes the constant tables of the Go math/rand (v1)
 * generator that blis.h reproduces, and prints them as C for blis.h's
 * >>base section (`make gen-rng-tables`; the tests recompute them and
 * compare with blis.h).
 *
 * - blis__rng_cooked[607]: the state of the additive lagged-Fibonacci
 *   generator x[k] = x[k-607] + x[k-273] (mod 2^64), seeded from seed 1 by
 *   the Park-Miller generator (x' = 48271 x mod 2^31-1; each entry
 *   (x1 << 20) ^ (x2 << 10) ^ x3 after 20 discarded draws), after 7.8e12
 *   steps. Computed by jump-ahead: t^N mod (t^607 - t^334 - 1) over Z/2^64.
 * - The ziggurat tables of Marsaglia & Tsang ("The Ziggurat Method for
 *   Generating Random Variables", J. Stat. Software 5(8), 2000): normal
 *   (128 strips, r = 3.442619855899, v = 9.91256303526217e-3) and
 *   exponential (256 strips, r = 7.69711747013104972,
 *   v = 3.949659822581572e-3), from the paper's setup recurrences, stored as
 *   uint32 (k) and float (w, f) as the generator uses them.
 * The results equal the tables of Go's math/rand (checked against the
 * published values when this program was written, and through the RNG
 * conformance vectors by the tests). */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define GEN_LEN 607
#define GEN_TAP 273

typedef struct gen_rng_tables {
    uint64_t cooked[GEN_LEN];
    uint32_t kn[128], ke[256];
    float wn[128], fn[128], we[256], fe[256];
} gen_rng_tables;

static int32_t gen_seedrand(int32_t x) {
    int32_t hi = x / 44488, lo = x % 44488;
    x = 48271 * lo - 3399 * hi;
    return x < 0 ? x + 2147483647 : x;
}

/* r = a * b mod (t^607 - t^334 - 1); scratch holds 2*607 coefficients. */
static void gen_polymul(const uint64_t *a, const uint64_t *b, uint64_t *r, uint64_t *scratch) {
    int i, j;
    memset(scratch, 0, 2 * GEN_LEN * sizeof *scratch);
    for (i = 0; i < GEN_LEN; i++)
        if (a[i])
            for (j = 0; j < GEN_LEN; j++) scratch[i + j] += a[i] * b[j];
    for (i = 2 * GEN_LEN - 2; i >= GEN_LEN; i--) { /* t^607 = t^334 + 1 */
        scratch[i - GEN_LEN] += scratch[i];
        scratch[i - GEN_TAP] += scratch[i];
        scratch[i] = 0;
    }
    memcpy(r, scratch, GEN_LEN * sizeof *r);
}

/* The generator writes x[k] at array index (333 - k) mod 607. */
static void gen_cooked(uint64_t *out) {
    static uint64_t vec[GEN_LEN], y[GEN_LEN], base[GEN_LEN], res[GEN_LEN], tmp[GEN_LEN], scratch[2 * GEN_LEN];
    const uint64_t steps = 7800000000000ull;
    uint64_t n = steps;
    int32_t x = 1;
    int i, p, j;
    for (i = -20; i < GEN_LEN; i++) {
        x = gen_seedrand(x);
        if (i >= 0) {
            uint64_t u = (uint64_t)(int64_t)x << 20;
            x = gen_seedrand(x);
            u ^= (uint64_t)(int64_t)x << 10;
            x = gen_seedrand(x);
            vec[i] = u ^ (uint64_t)(int64_t)x;
        }
    }
    for (p = 0; p < GEN_LEN; p++) y[p <= 333 ? 333 - p : 940 - p] = vec[p]; /* y[k + 607] = x[k] */
    memset(res, 0, sizeof res);
    memset(base, 0, sizeof base);
    res[0] = 1;
    base[1] = 1;
    while (n) { /* res = t^steps */
        if (n & 1) {
            gen_polymul(res, base, tmp, scratch);
            memcpy(res, tmp, sizeof tmp);
        }
        n >>= 1;
        if (n) {
            gen_polymul(base, base, tmp, scratch);
            memcpy(base, tmp, sizeof tmp);
        }
    }
    for (j = 0; j < GEN_LEN; j++) { /* x[steps - 607 + j] for j = 0..606 */
        uint64_t s = 0, top, k = steps - GEN_LEN + (uint64_t)j;
        for (i = 0; i < GEN_LEN; i++) s += res[i] * y[i];
        out[(333 + 2 * GEN_LEN - (int)(k % GEN_LEN)) % GEN_LEN] = s;
        top = res[GEN_LEN - 1]; /* res *= t */
        memmove(res + 1, res, (GEN_LEN - 1) * sizeof *res);
        res[0] = top;
        res[GEN_LEN - GEN_TAP] += top;
    }
}

static void gen_ziggurat(gen_rng_tables *t) {
    const double m1 = 2147483648.0, m2 = 4294967296.0;
    double dn = 3.442619855899, tn = dn, vn = 9.91256303526217e-3, de = 7.69711747013104972, te = de,
           ve = 3.949659822581572e-3, q;
    int i;
    q = vn / exp(-.5 * dn * dn);
    t->kn[0] = (uint32_t)((dn / q) * m1);
    t->kn[1] = 0;
    t->wn[0] = (float)(q / m1);
    t->wn[127] = (float)(dn / m1);
    t->fn[0] = 1.0f;
    t->fn[127] = (float)exp(-.5 * dn * dn);
    for (i = 126; i >= 1; i--) {
        dn = sqrt(-2. * log(vn / dn + exp(-.5 * dn * dn)));
        t->kn[i + 1] = (uint32_t)((dn / tn) * m1);
        tn = dn;
        t->fn[i] = (float)exp(-.5 * dn * dn);
        t->wn[i] = (float)(dn / m1);
    }
    q = ve / exp(-de);
    t->ke[0] = (uint32_t)((de / q) * m2);
    t->ke[1] = 0;
    t->we[0] = (float)(q / m2);
    t->we[255] = (float)(de / m2);
    t->fe[0] = 1.0f;
    t->fe[255] = (float)exp(-de);
    for (i = 254; i >= 1; i--) {
        de = -log(ve / de + exp(-de));
        t->ke[i + 1] = (uint32_t)((de / te) * m2);
        te = de;
        t->fe[i] = (float)exp(-de);
        t->we[i] = (float)(de / m2);
    }
}

static void gen_rng_tables_compute(gen_rng_tables *t) {
    gen_cooked(t->cooked);
    gen_ziggurat(t);
}

#ifndef GEN_RNG_TABLES_NO_MAIN
static void print_u32(const char *name, const uint32_t *v, int n) {
    int i;
    printf("static const uint32_t %s[%d] = {", name, n);
    for (i = 0; i < n; i++) printf("%s0x%08lx,", i % 6 ? " " : "\n    ", (unsigned long)v[i]);
    printf("\n};\n");
}

static void print_f32(const char *name, const float *v, int n) {
    int i;
    printf("static const float %s[%d] = {", name, n);
    for (i = 0; i < n; i++) {
        char num[32];
        snprintf(num, sizeof num, "%.9g", (double)v[i]); /* 9 digits round-trip a float */
        printf("%s%s%sf,", i % 5 ? " " : "\n    ", num, strpbrk(num, ".e") ? "" : ".0");
    }
    printf("\n};\n");
}

int main(void) {
    static gen_rng_tables t;
    int i;
    gen_rng_tables_compute(&t);
    printf("/* generated by tools/gen_rng_tables.c (make gen-rng-tables); do not edit */\n");
    printf("static const uint64_t blis__rng_cooked[%d] = {", GEN_LEN);
    for (i = 0; i < GEN_LEN; i++) printf("%s0x%016llxu,", i % 4 ? " " : "\n    ", (unsigned long long)t.cooked[i]);
    printf("\n};\n");
    print_u32("blis__zig_kn", t.kn, 128);
    print_f32("blis__zig_wn", t.wn, 128);
    print_f32("blis__zig_fn", t.fn, 128);
    print_u32("blis__zig_ke", t.ke, 256);
    print_f32("blis__zig_we", t.we, 256);
    print_f32("blis__zig_fe", t.fe, 256);
    return 0;
}
#endif
