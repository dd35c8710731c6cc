/*
 * protocol_schema: which Protocol types and field paths autodiscoverctl accepts
 * (PROTOCOL.md §2.3). Paths name elements below <Protocol>, '/' between levels:
 * "EwsUrl", "Internal/OWAUrl", "External/Protocol/ASUrl", "MailStore/InternalUrl".
 */
#ifndef AD_DAEMON_PROTOCOL_SCHEMA_H
#define AD_DAEMON_PROTOCOL_SCHEMA_H

#include <stdbool.h>

/* true for EXCH EXPR EXHTTP WEB IMAP POP3 SMTP mapiHttp MobileSync AutodiscoverV1 (exact). */
bool protocol_type_known(const char *type);
/* mapiHttp is written <Protocol Type="mapiHttp" Version="1">. */
bool protocol_type_as_attribute(const char *type);
/* true when path is a known element for a Protocol of this type. */
bool protocol_path_known(const char *type, const char *path);
/*
 * false for the service-data types MobileSync and AutodiscoverV1 (field Url): they feed the
 * mobilesync and v2 JSON answers and are never written into an Outlook POX answer.
 */
bool protocol_type_in_outlook(const char *type);

#endif
