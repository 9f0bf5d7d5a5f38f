/* tests/test_fetch.c - downloads through the real curl program against a
 * real HTTP server on 127.0.0.1 (a forked child of the runner, below): the
 * HuggingFace config cache, every failure the spec's error table names, the
 * token's path (a header, never an argument), redirects and partial bodies.
 * Skipped, with a message, when curl is not installed. */

#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <signal.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define T_TOKEN "hf_t0ken-only-in-a-header"

static const char t_good_config[] =
    "{\"model_type\": \"llama\", \"hidden_size\": 4096, \"num_hidden_layers\": 32,\n"
    " \"num_attention_heads\": 32, \"num_key_value_heads\": 8,\n"
    " \"intermediate_size\": 14336, \"vocab_size\": 128256, \"torch_dtype\": \"bfloat16\"}\n";

typedef struct t_srv {
    pid_t pid;
    int port;
    int other_port; /* redirect-port's target: another server on the same host */
    char log[256];
} t_srv;

static int t_have_curl(void) { return system("curl --version >/dev/null 2>&1") == 0; }

/* 1 when some process's command line holds the token. */
static int t_token_in_cmdlines(void) {
    DIR *d = opendir("/proc");
    struct dirent *e;
    int found = 0;
    if (!d) return 0;
    while (!found && (e = readdir(d)) != NULL) {
        char path[300], buf[8192];
        FILE *f;
        size_t n, i, tl = strlen(T_TOKEN);
        if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
        snprintf(path, sizeof path, "/proc/%s/cmdline", e->d_name);
        if ((f = fopen(path, "rb")) == NULL) continue;
        n = fread(buf, 1, sizeof buf, f);
        fclose(f);
        for (i = 0; i + tl <= n && !found; i++) found = memcmp(buf + i, T_TOKEN, tl) == 0;
    }
    closedir(d);
    return found;
}

static void t_send(int c, const char *s, size_t n) {
    while (n > 0) {
        ssize_t k = write(c, s, n);
        if (k <= 0) return;
        s += k;
        n -= (size_t)k;
    }
}

static void t_reply(int c, const char *status, const char *extra, const char *body) {
    char head[512];
    int n = snprintf(head, sizeof head, "HTTP/1.1 %s\r\nContent-Length: %lu\r\nConnection: close\r\n%s\r\n", status,
                     (unsigned long)strlen(body), extra ? extra : "");
    t_send(c, head, (size_t)n);
    t_send(c, body, strlen(body));
}

