/* blis_fetch.h - the POSIX side of blis: directory listing, downloads
 * through the curl program, and the HuggingFace config cache (--roofline).
 *                                                                   v0.1.0
 * DO THIS
 *   Include after blis.h. In the one file that defines BLIS_IMPLEMENTATION,
 *   this header's implementation is compiled too. It needs POSIX: compile
 *   that file with _POSIX_C_SOURCE=200809L (or a GNU dialect).
 *
 * CONTENTS
 *   >>listdir   blis_posix_list_dir: a blis_list_dir_fn (for
 *               blis_mfu_db_load_dir) over opendir/readdir; names sorted,
 *               "." and ".." and hidden entries skipped.
 *   >>fetch     blis_fetch_url: one URL to one file through the curl
 *               program (argument vector, never a shell; the token on
 *               curl's stdin, never in an argument list; redirects checked
 *               hop by hop; a temporary file renamed into place only on
 *               success; curl's exit codes mapped to outcomes).
 *   >>hfconfig  blis_hf_resolve_config: a model name to a directory with a
 *               trusted config.json (explicit folder > cache beside the
 *               defaults file > user cache > download into the cache).
 *   >>runenv    blis_run_env_posix, blis_run_resolve_model: blis.h's
 *               blis_run_env for a POSIX host (bench_data listing, the
 *               HuggingFace resolver above).
 *   >>binding   blis_binding_call: JSON options in, a JSON document out, for
 *               ctypes/cffi (the Python package's one entry point).
 *
 * Settings the tools read from the environment (the library takes them as
 * arguments, falling back to these): HF_TOKEN (bearer token), HF_ENDPOINT
 * (default https://huggingface.co), XDG_CACHE_HOME / HOME (user cache).
 *
 * blis.h never depends on this header. LICENCE: Apache-2.0, as blis.h.
 */
#ifndef BLIS_FETCH_H
#define BLIS_FETCH_H

#include "blis.h"

#include <signal.h>

#define BLIS_FETCH_VERSION "0.1.0"

