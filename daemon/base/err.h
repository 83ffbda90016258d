/* SPDX-License-Identifier: ISC */
/*
 * err.h: the one error space of coffer.
 *
 * Every function that can fail returns enum err. Each value has exactly one
 * row in err.c: HTTP status, OSS Code, Message and EC for the OSS listener,
 * and status, Code and Message for the KMS listener. Renderers (api/) turn a
 * value plus optional extras into the wire form; nothing else formats errors.
 * Internal values (ERR_IO, ERR_CONFLICT, ...) render as InternalError so a
 * leak is visible in tests instead of masquerading as a client error.
 */
#ifndef COFFER_BASE_ERR_H
#define COFFER_BASE_ERR_H

enum err {
	ERR_OK = 0,

	/* internal; never meant for a client (render as 500/503) */
	ERR_INTERNAL,
	ERR_NOMEM,
	ERR_IO,
	ERR_NO_SPACE,
	ERR_DB_BUSY,
	ERR_CORRUPT,
	ERR_NOT_FOUND,		/* generic lookup miss; callers translate */
	ERR_CONFLICT,		/* compare-and-set lost; callers translate */
	ERR_EXISTS,		/* unique constraint; callers translate */
	ERR_SHUTTING_DOWN,

	/* request syntax and limits */
	ERR_INVALID_ARGUMENT,
	ERR_INVALID_URI,
	ERR_MALFORMED_XML,
	ERR_MISSING_CONTENT_LENGTH,
	ERR_ENTITY_TOO_LARGE,
	ERR_ENTITY_TOO_SMALL,
	ERR_METHOD_NOT_ALLOWED,
	ERR_NOT_IMPLEMENTED,
	ERR_INVALID_DIGEST,
	ERR_BAD_DIGEST,
	ERR_CRC64_MISMATCH,
	ERR_INVALID_RANGE,
	ERR_PRECONDITION_FAILED,
	ERR_NOT_MODIFIED,
	ERR_INVALID_FORBID_OVERWRITE,
	ERR_INVALID_ENCRYPTION_ALGORITHM,
	ERR_INVALID_TAG,
	ERR_BAD_REQUEST,

	/* authentication */
	ERR_ACCESS_DENIED,
	ERR_ANONYMOUS_DENIED,
	ERR_REQUEST_EXPIRED,
	ERR_QUERY_AUTH_INCOMPLETE,
	ERR_EXPIRES_INVALID,
	ERR_DATE_MISSING,
	ERR_AUTH_BOTH,
	ERR_AUTH_MALFORMED,
	ERR_INVALID_ACCESS_KEY_ID,
	ERR_SIGNATURE_MISMATCH,
	ERR_SIGNATURE_MISMATCH_V4,
	ERR_TIME_SKEWED,
	ERR_V4_BAD_REGION,
	ERR_V4_BAD_PRODUCT,
	ERR_V4_BAD_DATE,
	ERR_CONTENT_SHA256_MISMATCH,
	ERR_WRONG_ENDPOINT,		/* bucket of another region */

	/* buckets */
	ERR_NO_SUCH_BUCKET,
	ERR_INVALID_BUCKET_NAME,
	ERR_TOO_MANY_BUCKETS,
	ERR_BUCKET_TAKEN,		/* 409: another account owns the name */
	ERR_BUCKET_LOCATION,		/* 409: owner, other region */
	ERR_BUCKET_STORAGE_CLASS,	/* 409: owner, other storage class */
	ERR_BUCKET_REDUNDANCY,		/* 409: owner, other redundancy type */
	ERR_BUCKET_NOT_EMPTY,		/* 409: objects remain */
	ERR_BUCKET_NOT_EMPTY_UPLOADS,	/* 409: multipart uploads remain */
	ERR_BUCKET_NOT_EMPTY_LIVE,	/* 409: LiveChannels remain */
	ERR_INVALID_STORAGE_CLASS,
	ERR_INVALID_REDUNDANCY,
	ERR_INVALID_ACL,
	ERR_CNAME_EXISTS,		/* 409 */
	ERR_CNAME_NEED_VERIFY,		/* no published, valid token */
	ERR_CNAME_TOKEN_EXPIRED,
	ERR_CNAME_TOKEN_USED,		/* a token proves ownership once */
	ERR_NO_SUCH_CNAME_TOKEN,
	ERR_NO_SUCH_CNAME,
	ERR_NO_SUCH_ENCRYPTION_RULE,
	ERR_KMS_KEY_ID_NOT_APPLICABLE,
	ERR_KMS_DATA_ENCRYPTION_INVALID,

