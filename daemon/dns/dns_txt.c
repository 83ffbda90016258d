/* SPDX-License-Identifier: ISC */
/* dns_txt.c: see dns.h. */
#include <arpa/nameser.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <resolv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "base/log.h"
#include "base/str.h"
#include "dns/dns.h"

#define ZONE_LINE_MAX	4096
#define ZONE_RECORDS_MAX 100000

struct record {
	char	*name;		/* lower-case, no trailing dot */
	char	*value;
};

struct dns_txt {
	char		*path;		/* NULL: system resolver */
	pthread_mutex_t	 lock;
	struct record	*rec;
	size_t		 n;
	struct timespec	 mtime;		/* of the zone as last read */
	off_t		 size;
	ino_t		 ino;
};

static void
records_free(struct record *rec, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(rec[i].name);
		free(rec[i].value);
	}
	free(rec);
}

static void
name_norm(char *s)
{
	size_t n = strlen(s);

	str_lower(s);
	if (n > 0 && s[n - 1] == '.')
		s[n - 1] = '\0';
}

/* One line: "NAME TXT VALUE" (VALUE to the end of the line, quotes
 * stripped), blank, or a comment. 1: a record, 0: nothing, -1: bad. */
static int
parse_line(char *line, struct record *ret)
{
	char *name, *type, *value, *end;

	line[strcspn(line, "#\r\n")] = '\0';
	name = strtok_r(line, " \t", &end);
	if (name == NULL)
		return 0;
	type = strtok_r(NULL, " \t", &end);
	if (type == NULL || strcasecmp(type, "TXT") != 0)
		return -1;
	value = end + strspn(end, " \t");
	for (size_t n = strlen(value); n > 0 && (value[n - 1] == ' ' ||
	    value[n - 1] == '\t'); n--)
		value[n - 1] = '\0';
	if (value[0] == '"') {
		size_t n = strlen(value);

		if (n < 2 || value[n - 1] != '"')
			return -1;
		value[n - 1] = '\0';
		value++;
	}
	if (value[0] == '\0')
		return -1;
	ret->name = strdup(name);
	ret->value = strdup(value);
	if (ret->name == NULL || ret->value == NULL) {
		free(ret->name);
		free(ret->value);
		return -1;
	}
	name_norm(ret->name);
	return 1;
}

static enum err
zone_read(const char *path, struct record **ret, size_t *ret_n,
    unsigned *ret_line)
{
	struct record *rec = NULL;
	size_t n = 0, cap = 0;
	char line[ZONE_LINE_MAX];
	unsigned lineno = 0;
	FILE *f = fopen(path, "r");

	if (f == NULL)
		return ERR_IO;
	while (fgets(line, sizeof(line), f) != NULL) {
		struct record r;
		int k;

		lineno++;
		k = parse_line(line, &r);
		if (k == 0)
			continue;
		if (k < 0 || n >= ZONE_RECORDS_MAX)
			goto bad;
		if (n == cap) {
			size_t nc = cap ? cap * 2 : 16;
			struct record *nr = realloc(rec, nc * sizeof(*rec));

			if (nr == NULL) {
				free(r.name);
				free(r.value);
				goto bad;
			}
			rec = nr;
			cap = nc;
		}
		rec[n++] = r;
	}
	fclose(f);
	*ret = rec;
	*ret_n = n;
	return ERR_OK;
bad:
	fclose(f);
	records_free(rec, n);
	if (ret_line != NULL)
		*ret_line = lineno;
	return ERR_INVALID_ARGUMENT;
}

/* Re-reads the zone when the file is not the one last read. Caller holds
 * the lock. A zone that became unreadable or bad keeps the last good one
 * (logged): an editor's half-written file must not drop every record. */
static void
zone_refresh(struct dns_txt *d)
{
	struct record *rec;
	struct stat st;
	unsigned line = 0;
	size_t n;

	if (stat(d->path, &st) != 0) {
		log_warn("dns: cannot stat zone '%s'", d->path);
		return;
	}
	if (st.st_mtim.tv_sec == d->mtime.tv_sec &&
	    st.st_mtim.tv_nsec == d->mtime.tv_nsec &&
	    st.st_size == d->size && st.st_ino == d->ino)
		return;
	if (zone_read(d->path, &rec, &n, &line) != ERR_OK) {
		log_warnx("dns: zone '%s' unreadable or bad at line %u; "
		    "keeping the previous records", d->path, line);
		return;
	}
	records_free(d->rec, d->n);
	d->rec = rec;
	d->n = n;
	d->mtime = st.st_mtim;
	d->size = st.st_size;
	d->ino = st.st_ino;
}

