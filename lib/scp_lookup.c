/*
 * scp_lookup: the LDAP half of PROTOCOL.md §6. Find a DC (the configured URI, or DNS SRV
 * _ldap._tcp.DOMAIN), read configurationNamingContext from its RootDSE, search the SCPs
 * below it, then: a pointer for the user's domain restarts the search there (what was found
 * so far is dropped); URL SCPs are the answer, in site-bucket order; otherwise a pointer
 * without Domain= is searched. At most SCP_MAX_HOPS pointers, no host twice, every
 * operation bounded by the per-attempt timeout and the journey's deadline.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dns.h"
#include "ldap_client.h"
#include "redirect.h"
#include "scp.h"

/* What one DC's search gave. */
struct scp_page {
    char **urls; /* URL SCPs in directory order, with their buckets */
    int *buckets;
    size_t nurls;
    char *restart; /* the first pointer for the user's domain, or NULL */
};

struct lookup {
    const struct scp_context *c;
    struct scp_found *out;
    struct string_set visited;   /* hosts searched (ldap://host:port, lower case) */
    struct string_set fallbacks; /* pointers without Domain=, not yet searched */
    size_t next_fallback;
    bool oom;
};

static long ms_since(const struct timespec *start)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (long)((now.tv_sec - start->tv_sec) * 1000 + (now.tv_nsec - start->tv_nsec) / 1000000);
}

/* The timeout of the next operation: the per-attempt one, cut to what the deadline leaves. */
static long op_timeout(const struct lookup *l)
{
    long t = l->c->timeout_ms;
    if (l->c->deadline) {
        long left = -ms_since(l->c->deadline);
        if (left < t)
            t = left;
    }
    return t;
}

