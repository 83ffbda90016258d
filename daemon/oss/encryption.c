/* SPDX-License-Identifier: ISC */
/*
 * encryption.c: bucket default encryption (spec oss-api.md §3.10).
 * The rule applies to uploads that carry no SSE header (object_ops.c).
 */
#include <string.h>

#include "oss/oss_int.h"
#include "codec/xml.h"

enum err
h_put_bucket_encryption(struct call *c)
{
	const struct xml_node *def;
	struct xml_node *root;
	const char *alg, *kid, *data;
	enum err r;

	r = call_parse_xml(c, &root);
	if (r != ERR_OK)
		return r;
	if (strcmp(root->name, "ServerSideEncryptionRule") != 0)
		return ERR_MALFORMED_XML;
	def = xml_child(root, "ApplyServerSideEncryptionByDefault");
	if (def == NULL)
		return ERR_MALFORMED_XML;
	alg = xml_child_text(def, "SSEAlgorithm");
	kid = xml_child_text(def, "KMSMasterKeyID");
	data = xml_child_text(def, "KMSDataEncryption");
	if (alg == NULL || (strcmp(alg, "AES256") != 0 &&
	    strcmp(alg, "KMS") != 0 && strcmp(alg, "SM4") != 0))
		return ERR_INVALID_ENCRYPTION_ALGORITHM;
	if (kid != NULL && kid[0] != '\0' && strcmp(alg, "KMS") != 0)
		return ERR_KMS_KEY_ID_NOT_APPLICABLE;
	if (data != NULL && data[0] != '\0' && strcmp(data, "SM4") != 0)
		return ERR_KMS_DATA_ENCRYPTION_INVALID;
	/* SM4 needs a cipher libsodium does not have; say so rather than
	 * store data under a different algorithm than the one promised. */
	if (strcmp(alg, "SM4") == 0 || (data != NULL && data[0] != '\0'))
		return ERR_NOT_IMPLEMENTED;
	r = bucket_set_encryption(c->api->db, c->bucket.id, alg,
	    kid ? kid : "", "");
	if (r != ERR_OK)
		return r;
	call_resp_empty(c, 200);
	return ERR_OK;
}

enum err
h_get_bucket_encryption(struct call *c)
{
	const struct bucket *b = &c->bucket;
	struct xml_writer w;
	struct buf buf;
	enum err r;

	if (b->sse_algorithm[0] == '\0')
		return ERR_NO_SUCH_ENCRYPTION_RULE;
	buf_init(&buf, 4096);
	xml_writer_init(&w, &buf);
	xml_decl(&w);
	xml_open(&w, "ServerSideEncryptionRule");
	xml_open(&w, "ApplyServerSideEncryptionByDefault");
	xml_elem(&w, "SSEAlgorithm", b->sse_algorithm);
	if (b->sse_kms_key_id[0] != '\0')
		xml_elem(&w, "KMSMasterKeyID", b->sse_kms_key_id);
	if (b->sse_data_enc[0] != '\0')
		xml_elem(&w, "KMSDataEncryption", b->sse_data_enc);
	xml_close(&w, "ApplyServerSideEncryptionByDefault");
	xml_close(&w, "ServerSideEncryptionRule");
	r = xml_writer_finish(&w);
	if (r != ERR_OK)
		return r;
	call_resp_buf(c, 200, "application/xml", &buf);
	return ERR_OK;
}

enum err
h_delete_bucket_encryption(struct call *c)
{
	enum err r = bucket_set_encryption(c->api->db, c->bucket.id, "", "", "");

	if (r != ERR_OK)
		return r;
	call_resp_empty(c, 204);
	return ERR_OK;
}