/* One request: routes by the model name in /<org>/<name>/resolve/main/config.json. */
static void t_srv_handle(int c, const t_srv *s) {
    char req[8192], path[512], name[128], auth[256], extra[600];
    size_t n = 0;
    const char *p;
    FILE *log;
    memset(req, 0, sizeof req);
    while (n + 1 < sizeof req && !strstr(req, "\r\n\r\n")) {
        ssize_t k = read(c, req + n, sizeof req - 1 - n);
        if (k <= 0) break;
        n += (size_t)k;
    }
    path[0] = name[0] = '\0';
    strcpy(auth, "-");
    sscanf(req, "GET %511s", path);
    for (p = req; (p = strchr(p, '\n')) != NULL;) {
        p++;
        if (!strncasecmp(p, "authorization:", 14)) {
            const char *v = p + 14;
            size_t len;
            while (*v == ' ') v++;
            len = strcspn(v, "\r\n");
            snprintf(auth, sizeof auth, "%.*s", (int)len, v);
        }
    }
    {
        const char *a = strchr(path + 1, '/'), *b = a ? strchr(a + 1, '/') : NULL;
        if (a && b) snprintf(name, sizeof name, "%.*s", (int)(b - a - 1), a + 1);
    }
    if ((log = fopen(s->log, "a")) != NULL) {
        fprintf(log, "%s auth=%s cmdline_token=%s\n", path, auth, t_token_in_cmdlines() ? "yes" : "no");
        fclose(log);
    }
    if (!strcmp(name, "good") || !strcmp(name, "Good-Case"))
        t_reply(c, "200 OK", NULL, t_good_config);
    else if (!strcmp(name, "gated"))
        t_reply(c, strcmp(auth, "Bearer " T_TOKEN) ? "401 Unauthorized" : "200 OK", NULL,
                strcmp(auth, "Bearer " T_TOKEN) ? "{\"error\": \"gated\"}" : t_good_config);
    else if (!strcmp(name, "forbidden"))
        t_reply(c, "403 Forbidden", NULL, "{\"error\": \"accept the licence\"}");
    else if (!strcmp(name, "broken"))
        t_reply(c, "500 Internal Server Error", NULL, "oops");
    else if (!strcmp(name, "slow")) {
        sleep(4);
        t_reply(c, "200 OK", NULL, t_good_config);
    } else if (!strcmp(name, "huge")) {
        static char chunk[65536];
        long i;
        const char *head = "HTTP/1.1 200 OK\r\nContent-Length: 11534336\r\nConnection: close\r\n\r\n";
        memset(chunk, ' ', sizeof chunk);
        t_send(c, head, strlen(head));
        for (i = 0; i < 176; i++) t_send(c, chunk, sizeof chunk);
    } else if (!strcmp(name, "partial")) {
        const char *head = "HTTP/1.1 200 OK\r\nContent-Length: 5000\r\nConnection: close\r\n\r\n{\"hidden_size\": 1,";
        t_send(c, head, strlen(head));
    } else if (!strcmp(name, "redirect-other")) {
        snprintf(extra, sizeof extra, "Location: http://localhost:%d/org/good/resolve/main/config.json\r\n", s->port);
        t_reply(c, "302 Found", extra, "");
    } else if (!strcmp(name, "redirect-port")) {
        snprintf(extra, sizeof extra, "Location: http://127.0.0.1:%d/org/gated/resolve/main/config.json\r\n",
                 s->other_port);
        t_reply(c, "302 Found", extra, "");
    } else if (!strcmp(name, "redirect-same")) {
        t_reply(c, "307 Temporary Redirect", "Location: /org/gated/resolve/main/config.json\r\n", "");
    } else if (!strcmp(name, "loop")) {
        t_reply(c, "302 Found", "Location: /org/loop/resolve/main/config.json\r\n", "");
    } else if (!strcmp(name, "html"))
        t_reply(c, "200 OK", NULL, "<html><body>Sign in</body></html>");
    else if (!strcmp(name, "nothf"))
        t_reply(c, "200 OK", NULL, "{\"error\": \"Repository not found\"}");
    else
        t_reply(c, "404 Not Found", NULL, "{\"error\": \"not found\"}");
}

static void t_srv_stop(t_srv *s) {
    if (s->pid > 0) {
        kill(s->pid, SIGKILL);
        waitpid(s->pid, NULL, 0);
    }
    s->pid = 0;
}

/* Starts the server on an ephemeral port; 0 on success. other_port: where
 * redirect-port points (0: none). */
static int t_srv_start_to(t_srv *s, const char *log, int other_port) {
    struct sockaddr_in a;
    socklen_t len = sizeof a;
    int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;
    memset(s, 0, sizeof *s);
    s->other_port = other_port;
    snprintf(s->log, sizeof s->log, "%s", log);
    remove(log);
    if (fd < 0) return -1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(fd, (struct sockaddr *)&a, sizeof a) || listen(fd, 16) || getsockname(fd, (struct sockaddr *)&a, &len)) {
        close(fd);
        return -1;
    }
    s->port = ntohs(a.sin_port);
    fflush(NULL);
    s->pid = fork();
    if (s->pid < 0) {
        close(fd);
        return -1;
    }
    if (s->pid == 0) {
        signal(SIGPIPE, SIG_IGN);
        signal(SIGCHLD, SIG_IGN); /* no zombies from the per-request children */
        alarm(120);               /* never outlive a crashed runner for long */
        for (;;) {
            int c = accept(fd, NULL, NULL);
            if (c < 0) continue;
            if (fork() == 0) {
                close(fd);
                t_srv_handle(c, s);
                shutdown(c, SHUT_WR);
                close(c);
                _exit(0);
            }
            close(c);
        }
    }
    close(fd);
    return 0;
}

static int t_srv_start(t_srv *s, const char *log) { return t_srv_start_to(s, log, 0); }

