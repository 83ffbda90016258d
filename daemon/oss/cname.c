/* SPDX-License-Identifier: ISC */
/*
 * cname.c: custom domains of a bucket (spec oss-api.md §3.6):
 * CreateCnameToken, GetCnameToken, PutCname, ListCname, DeleteCname.
 *
 * Ownership is proved the way OSS asks for it: the bucket owner creates a
 * token and publishes it as the TXT record _dnsauth.<domain>; PutCname
 * looks the record up (dns/: the system resolver or the --cname-zone
 * file) and attaches the domain only while the token is the bucket's,
 * unused and unexpired (bucket/cname_db.c decides that in one transaction).
 * Requests whose Host is an attached domain are routed to the bucket by
 * dispatch.c; signatures still cover /bucket/key.
 */
#include <stdio.h>
#include <string.h>

#include "base/rand.h"
#include "base/str.h"
#include "codec/xml.h"
#include "dns/dns.h"
#include "oss/oss_int.h"

/* OSS: a token is valid for 72 hours. */
#define TOKEN_TTL_MS	(72LL * 3600 * 1000)
#define DNSAUTH		"_dnsauth."

static enum err
domain_arg(struct call *c, const char *d, char out[static CNAME_DOMAIN_MAX + 1])
{
	if (strlen(d) > CNAME_DOMAIN_MAX)
		goto bad;
	str_copy(out, CNAME_DOMAIN_MAX + 1, d);
	str_lower(out);
	if (cname_domain_valid(out))
		return ERR_OK;
bad:
	c->x.arg_name = "Domain";
	c->x.arg_value = d;
	return ERR_INVALID_ARGUMENT;
}

/* <BucketCnameConfiguration><Cname><Domain>d</Domain>...: the domain,
 * lower-cased into out. Certificates (HTTPS on the custom domain) need a
 * TLS listener this daemon does not have: 501, nothing stored. */
static enum err
parse_domain(struct call *c, char out[static CNAME_DOMAIN_MAX + 1])
{
	const struct xml_node *cn, *cert;
	struct xml_node *root;
	const char *d;
	enum err r;

	r = call_parse_xml(c, &root);
	if (r != ERR_OK)
		return r;
	if (strcmp(root->name, "BucketCnameConfiguration") != 0)
		return ERR_MALFORMED_XML;
	cn = xml_child(root, "Cname");
	d = cn != NULL ? xml_child_text(cn, "Domain") : NULL;
	if (d == NULL)
		return ERR_MALFORMED_XML;
	cert = xml_child(cn, "CertificateConfiguration");
	if (cert != NULL && (xml_child(cert, "CertId") != NULL ||
	    xml_child(cert, "Certificate") != NULL))
		return ERR_NOT_IMPLEMENTED;
	return domain_arg(c, d, out);
}

static enum err
token_reply(struct call *c, const struct cname_token *t)
{
	char exp[TIME_RFC1123_BYTES];
	struct xml_writer w;
	struct buf b;

	time_fmt_rfc1123(exp, t->expires_ms);
	buf_init(&b, 4096);
	xml_writer_init(&w, &b);
	xml_decl(&w);
	xml_open(&w, "CnameToken");
	xml_elem(&w, "Bucket", c->bucket.name);
	xml_elem(&w, "Cname", t->domain);
	xml_elem(&w, "Token", t->token);
	xml_elem(&w, "ExpireTime", exp);
	xml_close(&w, "CnameToken");
	return call_resp_xml(c, &w, &b);
}

/* CnameAlreadyExists names which kind of holder refused (409 page). */
static enum err
taken(struct call *c, enum err r, bool img)
{
	if (r == ERR_CNAME_EXISTS)
		c->x.cname_type = img ? "CNAME_IMG" : "CNAME_OSS";
	return r;
}

