/* SPDX-License-Identifier: ISC */
/*
 * health.c: the body of /-/health, which both listeners answer the same
 * (README "Health, metrics and logs").
 */
#include "api/api_int.h"
#include "base/clock.h"
#include "base/str.h"
#include "codec/json.h"
#include "db/db.h"
#include "kms/kms.h"

enum err
api_health_json(struct api *api, struct buf *b)
{
	char now[TIME_ISO_BYTES];
	struct json_writer w;

	buf_init(b, 4096);
	time_fmt_iso_ms(now, clock_now_ms(api->clock));
	json_writer_init(&w, b);
	json_obj_open(&w, NULL);
	json_str(&w, "status", kms_root_stale(api->kms) ? "stale-root-key" :
	    "ok");
	json_str(&w, "version", api->version);
	json_i64(&w, "uptime_s", (clock_wall_ms() - api->started_ms) / 1000);
	json_bool(&w, "test_clock", api->test_clock);
	json_str(&w, "business_time", now);
	json_i64(&w, "schema", db_schema_latest());
	json_obj_close(&w);
	return json_writer_finish(&w);
}

int
api_health_status(struct api *api)
{
	return kms_root_stale(api->kms) ? 503 : 200;
}
