/* SPDX-License-Identifier: ISC */
/*
 * test_live.c: the publisher claims of LiveChannels (daemon/live/live_db.c)
 * as nodes sharing one database make them: one claim per channel, a
 * node's start releasing only its own, a holder silent for
 * LIVE_HOLDER_LOST_MS released by another node (its history record
 * closed) and the old holder then told its claim is gone, a heartbeat
 * keeping a claim. Wall-clock times are passed in, so no test waits.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/log.h"
#include "bucket/bucket.h"
#include "db/db.h"
#include "live/live.h"
#include "support/test_audit_mac.h"
#include "support/test_seal.h"
#include "support/test_support.h"

#define T0	1700000000000LL	/* wall clock of the first claim */

struct fixture {
	char		*dir;
	struct db	*db;
	int64_t		 bucket;
};

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct bucket want, b;
	struct live_channel ch;
	char path[512];
	bool created;

	if (f == NULL)
		return -1;
	log_set_level(LOG_LEVEL_ERR);
	f->dir = test_tmpdir("live");
	snprintf(path, sizeof(path), "%s/coffer.db", f->dir);
	if (db_open(path, &f->db) != ERR_OK || test_db_seal(f->db) != 0 ||
	    test_audit_mac_install(f->db) != 0)
		return -1;
	if (db_exec(f->db, "INSERT INTO accounts (id, account_id, name,"
	    " created_ms) VALUES (1, '1000000000000001', 'alice', 0)") != ERR_OK)
		return -1;
	memset(&want, 0, sizeof(want));
	snprintf(want.name, sizeof(want.name), "live");
	want.owner = 1;
	snprintf(want.region, sizeof(want.region), "cn-hangzhou");
	if (bucket_put(f->db, &want, 1000, 10, &created) != ERR_OK ||
	    bucket_get(f->db, "live", &b) != ERR_OK)
		return -1;
	f->bucket = b.id;
	for (int i = 0; i < 2; i++) {
		memset(&ch, 0, sizeof(ch));
		ch.bucket_id = f->bucket;
		snprintf(ch.name, sizeof(ch.name), "cam%d", i);
		ch.frag_duration = 5;
		ch.frag_count = 3;
		snprintf(ch.playlist, sizeof(ch.playlist), "playlist.m3u8");
		if (live_channel_put(f->db, &ch, 1000, "test") != ERR_OK)
			return -1;
	}
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	db_close(f->db);
	test_rmrf(f->dir);
	free(f->dir);
	free(f);
	return 0;
}

static enum err
claim(struct fixture *f, const char *channel, const char *node, int64_t wall,
    int64_t *session)
{
	struct live_channel ch;

	*session = 0;
	return live_session_claim(f->db, f->bucket, channel,
	    &(struct live_node){ node, wall }, "127.0.0.1:1", 5000, session,
	    &ch);
}

static int64_t
holder_session(struct fixture *f, const char *channel)
{
	struct live_channel ch;

	assert_int_equal(live_channel_get(f->db, f->bucket, channel, &ch),
	    ERR_OK);
	return ch.session;
}

static unsigned
release_lost(struct fixture *f, int64_t wall)
{
	unsigned n = 99;

	assert_int_equal(live_sessions_release_lost(f->db,
	    &(struct live_node){ "b", wall }, 9000, &n), ERR_OK);
	return n;
}

static void
test_one_claim_across_nodes(void **state)
{
	struct fixture *f = *state;
	int64_t sa, sb;

	assert_int_equal(claim(f, "cam0", "a", T0, &sa), ERR_OK);
	assert_true(sa != 0);
	assert_int_equal(claim(f, "cam0", "b", T0 + 1000, &sb),
	    ERR_CHANNEL_STILL_LIVE);
	/* A holder just short of lost still holds. */
	assert_int_equal(claim(f, "cam0", "b", T0 + LIVE_HOLDER_LOST_MS, &sb),
	    ERR_CHANNEL_STILL_LIVE);
	assert_int_equal(holder_session(f, "cam0"), sa);
	assert_int_equal(live_session_check(f->db, f->bucket, "cam0", sa, 0),
	    ERR_OK);
}

