/* SPDX-License-Identifier: ISC */
/*
 * routes.c: THE route table of the OSS listener.
 *
 * A request matches the first row whose method, level, required
 * sub-resources and required header it has, and whose sub-resources cover
 * every operation key in the query (router.c). Rows with a required header
 * come before their plain twin. The flags decide the generic checks that
 * dispatch.c runs before the handler; a handler never performs them itself.
 */
#include "api/api_int.h"

#define KiB (1024)
#define MiB (1024 * 1024)

const struct route api_routes[] = {
	/* the daemon's own endpoints (sub holds the path) */
	{ "Health", "GET", LEVEL_SERVICE, "-/health", NULL, NULL,
	    R_ANONYMOUS | R_INTERNAL, 0, NULL, h_health },
	{ "Metrics", "GET", LEVEL_SERVICE, "-/metrics", NULL, NULL,
	    R_ANONYMOUS | R_INTERNAL, 0, NULL, h_metrics },

	/* service */
	{ "ListBuckets", "GET", LEVEL_SERVICE, NULL, NULL, NULL,
	    0, 0, NULL, h_list_buckets },

	/* buckets */
	{ "PutBucketAcl", "PUT", LEVEL_BUCKET, "acl", NULL, NULL,
	    R_BUCKET | R_OWNER, 0, NULL, h_put_bucket_acl },
	{ "PutBucket", "PUT", LEVEL_BUCKET, NULL, NULL, NULL,
	    R_BODY_XML, 64 * KiB, NULL, h_put_bucket },
	{ "DeleteBucket", "DELETE", LEVEL_BUCKET, NULL, NULL, NULL,
	    R_BUCKET | R_OWNER, 0, NULL, h_delete_bucket },
	{ "GetBucketInfo", "GET", LEVEL_BUCKET, "bucketInfo", NULL, NULL,
	    R_BUCKET | R_OWNER, 0, NULL, h_get_bucket_info },
	{ "GetBucketLocation", "GET", LEVEL_BUCKET, "location", NULL, NULL,
	    R_BUCKET | R_OWNER, 0, NULL, h_get_bucket_location },
	{ "GetBucketStat", "GET", LEVEL_BUCKET, "stat", NULL, NULL,
	    R_BUCKET | R_OWNER, 0, NULL, h_get_bucket_stat },
	{ "GetBucketAcl", "GET", LEVEL_BUCKET, "acl", NULL, NULL,
	    R_BUCKET | R_OWNER, 0, NULL, h_get_bucket_acl },
	{ "DeleteMultipleObjects", "POST", LEVEL_BUCKET, "delete", NULL, NULL,
	    R_BUCKET | R_WRITE | R_BODY_XML | R_MUTATES_OBJECT, 2 * MiB, NULL,
	    h_delete_multiple },
	{ "PutBucketEncryption", "PUT", LEVEL_BUCKET, "encryption", NULL, NULL,
	    R_BUCKET | R_OWNER | R_BODY_XML, 64 * KiB, NULL,
	    h_put_bucket_encryption },
	{ "GetBucketEncryption", "GET", LEVEL_BUCKET, "encryption", NULL, NULL,
	    R_BUCKET | R_OWNER, 0, NULL, h_get_bucket_encryption },
	{ "DeleteBucketEncryption", "DELETE", LEVEL_BUCKET, "encryption", NULL,
	    NULL, R_BUCKET | R_OWNER, 0, NULL, h_delete_bucket_encryption },
	{ "ListMultipartUploads", "GET", LEVEL_BUCKET, "uploads", NULL, NULL,
	    R_BUCKET | R_READ, 0, NULL, h_list_multipart_uploads },

	/* retention (WORM) policies and inventory: api_worm.c, api_inventory.c */
	{ "InitiateBucketWorm", "POST", LEVEL_BUCKET, "worm", NULL, NULL,
	    R_BUCKET | R_OWNER | R_BODY_XML, 64 * KiB, NULL, h_initiate_worm },
	{ "AbortBucketWorm", "DELETE", LEVEL_BUCKET, "worm", NULL, NULL,
	    R_BUCKET | R_OWNER, 0, NULL, h_abort_worm },
	{ "GetBucketWorm", "GET", LEVEL_BUCKET, "worm", NULL, NULL,
	    R_BUCKET | R_OWNER, 0, NULL, h_get_worm },
	{ "ExtendBucketWorm", "POST", LEVEL_BUCKET, "wormExtend", "wormId", NULL,
	    R_BUCKET | R_OWNER | R_BODY_XML, 64 * KiB, NULL, h_extend_worm },
	{ "CompleteBucketWorm", "POST", LEVEL_BUCKET, "wormId", NULL, NULL,
	    R_BUCKET | R_OWNER, 0, NULL, h_complete_worm },
	{ "PutBucketInventory", "PUT", LEVEL_BUCKET, "inventory", "inventoryId",
	    NULL, R_BUCKET | R_OWNER | R_BODY_XML, 256 * KiB, NULL,
	    h_put_inventory },
	{ "GetBucketInventory", "GET", LEVEL_BUCKET, "inventory", "inventoryId",
	    NULL, R_BUCKET | R_OWNER, 0, NULL, h_get_inventory },
	{ "DeleteBucketInventory", "DELETE", LEVEL_BUCKET, "inventory",
	    "inventoryId", NULL, R_BUCKET | R_OWNER, 0, NULL, h_delete_inventory },
	{ "ListBucketInventory", "GET", LEVEL_BUCKET, "inventory", NULL, NULL,
	    R_BUCKET | R_OWNER, 0, NULL, h_list_inventory },

	{ "HeadBucket", "HEAD", LEVEL_BUCKET, NULL, NULL, NULL,
	    R_BUCKET | R_READ, 0, NULL, h_head_bucket },
	{ "ListObjects", "GET", LEVEL_BUCKET, NULL, NULL, NULL,
	    R_BUCKET | R_READ, 0, NULL, h_list_objects },

	/* objects */
	/* Only the owner reads or changes an ACL (oss-api-2.md §6). */
	{ "PutObjectAcl", "PUT", LEVEL_OBJECT, "acl", NULL, NULL,
	    R_BUCKET | R_OWNER | R_MUTATES_OBJECT | R_VERSION_ID, 0, NULL,
	    h_put_object_acl },
	{ "GetObjectAcl", "GET", LEVEL_OBJECT, "acl", NULL, NULL,
	    R_BUCKET | R_OWNER | R_VERSION_ID, 0, NULL, h_get_object_acl },
	{ "PutObjectTagging", "PUT", LEVEL_OBJECT, "tagging", NULL, NULL,
	    R_BUCKET | R_WRITE | R_BODY_XML | R_MUTATES_OBJECT | R_VERSION_ID,
	    64 * KiB, NULL, h_put_object_tagging },
	{ "GetObjectTagging", "GET", LEVEL_OBJECT, "tagging", NULL, NULL,
	    R_BUCKET | R_READ | R_VERSION_ID, 0, NULL, h_get_object_tagging },
	{ "DeleteObjectTagging", "DELETE", LEVEL_OBJECT, "tagging", NULL, NULL,
	    R_BUCKET | R_WRITE | R_MUTATES_OBJECT | R_VERSION_ID, 0, NULL,
	    h_delete_object_tagging },
	{ "UploadPartCopy", "PUT", LEVEL_OBJECT, "partNumber", "uploadId",
	    "x-oss-copy-source", R_BUCKET | R_WRITE, 0, NULL,
	    h_upload_part_copy },
	{ "UploadPart", "PUT", LEVEL_OBJECT, "partNumber", "uploadId", NULL,
	    R_BUCKET | R_WRITE | R_BODY_STREAM, 0, h_upload_part_begin,
	    h_upload_part },
	{ "InitiateMultipartUpload", "POST", LEVEL_OBJECT, "uploads", NULL, NULL,
	    R_BUCKET | R_WRITE, 0, NULL, h_initiate_multipart },
	{ "CompleteMultipartUpload", "POST", LEVEL_OBJECT, "uploadId", NULL,
	    NULL, R_BUCKET | R_WRITE | R_BODY_XML | R_MUTATES_OBJECT, 4 * MiB,
	    NULL, h_complete_multipart },
	{ "AbortMultipartUpload", "DELETE", LEVEL_OBJECT, "uploadId", NULL,
	    NULL, R_BUCKET | R_WRITE, 0, NULL, h_abort_multipart },
	{ "ListParts", "GET", LEVEL_OBJECT, "uploadId", NULL, NULL,
	    R_BUCKET | R_READ, 0, NULL, h_list_parts },
	{ "AppendObject", "POST", LEVEL_OBJECT, "append", NULL, NULL,
	    R_BUCKET | R_WRITE | R_BODY_STREAM | R_MUTATES_OBJECT, 0,
	    h_append_object_begin, h_append_object },
	{ "RestoreObject", "POST", LEVEL_OBJECT, "restore", NULL, NULL,
	    R_BUCKET | R_WRITE | R_BODY_XML | R_VERSION_ID, 64 * KiB, NULL,
	    h_restore_object },
	{ "CleanRestoredObject", "POST", LEVEL_OBJECT, "cleanRestoredObject",
	    NULL, NULL, R_BUCKET | R_WRITE, 0, NULL, h_clean_restored_object },
	{ "CopyObject", "PUT", LEVEL_OBJECT, NULL, NULL, "x-oss-copy-source",
	    R_BUCKET | R_WRITE | R_MUTATES_OBJECT, 0, NULL, h_copy_object },
	{ "PutObject", "PUT", LEVEL_OBJECT, NULL, NULL, NULL,
	    R_BUCKET | R_WRITE | R_BODY_STREAM | R_MUTATES_OBJECT, 0,
	    h_put_object_begin, h_put_object },
	{ "GetObjectMeta", "HEAD", LEVEL_OBJECT, "objectMeta", NULL, NULL,
	    R_BUCKET | R_READ | R_VERSION_ID, 0, NULL, h_get_object_meta },
	{ "HeadObject", "HEAD", LEVEL_OBJECT, NULL, NULL, NULL,
	    R_BUCKET | R_READ | R_VERSION_ID, 0, NULL, h_head_object },
	{ "GetObject", "GET", LEVEL_OBJECT, NULL, NULL, NULL,
	    R_BUCKET | R_READ | R_VERSION_ID, 0, NULL, h_get_object },
	{ "DeleteObject", "DELETE", LEVEL_OBJECT, NULL, NULL, NULL,
	    R_BUCKET | R_WRITE | R_MUTATES_OBJECT | R_VERSION_ID, 0, NULL,
	    h_delete_object },
};

const unsigned api_nroutes = sizeof(api_routes) / sizeof(api_routes[0]);
