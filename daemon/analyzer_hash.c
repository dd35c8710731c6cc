/*
 * analyzer_hash: `autodiscoverctl hash-password [--password-file FILE]` prints the yescrypt
 * hash for the analyzer's password-hash directive (doc/analyzer.md). The password is read
 * from the file or from standard input, never from the command line.
 */
#include <stdio.h>
#include <string.h>

#include "analyzer.h"
#include "password.h"

int analyzer_hash_main(int argc, char **argv)
{
    FILE *in = stdin;
    if (argc == 2 && strcmp(argv[0], "--password-file") == 0)
        in = fopen(argv[1], "r");
    else if (argc != 0) {
        fprintf(stderr, "usage: autodiscoverctl hash-password [--password-file FILE]\n");
        return 2;
    }
    if (!in) {
        fprintf(stderr, "autodiscoverctl hash-password: cannot open %s\n", argv[1]);
        return 1;
    }
    char password[256] = "", hash[256];
    int ok = fgets(password, sizeof password, in) != NULL;
    if (in != stdin)
        fclose(in);
    password[strcspn(password, "\r\n")] = '\0';
    ok = ok && password[0] && password_hash(password, hash, sizeof hash) == 0;
    explicit_bzero(password, sizeof password);
    if (!ok) {
        fprintf(stderr, "autodiscoverctl hash-password: no password read, or hashing failed\n");
        return 1;
    }
    printf("%s\n", hash);
    return 0;
}
