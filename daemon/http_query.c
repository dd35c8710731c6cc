/* http_query: the raw query string from libmicrohttpd (see http_query.h). */
#include "http_query.h"

#include <stdbool.h>
#include <string.h>

size_t http_keep_raw(void *cls, struct MHD_Connection *conn, char *s)
{
    (void)cls;
    (void)conn;
    return strlen(s);
}

struct query_state {
    struct adbuf *out;
    bool first;
    bool failed;
};

static enum MHD_Result add_argument(void *cls, enum MHD_ValueKind kind, const char *key,
                                    const char *value)
{
    (void)kind;
    struct query_state *st = cls;
    if ((!st->first && adbuf_puts(st->out, "&") < 0) || adbuf_puts(st->out, key) < 0 ||
        (value && (adbuf_puts(st->out, "=") < 0 || adbuf_puts(st->out, value) < 0))) {
        st->failed = true;
        return MHD_NO;
    }
    st->first = false;
    return MHD_YES;
}

int http_query_raw(struct MHD_Connection *conn, struct adbuf *out)
{
    struct query_state st = {out, true, false};
    MHD_get_connection_values(conn, MHD_GET_ARGUMENT_KIND, add_argument, &st);
    return st.failed ? -1 : 0;
}