#ifdef __cplusplus
extern "C" {
#endif

/* ==== >>listdir  directories and whole-file writes (POSIX) ====
 * blis_posix_list_dir: user is unused (pass NULL). */
BLIS_DEF int blis_posix_list_dir(void *user, const char *dir, blis_buf *names);
/* mkdir -p (mode 0755); 0 when path is a directory afterwards. */
BLIS_DEF int blis_posix_mkdir_p(const char *path);
/* Creates (mkstemp, mode 0600) a temporary file beside path named
 * "<path>.blis-tmp-XXXXXX"; tmp receives its name. Returns the open file
 * descriptor, or -1 with errno set (ENAMETOOLONG when tmp is too small). */
BLIS_DEF int blis_posix_mkstemp_beside(const char *path, char *tmp, size_t tmp_size);
/* Where an output named path goes. A symbolic link is resolved first
 * (chains and relative targets; a dangling link's target is what gets
 * created), so the link stays a link; target receives the path to write.
 *   BLIS_OUT_REPLACE   a regular file or none: written to a temporary file
 *                      beside target, renamed over it when complete;
 *   BLIS_OUT_IN_PLACE  an existing file that is not a regular one (a
 *                      device such as /dev/null, a FIFO, a socket): opened
 *                      and written as it is, never replaced;
 *   BLIS_OUT_STDOUT    "-": standard output.
 * -1 (errno set: ELOOP, ENAMETOOLONG) when the path cannot be resolved. */
enum { BLIS_OUT_REPLACE = 0, BLIS_OUT_IN_PLACE = 1, BLIS_OUT_STDOUT = 2 };
BLIS_DEF int blis_posix_output_target(const char *path, char *target, size_t target_size);
/* Writes len bytes to the output path (blis_posix_output_target): a
 * regular file through a temporary file beside it (mkstemp), flushed, then
 * renamed into place: readers see the old file or the whole new one, never
 * a part; a device, FIFO or stdout in place. 0 on success; -1 (errno set)
 * leaves nothing behind. */
BLIS_DEF int blis_posix_write_atomic(const char *path, const char *data, size_t len_bytes);
/* rm -r of a directory this program made (symbolic links are removed, not
 * followed); 0 on success. */
BLIS_DEF int blis_posix_remove_tree(const char *path);

/* ==== >>fetch  downloads through the curl program ====
 * Contract: blis_fetch_url runs curl from an argument vector (fork + execvp,
 * never a shell) to download one URL into a file: the bytes go to a
 * temporary file beside the destination, renamed into place only when the
 * download and the caller's check succeed, so the destination is never
 * partial. Redirects are followed here, not by curl, so that each hop's host
 * is checked before it is contacted (at most max_redirects hops, only to the
 * first URL's host or its subdomains) and the token is dropped, for good, at
 * the first hop to another scheme or port. The bearer token travels on
 * curl's standard input as a config line ("--config -"): it never appears
 * in any argument list, environment or file. */

typedef enum blis_fetch_outcome {
    BLIS_FETCH_OK = 0,
    BLIS_FETCH_HTTP,          /* the server answered with http_status >= 400 (or an unusable 3xx) */
    BLIS_FETCH_NO_CURL,       /* the curl program could not be run */
    BLIS_FETCH_RESOLVE,       /* the host name did not resolve (offline?) */
    BLIS_FETCH_CONNECT,       /* connection refused or unreachable */
    BLIS_FETCH_TIMEOUT,       /* max_time_s passed */
    BLIS_FETCH_TOO_LARGE,     /* the body exceeds max_bytes */
    BLIS_FETCH_REDIRECT_HOST, /* a redirect to another host, refused */
    BLIS_FETCH_REDIRECTS,     /* more than max_redirects hops */
    BLIS_FETCH_TRANSFER,      /* the transfer broke off, TLS failed, or curl failed otherwise */
    BLIS_FETCH_LOCAL,         /* the destination could not be written */
    BLIS_FETCH_REJECTED,      /* the caller's check refused the body */
    BLIS_FETCH_CANCELLED      /* *cancel became nonzero (a signal): curl was stopped */
} blis_fetch_outcome;

typedef struct blis_fetch_opts {
    const char *curl;       /* the executable; NULL: "curl", looked up on PATH */
    const char *token;      /* bearer token or NULL (sent as "Authorization: Bearer ...") */
    long max_time_s;        /* whole-transfer limit per hop; 0: 30 */
    long max_bytes;         /* body size limit; 0: 10 MiB */
    int max_redirects;      /* 0: 3; negative: none followed */
    const char *user_agent; /* NULL: "blis/<version>" */
    /* when not NULL and nonzero after a signal interrupts the wait, curl is
     * stopped and nothing is written (a signal handler sets it) */
    const volatile sig_atomic_t *cancel;
} blis_fetch_opts;

typedef struct blis_fetch_result {
    blis_fetch_outcome outcome;
    int http_status; /* the last answer's status (0: none) */
    int curl_exit;   /* curl's exit status (-1: not run) */
    char final_url[1024];
    char detail[256]; /* curl's own message, or the refused host */
} blis_fetch_result;

/* Checks the downloaded body (a file path) before it is renamed into place;
 * returns 0 to accept, or fills msg and returns nonzero to refuse. */
typedef int (*blis_fetch_check_fn)(void *user, const char *tmp_path, char *msg, size_t msg_size);

/* Downloads url to dest_path (its directory must exist). Fills res; on a
 * failure err gets a one-line message (status BLIS_E_IO, or BLIS_E_INVALID
 * for a refused body or bad arguments) and dest_path is untouched. */
BLIS_DEF blis_status blis_fetch_url(const blis_fetch_opts *opts, const char *url, const char *dest_path,
                                    blis_fetch_check_fn check, void *check_user, blis_fetch_result *res, blis_err *err);

/* ==== >>hfconfig  HuggingFace model configs: cache and download ====
 * Contract: resolves a model name to a directory holding a trusted
 * config.json (spec §6): the explicit folder if given; else the model's
 * cache entries in order (model_configs/<short name> beside the defaults
 * file, then the user cache, $XDG_CACHE_HOME/blis/model_configs or
 * ~/.cache/blis/model_configs), each trusted only when it parses as JSON
 * with num_hidden_layers or hidden_size; else, when downloads are allowed,
 * <endpoint>/<repo>/resolve/main/config.json fetched into the user cache
 * ($BLIS_MODEL_CACHE when set, else the XDG one; the directory beside the
 * defaults file only when there is no writable user cache; a bad entry is
 * replaced, atomically, so concurrent runs never see a partial file). The
 * repo is the defaults file's hf_repo for the model, else the model name. Names with path components are
 * refused. Messages for info and warnings go to opts->log. */

typedef struct blis_hf_resolve_opts {
    const char *explicit_dir;  /* --model-config-folder, or NULL */
    const char *defaults_path; /* its directory holds model_configs/; NULL: none */
    const char *hf_repo;       /* from the defaults file, or NULL: the model name */
    const char *cache_dir;     /* the user cache's model_configs, or NULL: from XDG_CACHE_HOME / HOME */
    const char *endpoint;      /* NULL: $HF_ENDPOINT, else https://huggingface.co */
    int allow_download;
    blis_fetch_opts fetch; /* token NULL: $HF_TOKEN */
    blis_log_fn log;
    void *log_user;
} blis_hf_resolve_opts;

/* Writes the chosen directory into dir_out. Errors: BLIS_E_INVALID (a
 * model or repo name with path components, a body that is no HF config),
 * BLIS_E_MISSING (not cached and downloads off, or HTTP 404), BLIS_E_IO
 * (every other download failure). */
BLIS_DEF blis_status blis_hf_resolve_config(const blis_hf_resolve_opts *opts, const char *model, char *dir_out,
                                            size_t dir_size, blis_err *err);

/* 1 when text (a JSON document) is a HuggingFace model config: an object
 * with num_hidden_layers or hidden_size (at the top or in text_config). */
BLIS_DEF int blis_is_hf_config(const char *text, size_t len);

/* 1 when repo matches org/name with letters, digits, '.', '-', '_'. */
BLIS_DEF int blis_hf_repo_valid(const char *repo);

/* ==== >>runenv  blis_run_env for a POSIX host ====
 * blis_run_resolve_model is a blis_model_resolve_fn over
 * blis_hf_resolve_config: the repository is the defaults file's hf_repo for
 * the model, else the name as typed; HF_HUB_OFFLINE turns downloads off;
 * $BLIS_CURL names the curl program; the cache's and download's messages go
 * to log. user: a blis_run_resolver (a cancel flag) or NULL. */
typedef struct blis_run_resolver {
    const volatile sig_atomic_t *cancel; /* stops a download (NULL: none) */
} blis_run_resolver;
BLIS_DEF blis_status blis_run_resolve_model(void *user, const char *model, const char *model_typed,
                                            const char *defaults_path, int allow_download, char *dir_out,
                                            size_t dir_size, char *hint, size_t hint_size, blis_log_fn log,
                                            void *log_user, blis_err *err);
/* 1 when HF_HUB_OFFLINE (huggingface_hub's switch) turns downloads off. */
BLIS_DEF int blis_hf_offline(void);
/* An environment for blis_run_prepare on a POSIX host: data_dir (NULL:
 * $BLIS_DATA_DIR when it names a directory with hardware_config.json),
 * blis_posix_list_dir, and blis_run_resolve_model with resolver (may be
 * NULL) as its user. No log, cancel or progress: set them after. */
BLIS_DEF void blis_run_env_posix(blis_run_env *env, const char *data_dir, blis_run_resolver *resolver);

/* ==== >>binding  one C call for language bindings (ctypes, cffi) ====
 * blis_binding_call runs command "run" (blis_run_json), "step"
 * (blis_step_json) or "evaluate" (blis_evaluate_json) on a JSON object of options, in the environment of
 * blis_run_env_posix(data_dir): downloads as the CLI does, messages on
 * stderr at the "log" option's level (run; default warn). Returns the
 * document (NUL-terminated, from malloc; free it with blis_binding_free),
 * or NULL with *status set (a blis_status; 0 on success) and the message
 * in errbuf. */
BLIS_DEF char *blis_binding_call(const char *command, const char *options_json, const char *data_dir, int *status,
                                 char *errbuf, size_t errbuf_size);
/* blis_binding_call with a cancel flag: once *cancel is non-zero (set from
 * another thread, or a signal handler), a run or an evaluation stops at its
 * next event and the call returns NULL with BLIS_E_CANCELLED. A binding
 * that waits for the call in a thread sets it on Ctrl-C (sig_atomic_t is an
 * int on Linux, macOS and musl). */
BLIS_DEF char *blis_binding_call_cancel(const char *command, const char *options_json, const char *data_dir,
                                        const volatile sig_atomic_t *cancel, int *status, char *errbuf,
                                        size_t errbuf_size);
BLIS_DEF void blis_binding_free(char *document);

#ifdef __cplusplus
}
#endif

#endif /* BLIS_FETCH_H */

