/*
 * The password: from --password-file, else $AUTODISCOVER_PASSWORD, else a prompt without
 * echo when standard input is a terminal. Never from argv, where other users can read it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "tool.h"

#define PASSWORD_ENV "AUTODISCOVER_PASSWORD"

/* The first line of f without its line ending; NULL at end of file or on error. */
static char *read_line(FILE *f)
{
    char *line = NULL;
    size_t size = 0;
    ssize_t n = getline(&line, &size, f);
    if (n < 0) {
        if (line)
            explicit_bzero(line, size);
        free(line);
        return NULL;
    }
    while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
        line[--n] = '\0';
    return line;
}

static int read_password_file(const char *path, char **password)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        tool_error("cannot read password file %s: %s", path, strerror(errno));
        return -1;
    }
    errno = 0;
    *password = read_line(f);
    int err = errno;
    fclose(f);
    if (!*password && err) {
        tool_error("cannot read password file %s: %s", path, strerror(err));
        return -1;
    }
    if (!*password)
        *password = strdup(""); /* an empty file holds an empty password */
    return *password ? 0 : -1;
}

static int prompt_password(const struct tool_options *opts, char **password)
{
    FILE *tty = fopen("/dev/tty", "r+");
    if (!tty)
        return 0; /* no terminal after all: go on without a password */
    struct termios saved, quiet;
    int fd = fileno(tty);
    bool echo_off = tcgetattr(fd, &saved) == 0;
    if (echo_off) {
        quiet = saved;
        quiet.c_lflag &= ~(tcflag_t)ECHO;
        tcsetattr(fd, TCSAFLUSH, &quiet);
    }
    fprintf(tty, "Password for %s: ", opts->user ? opts->user : opts->email);
    fflush(tty);
    *password = read_line(tty);
    if (echo_off)
        tcsetattr(fd, TCSAFLUSH, &saved);
    fputc('\n', tty);
    fclose(tty);
    return 0;
}

int tool_read_password(const struct tool_options *opts, char **password)
{
    *password = NULL;
    if (opts->password_file)
        return read_password_file(opts->password_file, password);
    const char *env = getenv(PASSWORD_ENV);
    if (env) {
        *password = strdup(env);
        if (!*password) {
            tool_error("out of memory");
            return -1;
        }
        return 0;
    }
    if (isatty(STDIN_FILENO))
        return prompt_password(opts, password);
    return 0;
}

void tool_free_password(char *password)
{
    if (password) {
        explicit_bzero(password, strlen(password));
        free(password);
    }
}