	/* objects */
	ERR_NO_SUCH_KEY,
	ERR_NO_SUCH_VERSION,
	ERR_VERSION_ID_EMPTY,
	ERR_VERSION_ID_INVALID,
	ERR_VERSION_ID_NOT_ACCEPTED,	/* versionId on an operation without one */
	ERR_OBJECT_READ_DENIED,		/* 403: the object's own ACL */
	ERR_OBJECT_WRITE_DENIED,	/* 403: the object's own ACL */
	ERR_INVALID_OBJECT_NAME,
	ERR_FILE_EXISTS,		/* 409: forbid-overwrite, Put/Copy */
	ERR_FILE_EXISTS_MPU,		/* 409: forbid-overwrite, Complete */
	ERR_POSITION_NOT_EQUAL,		/* 409 */
	ERR_OBJECT_NOT_APPENDABLE,	/* 409 */
	ERR_APPEND_POSITION_MISSING,
	ERR_FILE_IMMUTABLE,		/* 409 */
	ERR_STALE_FILE,			/* 409 */
	ERR_RESTORE_IN_PROGRESS,	/* 409 */
	ERR_RESTORE_NOT_FINISHED,	/* 409 */
	ERR_RESTORE_FILE_STALE,		/* 409 */
	ERR_INVALID_OBJECT_STATE,
	ERR_OPERATION_NOT_SUPPORTED,
	ERR_INVALID_RESTORE_TIER,
	ERR_NO_SUCH_UPLOAD,
	ERR_INVALID_PART,
	ERR_INVALID_PART_ORDER,
	ERR_INVALID_PART_NUMBER,
	ERR_COMPLETE_ALL_WITH_BODY,
	ERR_NO_SUCH_TAG_SET,
	ERR_TOO_MANY_TAGS,
	ERR_REPEATED_TAGS,
	ERR_INVALID_COPY_SOURCE,
	ERR_COPY_SAME_NO_CHANGE,

	/* SSE-KMS as seen through OSS */
	ERR_KEY_DISABLED,		/* 409 / KMS Rejected.Disabled */
	ERR_KEY_PENDING_DELETION,	/* 409 / KMS Rejected.PendingDeletion */
	ERR_KEY_PENDING_IMPORT,		/* 409 / KMS Rejected.PendingImport */
	ERR_KEY_NOT_FOUND,		/* 404 / KMS Forbidden.KeyNotFound */
	ERR_ALIAS_NOT_FOUND,		/* 404 / KMS Forbidden.AliasNotFound */
	ERR_KEY_ID_EMPTY,
	ERR_KEY_ID_INVALID,
	ERR_KEY_STATE_MODIFIED,		/* KMS Rejected.StateModifiedFailed */

	/* WORM and inventory */
	ERR_WORM_EXISTS,		/* 409 */
	ERR_NO_SUCH_WORM,
	ERR_NO_SUCH_WORM_ID,
	ERR_WORM_LOCKED,
	ERR_INVALID_WORM,
	ERR_INVENTORY_EXISTS,		/* 409 */
	ERR_NO_SUCH_INVENTORY,
	ERR_INVENTORY_LIMIT,
	ERR_INVENTORY_INVALID,
	ERR_INVENTORY_NO_ID,
	ERR_INVENTORY_DEST_NOT_OWNED,

	/* LiveChannel */
	ERR_LIVE_CHANNEL_DISABLED,	/* 409 */
	ERR_CHANNEL_STILL_LIVE,		/* 409 */
	ERR_NO_SUCH_LIVE_CHANNEL,

	/* KMS API (kms/, api/kms_*.c): add new KMS-only rows here. */
	ERR_KMS_MISSING_PARAMETER,	/* 400 MissingParameter */
	ERR_KMS_ALIAS_EXISTS,		/* 400 AliasAlreadyExists */
	ERR_KMS_INVALID_IMPORT_TOKEN,	/* 400 InvalidImportToken */
	ERR_KMS_EXPIRED_IMPORT_TOKEN,	/* 400 ExpiredImportToken */
	ERR_KMS_INVALID_KEY_MATERIAL,	/* 400 InvalidKeyMaterial */
	ERR_KMS_UNSUPPORTED_ORIGIN,	/* 400 Unsupported.Origin */
	ERR_KMS_UNSUPPORTED_PROTECTION,	/* 400 Unsupported.ProtectionLevel */
	ERR_KMS_KEY_VERSION_NOT_FOUND,	/* 404 Forbidden.KeyVersionNotFound */
	ERR_KMS_LIMIT_EXCEEDED,		/* 400 Rejected.LimitExceeded */
	ERR_KMS_NONCE_USED,		/* 400 SignatureNonceUsed */
	ERR_KMS_THROTTLED,		/* 429 Rejected.Throttling */
	ERR_KMS_INVALID_CIPHERTEXT,	/* 400 InvalidParameter CiphertextBlob */
	ERR_KMS_DECRYPT_FAILED,		/* 400 InvalidParameter EncryptionContext */
	ERR_KMS_DELETION_PROTECTED,	/* 403 Forbidden.DeletionProtection */

	ERR__COUNT
};

struct err_info {
	int		 http;		/* OSS listener status */
	const char	*code;		/* OSS <Code> */
	const char	*msg;		/* OSS <Message>, exact wire text */
	const char	*ec;		/* OSS <EC> / x-oss-ec */
	int		 kms_http;	/* KMS listener status; 0 = use http */
	const char	*kms_code;	/* KMS "Code"; NULL = use code */
	const char	*kms_msg;	/* KMS "Message"; NULL = use msg */
};

/* Returns the row for e; never NULL (out-of-range maps to ERR_INTERNAL). */
const struct err_info *err_info(enum err e);

/* Short symbolic name for logs, e.g. "ERR_NO_SUCH_KEY". */
const char *err_name(enum err e);

#endif