#if defined(BLIS_IMPLEMENTATION) && !defined(BLIS_FETCH_IMPLEMENTATION_INCLUDED)
#define BLIS_FETCH_IMPLEMENTATION_INCLUDED

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

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

/* mkdir -p with mode 0755; 0 when path is a directory afterwards. */
BLIS_DEF int blis_posix_mkdir_p(const char *path) {
    char buf[1024];
    size_t i, n = strlen(path);
    struct stat sb;
    if (n == 0 || n >= sizeof buf) return -1;
    memcpy(buf, path, n + 1);
    for (i = 1; i <= n; i++)
        if (buf[i] == '/' || buf[i] == '\0') {
            char c = buf[i];
            buf[i] = '\0';
            if (mkdir(buf, 0755) != 0 && errno != EEXIST) return -1;
            buf[i] = c;
        }
    return stat(path, &sb) == 0 && S_ISDIR(sb.st_mode) ? 0 : -1;
}

BLIS_DEF int blis_posix_mkstemp_beside(const char *path, char *tmp, size_t tmp_size) {
    if ((size_t)snprintf(tmp, tmp_size, "%s.blis-tmp-XXXXXX", path) >= tmp_size) {
        errno = ENAMETOOLONG;
        return -1;
    }
    return mkstemp(tmp);
}

BLIS_DEF int blis_posix_output_target(const char *path, char *target, size_t target_size) {
    char cur[4096], link[4096];
    int hops;
    struct stat sb;
    if (!strcmp(path, "-")) {
        if (target_size) target[0] = '\0';
        return BLIS_OUT_STDOUT;
    }
    if ((size_t)snprintf(cur, sizeof cur, "%s", path) >= sizeof cur) {
        errno = ENAMETOOLONG;
        return -1;
    }
    for (hops = 0;; hops++) {
        ssize_t n;
        const char *slash;
        if (lstat(cur, &sb) != 0 || !S_ISLNK(sb.st_mode)) break;
        if (hops == 40) {
            errno = ELOOP;
            return -1;
        }
        n = readlink(cur, link, sizeof link - 1);
        if (n < 0) return -1;
        link[n] = '\0';
        slash = strrchr(cur, '/');
        if (link[0] == '/' || !slash) {
            memcpy(cur, link, (size_t)n + 1);
        } else { /* relative to the link's directory */
            size_t dir = (size_t)(slash - cur) + 1;
            if (dir + (size_t)n + 1 > sizeof cur) {
                errno = ENAMETOOLONG;
                return -1;
            }
            memcpy(cur + dir, link, (size_t)n + 1);
        }
    }
    if ((size_t)snprintf(target, target_size, "%s", cur) >= target_size) {
        errno = ENAMETOOLONG;
        return -1;
    }
    return stat(cur, &sb) == 0 && !S_ISREG(sb.st_mode) && !S_ISDIR(sb.st_mode) ? BLIS_OUT_IN_PLACE : BLIS_OUT_REPLACE;
}

/* Writes all of data to fd; 0 or -1 (errno set). */
static int blis__write_fd(int fd, const char *data, size_t len) {
    size_t off = 0;
    while (off < len) {
        ssize_t w = write(fd, data + off, len - off);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) {
            if (w == 0) errno = EIO;
            return -1;
        }
        off += (size_t)w;
    }
    return 0;
}

BLIS_DEF int blis_posix_write_atomic(const char *path, const char *data, size_t len_bytes) {
    char tmp[4200], target[4096];
    int fd, bad = 0, saved, kind = blis_posix_output_target(path, target, sizeof target);
    if (kind < 0) return -1;
    if (kind == BLIS_OUT_STDOUT) return blis__write_fd(1, data, len_bytes);
    if (kind == BLIS_OUT_IN_PLACE) {
        if ((fd = open(target, O_WRONLY | O_NOCTTY)) < 0) return -1;
        bad = blis__write_fd(fd, data, len_bytes);
        saved = errno;
        if (close(fd) != 0 && !bad) return -1;
        errno = saved;
        return bad;
    }
    path = target;
    if ((fd = blis_posix_mkstemp_beside(path, tmp, sizeof tmp)) < 0) return -1;
    bad = blis__write_fd(fd, data, len_bytes) != 0;
    if (!bad && fchmod(fd, 0644) != 0) bad = 1;
    if (!bad && fsync(fd) != 0 && errno != EINVAL) bad = 1;
    saved = errno;
    if (close(fd) != 0 && !bad) {
        bad = 1;
        saved = errno;
    }
    if (!bad && rename(tmp, path) != 0) {
        bad = 1;
        saved = errno;
    }
    if (bad) {
        unlink(tmp);
        errno = saved;
        return -1;
    }
    return 0;
}

BLIS_DEF int blis_posix_remove_tree(const char *path) {
    struct stat sb;
    DIR *d;
    struct dirent *e;
    int rc = 0;
    if (lstat(path, &sb) != 0) return -1;
    if (!S_ISDIR(sb.st_mode)) return unlink(path);
    if ((d = opendir(path)) == NULL) return -1;
    while ((e = readdir(d)) != NULL) {
        char sub[1100];
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        if ((size_t)snprintf(sub, sizeof sub, "%s/%s", path, e->d_name) >= sizeof sub || blis_posix_remove_tree(sub))
            rc = -1;
    }
    closedir(d);
    return rmdir(path) != 0 ? -1 : rc;
}

/* ==== >>fetch  implementation ====
 * Owns: one curl child at a time, its two pipes and the temporary file.
 * Uses: POSIX fork/execvp/waitpid/pipe/mkstemp/rename. Invariants: the
 * destination changes only by rename of a complete, checked body; every
 * temporary file is removed on every failure path; the token is written
 * only into the pipe curl reads its config from. */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

/* The authority of a URL, user info dropped: the host [*host, *host_end)
 * (an IPv6 literal with its brackets) and the port text [*port, *end)
 * (empty when none); 0, or -1 when there is no "://" or a bracket is open. */
static int blis__url_authority(const char *url, const char **host, const char **host_end, const char **port,
                               const char **end) {
    const char *p = strstr(url, "://"), *e, *at, *colon;
    if (!p) return -1;
    p += 3;
    e = p + strcspn(p, "/?#");
    if ((at = (const char *)memchr(p, '@', (size_t)(e - p))) != NULL) p = at + 1;
    *host = p;
    if (*p == '[') { /* an IPv6 literal */
        const char *close = (const char *)memchr(p, ']', (size_t)(e - p));
        if (!close) return -1;
        p = close + 1;
    }
    colon = (const char *)memchr(p, ':', (size_t)(e - p));
    *host_end = colon ? colon : e;
    *port = colon ? colon + 1 : e;
    *end = e;
    return 0;
}

