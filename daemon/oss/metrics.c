/* SPDX-License-Identifier: ISC */
/*
 * metrics.c: the Prometheus text of /-/metrics, for both listeners.
 *
 * The request counters are relaxed atomics (api/reqstats.h), so recording
 * costs a few uncontended increments and no lock. The gauges read the
 * database: counts served by an index or a per-bucket table, and the
 * object aggregate no more than every METRICS_OBJECTS_TTL_US.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "oss/oss_int.h"
#include "base/log.h"
#include "base/version.h"
#include "db/stats_db.h"

enum err
metrics_init(struct oss *oss)
{
	const char **names;
	enum err r;

	names = calloc(api_nroutes + 1, sizeof(*names));
	if (names == NULL)
		return ERR_NOMEM;
	for (unsigned i = 0; i < api_nroutes; i++)
		names[i] = api_routes[i].op;
	r = reqstats_init(&oss->api->oss_stats, "oss", "op", names,
	    api_nroutes, 0, NULL);
	free(names);
	if (r == ERR_OK && pthread_mutex_init(&oss->metrics.mu, NULL) != 0) {
		reqstats_free(&oss->api->oss_stats);
		r = ERR_NOMEM;
	}
	return r;
}

void
metrics_free(struct oss *oss)
{
	reqstats_free(&oss->api->oss_stats);
	pthread_mutex_destroy(&oss->metrics.mu);
}

/* Start time in seconds since the epoch from /proc/self/stat's starttime
 * (clock ticks after boot) and /proc/stat's btime; -1 without /proc. */
static double
process_start_s(void)
{
	char buf[1024], *p;
	long long btime = -1, start;
	size_t n;
	FILE *f;

	if ((f = fopen("/proc/stat", "re")) != NULL) {
		while (fgets(buf, sizeof(buf), f) != NULL)
			if (sscanf(buf, "btime %lld", &btime) == 1)
				break;
		fclose(f);
	}
	if (btime < 0 || (f = fopen("/proc/self/stat", "re")) == NULL)
		return -1;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	/* The command name may hold spaces and parentheses: fields count
	 * from the last ')'; starttime is field 22, the 20th after it. */
	if ((p = strrchr(buf, ')')) == NULL)
		return -1;
	for (int field = 2; field < 22; field++) {
		p = strchr(p + 1, ' ');
		if (p == NULL)
			return -1;
	}
	if (sscanf(p + 1, "%lld", &start) != 1)
		return -1;
	return (double)btime + (double)start / (double)sysconf(_SC_CLK_TCK);
}

/*
 * The process gauges Prometheus client libraries export, for leak watching
 * (tests/torture/soak.sh reads them): the daemon is non-dumpable, so its
 * /proc/PID/fd is readable by root only. -1 when /proc is not there.
 */
static enum err
render_process(struct buf *b)
{
	long fds = -1, rss_kb = -1;
	struct rusage ru;
	struct dirent *e;
	double cpu = 0;
	char line[128];
	DIR *d;
	FILE *f;

	if ((d = opendir("/proc/self/fd")) != NULL) {
		fds = 0;
		while ((e = readdir(d)) != NULL)
			if (e->d_name[0] != '.')
				fds++;
		fds--;	/* the one opendir holds */
		closedir(d);
	}
	if ((f = fopen("/proc/self/status", "re")) != NULL) {
		while (fgets(line, sizeof(line), f) != NULL)
			if (sscanf(line, "VmRSS: %ld kB", &rss_kb) == 1)
				break;
		fclose(f);
	}
	if (getrusage(RUSAGE_SELF, &ru) == 0)
		cpu = (double)ru.ru_utime.tv_sec + (double)ru.ru_stime.tv_sec +
		    ((double)ru.ru_utime.tv_usec +
		    (double)ru.ru_stime.tv_usec) / 1e6;
	return buf_printf(b, "# HELP process_cpu_seconds_total User and "
	    "system CPU time spent.\n"
	    "# TYPE process_cpu_seconds_total counter\n"
	    "process_cpu_seconds_total %.6f\n"
	    "# HELP process_open_fds Open file descriptors.\n"
	    "# TYPE process_open_fds gauge\nprocess_open_fds %ld\n"
	    "# HELP process_resident_memory_bytes Resident memory size.\n"
	    "# TYPE process_resident_memory_bytes gauge\n"
	    "process_resident_memory_bytes %lld\n"
	    "# HELP process_start_time_seconds Start time since the epoch.\n"
	    "# TYPE process_start_time_seconds gauge\n"
	    "process_start_time_seconds %.2f\n", cpu, fds,
	    rss_kb < 0 ? -1LL : (long long)rss_kb * 1024, process_start_s());
}