/* How many logged requests contain needle. */
static int t_log_count(const t_srv *s, const char *needle) {
    char line[1024];
    int n = 0;
    FILE *f = fopen(s->log, "r");
    if (!f) return 0;
    while (fgets(line, sizeof line, f))
        if (strstr(line, needle)) n++;
    fclose(f);
    return n;
}

/* Files in dir (hidden ones included: a leftover temporary file shows). */
static int t_dir_entries(const char *dir) {
    DIR *d = opendir(dir);
    struct dirent *e;
    int n = 0;
    if (!d) return 0;
    while ((e = readdir(d)) != NULL)
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) n++;
    closedir(d);
    return n;
}

typedef struct t_fetch_env {
    t_srv srv;
    char endpoint[64], cache[256], log[256];
    blis_hf_resolve_opts o;
    char dir[1100];
    blis_err err;
    char logged[2048];
} t_fetch_env;

static void t_fetch_log(void *user, const char *level, const char *msg) {
    t_fetch_env *e = (t_fetch_env *)user;
    size_t n = strlen(e->logged);
    snprintf(e->logged + n, sizeof e->logged - n, "%s: %s\n", level, msg);
}

static int t_fetch_setup(t_ctx *t_, t_fetch_env *e, const char *tag) {
    char cmd[600];
    memset(e, 0, sizeof *e);
    snprintf(e->cache, sizeof e->cache, "build/test_fetch_%s_%ld", tag, (long)getpid());
    snprintf(cmd, sizeof cmd, "rm -rf %s && mkdir -p %s", e->cache, e->cache);
    if (system(cmd) != 0) return -1;
    snprintf(e->log, sizeof e->log, "%s.log", e->cache);
    if (t_srv_start(&e->srv, e->log)) {
        CHECK_MSG(0, "cannot start the test HTTP server");
        return -1;
    }
    snprintf(e->endpoint, sizeof e->endpoint, "http://127.0.0.1:%d", e->srv.port);
    e->o.endpoint = e->endpoint;
    e->o.cache_dir = e->cache;
    e->o.allow_download = 1;
    e->o.fetch.token = "";
    e->o.fetch.max_time_s = 10;
    e->o.log = t_fetch_log;
    e->o.log_user = e;
    return 0;
}

static void t_fetch_teardown(t_fetch_env *e) {
    char cmd[600];
    t_srv_stop(&e->srv);
    snprintf(cmd, sizeof cmd, "rm -rf %s %s", e->cache, e->log);
    if (system(cmd) != 0) fprintf(stderr, "  (could not remove %s)\n", e->cache);
}

static blis_status t_resolve(t_fetch_env *e, const char *model) {
    e->logged[0] = '\0';
    return blis_hf_resolve_config(&e->o, model, e->dir, sizeof e->dir, &e->err);
}

/* A download lands in the cache; the second run is served from the cache
 * without a request; a corrupt cache entry is reported and replaced. */
TEST(fetch_download_then_cache) {
    t_fetch_env e;
    char path[1200];
    FILE *f;
    if (!t_have_curl()) SKIP("the curl program is not installed");
    if (t_fetch_setup(t_, &e, "cache")) return;
    CHECK_EQ_I64(t_resolve(&e, "org/good"), BLIS_OK);
    snprintf(path, sizeof path, "%s/good", e.cache);
    CHECK_STR(e.dir, path);
    CHECK_CONTAINS(e.logged, "fetched config for org/good into");
    CHECK_EQ_I64(t_dir_entries(path), 1); /* config.json, no temporary file left */
    CHECK_EQ_I64(t_resolve(&e, "org/good"), BLIS_OK);
    CHECK_CONTAINS(e.logged, "using config from");
    CHECK_EQ_I64(t_log_count(&e.srv, "/org/good/resolve/main/config.json"), 1);
    snprintf(path, sizeof path, "%s/good/config.json", e.cache);
    if ((f = fopen(path, "w")) != NULL) { /* a truncated entry */
        fputs("{\"hidden_si", f);
        fclose(f);
    }
    CHECK_EQ_I64(t_resolve(&e, "org/good"), BLIS_OK);
    CHECK_CONTAINS(e.logged, "exists but lacks expected HuggingFace fields");
    CHECK_EQ_I64(t_log_count(&e.srv, "/org/good/resolve/main/config.json"), 2);
    {
        char *text = NULL;
        size_t len = 0;
        blis_err err;
        CHECK_EQ_I64(blis_file_read(path, 0, NULL, &text, &len, &err), BLIS_OK);
        CHECK(text && blis_is_hf_config(text, len));
        blis_file_free(NULL, text);
    }
    /* the defaults file's hf_repo names the repository (case kept) */
    e.o.hf_repo = "Org/Good-Case";
    CHECK_EQ_I64(t_resolve(&e, "org/fresh-model"), BLIS_OK);
    CHECK_EQ_I64(t_log_count(&e.srv, "/Org/Good-Case/resolve/main/config.json"), 1);
    t_fetch_teardown(&e);
}