/* The host of an http(s) URL, lower case, without port or user info; 0 on
 * success. */
static int blis__url_host(const char *url, char *host, size_t size) {
    const char *h, *he, *pt, *e;
    size_t n, i;
    if (blis__url_authority(url, &h, &he, &pt, &e)) return -1;
    n = (size_t)(he - h);
    if (n == 0 || n >= size) return -1;
    for (i = 0; i < n; i++) host[i] = (char)(h[i] >= 'A' && h[i] <= 'Z' ? h[i] + 32 : h[i]);
    host[n] = '\0';
    return 0;
}

/* The URL's port: explicit, else the scheme's (https 443, http 80); -1
 * when it is not a number in 1..65535. */
static long blis__url_port(const char *url) {
    const char *h, *he, *p, *e;
    long port = 0;
    if (blis__url_authority(url, &h, &he, &p, &e)) return -1;
    if (p == e) return !strncmp(url, "https://", 8) ? 443 : 80;
    for (; p < e; p++) {
        if (*p < '0' || *p > '9' || port > 65535) return -1;
        port = port * 10 + (*p - '0');
    }
    return port >= 1 && port <= 65535 ? port : -1;
}

/* host is base or one of its subdomains. */
static int blis__host_within(const char *host, const char *base) {
    size_t h = strlen(host), b = strlen(base);
    if (!strcmp(host, base)) return 1;
    return h > b + 1 && host[h - b - 1] == '.' && !strcmp(host + h - b, base);
}

/* Runs curl once; output gets its merged stdout/stderr (the tail). Returns
 * curl's exit status, 127 when it could not be run, -1 on a local failure. */
/* The longest bearer token sent (HuggingFace's are under 100 bytes); the
 * config line that carries it is built in a fixed buffer. */
#define BLIS__FETCH_TOKEN_MAX 2048

static int blis__run_curl(const blis_fetch_opts *o, const char *url, const char *out_path, const char *token,
                          char *output, size_t out_size) {
    char max_time[32], max_size[32], cfg[BLIS__FETCH_TOKEN_MAX + 128];
    const char *argv[32];
    int in_fd[2], out_fd[2], status = 0, argc = 0, cancelled = 0;
    size_t len = 0, cfg_len = 0;
    pid_t pid;
    snprintf(max_time, sizeof max_time, "%ld", o->max_time_s > 0 ? o->max_time_s : 30);
    snprintf(max_size, sizeof max_size, "%ld", o->max_bytes > 0 ? o->max_bytes : 10L << 20);
    argv[argc++] = o->curl ? o->curl : "curl";
    argv[argc++] = "--silent";
    argv[argc++] = "--show-error";
    argv[argc++] = "--fail";
    argv[argc++] = "--proto";
    argv[argc++] = "=https,http";
    argv[argc++] = "--max-redirs";
    argv[argc++] = "0";
    argv[argc++] = "--max-time";
    argv[argc++] = max_time;
    argv[argc++] = "--max-filesize";
    argv[argc++] = max_size;
    argv[argc++] = "--user-agent";
    argv[argc++] = o->user_agent ? o->user_agent : "blis/" BLIS_VERSION;
    argv[argc++] = "--config";
    argv[argc++] = "-";
    argv[argc++] = "--output";
    argv[argc++] = out_path;
    argv[argc++] = "--write-out";
    argv[argc++] = "\n@blis-http@%{http_code} %{redirect_url}\n";
    argv[argc++] = "--url";
    argv[argc++] = url;
    argv[argc] = NULL;
    output[0] = '\0';
    if (token) cfg_len = (size_t)snprintf(cfg, sizeof cfg, "header = \"Authorization: Bearer %s\"\n", token);
    if (cfg_len >= sizeof cfg) return -1;
    if (pipe(in_fd) != 0) return -1;
    /* the config is in the pipe before curl exists: no write can meet a
     * closed reader (no SIGPIPE), and it is far below the pipe's capacity */
    if (cfg_len && write(in_fd[1], cfg, cfg_len) != (ssize_t)cfg_len) {
        close(in_fd[0]);
        close(in_fd[1]);
        return -1;
    }
    memset(cfg, 0, sizeof cfg);
    close(in_fd[1]);
    if (pipe(out_fd) != 0) {
        close(in_fd[0]);
        return -1;
    }
    pid = fork();
    if (pid < 0) {
        close(in_fd[0]);
        close(out_fd[0]);
        close(out_fd[1]);
        return -1;
    }
    if (pid == 0) {
        static const char failed[] = "\n@blis-exec-failed@\n";
        dup2(in_fd[0], 0);
        dup2(out_fd[1], 1);
        dup2(out_fd[1], 2);
        close(in_fd[0]);
        close(out_fd[0]);
        close(out_fd[1]);
        execvp(argv[0], (char *const *)(void *)argv);
        if (write(1, failed, sizeof failed - 1) < 0) _exit(127);
        _exit(127);
    }
    close(in_fd[0]);
    close(out_fd[1]);
    for (;;) { /* keep the tail of what curl says */
        char chunk[512];
        ssize_t k = read(out_fd[0], chunk, sizeof chunk);
        if (k < 0 && errno == EINTR) {
            if (o->cancel && *o->cancel && !cancelled) {
                cancelled = 1;
                kill(pid, SIGTERM);
            }
            continue;
        }
        if (k <= 0) break;
        if (len + (size_t)k >= out_size) {
            size_t drop = len + (size_t)k - (out_size - 1);
            if (drop > len) drop = len;
            memmove(output, output + drop, len - drop);
            len -= drop;
        }
        if ((size_t)k > out_size - 1 - len) k = (ssize_t)(out_size - 1 - len);
        memcpy(output + len, chunk, (size_t)k);
        len += (size_t)k;
        output[len] = '\0';
    }
    close(out_fd[0]);
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR) return -1;
    if (cancelled || (o->cancel && *o->cancel)) return -2;
    if (strstr(output, "@blis-exec-failed@")) return 127;
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    return -1;
}

static blis_status blis__fetch_fail(blis_fetch_result *res, blis_fetch_outcome outcome, blis_err *err, const char *fmt,
                                    ...)
