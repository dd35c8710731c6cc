/*
 * scp_journey: SCP as step 3 of a pass (PROTOCOL.md §1.3). The LDAP look-up runs when the
 * pass's candidates are queued; each LDAP operation becomes a step of method "scp" (query,
 * answers, decision, reason) and each URL found a POST candidate of method "scp".
 */
#ifndef AD_LIB_SCP_JOURNEY_H
#define AD_LIB_SCP_JOURNEY_H

struct discovery;

/* Queues the SCP URLs for d's address (nothing without a directory); counts them in *added.
 * 0, or -1 on out of memory. */
int journey_queue_scp(struct discovery *d, int *added);

#endif