enum err
dns_txt_open(const char *zone_file, struct dns_txt **ret, unsigned *ret_line)
{
	struct dns_txt *d = calloc(1, sizeof(*d));
	struct stat st;
	enum err r;

	if (d == NULL)
		return ERR_NOMEM;
	pthread_mutex_init(&d->lock, NULL);
	if (zone_file != NULL && zone_file[0] != '\0') {
		d->path = strdup(zone_file);
		if (d->path == NULL) {
			dns_txt_close(d);
			return ERR_NOMEM;
		}
		if (stat(zone_file, &st) != 0) {
			dns_txt_close(d);
			return ERR_IO;
		}
		r = zone_read(zone_file, &d->rec, &d->n, ret_line);
		if (r != ERR_OK) {
			dns_txt_close(d);
			return r;
		}
		d->mtime = st.st_mtim;
		d->size = st.st_size;
		d->ino = st.st_ino;
	}
	*ret = d;
	return ERR_OK;
}

void
dns_txt_close(struct dns_txt *d)
{
	if (d == NULL)
		return;
	records_free(d->rec, d->n);
	free(d->path);
	pthread_mutex_destroy(&d->lock);
	free(d);
}

static enum err
zone_has(struct dns_txt *d, const char *name, const char *value,
    bool *ret_found)
{
	*ret_found = false;
	pthread_mutex_lock(&d->lock);
	zone_refresh(d);
	for (size_t i = 0; i < d->n && !*ret_found; i++)
		*ret_found = strcmp(d->rec[i].name, name) == 0 &&
		    strcmp(d->rec[i].value, value) == 0;
	pthread_mutex_unlock(&d->lock);
	return ERR_OK;
}

/* The TXT rdata is a run of <length><bytes> strings: joined, they are the
 * record's text (RFC 7208 §3.3 reads them the same way). */
static bool
txt_equals(const unsigned char *p, size_t n, const char *value)
{
	size_t vl = strlen(value), off = 0;

	while (n > 0) {
		size_t l = p[0];

		if (l + 1 > n || off + l > vl ||
		    memcmp(p + 1, value + off, l) != 0)
			return false;
		off += l;
		p += l + 1;
		n -= l + 1;
	}
	return off == vl;
}

static enum err
resolver_has(const char *name, const char *value, bool *ret_found)
{
	unsigned char answer[8192];
	struct __res_state rs;
	ns_msg msg;
	int len, herr;

	*ret_found = false;
	memset(&rs, 0, sizeof(rs));
	if (res_ninit(&rs) != 0)
		return ERR_IO;
	len = res_nquery(&rs, name, ns_c_in, ns_t_txt, answer, sizeof(answer));
	herr = rs.res_h_errno;
	res_nclose(&rs);
	if (len < 0) {
		/* NXDOMAIN and NODATA are answers: there is no such record. */
		return herr == HOST_NOT_FOUND || herr == NO_DATA ?
		    ERR_OK : ERR_IO;
	}
	if (ns_initparse(answer, len, &msg) != 0)
		return ERR_IO;
	for (int i = 0; i < ns_msg_count(msg, ns_s_an) && !*ret_found; i++) {
		ns_rr rr;

		if (ns_parserr(&msg, ns_s_an, i, &rr) != 0)
			return ERR_IO;
		if (ns_rr_type(rr) == ns_t_txt)
			*ret_found = txt_equals(ns_rr_rdata(rr),
			    ns_rr_rdlen(rr), value);
	}
	return ERR_OK;
}

enum err
dns_txt_has(struct dns_txt *d, const char *name, const char *value,
    bool *ret_found)
{
	char norm[256];

	if (strlen(name) >= sizeof(norm))
		return ERR_INVALID_ARGUMENT;
	str_copy(norm, sizeof(norm), name);
	name_norm(norm);
	if (d->path != NULL)
		return zone_has(d, norm, value, ret_found);
	return resolver_has(norm, value, ret_found);
}