#if defined(__GNUC__) || defined(__clang__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;
static blis_status blis__fetch_fail(blis_fetch_result *res, blis_fetch_outcome outcome, blis_err *err, const char *fmt,
                                    ...) {
    va_list ap;
    char msg[BLIS_ERR_MSG_MAX];
    res->outcome = outcome;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return blis_err_set(err, outcome == BLIS_FETCH_REJECTED ? BLIS_E_INVALID : BLIS_E_IO, 0, 0, "%s", msg);
}

BLIS_DEF blis_status blis_fetch_url(const blis_fetch_opts *opts, const char *url, const char *dest_path,
                                    blis_fetch_check_fn check, void *check_user, blis_fetch_result *res,
                                    blis_err *err) {
    blis_fetch_opts o;
    char base_host[256], tmp[1200], output[2048], cur[1024];
    const char *slash, *token;
    int hops = 0, max_hops;
    memset(&o, 0, sizeof o);
    if (opts) o = *opts;
    memset(res, 0, sizeof *res);
    res->curl_exit = -1;
    blis_err_clear(err, url);
    token = o.token && o.token[0] ? o.token : NULL;
    max_hops = o.max_redirects == 0 ? 3 : o.max_redirects < 0 ? 0 : o.max_redirects;
    if (strlen(url) >= sizeof cur || (strncmp(url, "https://", 8) && strncmp(url, "http://", 7)) ||
        blis__url_host(url, base_host, sizeof base_host))
        return blis__fetch_fail(res, BLIS_FETCH_REJECTED, err, "not an http(s) URL: %s", url);
    if (token && strlen(token) > BLIS__FETCH_TOKEN_MAX)
        return blis__fetch_fail(res, BLIS_FETCH_REJECTED, err,
                                "the token is %lu bytes; longer than %d cannot be an access token (check HF_TOKEN)",
                                (unsigned long)strlen(token), BLIS__FETCH_TOKEN_MAX);
    if (token && strpbrk(token, "\"\\\r\n"))
        return blis__fetch_fail(res, BLIS_FETCH_REJECTED, err,
                                "the token contains a quote, backslash or line break; it cannot be sent as a header");
    slash = strrchr(dest_path, '/');
    if (slash)
        snprintf(tmp, sizeof tmp, "%.*s/.%s.XXXXXX", (int)(slash - dest_path), dest_path, slash + 1);
    else
        snprintf(tmp, sizeof tmp, ".%s.XXXXXX", dest_path);
    snprintf(cur, sizeof cur, "%s", url);
    for (;;) {
        char path[1200], *mark;
        int fd, code = 0, rc;
        struct stat sb;
        snprintf(path, sizeof path, "%s", tmp);
        if ((fd = mkstemp(path)) < 0)
            return blis__fetch_fail(res, BLIS_FETCH_LOCAL, err, "cannot create a file beside %s: %s", dest_path,
                                    strerror(errno));
        close(fd);
        rc = blis__run_curl(&o, cur, path, token, output, sizeof output);
        res->curl_exit = rc;
        snprintf(res->final_url, sizeof res->final_url, "%s", cur);
        mark = strstr(output, "@blis-http@");
        if (mark) {
            char *redirect;
            code = (int)strtol(mark + 11, &redirect, 10);
            while (*redirect == ' ') redirect++;
            redirect[strcspn(redirect, "\r\n")] = '\0';
            res->http_status = code;
            *mark = '\0';
            if (rc == 0 && code >= 300 && code < 400 && redirect[0]) {
                char host[256];
                remove(path);
                if (++hops > max_hops)
                    return blis__fetch_fail(res, BLIS_FETCH_REDIRECTS, err, "too many redirects (max %d)", max_hops);
                if (strlen(redirect) >= sizeof cur || blis__url_host(redirect, host, sizeof host) ||
                    !blis__host_within(host, base_host)) {
                    snprintf(res->detail, sizeof res->detail, "%s",
                             blis__url_host(redirect, host, sizeof host) ? redirect : host);
                    return blis__fetch_fail(res, BLIS_FETCH_REDIRECT_HOST, err,
                                            "redirect to another host \"%s\" blocked", res->detail);
                }
                /* credentials go only to the endpoint's scheme and port, on its host or a subdomain */
                if (strncmp(redirect, url, (size_t)(strstr(url, "://") - url + 3)) ||
                    blis__url_port(redirect) != blis__url_port(url))
                    token = NULL;
                memmove(cur, redirect, strlen(redirect) + 1);
                continue;
            }
        }
        {
            char *d = output;
            size_t n;
            while (*d == '\n' || *d == '\r' || *d == ' ') d++;
            n = strcspn(d, "\r\n");
            snprintf(res->detail, sizeof res->detail, "%.*s", (int)n, d);
        }
        if (rc == 0 && code >= 200 && code < 300) {
            char msg[BLIS_ERR_MSG_MAX];
            long limit = o.max_bytes > 0 ? o.max_bytes : 10L << 20;
            if (stat(path, &sb) != 0 || sb.st_size > limit) {
                remove(path);
                return blis__fetch_fail(res, BLIS_FETCH_TOO_LARGE, err, "response body exceeds %ld bytes limit", limit);
            }
            msg[0] = '\0';
            if (check && check(check_user, path, msg, sizeof msg)) {
                remove(path);
                return blis__fetch_fail(res, BLIS_FETCH_REJECTED, err, "%s", msg);
            }
            if (chmod(path, 0644) != 0 || rename(path, dest_path) != 0) {
                int e = errno;
                remove(path);
                return blis__fetch_fail(res, BLIS_FETCH_LOCAL, err, "cannot write %s: %s", dest_path, strerror(e));
            }
            res->outcome = BLIS_FETCH_OK;
            return BLIS_OK;
        }
        remove(path);
        switch (rc) {
        case 0:
        case 22: return blis__fetch_fail(res, BLIS_FETCH_HTTP, err, "HTTP %d from %s", code, cur);
        case 127:
            return blis__fetch_fail(res, BLIS_FETCH_NO_CURL, err,
                                    "cannot run the curl program \"%s\" (install curl, or set BLIS_CURL to its path)",
                                    o.curl ? o.curl : "curl");
        case 6:
            return blis__fetch_fail(res, BLIS_FETCH_RESOLVE, err, "could not resolve the host of %s (offline?)", cur);
        case 7: return blis__fetch_fail(res, BLIS_FETCH_CONNECT, err, "could not connect to %s (%s)", cur, res->detail);
        case 28:
            return blis__fetch_fail(res, BLIS_FETCH_TIMEOUT, err, "timed out after %ld s fetching %s",
                                    o.max_time_s > 0 ? o.max_time_s : 30, cur);
        case 63:
            return blis__fetch_fail(res, BLIS_FETCH_TOO_LARGE, err, "response body exceeds %ld bytes limit",
                                    o.max_bytes > 0 ? o.max_bytes : 10L << 20);
        case -1: return blis__fetch_fail(res, BLIS_FETCH_LOCAL, err, "cannot run curl: %s", strerror(errno));
        case -2: return blis__fetch_fail(res, BLIS_FETCH_CANCELLED, err, "download of %s interrupted", cur);
        default:
            return blis__fetch_fail(res, BLIS_FETCH_TRANSFER, err, "download of %s failed (curl exit %d: %s)", cur, rc,
                                    res->detail);
        }
    }
}

