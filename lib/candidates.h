/*
 * candidates: the queue of Autodiscover URLs a discovery tries, in order. Each entry says
 * which method produced it, so excluded methods are never queued and every step of the
 * journey can name its origin. Duplicates (compared case-insensitively) are dropped, so a
 * later source (SRV, a redirect) cannot make the engine try a URL twice.
 */
#ifndef AD_LIB_CANDIDATES_H
#define AD_LIB_CANDIDATES_H

#include <stdbool.h>
#include <stddef.h>

#include "address.h"

/* Method names as the CLI's --exclude and the journey record spell them. */
struct method_info {
    const char *name;
    unsigned bit; /* the AD_METHOD_* bit, 0 for a method this version does not implement */
};
const struct method_info *method_by_name(const char *name);
const char *method_name(unsigned bit);

/* What taking a candidate means. */
enum candidate_kind {
    CANDIDATE_POST = 0, /* POST the POX request to url (https) */
    CANDIDATE_PROBE,    /* GET url over http, without anything (PROTOCOL.md §1.3 step 6) */
    CANDIDATE_SRV,      /* query url (a DNS name) for SRV and queue its targets */
    CANDIDATE_LOCALXML, /* read the answer from the file url */
    CANDIDATE_V2JSON,   /* GET the v2 JSON url (https, unauthenticated); its Url is queued */
    CANDIDATE_CAPABILITY, /* SOAP: the anonymous GET whose headers say SOAP is on (never queued) */
};

struct candidate {
    unsigned method; /* one AD_METHOD_* bit; redirect hops keep their origin's */
    enum candidate_kind kind;
    char *url;
    char *host;          /* the host the certificate must name (NULL for files and DNS) */
    bool needs_consent;  /* learnt from an unauthenticated source: the consent rule applies */
    bool untrusted;      /* the chain went through a host that needed consent */
    int hop;             /* redirects followed when this candidate was made (0: not a hop) */
    char *redirected_from; /* the URL whose redirect made it, or NULL */
};

struct candidate_queue {
    struct candidate *items;
    size_t count;
    size_t capacity;
    size_t next; /* index of the first candidate not yet taken */
};

void candidates_init(struct candidate_queue *q);
void candidates_free(struct candidate_queue *q);

/*
 * Appends https://HOST/autodiscover/autodiscover.xml for method. Returns 1 when added,
 * 0 when it was a duplicate, -1 on out of memory.
 */
int candidates_add_host(struct candidate_queue *q, unsigned method, const char *host);

/*
 * Queues the candidates derived from the address's domain (PROTOCOL.md §1.3 steps 4 and 5),
 * skipping the methods in excluded. A domain that is a public suffix gives none, and no host
 * that is a public suffix is ever built (§8 rule 2). Returns the number added, -1 on OOM.
 */
int candidates_add_domain_derived(struct candidate_queue *q, const struct address *addr,
                                  const psl_ctx_t *psl, unsigned excluded);

/*
 * Appends a copy of c (its strings are copied) unless an entry with the same kind and URL is
 * already queued. 1 added, 0 duplicate, -1 OOM.
 */
int candidates_append(struct candidate_queue *q, const struct candidate *c);
/*
 * Inserts a copy of c to be taken next, before anything queued (redirect targets, the
 * probe's Location, SRV targets: each is tried before the methods that come after its
 * source). at counts from the next candidate: 0 = next, 1 = after that, ... 0 or -1 (OOM).
 */
int candidates_insert(struct candidate_queue *q, size_t at, const struct candidate *c);

/* The next candidate to try, or NULL when the queue is exhausted. The pointer stays valid
 * until the next candidates_add_*() call (the queue may move in memory). */
const struct candidate *candidates_next(struct candidate_queue *q);

#endif