/* Each failure answers with the spec's message and leaves nothing behind. */
TEST(fetch_failures) {
    static const struct {
        const char *model, *want;
        blis_status st;
    } cases[] = {
        {"org/missing", "not found on HuggingFace (HTTP 404). Check --model spelling. URL: ", BLIS_E_MISSING},
        {"org/gated", "authentication required (HTTP 401). Set HF_TOKEN env var.", BLIS_E_IO},
        {"org/forbidden", "access denied (HTTP 403)", BLIS_E_IO},
        {"org/broken", "unexpected HTTP 500 from HuggingFace", BLIS_E_IO},
        {"org/huge", "response body exceeds 10485760 bytes limit", BLIS_E_IO},
        {"org/partial", "failed (curl exit 18", BLIS_E_IO},
        {"org/redirect-other", "redirect to non-HuggingFace host \"localhost\" blocked", BLIS_E_IO},
        {"org/loop", "too many redirects (max 3)", BLIS_E_IO},
        {"org/html", "is not valid JSON", BLIS_E_INVALID},
        {"org/nothf", "does not contain expected HuggingFace config fields", BLIS_E_INVALID},
    };
    t_fetch_env e;
    size_t i;
    char dir[1200];
    if (!t_have_curl()) SKIP("the curl program is not installed");
    if (t_fetch_setup(t_, &e, "fail")) return;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        CHECK_MSG(t_resolve(&e, cases[i].model) == cases[i].st, "%s: status %d: %s", cases[i].model, (int)e.err.status,
                  e.err.msg);
        CHECK_MSG(strstr(e.err.msg, cases[i].want) != NULL, "%s: %s", cases[i].model, e.err.msg);
        CHECK_CONTAINS(e.err.msg, "Provide --model-config-folder explicitly");
        snprintf(dir, sizeof dir, "%s/%s", e.cache, strchr(cases[i].model, '/') + 1);
        CHECK_MSG(t_dir_entries(dir) == 0, "%s: %d files left in %s", cases[i].model, t_dir_entries(dir), dir);
    }
    CHECK_EQ_I64(t_log_count(&e.srv, "/org/good/"), 0); /* the other host was never contacted */
    CHECK_EQ_I64(t_log_count(&e.srv, "/org/loop/"), 4); /* the first request and three redirects */
    t_fetch_teardown(&e);
}

/* The token reaches the server as a header, follows a same-host redirect,
 * and appears in no process's command line during the download. */
TEST(fetch_token_stays_out_of_argv) {
    t_fetch_env e;
    if (!t_have_curl()) SKIP("the curl program is not installed");
    if (t_fetch_setup(t_, &e, "token")) return;
    e.o.fetch.token = T_TOKEN;
    CHECK_EQ_I64(t_resolve(&e, "org/gated"), BLIS_OK);
    CHECK_EQ_I64(t_resolve(&e, "org/redirect-same"), BLIS_OK);
    CHECK_EQ_I64(t_log_count(&e.srv, "auth=Bearer " T_TOKEN " cmdline_token=no"), 3);
    CHECK_EQ_I64(t_log_count(&e.srv, "cmdline_token=yes"), 0);
    t_fetch_teardown(&e);
}

/* The token goes only to the endpoint's scheme, host and port: a redirect
 * to another port of the same host (a second server) is followed without
 * it. */