/* ==== >>hfconfig  implementation ====
 * Owns: nothing beyond the call. Uses: >>fetch, blis.h's JSON parser and
 * file reader. Invariants: a cache entry is used only when it parses as an
 * HF config; a download replaces an entry only through blis_fetch_url's
 * rename. */

#define BLIS__HF_MAX_BYTES (10L << 20)

static const blis_node *blis__hf_key(const blis_doc *d, const blis_node *o) {
    const blis_node *n = blis_node_get(d, o, "num_hidden_layers");
    return n ? n : blis_node_get(d, o, "hidden_size");
}

/* The parsed document is an HF config: an object with num_hidden_layers or
 * hidden_size, at the top or in text_config. */
static int blis__hf_doc_is_config(const blis_doc *d) {
    const blis_node *root = blis_doc_root(d);
    return root && root->kind == BLIS_NODE_OBJECT &&
           (blis__hf_key(d, root) || blis__hf_key(d, blis_node_get(d, root, "text_config")));
}

BLIS_DEF int blis_is_hf_config(const char *text, size_t len) {
    blis_doc d;
    blis_err e;
    blis_parse_opts o;
    int ok;
    memset(&o, 0, sizeof o);
    if (blis_json_parse(text, len, &o, &d, &e) != BLIS_OK) return 0;
    ok = blis__hf_doc_is_config(&d);
    blis_doc_free(&d);
    return ok;
}

/* Counts the '/'-separated parts of name, each nonempty, not "." or "..",
 * of letters, digits, '.', '-', '_'; -1 when one is not. */
static int blis__hf_parts(const char *name) {
    const char *p = name, *start = name;
    int parts = 0;
    if (strlen(name) > 255) return -1;
    for (;; p++) {
        char c = *p;
        if (c == '/' || c == '\0') {
            size_t len = (size_t)(p - start);
            if (len == 0 || (len == 1 && start[0] == '.') || (len == 2 && start[0] == '.' && start[1] == '.'))
                return -1;
            parts++;
            if (c == '\0') return parts;
            start = p + 1;
            continue;
        }
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '-' ||
              c == '_'))
            return -1;
    }
}

BLIS_DEF int blis_hf_repo_valid(const char *repo) { return blis__hf_parts(repo) == 2; }

static int blis__hf_name_valid(const char *model) {
    int n = blis__hf_parts(model);
    return n == 1 || n == 2;
}

typedef struct blis__hf_check {
    const char *url;
} blis__hf_check;

/* The body must be a JSON HF config (spec §6 messages). */
static int blis__hf_check_body(void *user, const char *tmp_path, char *msg, size_t size) {
    const blis__hf_check *c = (const blis__hf_check *)user;
    char *text = NULL;
    size_t len = 0;
    blis_doc d;
    blis_err e;
    blis_parse_opts o;
    int bad = 0;
    memset(&o, 0, sizeof o);
    if (blis_file_read(tmp_path, (size_t)BLIS__HF_MAX_BYTES, NULL, &text, &len, &e) != BLIS_OK) {
        snprintf(msg, size, "cannot read the download of %s: %s", c->url, e.msg);
        return 1;
    }
    if (blis_json_parse(text, len, &o, &d, &e) != BLIS_OK) {
        snprintf(msg, size, "response from %s is not valid JSON", c->url);
        bad = 1;
    } else {
        if (!blis__hf_doc_is_config(&d)) { /* the document parsed once serves both checks */
            snprintf(msg, size,
                     "response from %s is valid JSON but does not contain expected HuggingFace config fields "
                     "(num_hidden_layers, hidden_size). The model may not exist or the response is an error page",
                     c->url);
            bad = 1;
        }
        blis_doc_free(&d);
    }
    blis_file_free(NULL, text);
    return bad;
}

static void blis__hf_log(const blis_hf_resolve_opts *o, const char *level, const char *fmt, ...)
#if defined(__GNUC__) || defined(__clang__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
static void blis__hf_log(const blis_hf_resolve_opts *o, const char *level, const char *fmt, ...) {
    char msg[1024];
    va_list ap;
    if (!o->log) return;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    o->log(o->log_user, level, msg);
}

/* 1: dir/config.json is a trusted config; 0: absent; -1: present but bad;
 * -2: not a regular file (a FIFO would block the read; never opened). */
static int blis__hf_cached(const char *dir) {
    char path[1100], *text = NULL;
    size_t len = 0;
    blis_err e;
    struct stat sb;
    int ok;
    snprintf(path, sizeof path, "%s/config.json", dir);
    if (stat(path, &sb) != 0) return 0;
    if (!S_ISREG(sb.st_mode)) return -2;
    if (blis_file_read(path, (size_t)BLIS__HF_MAX_BYTES, NULL, &text, &len, &e) != BLIS_OK) return -1;
    ok = blis_is_hf_config(text, len);
    blis_file_free(NULL, text);
    return ok ? 1 : -1;
}

