/* selftest_http: raw requests of the self-test through libcurl (selftest_http.h). */
#include "selftest_http.h"

#include <curl/curl.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#define ST_BODY_MAX (1u << 20)

static size_t on_body(char *data, size_t size, size_t n, void *cls)
{
    struct st_response *r = cls;
    return adbuf_append(&r->body, data, size * n) < 0 ? 0 : size * n;
}

/* The value of header line "Name: value" into out when name matches. */
static void header_value(const char *line, size_t len, const char *name, char *out, size_t outlen)
{
    size_t nl = strlen(name);
    if (len <= nl + 1 || strncasecmp(line, name, nl) != 0 || line[nl] != ':')
        return;
    const char *v = line + nl + 1;
    size_t vlen = len - nl - 1;
    while (vlen && (*v == ' ' || *v == '\t'))
        v++, vlen--;
    while (vlen && (v[vlen - 1] == '\r' || v[vlen - 1] == '\n' || v[vlen - 1] == ' '))
        vlen--;
    snprintf(out, outlen, "%.*s", (int)vlen, v);
}

static size_t on_header(char *line, size_t size, size_t n, void *cls)
{
    struct st_response *r = cls;
    size_t len = size * n;
    char soap[16] = "";
    header_value(line, len, "Content-Type", r->content_type, sizeof r->content_type);
    header_value(line, len, "Location", r->location, sizeof r->location);
    header_value(line, len, "X-SOAP-Enabled", soap, sizeof soap);
    if (soap[0])
        r->soap_enabled = true;
    return len;
}

void st_request(const struct selftest_options *o, const char *method, const char *url,
                const char *body, const char *content_type, const char *basic_user,
                const char *basic_pass, struct st_response *r)
{
    memset(r, 0, sizeof *r);
    adbuf_init(&r->body, ST_BODY_MAX);
    CURL *c = curl_easy_init();
    struct curl_slist *connect_to = NULL, *headers = NULL;
    char ctype[200];
    if (!c) {
        snprintf(r->error, sizeof r->error, "out of memory");
        return;
    }
    for (size_t i = 0; i < o->nconnect_to; i++)
        connect_to = curl_slist_append(connect_to, o->connect_to[i]);
    if (content_type) {
        snprintf(ctype, sizeof ctype, "Content-Type: %s", content_type);
        headers = curl_slist_append(headers, ctype);
    }
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, o->timeout_ms > 0 ? o->timeout_ms : 10000L);
    curl_easy_setopt(c, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
    if (o->cacert)
        curl_easy_setopt(c, CURLOPT_CAINFO, o->cacert);
    if (connect_to)
        curl_easy_setopt(c, CURLOPT_CONNECT_TO, connect_to);
    if (headers)
        curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, r);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, r);
    if (strcmp(method, "POST") == 0) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body ? body : "");
    }
    if (basic_user && basic_pass) {
        curl_easy_setopt(c, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
        curl_easy_setopt(c, CURLOPT_USERNAME, basic_user);
        curl_easy_setopt(c, CURLOPT_PASSWORD, basic_pass);
    }
    char errbuf[CURL_ERROR_SIZE] = "";
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
    CURLcode rc = curl_easy_perform(c);
    if (rc == CURLE_OK)
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
    else
        snprintf(r->error, sizeof r->error, "%s", errbuf[0] ? errbuf : curl_easy_strerror(rc));
    curl_easy_cleanup(c);
    curl_slist_free_all(connect_to);
    curl_slist_free_all(headers);
}

void st_response_free(struct st_response *r)
{
    adbuf_free(&r->body);
}
