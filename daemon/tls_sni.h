/*
 * tls_sni: the certificates of one HTTPS listener, chosen per connection by the name the
 * client sent in SNI. A listener has a default certificate (clients without SNI, or naming
 * none of its hosts) and optionally one per host. Everything is read and parsed when the
 * server generation is prepared, so a reload swaps whole sets: connections of the old
 * generation keep the old certificates until it is freed.
 */
#ifndef AD_DAEMON_TLS_SNI_H
#define AD_DAEMON_TLS_SNI_H

#include <stddef.h>
#include <gnutls/abstract.h>
#include <microhttpd.h>

#include "config.h"

struct tls_sni;

/* Reads the listener's certificate files. NULL with "FILE:LINE: reason" in err. */
struct tls_sni *tls_sni_load(const struct config *conf, const struct config_listener *l, char *err,
                             size_t errlen);
void tls_sni_free(struct tls_sni *sni);

/* Reads and checks (key matches certificate) every file conf names; for autodiscoverd -n. */
int tls_sni_check_files(const struct config *conf, char *err, size_t errlen);

/*
 * The libmicrohttpd MHD_OPTION_HTTPS_CERT_CALLBACK. It finds the connection's tls_sni as
 * the listener data of the connection's conn_guard (its socket context, set when the
 * connection was accepted: MHD_OPTION_NOTIFY_CONNECTION is conn_guard_notify).
 */
gnutls_certificate_retrieve_function2 tls_sni_pick;

#endif