BLIS_DEF blis_status blis_hf_resolve_config(const blis_hf_resolve_opts *opts, const char *model, char *dir_out,
                                            size_t dir_size, blis_err *err) {
    char cands[2][1024], tried[2200], url[1400], dest[1100], endpoint[512];
    const char *short_name = strchr(model, '/'), *repo, *env;
    size_t n_cands = 0, i, k;
    int writable = -1;
    blis_fetch_opts fo;
    blis_fetch_result res;
    blis__hf_check chk;
    blis_err fe;
    blis_err_clear(err, model);
    if (opts->explicit_dir && opts->explicit_dir[0]) {
        if (strlen(opts->explicit_dir) >= dir_size) return blis_err_set(err, BLIS_E_LIMIT, 0, 0, "path too long");
        memcpy(dir_out, opts->explicit_dir, strlen(opts->explicit_dir) + 1);
        return BLIS_OK;
    }
    short_name = short_name ? short_name + 1 : model;
    if (!blis__hf_name_valid(model)) /* [org/]name, no path components */
        return blis_err_set(err, BLIS_E_INVALID, 0, 0,
                            "invalid model name \"%.300s\": model name \"%.300s\" contains invalid path "
                            "components (allowed: [org/]name with letters, digits, '.', '-', '_')",
                            model, short_name);
    if (opts->defaults_path && opts->defaults_path[0]) {
        const char *slash = strrchr(opts->defaults_path, '/');
        if (slash)
            snprintf(cands[n_cands++], sizeof cands[0], "%.*s/model_configs/%s", (int)(slash - opts->defaults_path),
                     opts->defaults_path, short_name);
        else
            snprintf(cands[n_cands++], sizeof cands[0], "model_configs/%s", short_name);
    }
    if (opts->cache_dir && opts->cache_dir[0])
        snprintf(cands[n_cands++], sizeof cands[0], "%s/%s", opts->cache_dir, short_name);
    else if ((env = getenv("BLIS_MODEL_CACHE")) != NULL && env[0])
        snprintf(cands[n_cands++], sizeof cands[0], "%s/%s", env, short_name);
    else if ((env = getenv("XDG_CACHE_HOME")) != NULL && env[0] == '/')
        snprintf(cands[n_cands++], sizeof cands[0], "%s/blis/model_configs/%s", env, short_name);
    else if ((env = getenv("HOME")) != NULL && env[0] == '/')
        snprintf(cands[n_cands++], sizeof cands[0], "%s/.cache/blis/model_configs/%s", env, short_name);
    tried[0] = '\0';
    for (i = 0; i < n_cands; i++) {
        int c = blis__hf_cached(cands[i]);
        size_t t = strlen(tried);
        snprintf(tried + t, sizeof tried - t, "%s%s", t ? ", " : "", cands[i]);
        if (c > 0) {
            if (strlen(cands[i]) >= dir_size) return blis_err_set(err, BLIS_E_LIMIT, 0, 0, "path too long");
            memcpy(dir_out, cands[i], strlen(cands[i]) + 1);
            blis__hf_log(opts, "info", "using config from %s", cands[i]);
            return BLIS_OK;
        }
        if (c == -2)
            blis__hf_log(opts, "warn",
                         "%s/config.json is not a regular file (a FIFO, a device or a directory); skipped", cands[i]);
        else if (c < 0)
            blis__hf_log(opts, "warn",
                         "%s/config.json exists but lacks expected HuggingFace fields (num_hidden_layers, "
                         "hidden_size)%s",
                         cands[i], opts->allow_download ? "; trying HuggingFace fetch" : "");
    }
    env = getenv("HF_ENDPOINT");
    snprintf(endpoint, sizeof endpoint, "%s",
             opts->endpoint && opts->endpoint[0] ? opts->endpoint
             : env && env[0]                     ? env
                                                 : "https://huggingface.co");
    for (k = strlen(endpoint); k > 0 && endpoint[k - 1] == '/'; k--) endpoint[k - 1] = '\0';
    repo = opts->hf_repo && opts->hf_repo[0] ? opts->hf_repo : model;
    if (!opts->allow_download)
        return blis_err_set(err, BLIS_E_MISSING, 0, 0,
                            "could not find config.json for model \"%s\". Tried: %s (downloading from %s/%s is off "
                            "here). Provide --model-config-folder explicitly",
                            model, tried[0] ? tried : "(no cache directory)", endpoint, repo);
    if (!blis_hf_repo_valid(repo))
        return blis_err_set(err, BLIS_E_MISSING, 0, 0,
                            "could not find config.json for model \"%s\". Tried: %s; invalid HuggingFace repo name "
                            "\"%s\": must match org/model pattern with alphanumeric, '.', '-', '_' characters. "
                            "Provide --model-config-folder explicitly",
                            model, tried[0] ? tried : "(no cache directory)", repo);
    snprintf(url, sizeof url, "%s/%s/resolve/main/config.json", endpoint, repo);
    for (i = n_cands; i-- > 0 && writable < 0;) /* the user cache first; the bundled directory only without one */
        if (blis_posix_mkdir_p(cands[i]) == 0 && access(cands[i], W_OK) == 0) writable = (int)i;
    if (writable < 0) {
        return blis_err_set(err, BLIS_E_IO, 0, 0,
                            "could not find config.json for model \"%s\". Tried: %s; no cache "
                            "directory is writable, so HuggingFace (%s) was not tried. Provide "
                            "--model-config-folder explicitly",
                            model, tried[0] ? tried : "(no cache directory)", url);
    }
    snprintf(dest, sizeof dest, "%s/config.json", cands[writable]);
    fo = opts->fetch;
    if (!fo.token) fo.token = getenv("HF_TOKEN");
    if (!fo.max_bytes) fo.max_bytes = BLIS__HF_MAX_BYTES;
    chk.url = url;
    if (blis_fetch_url(&fo, url, dest, blis__hf_check_body, &chk, &res, &fe) == BLIS_OK) {
        if (strlen(cands[writable]) >= dir_size) return blis_err_set(err, BLIS_E_LIMIT, 0, 0, "path too long");
        memcpy(dir_out, cands[writable], strlen(cands[writable]) + 1);
        blis__hf_log(opts, "info", "fetched config for %s into %s", repo, cands[writable]);
        return BLIS_OK;
    }
    { /* the spec's messages for the answers a user can act on */
        char why[BLIS_ERR_MSG_MAX];
        if (res.outcome == BLIS_FETCH_HTTP && res.http_status == 404)
            snprintf(why, sizeof why, "not found on HuggingFace (HTTP 404). Check --model spelling. URL: %.600s", url);
        else if (res.outcome == BLIS_FETCH_HTTP && res.http_status == 401)
            snprintf(why, sizeof why, "authentication required (HTTP 401). Set HF_TOKEN env var. URL: %.600s", url);
        else if (res.outcome == BLIS_FETCH_HTTP && res.http_status == 403)
            snprintf(why, sizeof why,
                     "access denied (HTTP 403): the model is gated; accept its licence on HuggingFace with the "
                     "account of HF_TOKEN. URL: %.600s",
                     url);
        else if (res.outcome == BLIS_FETCH_HTTP)
            snprintf(why, sizeof why, "unexpected HTTP %d from HuggingFace for %.600s", res.http_status, url);
        else if (res.outcome == BLIS_FETCH_TOO_LARGE)
            snprintf(why, sizeof why, "response body exceeds %ld bytes limit - likely not a config.json", fo.max_bytes);
        else if (res.outcome == BLIS_FETCH_REDIRECT_HOST)
            snprintf(why, sizeof why, "redirect to non-HuggingFace host \"%s\" blocked", res.detail);
        else
            snprintf(why, sizeof why, "%s", fe.msg);
        blis__hf_log(opts, "warn", "HF fetch failed for %s: %s", repo, why);
        return blis_err_set(err,
                            res.outcome == BLIS_FETCH_REJECTED                         ? BLIS_E_INVALID
                            : res.outcome == BLIS_FETCH_HTTP && res.http_status == 404 ? BLIS_E_MISSING
                                                                                       : BLIS_E_IO,
                            0, 0,
                            "could not find config.json for model \"%s\". Tried: %s, HuggingFace "
                            "(%s/%s): %s. Provide --model-config-folder explicitly",
                            model, tried[0] ? tried : "(no cache directory)", endpoint, repo, why);
    }
}

