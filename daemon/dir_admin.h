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
/* https://HOST[:PORT][/PATH], printable, no quotes: what a pod URL may be. */
bool dir_valid_pod_url(const char *url);
/* An organisation or pod name: not empty, at most 256 bytes, no '/'. */
bool dir_valid_name(const char *name);
/* A random (version 4) GUID, lower-case, into out[DIR_GUID_LEN + 1]. */
int dir_new_guid(char *out);

int dir_admin_org_add(sqlite3 *db, const char *name, const char *deployment_id, char *err,
                      size_t errlen);
int dir_admin_org_list(sqlite3 *db, FILE *out, bool json, char *err, size_t errlen);
/*
 * A tenant: an organisation served by a pod (may be NULL) and with a routing domain (may be
 * NULL) where migrated mailboxes get their cloud address; the routing domain becomes one
 * of its accepted domains.
 */
int dir_admin_tenant_add(sqlite3 *db, const char *name, const char *deployment_id, const char *pod,
                         const char *routing_domain, char *err, size_t errlen);
/* pod / routing_domain: NULL leaves it, "" clears it. */
int dir_admin_org_change(sqlite3 *db, const char *name, const char *pod,
                         const char *routing_domain, char *err, size_t errlen);
/* Refused while the organisation has domains; its Protocol sections go with it. */
int dir_admin_org_remove(sqlite3 *db, const char *name, char *err, size_t errlen);
/* Pods: where a router sends a tenant's clients (url: https://HOST[:PORT]/...). */
int dir_admin_pod_add(sqlite3 *db, const char *name, const char *url, char *err, size_t errlen);
int dir_admin_pod_change(sqlite3 *db, const char *name, const char *url, char *err, size_t errlen);
int dir_admin_pod_remove(sqlite3 *db, const char *name, char *err, size_t errlen);
int dir_admin_pod_list(sqlite3 *db, FILE *out, bool json, char *err, size_t errlen);
/* org NULL: the organisation named like the domain. A missing organisation is created. */
int dir_admin_domain_add(sqlite3 *db, const char *domain, const char *org, char *err,
                         size_t errlen);
int dir_admin_domain_list(sqlite3 *db, FILE *out, bool json, char *err, size_t errlen);
/* Refused while mailboxes use the domain. */
int dir_admin_domain_remove(sqlite3 *db, const char *domain, char *err, size_t errlen);
/* legacy_dn NULL: the Exchange-style default built from the organisation and local part. */
int dir_admin_mailbox_add(sqlite3 *db, const char *address, const char *display_name,
                          const char *legacy_dn, const char *target_address,
                          const char *password_hash, char *err, size_t errlen);
int dir_admin_mailbox_passwd(sqlite3 *db, const char *address, const char *password_hash, char *err,
                             size_t errlen);
int dir_admin_mailbox_list(sqlite3 *db, FILE *out, bool json, char *err, size_t errlen);
int dir_admin_mailbox_remove(sqlite3 *db, const char *address, char *err, size_t errlen);
/*
 * display_name NULL: unchanged; target_address NULL: unchanged, "": cleared; enabled -1:
 * unchanged, 0 disabled (the service then treats the mailbox as unknown), 1 enabled.
 */
int dir_admin_mailbox_change(sqlite3 *db, const char *address, const char *display_name,
                             const char *target_address, int enabled, char *err, size_t errlen);
/* Another address of the mailbox: lookups and Basic logins by it find the mailbox. */
int dir_admin_alias_add(sqlite3 *db, const char *address, const char *alias, char *err,
                        size_t errlen);
int dir_admin_alias_remove(sqlite3 *db, const char *address, const char *alias, char *err,
                           size_t errlen);
/*
 * What a real migration does, in one transaction: creates LOCAL@<tenant's routing domain>
 * in the tenant with the same password hash and display name and the original address as
 * an alias, and sets the original mailbox's target address to it (written into cloud).
 */
int dir_admin_migrate(sqlite3 *db, const char *address, const char *tenant, char *cloud,
                      size_t cloudlen, char *err, size_t errlen);
/* Appends a Protocol section after the organisation's existing ones. */
int dir_admin_protocol_add(sqlite3 *db, const char *org, const char *type, const char *version,
                           const struct dir_admin_field *fields, size_t nfields, char *err,
                           size_t errlen);
int dir_admin_protocol_list(sqlite3 *db, const char *org, FILE *out, char *err, size_t errlen);
int dir_admin_protocol_clear(sqlite3 *db, const char *org, char *err, size_t errlen);
/*
 * The same for an organisation (mailbox false) or a mailbox's own sections (mailbox true,
 * owner its primary address), which replace the organisation's sections of the same type in
 * that mailbox's answers. list: text, or with json an array of
 * {"position", "type", "version", "fields": [{"path", "value", "attributes"}]}.
 */
int dir_admin_protocol_add_to(sqlite3 *db, bool mailbox, const char *owner, const char *type,
                              const char *version, const struct dir_admin_field *fields,
                              size_t nfields, char *err, size_t errlen);
int dir_admin_protocol_list_of(sqlite3 *db, bool mailbox, const char *owner, FILE *out,
                               bool json, char *err, size_t errlen);
int dir_admin_protocol_clear_of(sqlite3 *db, bool mailbox, const char *owner, char *err,
                                size_t errlen);
/* One mailbox: its columns, organisation, aliases and own Protocol sections. */
int dir_admin_mailbox_show(sqlite3 *db, const char *address, FILE *out, bool json, char *err,
                           size_t errlen);
/*
 * Delegates (Exchange's FullAccess): DELEGATE may read ADDRESS's settings. Both name
 * existing mailboxes by primary address or alias; the primary addresses are stored, and a
 * row goes when either mailbox is removed. list: every pair, or ADDRESS's (NULL: all).
 */
int dir_admin_delegate_add(sqlite3 *db, const char *address, const char *delegate, char *err,
                           size_t errlen);
int dir_admin_delegate_remove(sqlite3 *db, const char *address, const char *delegate, char *err,
                              size_t errlen);
int dir_admin_delegate_list(sqlite3 *db, const char *address, FILE *out, bool json, char *err,
                            size_t errlen);

#endif