TEST(fetch_token_stays_with_its_port) {
    t_fetch_env e;
    t_srv other;
    char log[300];
    if (!t_have_curl()) SKIP("the curl program is not installed");
    if (t_fetch_setup(t_, &e, "port")) return;
    snprintf(log, sizeof log, "%s.other.log", e.cache);
    if (t_srv_start(&other, log)) {
        CHECK_MSG(0, "cannot start the second test HTTP server");
        t_fetch_teardown(&e);
        return;
    }
    t_srv_stop(&e.srv); /* the first server again, pointing at the second */
    if (t_srv_start_to(&e.srv, e.log, other.port)) {
        CHECK_MSG(0, "cannot restart the test HTTP server");
        t_srv_stop(&other);
        t_fetch_teardown(&e);
        return;
    }
    snprintf(e.endpoint, sizeof e.endpoint, "http://127.0.0.1:%d", e.srv.port);
    e.o.fetch.token = T_TOKEN;
    CHECK(t_resolve(&e, "org/redirect-port") != BLIS_OK); /* the second server wants the token: 401 */
    CHECK_EQ_I64(t_log_count(&e.srv, "/org/redirect-port/resolve/main/config.json auth=Bearer " T_TOKEN), 1);
    CHECK_EQ_I64(t_log_count(&other, "/org/gated/resolve/main/config.json auth=-"), 1);
    CHECK_EQ_I64(t_log_count(&other, "auth=Bearer"), 0);
    t_srv_stop(&other);
    remove(log);
    t_fetch_teardown(&e);
}

/* Connection refused, timeout, a missing curl, no network: clear errors
 * that list everything tried. */
TEST(fetch_unreachable) {
    t_fetch_env e;
    int port;
    char endpoint[64];
    if (!t_have_curl()) SKIP("the curl program is not installed");
    if (t_fetch_setup(t_, &e, "unreach")) return;
    port = e.srv.port;
    e.o.fetch.max_time_s = 1;
    CHECK_EQ_I64(t_resolve(&e, "org/slow"), BLIS_E_IO);
    CHECK_CONTAINS(e.err.msg, "timed out after 1 s fetching");
    t_srv_stop(&e.srv); /* nothing listens on the port any more */
    snprintf(endpoint, sizeof endpoint, "http://127.0.0.1:%d", port);
    CHECK_EQ_I64(t_resolve(&e, "org/good"), BLIS_E_IO);
    CHECK_CONTAINS(e.err.msg, "could not connect to");
    CHECK_CONTAINS(e.err.msg, "Tried: ");
    CHECK_CONTAINS(e.err.msg, e.cache);
    CHECK_CONTAINS(e.err.msg, endpoint);
    CHECK_CONTAINS(e.logged, "warn: HF fetch failed for org/good");
    e.o.fetch.curl = "/nonexistent/bin/curl";
    CHECK_EQ_I64(t_resolve(&e, "org/good"), BLIS_E_IO);
    CHECK_CONTAINS(e.err.msg, "cannot run the curl program \"/nonexistent/bin/curl\"");
    e.o.fetch.curl = NULL;
    e.o.allow_download = 0;
    CHECK_EQ_I64(t_resolve(&e, "org/good"), BLIS_E_MISSING);
    CHECK_CONTAINS(e.err.msg, "could not find config.json for model \"org/good\". Tried: ");
    CHECK_CONTAINS(e.err.msg, "/org/good is off here). Provide --model-config-folder explicitly");
    t_fetch_teardown(&e);
}

/* Model names are names, not paths; repos must look like org/name. */
TEST(fetch_rejects_paths) {
    static const char *const bad[] = {"../etc", "org/..", "org/a/b", "org/", "/abs", "org/na me", "org/x\\y", NULL};
    blis_hf_resolve_opts o;
    blis_err err;
    char dir[512];
    size_t i;
    memset(&o, 0, sizeof o);
    o.cache_dir = "build/never-created";
    o.allow_download = 1;
    for (i = 0; bad[i]; i++) {
        CHECK_MSG(blis_hf_resolve_config(&o, bad[i], dir, sizeof dir, &err) == BLIS_E_INVALID, "%s accepted", bad[i]);
        CHECK_CONTAINS(err.msg, "contains invalid path components");
    }
    o.hf_repo = "org/name/extra";
    CHECK_EQ_I64(blis_hf_resolve_config(&o, "org/name", dir, sizeof dir, &err), BLIS_E_MISSING);
    CHECK_CONTAINS(err.msg, "invalid HuggingFace repo name \"org/name/extra\"");
    CHECK(blis_hf_repo_valid("meta-llama/Llama-3.1-8B-Instruct"));
    CHECK(!blis_hf_repo_valid("meta-llama") && !blis_hf_repo_valid("a//b") && !blis_hf_repo_valid("a/b?c"));
    CHECK(blis_is_hf_config("{\"text_config\": {\"hidden_size\": 8}}", 35));
    CHECK(!blis_is_hf_config("{\"hidden\": 8}", 13) && !blis_is_hf_config("[1]", 3));
    o.explicit_dir = "some/folder"; /* an explicit folder wins, unchecked here */
    CHECK_EQ_I64(blis_hf_resolve_config(&o, "../etc", dir, sizeof dir, &err), BLIS_OK);
    CHECK_STR(dir, "some/folder");
}

