/* tls_sni: per-listener certificates chosen by SNI (see tls_sni.h). */
#include "tls_sni.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "conn_guard.h"

#define TLS_FILE_MAX (1024 * 1024)
#define TLS_CHAIN_MAX 8 /* leaf and intermediates */

struct tls_identity {
    gnutls_pcert_st chain[TLS_CHAIN_MAX];
    unsigned nchain;
    gnutls_privkey_t key;
};

struct tls_sni_entry {
    char *name; /* lower-case host name */
    struct tls_identity id;
};

struct tls_sni {
    struct tls_identity fallback; /* the listener's default certificate */
    struct tls_sni_entry *entries;
    size_t nentries;
};

/* The whole file, NUL-terminated, into *out; 0, or -1 with a reason in err. */
static int read_pem(const char *path, gnutls_datum_t *out, char *err, size_t errlen)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    char *buf = malloc(TLS_FILE_MAX + 1);
    size_t n = buf ? fread(buf, 1, TLS_FILE_MAX + 1, f) : 0;
    bool bad = !buf || ferror(f) || n > TLS_FILE_MAX || n == 0;
    fclose(f);
    if (bad) {
        snprintf(err, errlen, "%s: %s", path,
                 !buf     ? "out of memory"
                 : n == 0 ? "empty or unreadable"
                          : "too large");
        free(buf);
        return -1;
    }
    buf[n] = '\0';
    out->data = (unsigned char *)buf;
    out->size = (unsigned)n;
    return 0;
}

static void wipe_datum(gnutls_datum_t *d)
{
    if (d->data) {
        explicit_bzero(d->data, d->size);
        free(d->data);
    }
    d->data = NULL;
    d->size = 0;
}

static void identity_free(struct tls_identity *id)
{
    for (unsigned i = 0; i < id->nchain; i++)
        gnutls_pcert_deinit(&id->chain[i]);
    id->nchain = 0;
    if (id->key)
        gnutls_privkey_deinit(id->key);
    id->key = NULL;
}

/* GnuTLS checks that the key belongs to the certificate when both go into credentials. */
static int check_pair(const gnutls_datum_t *cert, const gnutls_datum_t *key)
{
    gnutls_certificate_credentials_t cred;
    if (gnutls_certificate_allocate_credentials(&cred) < 0)
        return GNUTLS_E_MEMORY_ERROR;
    int rc = gnutls_certificate_set_x509_key_mem2(cred, cert, key, GNUTLS_X509_FMT_PEM, NULL, 0);
    gnutls_certificate_free_credentials(cred);
    return rc < 0 ? rc : 0;
}

static int identity_load(struct tls_identity *id, const char *cert_path, const char *key_path,
                         char *err, size_t errlen)
{
    gnutls_datum_t cert = {NULL, 0}, key = {NULL, 0};
    int rc = -1;
    memset(id, 0, sizeof *id);
    if (read_pem(cert_path, &cert, err, errlen) < 0 || read_pem(key_path, &key, err, errlen) < 0)
        goto out;
    int grc = check_pair(&cert, &key);
    if (grc < 0) {
        snprintf(err, errlen, "%s, %s: %s", cert_path, key_path, gnutls_strerror(grc));
        goto out;
    }
    id->nchain = TLS_CHAIN_MAX;
    grc = gnutls_pcert_list_import_x509_raw(id->chain, &id->nchain, &cert, GNUTLS_X509_FMT_PEM, 0);
    if (grc < 0) {
        id->nchain = 0;
        snprintf(err, errlen, "%s: %s", cert_path, gnutls_strerror(grc));
        goto out;
    }
    if ((grc = gnutls_privkey_init(&id->key)) < 0 ||
        (grc = gnutls_privkey_import_x509_raw(id->key, &key, GNUTLS_X509_FMT_PEM, NULL, 0)) < 0) {
        snprintf(err, errlen, "%s: %s", key_path, gnutls_strerror(grc));
        goto out;
    }
    rc = 0;
out:
    wipe_datum(&cert);
    wipe_datum(&key);
    if (rc < 0)
        identity_free(id);
    return rc;
}

