/*
 * Consent for a host learnt from the port-80 probe or DNS SRV (PROTOCOL.md §8 rule 4): a
 * y/N question on the terminal when standard input is one; otherwise no. Hosts given with
 * --allow-redirect never get here: the library allows them itself.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "tool.h"

int tool_consent(void *user_data, const char *email, const char *url, const char *why)
{
    (void)user_data;
    if (!isatty(STDIN_FILENO))
        return 0;
    FILE *tty = fopen("/dev/tty", "r+");
    if (!tty)
        return 0;
    fprintf(tty,
            "Autodiscover for %s wants to send your request to\n  %s\n(%s).\n"
            "Allow this server to configure your settings? [y/N] ",
            email, url, why);
    fflush(tty);
    char answer[16] = "";
    int allowed = fgets(answer, sizeof answer, tty) && (answer[0] == 'y' || answer[0] == 'Y');
    fclose(tty);
    return allowed;
}
