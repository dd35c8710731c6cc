/*
 * dir_admin: writes to the SQLite directory, for autodiscoverctl. Every function returns
 * 0, or -1 with a one-line reason in err. Names are validated here, not in the caller, so
 * nothing malformed reaches the directory whatever tool writes it.
 */
#ifndef AD_DAEMON_DIR_ADMIN_H
#define AD_DAEMON_DIR_ADMIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sqlite3.h>

#define DIR_GUID_LEN 36

struct dir_admin_field {
    const char *path;
    const char *value;
    char *attributes; /* "name=value" lines separated by '\n', or NULL */
};

/* Syntax checks: a dotted host name of letters, digits and '-'; local@domain; a GUID. */
bool dir_valid_domain(const char *domain);
bool dir_valid_address(const char *address);
bool dir_valid_guid(const char *guid);
/* A random (version 4) GUID, lower-case, into out[DIR_GUID_LEN + 1]. */
int dir_new_guid(char *out);

int dir_admin_org_add(sqlite3 *db, const char *name, const char *deployment_id, char *err,
                      size_t errlen);
int dir_admin_org_list(sqlite3 *db, FILE *out, char *err, size_t errlen);
/* org NULL: the organisation named like the domain. A missing organisation is created. */
int dir_admin_domain_add(sqlite3 *db, const char *domain, const char *org, char *err,
                         size_t errlen);
int dir_admin_domain_list(sqlite3 *db, FILE *out, char *err, size_t errlen);
/* legacy_dn NULL: the Exchange-style default built from the organisation and local part. */
int dir_admin_mailbox_add(sqlite3 *db, const char *address, const char *display_name,
                          const char *legacy_dn, const char *target_address,
                          const char *password_hash, char *err, size_t errlen);
int dir_admin_mailbox_passwd(sqlite3 *db, const char *address, const char *password_hash, char *err,
                             size_t errlen);
int dir_admin_mailbox_list(sqlite3 *db, FILE *out, char *err, size_t errlen);
/* Appends a Protocol section after the organisation's existing ones. */
int dir_admin_protocol_add(sqlite3 *db, const char *org, const char *type, const char *version,
                           const struct dir_admin_field *fields, size_t nfields, char *err,
                           size_t errlen);
int dir_admin_protocol_list(sqlite3 *db, const char *org, FILE *out, char *err, size_t errlen);
int dir_admin_protocol_clear(sqlite3 *db, const char *org, char *err, size_t errlen);

#endif