/* The object aggregate, kept for METRICS_OBJECTS_TTL_US; under the lock
 * so that concurrent scrapes run it once. */
static enum err
objects_now(struct oss *oss, int64_t *objects, int64_t *bytes)
{
	struct metrics *m = &oss->metrics;
	int64_t now = clock_mono_us();
	enum err r = ERR_OK;

	pthread_mutex_lock(&m->mu);
	if (!m->valid || now - m->at_us >= METRICS_OBJECTS_TTL_US) {
		r = db_stats_objects(oss->api->db, &m->objects, &m->bytes);
		m->valid = r == ERR_OK;
		m->at_us = now;
	}
	*objects = m->objects;
	*bytes = m->bytes;
	pthread_mutex_unlock(&m->mu);
	return r;
}

static enum err
render_gauges(struct oss *oss, struct buf *b)
{
	struct db_stats st;
	int64_t objects, bytes;
	enum err r;

	r = db_stats_read(oss->api->db, &st);
	if (r == ERR_OK)
		r = objects_now(oss, &objects, &bytes);
	if (r != ERR_OK) {
		log_warnx("metrics: cannot read the gauges: %s", err_name(r));
		return r;
	}
	r = buf_puts(b, "# HELP coffer_kms_keys CMKs by KeyState.\n"
	    "# TYPE coffer_kms_keys gauge\n");
	for (unsigned i = 0; i < 4 && r == ERR_OK; i++)
		r = buf_printf(b, "coffer_kms_keys{state=\"%s\"} %lld\n",
		    db_stats_key_states[i], (long long)st.keys[i]);
	if (r == ERR_OK)
		r = buf_printf(b, "# HELP coffer_buckets Buckets.\n"
		    "# TYPE coffer_buckets gauge\ncoffer_buckets %lld\n"
		    "# HELP coffer_objects Objects (current versions, delete "
		    "markers not counted).\n"
		    "# TYPE coffer_objects gauge\ncoffer_objects %lld\n"
		    "# HELP coffer_stored_bytes Bytes of every object version.\n"
		    "# TYPE coffer_stored_bytes gauge\n"
		    "coffer_stored_bytes %lld\n"
		    "# HELP coffer_worm_buckets Buckets with a retention policy, "
		    "by state.\n# TYPE coffer_worm_buckets gauge\n",
		    (long long)st.buckets, (long long)objects,
		    (long long)bytes);
	for (unsigned i = 0; i < 2 && r == ERR_OK; i++)
		r = buf_printf(b, "coffer_worm_buckets{state=\"%s\"} %lld\n",
		    db_stats_worm_states[i], (long long)st.worm[i]);
	return r;
}

enum err
metrics_render(struct oss *oss, struct buf *b)
{
	struct reqstats *v[2] = { &oss->api->oss_stats, &oss->api->kms_stats };
	unsigned n = oss->api->kms_stats.names != NULL ? 2 : 1;
	enum err r;

	r = buf_printf(b, "# HELP coffer_build_info The running release and "
	    "the database schema it writes.\n"
	    "# TYPE coffer_build_info gauge\n"
	    "coffer_build_info{version=\"%s\",schema=\"%d\"} 1\n",
	    COFFER_VERSION, db_schema_latest());
	if (r == ERR_OK)
		r = reqstats_render(v, n, b);
	if (r == ERR_OK)
		r = render_gauges(oss, b);
	if (r == ERR_OK)
		r = render_process(b);
	return r;
}
