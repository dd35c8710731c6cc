/*
 * scp: Active Directory service connection points (PROTOCOL.md §6), the source of step 3 of
 * a pass (§1.3). Two halves: the rules (scp.c, pure: what one SCP entry means for a user in
 * a domain and a site) and the look-up (scp_lookup.c: find a DC, read the RootDSE, search,
 * follow pointers), which records one operation per LDAP request for the journey's report.
 */
#ifndef AD_LIB_SCP_H
#define AD_LIB_SCP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define SCP_GUID_URL "77378F46-2C66-4aa9-A6A6-3E7A48B19596"
#define SCP_GUID_POINTER "67661D7F-8FC4-4fa7-BFAC-E1D7794C1F68"
/* slapd has no objectCategory: objectClass works against AD and OpenLDAP alike. */
#define SCP_FILTER                                                                                 \
    "(&(objectClass=serviceConnectionPoint)(|(keywords=" SCP_GUID_POINTER                          \
    ")(keywords=" SCP_GUID_URL ")))"
#define SCP_MAX_HOPS 10 /* pointers followed (EWS Managed API AutodiscoverMaxScpHops) */
#define SCP_TARGET_MAX 512

/* What the client set (scp_config.c); strings owned. */
struct scp_settings {
    char *ldap; /* "ldap://H[:P]", "ldaps://H[:P]", "auto" or "auto:DOMAIN" (DNS SRV) */
    char *site; /* the client computer's AD site, or NULL */
    char *bind_dn;
    char *bind_password; /* wiped when freed */
    bool starttls;
};
void scp_settings_free(struct scp_settings *s);

enum scp_kind {
    SCP_KIND_URL,            /* target is an https Autodiscover URL, bucket 1..3 */
    SCP_KIND_POINTER_DOMAIN, /* a pointer for the user's domain: restart there */
    SCP_KIND_POINTER_ANY,    /* a pointer without Domain=: a fallback */
    SCP_KIND_IGNORED,        /* why says why */
};

struct scp_judgement {
    enum scp_kind kind;
    int bucket;                  /* URL SCPs: 1 my site, 2 no site, 3 another site */
    char target[SCP_TARGET_MAX]; /* the URL, or the pointer as "ldap://host[:port]" */
    const char *why;             /* static, for SCP_KIND_IGNORED */
};

/*
 * Judges one SCP from its keywords and serviceBindingInformation (NULL: none) for a user of
 * domain in site (NULL: none). GUIDs, Site= and Domain= compare case-insensitively.
 */
void scp_judge(char *const *keywords, size_t nkeywords, const char *binding, const char *site,
               const char *domain, struct scp_judgement *j);

/* One LDAP operation (or DNS SRV query) of the look-up, for the report. */
enum scp_op_end {
    SCP_OP_FAILED, /* no answer: unreachable, refused, bad bind, timeout */
    SCP_OP_DONE,   /* answered; the look-up went on as the reason says */
    SCP_OP_FOLLOW, /* answered with a pointer that was followed */
};
struct scp_op {
    char *query; /* "ldap://h:389 base=... scope=sub FILTER" */
    char **answers;
    size_t nanswers;
    char *reason;
    long elapsed_ms;
    enum scp_op_end end;
};

struct scp_found {
    char **urls; /* in bucket order, de-duplicated */
    size_t nurls;
    struct scp_op *ops;
    size_t nops;
};
void scp_found_free(struct scp_found *f);

struct scp_context {
    const struct scp_settings *settings;
    const char *cacert;              /* the client's --cacert, for ldaps:// and StartTLS */
    const char *dns_server;          /* for "auto" */
    const char *domain;              /* the user's domain */
    long timeout_ms;                 /* per operation */
    const struct timespec *deadline; /* CLOCK_MONOTONIC, or NULL */
    uint64_t *rng;                   /* SRV weighted choice */
};

/* Runs the look-up; always fills *out. 0, or -1 on out of memory. */
int scp_lookup(const struct scp_context *c, struct scp_found *out);

#endif
