/*
 * soap_settings: the GetUserSettings setting names this service knows (PROTOCOL.md §4) and
 * where each value comes from: the mailbox, a field of one of the organisation's Protocol
 * sections (PROTOCOL.md §2.3 mapping), or a constant.
 */
#ifndef AD_DAEMON_SOAP_SETTINGS_H
#define AD_DAEMON_SOAP_SETTINGS_H

#include "directory.h"
#include "pox.h"
#include "soap.h"

/* The CasVersion / ExternalEwsVersion this service reports (an Exchange 2016 CU build), and
 * the ServerVersionInfo header that goes with it. */
#define SOAP_CAS_VERSION "15.01.2507.006"
#define SOAP_SERVER_MAJOR "15"
#define SOAP_SERVER_MINOR "1"
#define SOAP_SERVER_MAJOR_BUILD "2507"
#define SOAP_SERVER_MINOR_BUILD "6"
#define SOAP_SERVER_VERSION "Exchange2015"

/*
 * Adds setting name for mb to r: the value, or a UserSettingError (InvalidSetting for an
 * unknown name, SettingIsNotAvailable for one without a value). 0, or -1 on out of memory.
 */
int soap_add_user_setting(const struct dir_mailbox *mb, const struct pox_response *org,
                          const char *name, struct soap_identity_response *r);
/* The same for GetDomainSettings (ExternalEwsUrl, ExternalEwsVersion). */
int soap_add_domain_setting(const struct pox_response *org, const char *name,
                            struct soap_identity_response *r);

#endif
