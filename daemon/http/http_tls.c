/* SPDX-License-Identifier: ISC */
/*
 * http_tls.c: the TLS credentials of a listener (certificate chain, private
 * key, optional client CA) and their renewal.
 *
 * Each load makes one generation: a GnuTLS credentials object holding the
 * chain, the key and the trust list. A new connection takes a reference to
 * the current generation when MHD announces it (connection notify, before
 * the first handshake byte is read) and installs it on its session; the
 * reference is dropped when the connection closes. http_tls_reload()
 * swaps in a new generation for the connections that follow; the old one
 * is freed when its last connection has gone, so a renewal never breaks a
 * handshake or a keep-alive connection in progress.
 *
 * The key file is read into sodium_malloc'd memory, handed to GnuTLS
 * (which keeps its own parsed copy) and wiped. Neither the key nor its
 * path's content is ever logged.
 */
#include "http/http_tls.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <sodium.h>

#include "base/log.h"
#include "base/str.h"

/* Anything larger than this is not a PEM certificate chain or key. */
#define TLS_FILE_MAX	(1024 * 1024)

struct tls_gen {
	gnutls_certificate_credentials_t	 cred;
	unsigned				 refs;	/* under tls->lock */
};

struct http_tls {
	pthread_mutex_t		 lock;
	struct tls_gen		*cur;
	bool			 verify_client;
	char			 cert_path[HTTP_TLS_PATH_MAX];
	char			 key_path[HTTP_TLS_PATH_MAX];
	char			 ca_path[HTTP_TLS_PATH_MAX];
};

/* Reads a whole file into sodium_malloc'd memory (NUL-terminated, so a
 * PEM parser may treat it as a string). */
static enum err
read_secret(const char *path, unsigned char **ret, size_t *ret_len)
{
	unsigned char *buf = NULL;
	struct stat st;
	size_t len, off = 0;
	enum err r = ERR_IO;
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return ERR_IO;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size <= 0 ||
	    st.st_size > TLS_FILE_MAX)
		goto out;
	len = (size_t)st.st_size;
	buf = sodium_malloc(len + 1);
	if (buf == NULL) {
		r = ERR_NOMEM;
		goto out;
	}
	while (off < len) {
		n = read(fd, buf + off, len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			goto out;
		off += (size_t)n;
	}
	buf[len] = '\0';
	*ret = buf;
	*ret_len = len;
	buf = NULL;
	r = ERR_OK;
out:
	if (buf != NULL)
		sodium_free(buf);	/* wipes */
	close(fd);
	return r;
}

static void
gen_free(struct tls_gen *g)
{
	if (g == NULL)
		return;
	gnutls_certificate_free_credentials(g->cred);
	free(g);
}

static enum err
gen_load(const struct http_tls *tls, struct tls_gen **ret)
{
	unsigned char *cert = NULL, *key = NULL, *ca = NULL;
	size_t cert_len, key_len, ca_len;
	gnutls_datum_t dc, dk, da;
	struct tls_gen *g;
	enum err r;
	int gr;

	g = calloc(1, sizeof(*g));
	if (g == NULL)
		return ERR_NOMEM;
	if (gnutls_certificate_allocate_credentials(&g->cred) < 0) {
		free(g);
		return ERR_NOMEM;
	}
	r = read_secret(tls->cert_path, &cert, &cert_len);
	if (r != ERR_OK) {
		log_warnx("tls: cannot read the certificate '%s'",
		    tls->cert_path);
		goto out;
	}
	r = read_secret(tls->key_path, &key, &key_len);
	if (r != ERR_OK) {
		log_warnx("tls: cannot read the private key '%s'",
		    tls->key_path);
		goto out;
	}
	dc = (gnutls_datum_t){ cert, (unsigned)cert_len };
	dk = (gnutls_datum_t){ key, (unsigned)key_len };
	gr = gnutls_certificate_set_x509_key_mem(g->cred, &dc, &dk,
	    GNUTLS_X509_FMT_PEM);
	if (gr < 0) {
		/* GnuTLS's message names the problem, never the key. */
		log_warnx("tls: certificate '%s' and key '%s' unusable: %s",
		    tls->cert_path, tls->key_path, gnutls_strerror(gr));
		r = ERR_INVALID_ARGUMENT;
		goto out;
	}
	if (tls->verify_client) {
		r = read_secret(tls->ca_path, &ca, &ca_len);
		if (r != ERR_OK) {
			log_warnx("tls: cannot read the client CA '%s'",
			    tls->ca_path);
			goto out;
		}
		da = (gnutls_datum_t){ ca, (unsigned)ca_len };
		gr = gnutls_certificate_set_x509_trust_mem(g->cred, &da,
		    GNUTLS_X509_FMT_PEM);
		if (gr <= 0) {
			log_warnx("tls: client CA '%s' holds no certificate%s%s",
			    tls->ca_path, gr < 0 ? ": " : "",
			    gr < 0 ? gnutls_strerror(gr) : "");
			r = ERR_INVALID_ARGUMENT;
			goto out;
		}
	}
	*ret = g;
	g = NULL;
	r = ERR_OK;
out:
	if (cert != NULL)
		sodium_free(cert);
	if (key != NULL)
		sodium_free(key);
	if (ca != NULL)
		sodium_free(ca);
	gen_free(g);
	return r;
}

