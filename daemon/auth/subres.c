/* SPDX-License-Identifier: ISC */
/*
 * subres.c: THE table of query keys OSS gives a meaning to.
 *
 * The router and every signer read it, so a key can never be an operation
 * to one and an ignored parameter to another: that mismatch is how
 * DELETE /?overwriteConfig once fell through to DeleteBucket.
 *
 * Sources (oss-api.md §5.1): GO1 oss/conn.go signKeyList, PY1
 * _subresource_key_set and GO2 requiredSignedParametersMap (the classic
 * V1 set, SR_SIGNED), plus the sub-resources GO2's operations add on their
 * own (api_op_*.go SubResource and Parameters): GO2's V1 signer signs some
 * of those and not others, and other clients sign them all, so V1 accepts
 * both forms for them (SR_SIGNED_OPT). Query keys starting with "x-oss-"
 * are signed as well (GO2 rule) and name features unless listed below as
 * a parameter.
 *
 * SR_OPERATION: the key selects an operation. A route matches only if it
 * names every such key the request carries; when none does the answer is
 * 501 NotImplemented and nothing changes. The other keys qualify an
 * operation (versionId, position, response-*, ...).
 */
#include "auth/auth_int.h"

#include <string.h>

#include "base/str.h"

#define OP	(SR_SIGNED | SR_OPERATION)
#define OPT_OP	(SR_SIGNED_OPT | SR_OPERATION)
#define PARAM	SR_SIGNED

struct subres {
	const char	*name;
	unsigned	 flags;
};

/* Case-sensitive. Unsorted on purpose: a linear scan of ~130 short
 * strings costs less than keeping an order invariant by hand. */
static const struct subres table[] = {
	/* buckets and objects: the classic signed set */
	{ "acl", OP }, { "uploads", OP }, { "location", OP }, { "cors", OP },
	{ "logging", OP }, { "website", OP }, { "referer", OP },
	{ "lifecycle", OP }, { "delete", OP }, { "append", OP },
	{ "tagging", OP }, { "objectMeta", OP }, { "uploadId", OP },
	{ "partNumber", OP }, { "img", OP }, { "style", OP },
	{ "replication", OP }, { "replicationProgress", OP },
	{ "replicationLocation", OP }, { "cname", OP }, { "bucketInfo", OP },
	{ "comp", OP }, { "qos", OP }, { "live", OP }, { "status", OP },
	{ "vod", OP }, { "symlink", OP }, { "udf", OP }, { "udfImage", OP },
	{ "udfApplication", OP }, { "udfApplicationLog", OP },
	{ "restore", OP }, { "callback", OP }, { "callback-var", OP },
	{ "qosInfo", OP }, { "policy", OP }, { "stat", OP },
	{ "encryption", OP }, { "versions", OP }, { "versioning", OP },
	{ "requestPayment", OP }, { "inventory", OP }, { "inventoryId", OP },
	{ "asyncFetch", OP }, { "worm", OP }, { "wormId", OP },
	{ "wormExtend", OP }, { "withHashContext", OP },
	{ "transferAcceleration", OP }, { "regionList", OP },
	{ "cloudboxes", OP }, { "metaQuery", OP }, { "resourceGroup", OP },
	{ "rtc", OP }, { "responseHeader", OP }, { "objectInfo", OP },
	{ "group", OP }, { "link", OP }, { "bucketArchiveDirectRead", OP },
	{ "httpsConfig", OP }, { "redundancyTransition", OP },
	{ "accessPoint", OP }, { "accessPointPolicy", OP },
	{ "publicAccessBlock", OP }, { "objectWorm", OP }, { "retention", OP },
	{ "legalHold", OP }, { "seal", OP }, { "cleanRestoredObject", OP },

	/* operations only newer SDKs know */
	{ "accessmonitor", OPT_OP }, { "policyStatus", OPT_OP },
	{ "overwriteConfig", OPT_OP }, { "userDefinedLogFieldsConfig", OPT_OP },
	{ "regions", OPT_OP }, { "accessPointForObjectProcess", OPT_OP },
	{ "accessPointConfigForObjectProcess", OPT_OP },
	{ "accessPointPolicyForObjectProcess", OPT_OP },
	{ "dataPipeline", OPT_OP }, { "datasetConfig", OPT_OP },
	{ "tag", OPT_OP }, { "dataredundancytransition", OPT_OP },

	/* parameters of an operation */
	{ "security-token", PARAM }, { "position", PARAM },
	{ "styleName", PARAM }, { "startTime", PARAM }, { "endTime", PARAM },
	{ "response-content-type", PARAM },
	{ "response-content-language", PARAM }, { "response-expires", PARAM },
	{ "response-cache-control", PARAM },
	{ "response-content-disposition", PARAM },
	{ "response-content-encoding", PARAM }, { "udfName", PARAM },
	{ "udfId", PARAM }, { "udfImageDesc", PARAM }, { "versionId", PARAM },
	{ "sequential", PARAM }, { "continuation-token", PARAM },

	/* x-oss-* parameters; every other x-oss-* key names a feature */
	{ "x-oss-signature-version", PARAM }, { "x-oss-credential", PARAM },
	{ "x-oss-date", PARAM }, { "x-oss-expires", PARAM },
	{ "x-oss-signature", PARAM }, { "x-oss-additional-headers", PARAM },
	{ "x-oss-access-key-id", PARAM },
	{ "x-oss-security-token", PARAM }, { "x-oss-request-payer", PARAM },
	{ "x-oss-target-redundancy-type", PARAM },
	{ "x-oss-redundancy-transition-taskid", PARAM },
};

unsigned
auth_subres(const char *name)
{
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		if (strcmp(table[i].name, name) == 0)
			return table[i].flags;
	if (str_has_prefix(name, "x-oss-"))
		return SR_SIGNED | SR_OPERATION;
	return 0;
}

bool
auth_is_subresource(const char *name)
{
	return (auth_subres(name) & (SR_SIGNED | SR_SIGNED_OPT)) != 0;
}
