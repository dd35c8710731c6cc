/*
 * redirect: the rules a redirect target must pass before anyone talks to it (PROTOCOL.md §3,
 * §8 rule 3): https only, no credentials in the URL, a path of the form
 * /autodiscover/([^/]+/)*autodiscover.xml (case-insensitive, as the EWS Managed API checks),
 * and sets of URLs and addresses already visited, compared case-insensitively.
 */
#ifndef AD_LIB_REDIRECT_H
#define AD_LIB_REDIRECT_H

#include <stdbool.h>
#include <stddef.h>

#define REDIRECT_DEFAULT_MAX 10 /* POX docs, EWS Managed API, exchangelib (PROTOCOL.md §3) */
#define REDIRECT_MAX_MAX 100

/* NULL when url may be followed, else a static phrase saying why not ("not https"). */
const char *redirect_url_problem(const char *url);
/* The same for a SOAP target: the path may end in autodiscover.svc or autodiscover.xml. */
const char *redirect_soap_url_problem(const char *url);

/* True when path (without query) is /autodiscover/(SEGMENT/)*autodiscover.xml, any case. */
bool redirect_path_ok(const char *path);
/* The same with another last segment ("autodiscover.svc"). */
bool redirect_path_ok_for(const char *path, const char *last_segment);

/* The host of an absolute URL, in lower case; NULL if it has none or on out of memory. */
char *redirect_url_host(const char *url);

/* A small set of strings compared case-insensitively (visited URLs, visited addresses). */
struct string_set {
    char **items;
    size_t count;
    size_t capacity;
};

bool string_set_contains(const struct string_set *set, const char *s);
/* 0 when added or already present, -1 on out of memory. */
int string_set_add(struct string_set *set, const char *s);
void string_set_clear(struct string_set *set);

#endif
