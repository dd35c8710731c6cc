/*
 * dir_transfer_csv: records as CSV (RFC 4180): one record a line, its kind first, then its
 * values in dir_rec_keys order; an empty cell is an absent optional value (a field's value
 * excepted: empty is ""). Cells with a comma, quote, CR or LF are quoted ("" for a quote);
 * lines starting with '#' are comments. Errors name the line a record starts on.
 */
#include <stdlib.h>
#include <string.h>

#include "adbuf.h"
#include "dir_transfer.h"

struct csv_writer {
    struct dir_sink sink;
    FILE *out;
};

static void write_cell(FILE *out, const char *v)
{
    if (!v)
        return;
    if (!v[strcspn(v, ",\"\r\n")]) {
        fputs(v, out);
        return;
    }
    fputc('"', out);
    for (; *v; v++) {
        if (*v == '"')
            fputc('"', out);
        fputc(*v, out);
    }
    fputc('"', out);
}

static int csv_put(struct dir_sink *sink, const struct dir_rec *rec, char *err, size_t errlen)
{
    (void)err, (void)errlen;
    struct csv_writer *w = (struct csv_writer *)sink;
    fputs(dir_rec_kind_name[rec->kind], w->out);
    for (unsigned i = 0; i < dir_rec_nvalues[rec->kind]; i++) {
        fputc(',', w->out);
        write_cell(w->out, rec->v[i]);
    }
    fputc('\n', w->out);
    return ferror(w->out) ? -1 : 0;
}

struct dir_sink *dir_csv_writer_new(FILE *out)
{
    struct csv_writer *w = calloc(1, sizeof *w);
    if (!w)
        return NULL;
    w->sink.put = csv_put;
    w->out = out;
    fputs("# autodiscover directory, CSV format 1: KIND,VALUES... (doc/autodiscoverctl.md)\n", out);
    return &w->sink;
}

void dir_csv_writer_free(struct dir_sink *sink)
{
    free(sink);
}

/* --- reading --- */

#define CSV_MAX_CELLS (DIR_REC_MAX_VALUES + 1)

struct csv_line {
    struct adbuf cells; /* the cells, each NUL-terminated */
    size_t start[CSV_MAX_CELLS];
    bool empty[CSV_MAX_CELLS];
    size_t ncells;
};

/*
 * Reads one record (which may span lines inside quotes) into line. 1 read, 0 end of file,
 * -1 malformed (err set). *lineno is advanced past it.
 */
static int read_record(FILE *in, struct csv_line *line, unsigned long *lineno, char *err,
                       size_t errlen)
{
    adbuf_reset(&line->cells);
    line->ncells = 0;
    int c = getc(in);
    if (c == EOF)
        return 0;
    bool quoted = false, cell_quoted = false;
    size_t cell_start = 0;
    for (;; c = getc(in)) {
        if (c == EOF && quoted) {
            snprintf(err, errlen, "line %lu: unterminated quoted cell", *lineno);
            return -1;
        }
        if (quoted) {
            if (c == '"') {
                int next = getc(in);
                if (next != '"') {
                    quoted = false;
                    ungetc(next, in);
                    continue;
                }
            } else if (c == '\n') {
                (*lineno)++;
            }
            char ch = (char)c;
            if (adbuf_append(&line->cells, &ch, 1) < 0)
                goto too_long;
            continue;
        }
        if (c == '"' && line->cells.len == cell_start && !cell_quoted) {
            quoted = cell_quoted = true;
            continue;
        }
        if (c == ',' || c == '\n' || c == EOF) {
            if (line->ncells == CSV_MAX_CELLS) {
                snprintf(err, errlen, "line %lu: too many cells", *lineno);
                return -1;
            }
            line->empty[line->ncells] = line->cells.len == cell_start && !cell_quoted;
            line->start[line->ncells++] = cell_start;
            char nul = '\0';
            if (adbuf_append(&line->cells, &nul, 1) < 0)
                goto too_long;
            cell_start = line->cells.len;
            cell_quoted = false;
            if (c != ',')
                return 1;
            continue;
        }
        if (c == '\r')
            continue; /* CRLF line ends */
        char ch = (char)c;
        if (adbuf_append(&line->cells, &ch, 1) < 0)
            goto too_long;
    }
too_long:
    snprintf(err, errlen, "line %lu: record too long", *lineno);
    return -1;
}

int dir_csv_read(FILE *in, const char *name, struct dir_sink *sink, char *err, size_t errlen)
{
    struct csv_line line = {0};
    adbuf_init(&line.cells, 1 << 20);
    unsigned long lineno = 1;
    int rc = 0;
    char reason[512];
    for (;;) {
        unsigned long first = lineno;
        int got = read_record(in, &line, &lineno, reason, sizeof reason);
        lineno++;
        if (got <= 0) {
            if (got < 0)
                rc = -1, snprintf(err, errlen, "%s: %s", name, reason);
            break;
        }
        const char *kind = line.cells.data;
        if (kind[0] == '#' || (line.ncells == 1 && line.empty[0]))
            continue;
        struct dir_rec rec = {.kind = DIR_REC_KINDS};
        for (int k = 0; k < DIR_REC_KINDS; k++)
            if (strcmp(kind, dir_rec_kind_name[k]) == 0)
                rec.kind = (enum dir_rec_kind)k;
        if (rec.kind == DIR_REC_KINDS) {
            snprintf(err, errlen, "%s: line %lu: unknown record kind \"%.64s\"", name, first, kind);
            rc = -1;
            break;
        }
        unsigned n = dir_rec_nvalues[rec.kind];
        if (line.ncells != n + 1) {
            snprintf(err, errlen, "%s: line %lu: a %s record has %u values, not %zu", name, first,
                     kind, n, line.ncells - 1);
            rc = -1;
            break;
        }
        for (unsigned i = 0; i < n; i++) {
            bool keep_empty = rec.kind == DIR_REC_FIELD && i == 1;
            rec.v[i] =
                line.empty[i + 1] && !keep_empty ? NULL : line.cells.data + line.start[i + 1];
        }
        if (sink->put(sink, &rec, reason, sizeof reason) < 0) {
            snprintf(err, errlen, "%s: line %lu (%s %.128s): %s", name, first, kind,
                     rec.v[0] ? rec.v[0] : "", reason);
            rc = -1;
            break;
        }
    }
    adbuf_free(&line.cells);
    return rc;
}
