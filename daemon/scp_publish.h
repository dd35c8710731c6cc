/*
 * scp_publish: "autodiscoverctl scp ..." - writes, lists and removes Autodiscover SCPs in an
 * LDAP directory (Active Directory or OpenLDAP with data/ldap/autodiscover.schema), where
 * Exchange puts them (doc/scp.md). Needs no --db.
 */
#ifndef AD_DAEMON_SCP_PUBLISH_H
#define AD_DAEMON_SCP_PUBLISH_H

/* argv[0] is the sub-command (publish, publish-pointer, list, remove). Exit status: 0 done,
 * 1 failed, 2 usage error; one line on stderr for each failure. */
int scp_publish_main(int argc, char **argv);

extern const char scp_publish_usage[];

#endif