void tls_sni_free(struct tls_sni *sni)
{
    if (!sni)
        return;
    identity_free(&sni->fallback);
    for (size_t i = 0; i < sni->nentries; i++) {
        identity_free(&sni->entries[i].id);
        free(sni->entries[i].name);
    }
    free(sni->entries);
    free(sni);
}

struct tls_sni *tls_sni_load(const struct config *conf, const struct config_listener *l, char *err,
                             size_t errlen)
{
    char reason[512];
    struct tls_sni *sni = calloc(1, sizeof *sni);
    if (sni && l->nhosts)
        sni->entries = calloc(l->nhosts, sizeof *sni->entries);
    if (!sni || (l->nhosts && !sni->entries)) {
        snprintf(err, errlen, "%s:%d: out of memory", conf->path, l->line);
        tls_sni_free(sni);
        return NULL;
    }
    if (identity_load(&sni->fallback, l->tls_certificate, l->tls_key, reason, sizeof reason) < 0) {
        snprintf(err, errlen, "%s:%d: %s", conf->path, l->line, reason);
        tls_sni_free(sni);
        return NULL;
    }
    for (size_t i = 0; i < l->nhosts; i++) {
        const struct config_host *h = &l->hosts[i];
        if (!h->name || !h->tls_certificate)
            continue; /* served with the listener's default certificate */
        struct tls_sni_entry *e = &sni->entries[sni->nentries];
        if (!(e->name = strdup(h->name))) {
            snprintf(err, errlen, "%s:%d: out of memory", conf->path, h->line);
            tls_sni_free(sni);
            return NULL;
        }
        sni->nentries++;
        if (identity_load(&e->id, h->tls_certificate, h->tls_key, reason, sizeof reason) < 0) {
            snprintf(err, errlen, "%s:%d: %s", conf->path, h->line, reason);
            tls_sni_free(sni);
            return NULL;
        }
    }
    return sni;
}

int tls_sni_check_files(const struct config *conf, char *err, size_t errlen)
{
    for (size_t i = 0; i < conf->nlisteners; i++) {
        if (!conf->listeners[i].tls_certificate)
            continue; /* plain HTTP */
        struct tls_sni *sni = tls_sni_load(conf, &conf->listeners[i], err, errlen);
        if (!sni)
            return -1;
        tls_sni_free(sni);
    }
    return 0;
}

static const struct tls_identity *identity_for(const struct tls_sni *sni, gnutls_session_t session)
{
    char name[256];
    size_t len = sizeof name;
    unsigned type;
    if (gnutls_server_name_get(session, name, &len, &type, 0) == 0 && type == GNUTLS_NAME_DNS) {
        name[len < sizeof name ? len : sizeof name - 1] = '\0';
        size_t n = strlen(name);
        if (n > 0 && name[n - 1] == '.')
            name[n - 1] = '\0';
        for (size_t i = 0; i < sni->nentries; i++)
            if (strcasecmp(sni->entries[i].name, name) == 0)
                return &sni->entries[i].id;
    }
    return &sni->fallback;
}

int tls_sni_pick(gnutls_session_t session, const gnutls_datum_t *req_ca_rdn, int nreqs,
                 const gnutls_pk_algorithm_t *pk_algos, int pk_algos_length,
                 gnutls_pcert_st **pcert, unsigned int *pcert_length, gnutls_privkey_t *privkey)
{
    (void)req_ca_rdn;
    (void)nreqs;
    (void)pk_algos;
    (void)pk_algos_length;
    /* libmicrohttpd stores its connection as the session pointer. */
    struct MHD_Connection *conn = gnutls_session_get_ptr(session);
    const union MHD_ConnectionInfo *info =
        conn ? MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT) : NULL;
    const struct tls_sni *sni = info ? conn_guard_listener_data(info->socket_context) : NULL;
    if (!sni)
        return -1; /* the handshake fails rather than present a wrong certificate */
    const struct tls_identity *id = identity_for(sni, session);
    /* GnuTLS neither modifies nor frees what the callback hands it. */
    *pcert = (gnutls_pcert_st *)id->chain;
    *pcert_length = id->nchain;
    *privkey = id->key;
    return 0;
}