enum err
http_tls_open(const char *cert, const char *key, const char *client_ca,
    struct http_tls **ret)
{
	struct http_tls *tls;
	enum err r;

	if (cert == NULL || key == NULL || cert[0] == '\0' || key[0] == '\0' ||
	    strlen(cert) >= HTTP_TLS_PATH_MAX ||
	    strlen(key) >= HTTP_TLS_PATH_MAX ||
	    (client_ca != NULL && strlen(client_ca) >= HTTP_TLS_PATH_MAX))
		return ERR_INVALID_ARGUMENT;
	tls = calloc(1, sizeof(*tls));
	if (tls == NULL)
		return ERR_NOMEM;
	pthread_mutex_init(&tls->lock, NULL);
	str_copy(tls->cert_path, sizeof(tls->cert_path), cert);
	str_copy(tls->key_path, sizeof(tls->key_path), key);
	if (client_ca != NULL && client_ca[0] != '\0') {
		tls->verify_client = true;
		str_copy(tls->ca_path, sizeof(tls->ca_path), client_ca);
	}
	r = gen_load(tls, &tls->cur);
	if (r != ERR_OK) {
		pthread_mutex_destroy(&tls->lock);
		free(tls);
		return r;
	}
	tls->cur->refs = 1;	/* the listener's own */
	*ret = tls;
	return ERR_OK;
}

enum err
http_tls_reload(struct http_tls *tls)
{
	struct tls_gen *g, *old;
	enum err r;

	if (tls == NULL)
		return ERR_OK;
	r = gen_load(tls, &g);
	if (r != ERR_OK)
		return r;	/* the current generation stays */
	g->refs = 1;
	pthread_mutex_lock(&tls->lock);
	old = tls->cur;
	tls->cur = g;
	if (--old->refs != 0)
		old = NULL;	/* its last connection frees it */
	pthread_mutex_unlock(&tls->lock);
	gen_free(old);
	return ERR_OK;
}

bool
http_tls_verifies_clients(const struct http_tls *tls)
{
	return tls != NULL && tls->verify_client;
}

/* Static: GnuTLS keeps the pointer until the handshake verifies. */
static gnutls_typed_vdata_st client_purpose = {
	.type = GNUTLS_DT_KEY_PURPOSE_OID,
	.data = (unsigned char *)GNUTLS_KP_TLS_WWW_CLIENT,
};

void *
http_tls_session_begin(struct http_tls *tls, void *session)
{
	gnutls_session_t s = session;
	struct tls_gen *g;

	pthread_mutex_lock(&tls->lock);
	g = tls->cur;
	g->refs++;
	pthread_mutex_unlock(&tls->lock);
	if (gnutls_credentials_set(s, GNUTLS_CRD_CERTIFICATE, g->cred) < 0) {
		http_tls_session_end(tls, g);
		return NULL;
	}
	if (tls->verify_client) {
		/* No certificate, one the CA did not sign, or one whose
		 * extended key usage leaves out TLS client authentication
		 * (a server's certificate from the same CA): the handshake
		 * fails, before a single request byte is read. */
		gnutls_certificate_server_set_request(s, GNUTLS_CERT_REQUIRE);
		gnutls_session_set_verify_cert2(s, &client_purpose, 1, 0);
	}
	return g;
}

void
http_tls_session_end(struct http_tls *tls, void *gen)
{
	struct tls_gen *g = gen;

	if (g == NULL)
		return;
	pthread_mutex_lock(&tls->lock);
	if (--g->refs != 0)
		g = NULL;
	pthread_mutex_unlock(&tls->lock);
	gen_free(g);
}

const char *
http_tls_peer_subject(void *session, struct arena *a)
{
	gnutls_session_t s = session;
	const gnutls_datum_t *certs;
	gnutls_datum_t dn = { NULL, 0 };
	gnutls_x509_crt_t crt;
	const char *ret = NULL;
	unsigned n = 0;

	if (gnutls_certificate_type_get(s) != GNUTLS_CRT_X509)
		return NULL;
	certs = gnutls_certificate_get_peers(s, &n);
	if (certs == NULL || n == 0)
		return NULL;
	if (gnutls_x509_crt_init(&crt) < 0)
		return NULL;
	/* RFC 4514 form, special characters escaped; any length. */
	if (gnutls_x509_crt_import(crt, &certs[0], GNUTLS_X509_FMT_DER) >= 0 &&
	    gnutls_x509_crt_get_dn3(crt, &dn, 0) >= 0)
		ret = arena_strndup(a, (const char *)dn.data, dn.size);
	gnutls_free(dn.data);
	gnutls_x509_crt_deinit(crt);
	return ret;
}

void
http_tls_close(struct http_tls *tls)
{
	if (tls == NULL)
		return;
	/* Every connection is closed by now (http_server_stop). */
	gen_free(tls->cur);
	pthread_mutex_destroy(&tls->lock);
	free(tls);
}