/* A new operation; NULL on out of memory (l->oom set). */
static struct scp_op *op_new(struct lookup *l, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static struct scp_op *op_new(struct lookup *l, const char *fmt, ...)
{
    struct scp_found *f = l->out;
    struct scp_op *ops = realloc(f->ops, (f->nops + 1) * sizeof *ops);
    if (!ops) {
        l->oom = true;
        return NULL;
    }
    f->ops = ops;
    struct scp_op *op = &ops[f->nops];
    memset(op, 0, sizeof *op);
    va_list ap;
    va_start(ap, fmt);
    int n = vasprintf(&op->query, fmt, ap);
    va_end(ap);
    if (n < 0) {
        op->query = NULL;
        l->oom = true;
        return NULL;
    }
    f->nops++;
    return op;
}

static void op_reason(struct lookup *l, struct scp_op *op, enum scp_op_end end, const char *fmt,
                      ...) __attribute__((format(printf, 4, 5)));
static void op_reason(struct lookup *l, struct scp_op *op, enum scp_op_end end, const char *fmt,
                      ...)
{
    op->end = end;
    char *reason = NULL;
    va_list ap;
    va_start(ap, fmt);
    int n = vasprintf(&reason, fmt, ap);
    va_end(ap);
    if (n < 0) {
        l->oom = true;
        return;
    }
    free(op->reason);
    op->reason = reason;
}

/* Appends "; text" to the reason of op. */
static void op_amend(struct lookup *l, struct scp_op *op, enum scp_op_end end, const char *text)
{
    char *reason = NULL;
    if (asprintf(&reason, "%s; %s", op->reason ? op->reason : "", text) < 0) {
        l->oom = true;
        return;
    }
    free(op->reason);
    op->reason = reason;
    op->end = end;
}

static void op_answer(struct lookup *l, struct scp_op *op, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void op_answer(struct lookup *l, struct scp_op *op, const char *fmt, ...)
{
    char **answers = realloc(op->answers, (op->nanswers + 1) * sizeof *answers);
    if (!answers) {
        l->oom = true;
        return;
    }
    op->answers = answers;
    va_list ap;
    va_start(ap, fmt);
    int n = vasprintf(&answers[op->nanswers], fmt, ap);
    va_end(ap);
    if (n < 0)
        l->oom = true;
    else
        op->nanswers++;
}

static void page_free(struct scp_page *p)
{
    for (size_t i = 0; i < p->nurls; i++)
        free(p->urls[i]);
    free(p->urls);
    free(p->buckets);
    free(p->restart);
    memset(p, 0, sizeof *p);
}

static int page_add_url(struct scp_page *p, const char *url, int bucket)
{
    char **urls = realloc(p->urls, (p->nurls + 1) * sizeof *urls);
    if (!urls)
        return -1;
    p->urls = urls;
    int *buckets = realloc(p->buckets, (p->nurls + 1) * sizeof *buckets);
    if (!buckets)
        return -1;
    p->buckets = buckets;
    if (!(urls[p->nurls] = strdup(url)))
        return -1;
    buckets[p->nurls++] = bucket;
    return 0;
}

/* One SCP entry into the page, with a line of the report. */
static void take_entry(struct lookup *l, LDAP *ld, LDAPMessage *e, struct scp_op *op,
                       struct scp_page *page)
{
    const struct scp_context *c = l->c;
    char **keywords = NULL, **bindings = NULL;
    size_t nk = 0, nb = 0;
    char *dn = ldap_get_dn(ld, e);
    if (ldapc_values(ld, e, "keywords", &keywords, &nk) < 0 ||
        ldapc_values(ld, e, "serviceBindingInformation", &bindings, &nb) < 0) {
        l->oom = true;
        goto out;
    }
    struct scp_judgement j;
    scp_judge(keywords, nk, nb ? bindings[0] : NULL, c->settings->site, c->domain, &j);
    char kw[256] = "";
    for (size_t i = 0; i < nk; i++) {
        size_t len = strlen(kw);
        if (strncasecmp(keywords[i], "Site=", 5) == 0 ||
            strncasecmp(keywords[i], "Domain=", 7) == 0)
            snprintf(kw + len, sizeof kw - len, " %s", keywords[i]);
    }
    const char *what = nb ? bindings[0] : "(no serviceBindingInformation)";
    switch (j.kind) {
    case SCP_KIND_URL:
        op_answer(l, op, "%s%s: bucket %d", what, kw, j.bucket);
        if (page_add_url(page, j.target, j.bucket) < 0)
            l->oom = true;
        break;
    case SCP_KIND_POINTER_DOMAIN:
        op_answer(l, op, "pointer %s%s", what, kw);
        if (!page->restart && !(page->restart = strdup(j.target)))
            l->oom = true;
        break;
    case SCP_KIND_POINTER_ANY:
        op_answer(l, op, "pointer %s (no Domain=): a fallback", what);
        if (!string_set_contains(&l->visited, j.target) &&
            string_set_add(&l->fallbacks, j.target) < 0)
            l->oom = true;
        break;
    case SCP_KIND_IGNORED:
        op_answer(l, op, "skipped %s (%s): %s", what, dn ? dn : "?", j.why);
        break;
    }
out:
    ldap_memfree(dn);
    ldapc_values_free(keywords);
    ldapc_values_free(bindings);
}

/* The SCPs of one DC; 0 answered, 1 failed (recorded), -1 out of memory. */
static int search_dc(struct lookup *l, const char *uri, struct scp_page *page,
                     struct scp_op **search_op)
{
    const struct scp_settings *s = l->c->settings;
    struct ldapc_options o = {.cacert = l->c->cacert,
                              .starttls = s->starttls && strncasecmp(uri, "ldaps:", 6) != 0,
                              .bind_dn = s->bind_dn,
                              .bind_password = s->bind_password,
                              .timeout_ms = op_timeout(l)};
    *search_op = NULL;
    struct scp_op *op = op_new(l, "%s RootDSE configurationNamingContext", uri);
    if (!op)
        return -1;
    struct timespec start;
    clock_gettime(CLOCK_MONOTONIC, &start);
    const char *bind = s->bind_dn ? "simple bind" : "anonymous";
    const char *tls = strncasecmp(uri, "ldaps:", 6) == 0 ? ", ldaps"
                      : o.starttls                       ? ", StartTLS"
                                                         : "";
    LDAP *ld = NULL;
    char err[320];
    if (o.timeout_ms <= 0) {
        op_reason(l, op, SCP_OP_FAILED, "not asked: the deadline passed");
        return 1;
    }
    if (ldapc_connect(uri, &o, &ld, NULL, err, sizeof err) < 0) {
        op->elapsed_ms = ms_since(&start);
        op_reason(l, op, SCP_OP_FAILED, "%s (%s%s)", err, bind, tls);
        return 1;
    }
    char *config = NULL;
    int rc = ldapc_config_nc(ld, op_timeout(l), &config);
    op->elapsed_ms = ms_since(&start);
    if (rc == LDAP_NO_MEMORY)
        l->oom = true;
    if (rc != LDAP_SUCCESS) {
        ldapc_describe(ld, rc, err, sizeof err);
        op_reason(l, op, SCP_OP_FAILED, "no configurationNamingContext: %s (%s%s)", err, bind, tls);
        ldapc_close(ld);
        return l->oom ? -1 : 1;
    }
    op_answer(l, op, "%s", config);
    op_reason(l, op, SCP_OP_DONE, "configurationNamingContext read (%s%s)", bind, tls);

    op = op_new(l, "%s base=%s scope=sub %s", uri, config, SCP_FILTER);
    *search_op = op;
    if (!op) {
        free(config);
        ldapc_close(ld);
        return -1;
    }
    clock_gettime(CLOCK_MONOTONIC, &start);
    char *attrs[] = {"serviceBindingInformation", "keywords", NULL};
    LDAPMessage *res = NULL;
    rc = ldapc_search(ld, config, LDAP_SCOPE_SUBTREE, SCP_FILTER, attrs, op_timeout(l), &res);
    op->elapsed_ms = ms_since(&start);
    free(config);
    if (rc != LDAP_SUCCESS) {
        ldapc_describe(ld, rc, err, sizeof err);
        op_reason(l, op, SCP_OP_FAILED, "search failed: %s", err);
        ldapc_close(ld);
        return 1;
    }
    int n = 0;
    for (LDAPMessage *e = ldap_first_entry(ld, res); e && !l->oom; e = ldap_next_entry(ld, e)) {
        take_entry(l, ld, e, op, page);
        n++;
    }
    ldap_msgfree(res);
    ldapc_close(ld);
    op_reason(l, op, SCP_OP_DONE, "%d SCP%s", n, n == 1 ? "" : "s");
    return l->oom ? -1 : 0;
}

/* Keeps the page's URLs in the answer: bucket 1, 2, 3, directory order, no duplicates. */
static int keep_urls(struct lookup *l, const struct scp_page *page)
{
    struct scp_found *f = l->out;
    struct string_set seen = {0};
    int rc = 0;
    f->urls = calloc(page->nurls ? page->nurls : 1, sizeof *f->urls);
    if (!f->urls)
        return -1;
    for (int bucket = 1; bucket <= 3 && rc == 0; bucket++)
        for (size_t i = 0; i < page->nurls && rc == 0; i++) {
            if (page->buckets[i] != bucket || string_set_contains(&seen, page->urls[i]))
                continue;
            if (string_set_add(&seen, page->urls[i]) < 0 ||
                !(f->urls[f->nurls] = strdup(page->urls[i])))
                rc = -1;
            else
                f->nurls++;
        }
    string_set_clear(&seen);
    return rc;
}

/* The DC to start at: the configured URI, or the DNS SRV records of _ldap._tcp.DOMAIN. */
static int first_dcs(struct lookup *l, struct string_set *dcs)
{
    const char *ldap = l->c->settings->ldap;
    if (strncasecmp(ldap, "auto", 4) != 0)
        return string_set_add(dcs, ldap);
    const char *domain = ldap[4] == ':' && ldap[5] ? ldap + 5 : l->c->domain;
    char name[300];
    snprintf(name, sizeof name, "_ldap._tcp.%s", domain);
    struct scp_op *op = op_new(l, "%s SRV", name);
    if (!op)
        return -1;
    struct dns_srv_answer a;
    long t = op_timeout(l);
    dns_query_srv(name, l->c->dns_server, t > 0 ? t : 1, &a);
    op->elapsed_ms = a.elapsed_ms;
    int rc = 0;
    if (a.outcome == DNS_NOMEM)
        rc = -1;
    else if (a.outcome != DNS_ANSWER)
        op_reason(l, op, SCP_OP_FAILED, "no domain controller: %s",
                  a.detail ? a.detail : "no answer");
    else {
        srv_order(a.records, a.count, l->c->rng);
        for (size_t i = 0; i < a.count && rc == 0; i++) {
            const struct srv_record *r = &a.records[i];
            op_answer(l, op, "%u %u %u %s", r->priority, r->weight, r->port, r->target);
            char uri[320];
            snprintf(uri, sizeof uri, "ldap://%s:%u", r->target, r->port);
            if (r->target[0] && strcmp(r->target, ".") != 0 && string_set_add(dcs, uri) < 0)
                rc = -1;
        }
        op_reason(l, op, dcs->count ? SCP_OP_DONE : SCP_OP_FAILED, "%zu domain controller%s",
                  dcs->count, dcs->count == 1 ? "" : "s");
    }
    dns_srv_answer_free(&a);
    return rc;
}

/* The next host after a page: a pointer for the domain, else a fallback; NULL: none. */
static char *next_host(struct lookup *l, struct scp_page *page, struct scp_op *op)
{
    if (page->restart) {
        char *next = page->restart;
        page->restart = NULL;
        if (op)
            op_amend(l, op, SCP_OP_FOLLOW,
                     page->nurls ? "a pointer for the user's domain: its URLs dropped, "
                                   "searching there"
                                 : "a pointer for the user's domain: searching there");
        return next;
    }
    while (l->next_fallback < l->fallbacks.count) {
        const char *fb = l->fallbacks.items[l->next_fallback++];
        if (string_set_contains(&l->visited, fb))
            continue;
        if (op)
            op_amend(l, op, SCP_OP_FOLLOW, "nothing usable: searching the fallback pointer");
        char *next = strdup(fb);
        if (!next)
            l->oom = true;
        return next;
    }
    return NULL;
}

static int run(struct lookup *l, struct string_set *dcs)
{
    /* The first DC: the first of the located ones that answers. */
    struct scp_page page = {0};
    struct scp_op *op = NULL;
    int got = 1;
    for (size_t i = 0; i < dcs->count && got == 1; i++) {
        if (string_set_add(&l->visited, dcs->items[i]) < 0)
            return -1;
        page_free(&page);
        if ((got = search_dc(l, dcs->items[i], &page, &op)) < 0)
            break;
    }
    for (int hops = 0; got >= 0;) {
        if (got == 0 && !page.restart && page.nurls) {
            if (keep_urls(l, &page) < 0)
                got = -1;
            else if (op)
                op_amend(l, op, SCP_OP_DONE, "URLs queued in site-bucket order");
            break;
        }
        char *next = next_host(l, &page, got == 0 ? op : NULL);
        if (!next) {
            if (l->oom)
                got = -1;
            else if (got == 0 && op)
                op_amend(l, op, SCP_OP_DONE, "no usable SCP");
            break;
        }
        bool loop = string_set_contains(&l->visited, next);
        if (loop || ++hops > SCP_MAX_HOPS) {
            if (op)
                op_amend(l, op, SCP_OP_DONE,
                         loop ? "a pointer loop (that host was searched already): SCP gives nothing"
                              : "more than 10 pointer hops: SCP gives nothing");
            free(next);
            break;
        }
        page_free(&page);
        if (string_set_add(&l->visited, next) < 0) {
            free(next);
            got = -1;
            break;
        }
        got = search_dc(l, next, &page, &op);
        free(next);
    }
    page_free(&page);
    return got < 0 || l->oom ? -1 : 0;
}

int scp_lookup(const struct scp_context *c, struct scp_found *out)
{
    memset(out, 0, sizeof *out);
    struct lookup l = {.c = c, .out = out};
    struct string_set dcs = {0};
    int rc = first_dcs(&l, &dcs);
    if (rc == 0)
        rc = run(&l, &dcs);
    string_set_clear(&dcs);
    string_set_clear(&l.visited);
    string_set_clear(&l.fallbacks);
    return rc < 0 || l.oom ? -1 : 0;
}
