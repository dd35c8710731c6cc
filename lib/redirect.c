/* redirect: target checks and visited sets; pure functions, no network. */
#include "redirect.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#define PATH_PREFIX "/autodiscover/"
#define PATH_LAST "autodiscover.xml"
#define PATH_SOAP "autodiscover.svc"

bool redirect_path_ok(const char *path)
{
    return redirect_path_ok_for(path, PATH_LAST);
}

bool redirect_path_ok_for(const char *path, const char *last_segment)
{
    size_t prefix = strlen(PATH_PREFIX), last = strlen(last_segment);
    size_t len = strcspn(path, "?#");
    if (len < prefix + last || strncasecmp(path, PATH_PREFIX, prefix) != 0)
        return false;
    if (strncasecmp(path + len - last, last_segment, last) != 0)
        return false;
    /* The middle, if any, is one or more non-empty segments each ending in '/'. */
    const char *p = path + prefix, *end = path + len - last;
    if (p > end)
        return false;
    const char *segment = p;
    for (; p < end; p++) {
        if (*p != '/')
            continue;
        if (p == segment)
            return false; /* an empty segment: "//" */
        segment = p + 1;
    }
    return segment == end;
}

/* A URL part, or NULL when absent (or on a parse failure). */
static char *url_part(CURLU *u, CURLUPart part)
{
    char *value = NULL;
    if (curl_url_get(u, part, &value, 0) != CURLUE_OK)
        return NULL;
    return value;
}

static bool soap_path_ok(const char *path)
{
    return redirect_path_ok_for(path, PATH_SOAP) || redirect_path_ok(path);
}

static const char *url_problem(const char *url, bool (*path_ok)(const char *),
                               const char *bad_path);

const char *redirect_url_problem(const char *url)
{
    return url_problem(url, redirect_path_ok, "the path is not /autodiscover/.../autodiscover.xml");
}

const char *redirect_soap_url_problem(const char *url)
{
    return url_problem(url, soap_path_ok, "the path is not /autodiscover/.../autodiscover.svc");
}

static const char *url_problem(const char *url, bool (*path_ok)(const char *),
                               const char *bad_path)
{
    if (!url || !*url)
        return "no URL";
    if (strncasecmp(url, "https://", 8) != 0)
        return "not an https URL";
    CURLU *u = curl_url();
    if (!u)
        return "out of memory";
    const char *why = NULL;
    char *host = NULL, *user = NULL, *password = NULL, *path = NULL;
    if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK) {
        why = "not a valid URL";
    } else {
        host = url_part(u, CURLUPART_HOST);
        user = url_part(u, CURLUPART_USER);
        password = url_part(u, CURLUPART_PASSWORD);
        path = url_part(u, CURLUPART_PATH);
        if (!host || !*host)
            why = "the URL has no host";
        else if (user || password)
            why = "the URL carries a user name or password";
        else if (!path || !path_ok(path))
            why = bad_path;
    }
    curl_free(host);
    curl_free(user);
    curl_free(password);
    curl_free(path);
    curl_url_cleanup(u);
    return why;
}

char *redirect_url_host(const char *url)
{
    CURLU *u = curl_url();
    char *host = NULL, *copy = NULL;
    if (u && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
        (host = url_part(u, CURLUPART_HOST)) && *host)
        copy = strdup(host);
    curl_free(host);
    curl_url_cleanup(u);
    for (char *p = copy; p && *p; p++)
        if (*p >= 'A' && *p <= 'Z')
            *p = (char)(*p - 'A' + 'a');
    return copy;
}

bool string_set_contains(const struct string_set *set, const char *s)
{
    for (size_t i = 0; i < set->count; i++)
        if (strcasecmp(set->items[i], s) == 0)
            return true;
    return false;
}

int string_set_add(struct string_set *set, const char *s)
{
    if (string_set_contains(set, s))
        return 0;
    if (set->count == set->capacity) {
        size_t capacity = set->capacity ? set->capacity * 2 : 8;
        char **items = realloc(set->items, capacity * sizeof *items);
        if (!items)
            return -1;
        set->items = items;
        set->capacity = capacity;
    }
    char *copy = strdup(s);
    if (!copy)
        return -1;
    set->items[set->count++] = copy;
    return 0;
}

void string_set_clear(struct string_set *set)
{
    for (size_t i = 0; i < set->count; i++)
        free(set->items[i]);
    free(set->items);
    memset(set, 0, sizeof *set);
}