/* `run --roofline` end to end: the companion checks, a download into the
 * cache beside the defaults file (the repo named by its hf_repo), a second
 * run from the cache without a request, and the error table's answers with
 * their exit statuses. */
TEST(fetch_run_roofline) {
    t_fetch_env e;
    char cmd[1400], out[16384], path[600];
    FILE *f;
    CHECK_EQ_I64(t_run("./simulation_worker run --model org/good --roofline --tp 1", out, sizeof out), 2);
    CHECK_CONTAINS(out, "--roofline requires --hardware (GPU type)");
    CHECK_EQ_I64(t_run("./simulation_worker run --model org/good --roofline --hardware H100", out, sizeof out), 2);
    CHECK_CONTAINS(out, "--roofline requires --tp > 0");
    CHECK_EQ_I64(t_run("./simulation_worker run --model ../../etc --roofline --hardware H100 --tp 1", out, sizeof out),
                 2);
    CHECK_CONTAINS(out, "contains invalid path components");
    CHECK_EQ_I64(t_run("./simulation_worker run --model org/good --roofline=maybe", out, sizeof out), 2);
    CHECK_CONTAINS(out, "--roofline: expected true or false");
    if (!t_have_curl()) SKIP("the curl program is not installed");
    if (t_fetch_setup(t_, &e, "run")) return;
    snprintf(path, sizeof path, "%s/defaults.yaml", e.cache);
    if ((f = fopen(path, "w")) != NULL) {
        fputs("defaults:\n  org/mixed:\n    GPU: H100\n    tensor_parallelism: 1\n    hf_repo: Org/Good-Case\n", f);
        fclose(f);
    }
    snprintf(cmd, sizeof cmd,
             "HF_ENDPOINT=%s XDG_CACHE_HOME=$PWD/%s/xdg ./simulation_worker run --model Org/Mixed --roofline "
             "--hardware H100 --tp 1 "
             "--defaults-filepath %s --num-requests 5 --log info",
             e.endpoint, e.cache, path);
    CHECK_EQ_I64(t_run(cmd, out, sizeof out), 0);
    CHECK_CONTAINS(out, "--roofline: fetched config for Org/Good-Case into");
    CHECK_CONTAINS(out, "no trained total-kv-blocks found for model=org/mixed");
    CHECK_CONTAINS(out, "\"completed_requests\": 5");
    CHECK_EQ_I64(t_run(cmd, out, sizeof out), 0);
    CHECK_CONTAINS(out, "--roofline: using config from");
    CHECK_EQ_I64(t_log_count(&e.srv, "/Org/Good-Case/resolve/main/config.json"), 1);
    snprintf(path, sizeof path, "%s/xdg/blis/model_configs/mixed/config.json", e.cache); /* the user cache */
    {
        struct stat sb;
        CHECK(stat(path, &sb) == 0 && sb.st_size > 0);
    }
    snprintf(cmd, sizeof cmd,
             "HF_ENDPOINT=%s XDG_CACHE_HOME=$PWD/%s/xdg ./simulation_worker run --model org/missing --roofline "
             "--hardware H100 --tp 1 "
             "--defaults-filepath %s/defaults.yaml",
             e.endpoint, e.cache, e.cache);
    CHECK_EQ_I64(t_run(cmd, out, sizeof out), 2);
    CHECK_CONTAINS(out, "error: --roofline: could not find config.json for model \"org/missing\". Tried: ");
    CHECK_CONTAINS(out, "not found on HuggingFace (HTTP 404). Check --model spelling.");
    snprintf(cmd, sizeof cmd,
             "HF_ENDPOINT=%s XDG_CACHE_HOME=$PWD/%s/xdg ./simulation_worker run --model org/broken --roofline "
             "--hardware H100 --tp 1 "
             "--defaults-filepath %s/defaults.yaml",
             e.endpoint, e.cache, e.cache);
    CHECK_EQ_I64(t_run(cmd, out, sizeof out), 1);
    CHECK_CONTAINS(out, "unexpected HTTP 500 from HuggingFace");
    /* without --roofline nothing is downloaded: the answer says how to */
    snprintf(
        cmd, sizeof cmd,
        "HF_ENDPOINT=%s XDG_CACHE_HOME=$PWD/%s/xdg ./simulation_worker run --model org/other --hardware H100 --tp 1",
        e.endpoint, e.cache);
    CHECK_EQ_I64(t_run(cmd, out, sizeof out), 2);
    CHECK_CONTAINS(out, "pass --roofline (with --hardware and --tp) to download it");
    CHECK_EQ_I64(t_log_count(&e.srv, "/org/other/"), 0);
    /* SIGTERM (or SIGINT) during a download: curl is stopped, nothing is written, the process ends by the signal */
    snprintf(cmd, sizeof cmd,
             "sh -c 'HF_ENDPOINT=%s XDG_CACHE_HOME=$PWD/%s/xdg ./simulation_worker run --model org/slow --roofline "
             "--hardware H100 --tp 1 "
             "--defaults-filepath %s/defaults.yaml & p=$!; sleep 1; kill -TERM $p; wait $p; echo status=$?'",
             e.endpoint, e.cache, e.cache);
    CHECK_EQ_I64(t_run(cmd, out, sizeof out), 0);
    CHECK_CONTAINS(out, "interrupted; nothing was written");
    CHECK_CONTAINS(out, "status=143");
    snprintf(path, sizeof path, "%s/xdg/blis/model_configs/slow", e.cache);
    CHECK_EQ_I64(t_dir_entries(path), 0);
    /* four runs downloading the same model at once: one whole config.json, no temporary file left */
    snprintf(cmd, sizeof cmd,
             "sh -c 'for i in 1 2 3 4; do HF_ENDPOINT=%s XDG_CACHE_HOME=$PWD/%s/xdg ./simulation_worker run --model "
             "org/good --roofline "
             "--hardware H100 --tp 1 --num-requests 2 --defaults-filepath %s/defaults.yaml > /dev/null 2>&1 & "
             "done; wait'",
             e.endpoint, e.cache, e.cache);
    CHECK_EQ_I64(t_run(cmd, out, sizeof out), 0);
    snprintf(path, sizeof path, "%s/xdg/blis/model_configs/good", e.cache);
    CHECK_EQ_I64(t_dir_entries(path), 1);
    {
        char *text = NULL;
        size_t len = 0;
        blis_err err;
        snprintf(path, sizeof path, "%s/xdg/blis/model_configs/good/config.json", e.cache);
        CHECK_EQ_I64(blis_file_read(path, 0, NULL, &text, &len, &err), BLIS_OK);
        CHECK(text && len == strlen(t_good_config) && !memcmp(text, t_good_config, len));
        blis_file_free(NULL, text);
    }
    /* BLIS_MODEL_CACHE names the cache (its <name>/config.json) */
    snprintf(cmd, sizeof cmd,
             "HF_ENDPOINT=%s BLIS_MODEL_CACHE=$PWD/%s/mc ./simulation_worker run --model org/good --roofline "
             "--hardware H100 --tp 1 --num-requests 2 --defaults-filepath %s/defaults.yaml",
             e.endpoint, e.cache, e.cache);
    CHECK_EQ_I64(t_run(cmd, out, sizeof out), 0);
    snprintf(path, sizeof path, "%s/mc/good/config.json", e.cache);
    {
        struct stat sb;
        CHECK(stat(path, &sb) == 0 && sb.st_size > 0);
    }
    t_fetch_teardown(&e);
}