enum err
h_create_cname_token(struct call *c)
{
	char domain[CNAME_DOMAIN_MAX + 1], fresh[CNAME_TOKEN_CHARS + 1];
	unsigned char raw[CNAME_TOKEN_CHARS / 2];
	struct cname_token t;
	bool img = false;
	enum err r;

	r = parse_domain(c, domain);
	if (r != ERR_OK)
		return r;
	/* No token for a domain someone else holds. */
	r = cname_check(c->api->db, c->bucket.id, domain, &img);
	if (r == ERR_CNAME_EXISTS)
		return taken(c, r, img);
	if (r != ERR_OK && r != ERR_EXISTS)
		return r;
	rand_bytes(raw, sizeof(raw));
	hex_encode(fresh, raw, sizeof(raw));
	r = cname_token_issue(c->api->db, c->bucket.id, domain, fresh,
	    call_now(c), TOKEN_TTL_MS, &t);
	if (r != ERR_OK)
		return r;
	return token_reply(c, &t);
}

enum err
h_get_cname_token(struct call *c)
{
	char domain[CNAME_DOMAIN_MAX + 1];
	struct cname_token t;
	enum err r;

	r = domain_arg(c, call_query(c, "cname"), domain);
	if (r == ERR_OK)
		r = cname_token_get(c->api->db, c->bucket.id, domain, &t);
	if (r != ERR_OK)
		return r;
	return token_reply(c, &t);
}

enum err
h_put_cname(struct call *c)
{
	char domain[CNAME_DOMAIN_MAX + 1], name[sizeof(DNSAUTH) +
	    CNAME_DOMAIN_MAX];
	struct cname_token t;
	bool img = false, found = false;
	enum err r;

	r = parse_domain(c, domain);
	if (r != ERR_OK)
		return r;
	r = cname_check(c->api->db, c->bucket.id, domain, &img);
	if (r == ERR_EXISTS)
		goto ok;		/* attached already */
	if (r != ERR_OK)
		return taken(c, r, img);
	r = cname_token_get(c->api->db, c->bucket.id, domain, &t);
	if (r == ERR_NO_SUCH_CNAME_TOKEN)
		return ERR_CNAME_NEED_VERIFY;
	if (r != ERR_OK)
		return r;
	if (t.used)
		return ERR_CNAME_TOKEN_USED;
	if (t.expires_ms <= call_now(c))
		return ERR_CNAME_TOKEN_EXPIRED;
	/* The lookup may take a while: outside any transaction; the attach
	 * checks the token again. */
	snprintf(name, sizeof(name), DNSAUTH "%s", domain);
	r = dns_txt_has(c->api->dns, name, t.token, &found);
	if (r != ERR_OK)
		return ERR_INTERNAL;
	if (!found)
		return ERR_CNAME_NEED_VERIFY;
	r = cname_attach(c->api->db, c->bucket.id, domain, t.token,
	    call_now(c), &img);
	if (r != ERR_OK)
		return taken(c, r, img);
ok:
	call_resp_empty(c, 200);
	return ERR_OK;
}

enum err
h_delete_cname(struct call *c)
{
	char domain[CNAME_DOMAIN_MAX + 1];
	enum err r;

	r = parse_domain(c, domain);
	if (r == ERR_OK)
		r = cname_detach(c->api->db, c->bucket.id, domain);
	if (r != ERR_OK)
		return r;
	call_resp_empty(c, 200);
	return ERR_OK;
}

static void
list_one(void *ctx, const struct cname *cn)
{
	struct xml_writer *w = ctx;
	char t[TIME_ISO_BYTES];

	if (cn->img)
		return;
	time_fmt_iso_ms(t, cn->modified_ms);
	xml_open(w, "Cname");
	xml_elem(w, "Domain", cn->domain);
	xml_elem(w, "LastModified", t);
	xml_elem(w, "Status", "Enabled");
	xml_close(w, "Cname");
}

enum err
h_list_cname(struct call *c)
{
	struct xml_writer w;
	struct buf b;
	enum err r;

	buf_init(&b, 4 * 1024 * 1024);
	xml_writer_init(&w, &b);
	xml_decl(&w);
	xml_open(&w, "ListCnameResult");
	xml_elem(&w, "Bucket", c->bucket.name);
	xml_elem(&w, "Owner", c->bucket.owner_account_id);
	r = cname_list(c->api->db, c->bucket.id, list_one, &w);
	if (r != ERR_OK) {
		buf_free(&b);
		return r;
	}
	xml_close(&w, "ListCnameResult");
	return call_resp_xml(c, &w, &b);
}
