/* privdrop: initgroups, setgid, setuid, then proof that it worked (see privdrop.h). */
#include "privdrop.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int privdrop_to_user(const char *name, char *err, size_t errlen)
{
    errno = 0;
    const struct passwd *pw = getpwnam(name);
    if (!pw) {
        snprintf(err, errlen, "user %s: %s", name, errno ? strerror(errno) : "no such user");
        return -1;
    }
    uid_t uid = pw->pw_uid;
    gid_t gid = pw->pw_gid;
    if (uid == 0) {
        snprintf(err, errlen, "user %s: refusing to run as uid 0", name);
        return -1;
    }
    if (geteuid() != 0) {
        /* Already unprivileged (started by the service manager as that user): fine. */
        if (getuid() == uid && geteuid() == uid)
            return 0;
        snprintf(err, errlen, "user %s: must be started as root to change user", name);
        return -1;
    }
    if (initgroups(name, gid) < 0 || setgid(gid) < 0 || setuid(uid) < 0) {
        snprintf(err, errlen, "user %s: cannot drop privileges: %s", name, strerror(errno));
        return -1;
    }
    /* setuid as root changes the real, effective and saved ids; make sure of it. */
    uid_t ruid, euid, suid;
    gid_t rgid, egid, sgid;
    if (getresuid(&ruid, &euid, &suid) < 0 || getresgid(&rgid, &egid, &sgid) < 0 || ruid != uid ||
        euid != uid || suid != uid || rgid != gid || egid != gid || sgid != gid || setuid(0) == 0 ||
        seteuid(0) == 0) {
        snprintf(err, errlen, "user %s: privileges were not fully dropped", name);
        return -1;
    }
    return 0;
}