/* A plain run of a bundled model works offline: the bundled defaults file
 * (no ./defaults.yaml), its model config and hardware config, roofline
 * with the KV cache sized from the GPU memory. */
TEST(cli_run_bundled_offline) {
    char out[16384];
    CHECK_EQ_I64(t_run("HF_HUB_OFFLINE=1 ./simulation_worker run --model meta-llama/llama-3.1-8b-instruct "
                       "--num-requests 20 --log info",
                       out, sizeof out),
                 0);
    CHECK_CONTAINS(out, "using config from ./data/model_configs/llama-3.1-8b-instruct");
    CHECK_CONTAINS(out, "estimated from 90% of 1 x 80 GiB");
    CHECK_CONTAINS(out, "\"completed_requests\": 20");
    { /* within 3% of the KV blocks vLLM found for this model on one H100 (the reference's trained value, spec §1.5) */
        const char *k = strstr(out, "total-kv-blocks ");
        long blocks = k ? strtol(k + 16, NULL, 10) : 0;
        CHECK_MSG(blocks * 100 > 29205 * 97 && blocks * 100 < 29205 * 103, "estimated %ld blocks", blocks);
    }
}

/* --roofline with the reference's a410740f data directory: the hardware
 * config and bench_data/ beside its defaults file (roofline v2), and its
 * trained alpha and total_kv_blocks. */
