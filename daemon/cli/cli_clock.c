/* SPDX-License-Identifier: ISC */
/* cli_clock.c: `coffer clock show|advance|set`: the business clock of a
 * data dir (moving it needs a daemon started with --test-clock). */
#include <stdio.h>
#include <string.h>

#include "base/buf.h"
#include "base/str.h"
#include "cli/cli.h"
#include "codec/json.h"
#include "db/clock_db.h"

static int
clock_report(struct cli *cli, bool json)
{
	struct db_clock_state s;
	char now[TIME_ISO_BYTES], wall[TIME_ISO_BYTES];
	enum err r;

	r = db_clock_read(cli->db, &s);
	if (r != ERR_OK) {
		fprintf(stderr, "coffer: cannot read the clock: %s\n",
		    err_name(r));
		return 1;
	}
	time_fmt_iso_s(now, s.now_ms);
	time_fmt_iso_s(wall, clock_wall_ms());
	if (json) {
		struct json_writer w;
		struct buf b;

		buf_init(&b, 4096);
		json_writer_init(&w, &b);
		json_obj_open(&w, NULL);
		json_str(&w, "BusinessTime", now);
		json_i64(&w, "BusinessTimeMs", s.now_ms);
		json_str(&w, "WallTime", wall);
		json_i64(&w, "OffsetMs", s.test_mode ? s.offset_ms : 0);
		json_bool(&w, "TestClock", s.test_mode);
		json_obj_close(&w);
		if (json_writer_finish(&w) == ERR_OK)
			cli_print_json(&b);
	} else
		printf("business time: %s\nwall time:     %s\noffset:        "
		    "%+.3f s\ntest clock:    %s\n", now, wall,
		    (double)(s.test_mode ? s.offset_ms : 0) / 1000.0,
		    s.test_mode ? "on" : "off");
	return 0;
}

static int
clock_move(struct cli *cli, int64_t target)
{
	char t[TIME_ISO_BYTES];
	int64_t now = 0;
	enum err r;

	r = db_clock_set(cli->db, target, &now);
	if (r == ERR_ACCESS_DENIED) {
		fprintf(stderr, "coffer: the business clock of this data dir is "
		    "the wall clock; start cofferd with --test-clock to move it\n");
		return 1;
	}
	if (r == ERR_INVALID_ARGUMENT) {
		fprintf(stderr, "coffer: the clock only moves forward\n");
		return 1;
	}
	if (r != ERR_OK) {
		fprintf(stderr, "coffer: cannot move the clock: %s\n",
		    err_name(r));
		return 1;
	}
	time_fmt_iso_s(t, now);
	printf("business time: %s\n", t);
	return 0;
}

int
cli_clock_show(struct cli *cli, int argc, char **argv)
{
	bool json = cli_flag(&argc, argv, "--json");

	if (cli_open_db(cli) != ERR_OK)
		return 1;
	return clock_report(cli, json);
}

int
cli_clock_advance(struct cli *cli, int argc, char **argv)
{
	struct db_clock_state s;
	int64_t v;

	(void)argc;
	if (!duration_parse(argv[0], &v) || v <= 0) {
		fprintf(stderr, "coffer: bad duration '%s' (e.g. 90s, 15m, 25h, "
		    "8d, 2w)\n", argv[0]);
		return 2;
	}
	if (cli_open_kms(cli) != ERR_OK || db_clock_read(cli->db, &s) != ERR_OK)
		return 1;
	return clock_move(cli, s.now_ms + v);
}

int
cli_clock_set(struct cli *cli, int argc, char **argv)
{
	int64_t v;

	(void)argc;
	if (!time_parse_rfc3339(argv[0], &v)) {
		fprintf(stderr, "coffer: bad time '%s' (RFC 3339, e.g. "
		    "2027-01-01T00:00:00Z)\n", argv[0]);
		return 2;
	}
	/* The clock row is sealed (db/clock_db.c): writing it needs the
	 * root key. */
	if (cli_open_kms(cli) != ERR_OK)
		return 1;
	return clock_move(cli, v);
}
