/*
 * http_query: the raw request target, for the handlers that parse it themselves (v2 JSON).
 * libmicrohttpd percent-decodes the path and every query value leniently by default; the
 * daemon installs http_keep_raw as its unescape callback so nothing is decoded behind the
 * handlers' backs, and http_query_raw puts the query string back together in order.
 */
#ifndef AD_DAEMON_HTTP_QUERY_H
#define AD_DAEMON_HTTP_QUERY_H

#include <microhttpd.h>
#include <stddef.h>

#include "adbuf.h"

/* MHD_OPTION_UNESCAPE_CALLBACK that leaves its argument as it is. */
size_t http_keep_raw(void *cls, struct MHD_Connection *conn, char *s);
/* Appends "k1=v1&k2&k3=v3" as received. 0, or -1 when out is full or memory ran out. */
int http_query_raw(struct MHD_Connection *conn, struct adbuf *out);

#endif