TEST(cli_run_roofline_reference_layout) {
    char out[16384], cmd[1400];
    const char *dir = t_shared_dir();
    if (!dir) SKIP("../shared is absent");
    snprintf(cmd, sizeof cmd,
             "./simulation_worker run --model meta-llama/llama-3.1-8b-instruct --roofline --hardware H100 --tp 1 "
             "--model-config-folder data/model_configs/llama-3.1-8b-instruct --defaults-filepath "
             "%s/reference/upstream/a410740f/defaults.yaml --num-requests 10 --log info",
             dir);
    CHECK_EQ_I64(t_run(cmd, out, sizeof out), 0);
    CHECK_CONTAINS(out, "explicit --model-config-folder takes precedence over auto-resolution");
    CHECK_CONTAINS(out, "a410740f/hardware_config.json");
    CHECK_CONTAINS(out, "a410740f/bench_data (roofline v2)");
    CHECK_CONTAINS(out, "using the defaults file's trained alpha coefficients");
    CHECK(strstr(out, "no trained total-kv-blocks") == NULL);
    CHECK_CONTAINS(out, "\"completed_requests\": 10");
}

/* A cache entry that is not a regular file (a FIFO would block the read
 * forever) is reported and skipped, never opened. */
TEST(fetch_cache_fifo_is_skipped) {
    char out[4096];
    if (system("rm -rf build/fifo_cache && mkdir -p build/fifo_cache/blis/model_configs/fifo-model && "
               "mkfifo build/fifo_cache/blis/model_configs/fifo-model/config.json") != 0)
        SKIP("mkfifo is not available");
    CHECK_EQ_I64(
        t_run("HF_HUB_OFFLINE=1 XDG_CACHE_HOME=$PWD/build/fifo_cache timeout 20 ./simulation_worker run --model "
              "org/fifo-model --hardware H100 --tp 1 --roofline --num-requests 5",
              out, sizeof out),
        2);
    CHECK_CONTAINS(out, "fifo-model/config.json is not a regular file (a FIFO, a device or a directory); skipped");
    CHECK_CONTAINS(out, "could not find config.json for model \"org/fifo-model\"");
    if (system("rm -rf build/fifo_cache") != 0) fprintf(stderr, "  (could not remove build/fifo_cache)\n");
}

/* A token too long to be one is refused with its length, not a stale errno. */
TEST(fetch_token_too_long) {
    char out[4096];
    CHECK_EQ_I64(t_run("HF_TOKEN=$(head -c 3000 /dev/zero | tr '\\0' x) HF_ENDPOINT=http://127.0.0.1:9 XDG_CACHE_HOME="
                       "$PWD/build/long_token_cache ./simulation_worker run --model org/long-token-model --hardware "
                       "H100 --tp 1 --roofline --num-requests 5",
                       out, sizeof out),
                 2);
    CHECK_CONTAINS(out, "the token is 3000 bytes; longer than 2048 cannot be an access token (check HF_TOKEN)");
    CHECK(strstr(out, "File exists") == NULL);
    if (system("rm -rf build/long_token_cache") != 0) fprintf(stderr, "  (could not remove build/long_token_cache)\n");
}