static void
test_start_releases_own_claims_only(void **state)
{
	struct fixture *f = *state;
	struct live_record rec[LIVE_HISTORY_MAX];
	unsigned n;
	int64_t sa, sb;

	assert_int_equal(claim(f, "cam0", "a", T0, &sa), ERR_OK);
	assert_int_equal(claim(f, "cam1", "b", T0, &sb), ERR_OK);
	assert_int_equal(live_sessions_reset(f->db,
	    &(struct live_node){ "b", T0 + 1 }, 7000), ERR_OK);
	assert_int_equal(holder_session(f, "cam0"), sa);
	assert_int_equal(holder_session(f, "cam1"), 0);
	assert_int_equal(live_history(f->db, f->bucket, "cam1", rec, &n), ERR_OK);
	assert_int_equal(n, 1);
	assert_int_equal(rec[0].end_ms, 7000);
	assert_int_equal(live_history(f->db, f->bucket, "cam0", rec, &n), ERR_OK);
	assert_int_equal(rec[0].end_ms, 0);
}

static void
test_heartbeat_keeps_a_claim(void **state)
{
	struct fixture *f = *state;
	int64_t sa, sb;

	assert_int_equal(claim(f, "cam0", "a", T0, &sa), ERR_OK);
	assert_int_equal(live_session_check(f->db, f->bucket, "cam0", sa,
	    T0 + LIVE_BEAT_MS), ERR_OK);
	assert_int_equal(release_lost(f, T0 + LIVE_HOLDER_LOST_MS + 1), 0);
	assert_int_equal(claim(f, "cam0", "b", T0 + LIVE_HOLDER_LOST_MS + 1,
	    &sb), ERR_CHANNEL_STILL_LIVE);
	assert_int_equal(holder_session(f, "cam0"), sa);
}

static void
test_lost_holder_released(void **state)
{
	struct fixture *f = *state;
	struct live_record rec[LIVE_HISTORY_MAX];
	int64_t sa, sa1, sb;
	unsigned n;

	assert_int_equal(claim(f, "cam0", "a", T0, &sa), ERR_OK);
	assert_int_equal(claim(f, "cam1", "a", T0 + 3000, &sa1), ERR_OK);
	assert_int_equal(release_lost(f, T0 + LIVE_HOLDER_LOST_MS), 0);
	/* cam0 silent for longer than lost, cam1 not yet. */
	assert_int_equal(release_lost(f, T0 + LIVE_HOLDER_LOST_MS + 1), 1);
	assert_int_equal(holder_session(f, "cam0"), 0);
	assert_int_equal(holder_session(f, "cam1"), sa1);
	assert_int_equal(live_history(f->db, f->bucket, "cam0", rec, &n), ERR_OK);
	assert_int_equal(rec[0].end_ms, 9000);
	/* The old holder learns its claim is gone: its publisher is kicked,
	 * and its heartbeat does not bring the claim back. */
	assert_int_equal(live_session_check(f->db, f->bucket, "cam0", sa,
	    T0 + 30000), ERR_NO_SUCH_LIVE_CHANNEL);
	assert_int_equal(claim(f, "cam0", "b", T0 + 30000, &sb), ERR_OK);
	assert_int_equal(live_session_check(f->db, f->bucket, "cam0", sa,
	    T0 + 30000), ERR_NO_SUCH_LIVE_CHANNEL);
	assert_int_equal(live_session_check(f->db, f->bucket, "cam0", sb,
	    T0 + 30000), ERR_OK);
	/* The old holder's end does not release the new claim. */
	assert_int_equal(live_session_end(f->db, f->bucket, "cam0", sa, 9500),
	    ERR_OK);
	assert_int_equal(holder_session(f, "cam0"), sb);
}

static void
test_claim_takes_over_a_lost_holder(void **state)
{
	struct fixture *f = *state;
	struct live_record rec[LIVE_HISTORY_MAX];
	int64_t sa, sb;
	unsigned n;

	/* Nobody swept: the claim attempt releases the lost one itself. */
	assert_int_equal(claim(f, "cam0", "a", T0, &sa), ERR_OK);
	assert_int_equal(claim(f, "cam0", "b", T0 + LIVE_HOLDER_LOST_MS + 1,
	    &sb), ERR_OK);
	assert_true(sb != sa);
	assert_int_equal(holder_session(f, "cam0"), sb);
	assert_int_equal(live_history(f->db, f->bucket, "cam0", rec, &n), ERR_OK);
	assert_int_equal(n, 2);
	assert_int_equal(rec[0].end_ms, 0);	/* b's, newest first */
	assert_int_equal(rec[1].end_ms, 5000);	/* a's, closed */
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_one_claim_across_nodes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_start_releases_own_claims_only, setup, teardown),
		cmocka_unit_test_setup_teardown(test_heartbeat_keeps_a_claim, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lost_holder_released, setup, teardown),
		cmocka_unit_test_setup_teardown(test_claim_takes_over_a_lost_holder, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
