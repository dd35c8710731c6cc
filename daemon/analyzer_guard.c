/* analyzer_guard: the analyzer's SSRF rule (analyzer_guard.h). */
#include "analyzer_guard.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

static bool v4_forbidden(uint32_t a)
{
    return (a >> 24) == 127 || (a >> 24) == 0 || (a >> 16) == 0xA9FE /* 169.254/16 */ ||
           (a >> 28) == 0xE /* multicast */ || a == 0xFFFFFFFFu;
}

bool guard_address_forbidden(const struct sockaddr *sa)
{
    if (sa->sa_family == AF_INET)
        return v4_forbidden(ntohl(((const struct sockaddr_in *)sa)->sin_addr.s_addr));
    if (sa->sa_family != AF_INET6)
        return true;
    const struct in6_addr *a = &((const struct sockaddr_in6 *)sa)->sin6_addr;
    if (IN6_IS_ADDR_V4MAPPED(a)) {
        uint32_t v4;
        memcpy(&v4, &a->s6_addr[12], 4);
        return v4_forbidden(ntohl(v4));
    }
    return IN6_IS_ADDR_LOOPBACK(a) || IN6_IS_ADDR_UNSPECIFIED(a) || IN6_IS_ADDR_LINKLOCAL(a) ||
           IN6_IS_ADDR_MULTICAST(a);
}

bool guard_host_mapped(const struct analyzer_guard *g, const char *host)
{
    for (size_t i = 0; i < g->nconnect_to; i++) {
        const char *spec = g->connect_to[i];
        size_t len = strcspn(spec, ":");
        if (len == 0 || (strlen(host) == len && strncasecmp(spec, host, len) == 0))
            return true;
    }
    return false;
}

bool guard_host_allowed(const struct analyzer_guard *g, const char *host, char *pin, size_t pinlen,
                        char *why, size_t whylen)
{
    pin[0] = '\0';
    if (guard_host_mapped(g, host))
        return true;
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *res = NULL;
    int rc = getaddrinfo(host, NULL, &hints, &res);
    if (rc != 0) {
        /* Nothing to reach: the run will say "could not resolve" in its own step. */
        return true;
    }
    bool ok = true;
    char text[INET6_ADDRSTRLEN] = "";
    for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
        if (!g->allow_local && guard_address_forbidden(ai->ai_addr)) {
            getnameinfo(ai->ai_addr, ai->ai_addrlen, text, sizeof text, NULL, 0, NI_NUMERICHOST);
            snprintf(why, whylen,
                     "%s resolves to %s, a loopback or link-local address the analyzer does not "
                     "reach (analyzer allow-local on permits it)",
                     host, text);
            ok = false;
            break;
        }
    }
    if (ok && res) {
        getnameinfo(res->ai_addr, res->ai_addrlen, text, sizeof text, NULL, 0, NI_NUMERICHOST);
        snprintf(pin, pinlen, res->ai_family == AF_INET6 ? "%s::[%s]:" : "%s::%s:", host, text);
    }
    freeaddrinfo(res);
    return ok;
}

bool guard_url_host(const char *url, char *out, size_t outlen)
{
    const char *p = strstr(url, "://");
    if (!p)
        return false;
    p += 3;
    size_t len = strcspn(p, ":/?#");
    if (len == 0 || len >= outlen || p[0] == '[')
        return false;
    for (size_t i = 0; i < len; i++)
        out[i] = (char)tolower((unsigned char)p[i]);
    out[len] = '\0';
    return true;
}
