/*
 * dir_ldap: mailboxes from an LDAP directory (OpenLDAP, Active Directory), organisations
 * from a companion SQLite directory (doc/decisions.md, "SCP and LDAP").
 *
 * LDAP gives the mailboxes: an entry found by the configured filter (mail or
 * proxyAddresses, any case) is a mailbox; its primary address is the "SMTP:" proxy address
 * (else mail), its aliases the other "smtp:" ones; displayName, legacyExchangeDN and
 * targetAddress as mapped. The address's domain must be an accepted domain of the SQLite
 * directory, which gives the organisation, its Protocol sections, pods and per-mailbox
 * overrides, exactly as with SQLite mailboxes.
 *
 * Passwords are checked by a simple bind as the entry's DN over TLS, never by reading a
 * hash. password_hash returns the entry's stamp ("CHANGE-STAMP\nDN") in place of a hash,
 * so the credential cache keys on it: a changed entry (a new password) gives another key.
 *
 * Threads: see dir_ldap_pool.h (connections) and dir_ldap_cache.h (found mailboxes).
 */
#ifndef AD_DAEMON_DIR_LDAP_H
#define AD_DAEMON_DIR_LDAP_H

#include <stddef.h>

#include "dir_ldap_config.h"
#include "directory.h"

extern const struct directory_ops dir_ldap_ops;

/*
 * Opens the companion SQLite file (read-only) and prepares the LDAP pool; no LDAP
 * connection is made yet (the daemon must start while a directory server is down). cfg
 * must outlive the handle. NULL with a reason in err.
 */
void *dir_ldap_open(const struct dir_ldap_config *cfg, const char *sqlite_path, char *err,
                    size_t errlen);

#endif
