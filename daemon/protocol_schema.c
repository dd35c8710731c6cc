/* protocol_schema: the known Protocol types and element paths (see protocol_schema.h). */
#include "protocol_schema.h"

#include <stddef.h>
#include <string.h>

static const char *const known_types[] = {
    "EXCH", "EXPR", "EXHTTP", "WEB", "IMAP", "POP3", "SMTP", "mapiHttp",
    /* Service data for the other protocols, never written into an Outlook answer. */
    "MobileSync", "AutodiscoverV1",
};

/* MobileSync: the ActiveSync URL; AutodiscoverV1: the organisation's POX URL (v2 JSON). */
static const char *const url_paths[] = {"Url"};

/* The flat children of an EXCH/EXPR/EXHTTP/IMAP/POP3/SMTP Protocol. */
static const char *const flat_paths[] = {
    "TTL",
    "Server",
    "ServerDN",
    "ServerVersion",
    "MdbDN",
    "PublicFolderServer",
    "AD",
    "Port",
    "DirectoryPort",
    "ReferralPort",
    "ASUrl",
    "EwsUrl",
    "EmwsUrl",
    "SharingUrl",
    "EcpUrl",
    "EcpUrl-um",
    "EcpUrl-aggr",
    "EcpUrl-mt",
    "EcpUrl-ret",
    "EcpUrl-sms",
    "EcpUrl-publish",
    "EcpUrl-photo",
    "EcpUrl-tm",
    "EcpUrl-tmCreating",
    "EcpUrl-tmHiding",
    "EcpUrl-tmEditing",
    "EcpUrl-extinstall",
    "OOFUrl",
    "OABUrl",
    "UMUrl",
    "EwsPartnerUrl",
    "LoginName",
    "DomainRequired",
    "DomainName",
    "SPA",
    "AuthPackage",
    "CertPrincipalName",
    "SSL",
    "AuthRequired",
    "UsePOPAuth",
    "SMTPLast",
    "ServerExclusiveConnect",
    "Encryption",
    "GroupingInformation",
    "NetworkRequirements/IPv4Start",
    "NetworkRequirements/IPv4End",
    "NetworkRequirements/IPv6Start",
    "NetworkRequirements/IPv6End",
};

/* WEB: OWA URLs and the nested Protocol under Internal and External. */
static const char *const web_paths[] = {
    "TTL",
    "Internal/OWAUrl",
    "Internal/Protocol/Type",
    "Internal/Protocol/ASUrl",
    "External/OWAUrl",
    "External/Protocol/Type",
    "External/Protocol/ASUrl",
};

/* mapiHttp: the two endpoints, each internal and external. */
static const char *const mapi_http_paths[] = {
    "MailStore/InternalUrl",
    "MailStore/ExternalUrl",
    "AddressBook/InternalUrl",
    "AddressBook/ExternalUrl",
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static bool in_list(const char *const *list, size_t n, const char *s)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(list[i], s) == 0)
            return true;
    return false;
}

bool protocol_type_known(const char *type)
{
    return in_list(known_types, COUNT(known_types), type);
}

bool protocol_type_as_attribute(const char *type)
{
    return strcmp(type, "mapiHttp") == 0;
}

bool protocol_path_known(const char *type, const char *path)
{
    if (!protocol_type_known(type))
        return false;
    if (strcmp(type, "WEB") == 0)
        return in_list(web_paths, COUNT(web_paths), path);
    if (strcmp(type, "mapiHttp") == 0)
        return in_list(mapi_http_paths, COUNT(mapi_http_paths), path);
    if (!protocol_type_in_outlook(type))
        return in_list(url_paths, COUNT(url_paths), path);
    return in_list(flat_paths, COUNT(flat_paths), path);
}

bool protocol_type_in_outlook(const char *type)
{
    return strcmp(type, "MobileSync") != 0 && strcmp(type, "AutodiscoverV1") != 0;
}