/* ==== >>runenv  implementation ==== */

BLIS_DEF int blis_hf_offline(void) {
    const char *v = getenv("HF_HUB_OFFLINE");
    return v && *v && strcmp(v, "0") && strcmp(v, "false") && strcmp(v, "False");
}

BLIS_DEF blis_status blis_run_resolve_model(void *user, const char *model, const char *model_typed,
                                            const char *defaults_path, int allow_download, char *dir_out,
                                            size_t dir_size, char *hint, size_t hint_size, blis_log_fn log,
                                            void *log_user, blis_err *err) {
    const blis_run_resolver *rv = (const blis_run_resolver *)user;
    blis_hf_resolve_opts o;
    char repo[256];
    blis_status st;
    memset(&o, 0, sizeof o);
    snprintf(repo, sizeof repo, "%s", model_typed ? model_typed : model);
    if (defaults_path && defaults_path[0]) {
        char *src = NULL, hf[256];
        size_t len = 0;
        blis_parse_opts po;
        blis_doc d;
        memset(&po, 0, sizeof po);
        po.source = defaults_path;
        if ((st = blis_file_read(defaults_path, 0, NULL, &src, &len, err)) == BLIS_OK)
            st = blis_yaml_parse(src, len, &po, &d, err);
        blis_file_free(NULL, src);
        if (st != BLIS_OK) return st == BLIS_E_IO ? BLIS_E_MISSING : st;
        if (blis_defaults_hf_repo(&d, model, hf, sizeof hf, err) == BLIS_OK && hf[0])
            snprintf(repo, sizeof repo, "%s", hf);
        blis_doc_free(&d);
        o.defaults_path = defaults_path;
    }
    o.hf_repo = repo;
    o.allow_download = allow_download && !blis_hf_offline();
    o.fetch.curl = getenv("BLIS_CURL");
    if (rv) o.fetch.cancel = rv->cancel;
    o.log = log;
    o.log_user = log_user;
    if ((st = blis_hf_resolve_config(&o, model, dir_out, dir_size, err)) == BLIS_OK) return BLIS_OK;
    if (st == BLIS_E_MISSING && !o.allow_download && hint && hint_size)
        snprintf(hint, hint_size, "%s",
                 blis_hf_offline() ? "HF_HUB_OFFLINE is set, so nothing was downloaded"
                                   : "pass --roofline (with --hardware and --tp) to download it from HuggingFace");
    err->source[0] = '\0';
    return st;
}

BLIS_DEF void blis_run_env_posix(blis_run_env *env, const char *data_dir, blis_run_resolver *resolver) {
    memset(env, 0, sizeof *env);
    if (!data_dir) {
        const char *d = getenv("BLIS_DATA_DIR");
        char probe[1200];
        FILE *f;
        if (d && *d) {
            snprintf(probe, sizeof probe, "%.1000s/hardware_config.json", d);
            if ((f = fopen(probe, "rb")) != NULL) {
                fclose(f);
                data_dir = d;
            }
        }
    }
    env->data_dir = data_dir;
    env->list_dir = blis_posix_list_dir;
    env->resolve_model = blis_run_resolve_model;
    env->resolve_user = resolver;
}

/* ==== >>binding  implementation ==== */

static void blis__binding_log(void *user, const char *level, const char *msg) {
    (void)user;
    fprintf(stderr, "blis: %s: %s\n", !strcmp(level, "warn") ? "warning" : level, msg);
}

BLIS_DEF char *blis_binding_call(const char *command, const char *options_json, const char *data_dir, int *status,
                                 char *errbuf, size_t errbuf_size) {
    return blis_binding_call_cancel(command, options_json, data_dir, NULL, status, errbuf, errbuf_size);
}

BLIS_DEF char *blis_binding_call_cancel(const char *command, const char *options_json, const char *data_dir,
                                        const volatile sig_atomic_t *cancel, int *status, char *errbuf,
                                        size_t errbuf_size) {
    blis_run_env env;
    blis_buf out;
    blis_err err;
    blis_status st;
    char *doc = NULL;
    memset(&out, 0, sizeof out);
    blis_run_env_posix(&env, data_dir && data_dir[0] ? data_dir : NULL, NULL);
    env.log = blis__binding_log;
    env.cancel = cancel;
    if (!command || !options_json) {
        st = blis_err_set(&err, BLIS_E_INVALID, 0, 0, "blis_binding_call: a command and options are needed");
    } else if (!strcmp(command, "run")) {
        st = blis_run_json(options_json, strlen(options_json), &env, blis_buf_write, &out, &err);
    } else if (!strcmp(command, "step")) {
        st = blis_step_json(options_json, strlen(options_json), &env, blis_buf_write, &out, &err);
    } else if (!strcmp(command, "evaluate")) {
        st = blis_evaluate_json(options_json, strlen(options_json), &env, blis_buf_write, &out, &err);
    } else {
        st = blis_err_set(&err, BLIS_E_INVALID, 0, 0, "unknown command \"%.200s\" (expected run, step or evaluate)",
                          command);
    }
    if (st == BLIS_OK && !(doc = (char *)malloc(out.len + 1)))
        st = blis_err_set(&err, BLIS_E_NOMEM, 0, 0, "out of memory");
    if (st == BLIS_OK) {
        memcpy(doc, out.data ? out.data : "", out.len);
        doc[out.len] = '\0';
    }
    blis_buf_free(&out);
    if (status) *status = (int)st;
    if (st != BLIS_OK && errbuf && errbuf_size) snprintf(errbuf, errbuf_size, "%s", err.msg);
    return doc;
}

BLIS_DEF void blis_binding_free(char *document) { free(document); }

#endif /* BLIS_IMPLEMENTATION */
