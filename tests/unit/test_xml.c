/* SPDX-License-Identifier: ISC */
/*
 * test_xml.c: unit tests for codec/xml.h, the OSS body writer and reader.
 *
 * The writer is checked byte for byte, because SDKs parse our responses and
 * golden files compare them; the reader is checked on the real OSS request
 * shapes, on its limits, and on the hostile inputs (DTDs, entities) it must
 * refuse. Every escape the writer makes is also fed back through the reader
 * to prove the output is well-formed and round-trips.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "codec/xml.h"

#define ARENA_CAP	((size_t)64 << 20)
#define DECL		"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"

/* Finishes w and checks the exact bytes written. */
static void
expect_doc(struct xml_writer *w, struct buf *b, const char *want)
{
	assert_int_equal(xml_writer_finish(w), ERR_OK);
	assert_int_equal(b->len, strlen(want));
	assert_memory_equal(buf_cstr(b), want, strlen(want));
}

/* <K>text[0..n)</K> must be written as want_elem and parse back to exactly
 * text[0..n). */
static void
roundtrip(const char *text, size_t n, const char *want_elem)
{
	struct xml_writer w;
	struct xml_node *root = NULL;
	struct arena a;
	struct buf b;

	buf_init(&b, 1 << 20);
	xml_writer_init(&w, &b);
	xml_elem_n(&w, "K", text, n);
	assert_int_equal(xml_writer_finish(&w), ERR_OK);
	assert_string_equal(buf_cstr(&b), want_elem);

	arena_init(&a, ARENA_CAP);
	assert_int_equal(xml_parse(&a, b.data, b.len, NULL, &root), ERR_OK);
	assert_non_null(root);
	assert_string_equal(root->name, "K");
	assert_int_equal(root->text_len, n);
	assert_memory_equal(root->text, text, n);
	arena_free(&a);
	buf_free(&b);
}

static enum err
parse_str(struct arena *a, const char *s, const struct xml_limits *lim,
    struct xml_node **ret)
{
	return xml_parse(a, s, strlen(s), lim, ret);
}

/* A parse that must fail with want and leave *ret_root alone. */
static void
expect_parse_err(const char *s, size_t n, const struct xml_limits *lim,
    enum err want)
{
	struct xml_node sentinel, *root = &sentinel;
	struct arena a;

	arena_init(&a, ARENA_CAP);
	assert_int_equal(xml_parse(&a, s, n, lim, &root), want);
	assert_ptr_equal(root, &sentinel);
	arena_free(&a);
}

static void
expect_malformed(const char *s)
{
	expect_parse_err(s, strlen(s), NULL, ERR_MALFORMED_XML);
}

/* --- writer --- */

static void
test_writer_error_doc(void **state)
{
	struct xml_writer w;
	struct buf b;

	(void)state;
	buf_init(&b, 4096);
	xml_writer_init(&w, &b);
	xml_decl(&w);
	xml_open(&w, "Error");
	xml_elem(&w, "Code", "NoSuchKey");
	xml_close(&w, "Error");
	expect_doc(&w, &b, DECL "<Error><Code>NoSuchKey</Code></Error>");
	buf_free(&b);
}

static void
test_writer_values(void **state)
{
	struct xml_writer w;
	struct buf b;

	(void)state;
	buf_init(&b, 4096);
	xml_writer_init(&w, &b);
	xml_open(&w, "R");
	xml_elem_u64(&w, "U", UINT64_MAX);
	xml_elem_i64(&w, "I", INT64_MIN);
	xml_elem_i64(&w, "Z", 0);
	xml_elem_bool(&w, "T", 1);
	xml_elem_bool(&w, "F", 0);
	xml_elem(&w, "N", NULL);
	xml_elem(&w, "E", "");
	xml_elem_n(&w, "P", "abcdef", 3);
	xml_elemf(&w, "X", "%s-%d", "<a&b>", 42);
	xml_open(&w, "SSE-KMS");
	xml_text(&w, "t1", 2);
	xml_text(&w, "&", 1);
	xml_close(&w, "SSE-KMS");
	xml_close(&w, "R");
	expect_doc(&w, &b,
	    "<R><U>18446744073709551615</U><I>-9223372036854775808</I>"
	    "<Z>0</Z><T>true</T><F>false</F><N></N><E></E><P>abc</P>"
	    "<X>&lt;a&amp;b&gt;-42</X><SSE-KMS>t1&amp;</SSE-KMS></R>");
	buf_free(&b);
}

static void
test_writer_escape_roundtrip(void **state)
{
	static const char key[] = "a&b<c>\"d'e";

	(void)state;
	roundtrip(key, strlen(key), "<K>a&amp;b&lt;c&gt;&quot;d&apos;e</K>");
	/* ]]> is harmless once > is escaped. */
	roundtrip("x]]>y", 5, "<K>x]]&gt;y</K>");
	/* TAB and LF are legal raw; CR is a reference so it survives
	 * end-of-line normalisation. */
	roundtrip("a\tb\nc\rd\r\n", 9, "<K>a\tb\nc&#xD;d&#xD;\n</K>");
	/* Valid multi-byte UTF-8 (2, 3 and 4 bytes) passes untouched. */
	roundtrip("\xC3\xA9\xE6\x97\xA5\xF0\x9F\x98\x80", 9,
	    "<K>\xC3\xA9\xE6\x97\xA5\xF0\x9F\x98\x80</K>");
	/* DEL and the C1 range are legal XML 1.0 characters. */
	roundtrip("\x7F\xC2\x85", 3, "<K>\x7F\xC2\x85</K>");
	/* A key that is all escapes. */
	roundtrip("&&&", 3, "<K>&amp;&amp;&amp;</K>");
}

/* Bytes XML 1.0 cannot carry become '?', one per bad byte (one per code
 * point for U+FFFE/U+FFFF); the output still parses. */
static void
test_writer_illegal_chars(void **state)
{
	struct xml_writer w;
	struct xml_node *root = NULL;
	struct arena a;
	struct buf b;
	static const struct {
		const char	*in;
		size_t		 n;
		const char	*out;
	} cases[] = {
		{ "a\x01" "b", 3, "<K>a?b</K>" },
		{ "\x00", 1, "<K>?</K>" },
		{ "\x1F\x0B\x0C", 3, "<K>?\?\?</K>" },
		{ "\xFF", 1, "<K>?</K>" },
		{ "x\xC3(", 3, "<K>x?(</K>" },		/* truncated 2-byte */
		{ "\xE6\x97", 2, "<K>?\?</K>" },	/* truncated at end */
		{ "\xC0\xAF", 2, "<K>?\?</K>" },	/* overlong '/' */
		{ "\xE0\x80\xAF", 3, "<K>?\?\?</K>" },	/* overlong, 3 bytes */
		{ "\xED\xA0\x80", 3, "<K>?\?\?</K>" },	/* surrogate D800 */
		{ "\xF4\x90\x80\x80", 4, "<K>?\?\?\?</K>" },	/* > U+10FFFF */
		{ "\x80\xBF", 2, "<K>?\?</K>" },	/* stray continuation */
		{ "\xEF\xBF\xBE" "z\xEF\xBF\xBF", 7, "<K>?z?</K>" },
		{ "\xEF\xBF\xBD", 3, "<K>\xEF\xBF\xBD</K>" },	/* U+FFFD ok */
		{ "<\x02&", 3, "<K>&lt;?&amp;</K>" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		buf_init(&b, 4096);
		xml_writer_init(&w, &b);
		xml_elem_n(&w, "K", cases[i].in, cases[i].n);
		assert_int_equal(xml_writer_finish(&w), ERR_OK);
		assert_string_equal(buf_cstr(&b), cases[i].out);
		arena_init(&a, ARENA_CAP);
		assert_int_equal(xml_parse(&a, b.data, b.len, NULL, &root),
		    ERR_OK);
		arena_free(&a);
		buf_free(&b);
	}
}

static void
test_writer_error_sticks(void **state)
{
	struct xml_writer w;
	struct buf b;

	(void)state;
	buf_init(&b, 16);
	xml_writer_init(&w, &b);
	xml_open(&w, "ListBucketResult");	/* 18 bytes > 16 */
	assert_int_equal(w.err, ERR_ENTITY_TOO_LARGE);
	/* Later calls must not write into the freed buffer again. */
	xml_elem(&w, "A", "b");
	xml_close(&w, "ListBucketResult");
	assert_null(b.data);
	assert_int_equal(b.len, 0);
	assert_int_equal(xml_writer_finish(&w), ERR_ENTITY_TOO_LARGE);
	assert_null(b.data);
}

static void
test_writer_bad_name(void **state)
{
	static const char *bad[] = {
		"", "a b", "a>b", "<a", "a&b", "a\"", "1a", "-a", ".a", "a/b",
		"a=b", "\xC3\xA9",
	};
	struct xml_writer w;
	struct buf b;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		buf_init(&b, 4096);
		xml_writer_init(&w, &b);
		xml_open(&w, "Ok");
		xml_elem(&w, bad[i], "x");
		xml_close(&w, "Ok");
		assert_int_equal(xml_writer_finish(&w), ERR_INTERNAL);
		assert_null(b.data);
	}
	buf_init(&b, 4096);
	xml_writer_init(&w, &b);
	xml_open(&w, NULL);
	assert_int_equal(xml_writer_finish(&w), ERR_INTERNAL);
	buf_init(&b, 4096);
	xml_writer_init(&w, &b);
	xml_text(&w, NULL, 3);
	assert_int_equal(xml_writer_finish(&w), ERR_INTERNAL);
	/* NULL with length 0 is an empty text, not an error. */
	buf_init(&b, 4096);
	xml_writer_init(&w, &b);
	xml_open(&w, "A");
	xml_text(&w, NULL, 0);
	xml_close(&w, "A");
	expect_doc(&w, &b, "<A></A>");
	buf_free(&b);
}

/* --- reader: OSS bodies --- */

static void
test_reader_create_bucket(void **state)
{
	static const char body[] =
	    DECL "<CreateBucketConfiguration>"
	    "<StorageClass>Archive</StorageClass>"
	    "<DataRedundancyType>LRS</DataRedundancyType>"
	    "</CreateBucketConfiguration>";
	struct xml_node *root = NULL;
	struct arena a;

	(void)state;
	arena_init(&a, ARENA_CAP);
	assert_int_equal(parse_str(&a, body, NULL, &root), ERR_OK);
	assert_string_equal(root->name, "CreateBucketConfiguration");
	assert_null(root->parent);
	assert_null(root->next);
	assert_string_equal(root->text, "");
	assert_int_equal(root->text_len, 0);
	assert_string_equal(xml_child_text(root, "StorageClass"), "Archive");
	assert_string_equal(xml_child_text(root, "DataRedundancyType"),
	    "LRS");
	assert_null(xml_child_text(root, "Location"));
	assert_null(xml_child(root, "storageclass"));	/* case matters */
	assert_ptr_equal(xml_child(root, "StorageClass")->parent, root);
	assert_int_equal(xml_count(root, "StorageClass"), 1);
	assert_int_equal(xml_count(root, "Nope"), 0);
	arena_free(&a);
}

static void
test_reader_complete_multipart(void **state)
{
	/* As the Node SDK sends it: one element per line. */
	static const char body[] =
	    DECL "<CompleteMultipartUpload>\n"
	    "<Part>\n<PartNumber>1</PartNumber>\n"
	    "<ETag>\"E1FB860734159CF640ECFE09A80DF32A\"</ETag>\n</Part>\n"
	    "<Part>\n<PartNumber>2</PartNumber>\n"
	    "<ETag>&quot;152E82E2CC5C6E9D0D7E85237C021B13&quot;</ETag>\n"
	    "</Part>\n"
	    "<Part>\n<PartNumber>3</PartNumber>\n"
	    "<ETag>\"0DA51D16C2E1F0528B6DC0480E5539EE\"</ETag>\n</Part>\n"
	    "</CompleteMultipartUpload>\n";
	static const char *etags[] = {
		"\"E1FB860734159CF640ECFE09A80DF32A\"",
		"\"152E82E2CC5C6E9D0D7E85237C021B13\"",
		"\"0DA51D16C2E1F0528B6DC0480E5539EE\"",
	};
	const struct xml_node *part;
	struct xml_node *root = NULL;
	struct arena a;
	char num[4];
	size_t i = 0;

	(void)state;
	arena_init(&a, ARENA_CAP);
	assert_int_equal(parse_str(&a, body, NULL, &root), ERR_OK);
	assert_string_equal(root->name, "CompleteMultipartUpload");
	/* Whitespace between elements is the root's own text. */
	assert_string_equal(root->text, "\n\n\n\n");
	assert_int_equal(xml_count(root, "Part"), 3);
	for (part = xml_child(root, "Part"); part != NULL;
	    part = xml_next_same(part), i++) {
		snprintf(num, sizeof(num), "%zu", i + 1);
		assert_string_equal(xml_child_text(part, "PartNumber"), num);
		assert_string_equal(xml_child_text(part, "ETag"), etags[i]);
		assert_int_equal(xml_child(part, "ETag")->text_len, 34);
		assert_ptr_equal(part->parent, root);
	}
	assert_int_equal(i, 3);
	arena_free(&a);
}

static void
test_reader_delete_many(void **state)
{
	const struct xml_node *o;
	struct xml_node *root = NULL;
	struct arena a;
	struct buf b;
	char key[32];
	size_t i;

	(void)state;
	buf_init(&b, 1 << 20);
	assert_int_equal(buf_puts(&b, DECL "<Delete><Quiet>true</Quiet>"),
	    ERR_OK);
	for (i = 0; i < 1000; i++)
		assert_int_equal(buf_printf(&b,
		    "<Object><Key>k&amp;%zu</Key>%s</Object>", i,
		    i == 7 ? "<VersionId>v7</VersionId>" : ""), ERR_OK);
	assert_int_equal(buf_puts(&b, "</Delete>"), ERR_OK);

	arena_init(&a, ARENA_CAP);
	assert_int_equal(xml_parse(&a, b.data, b.len, NULL, &root), ERR_OK);
	assert_string_equal(xml_child_text(root, "Quiet"), "true");
	assert_int_equal(xml_count(root, "Object"), 1000);
	i = 0;
	for (o = xml_child(root, "Object"); o != NULL; o = xml_next_same(o)) {
		snprintf(key, sizeof(key), "k&%zu", i);
		assert_string_equal(xml_child_text(o, "Key"), key);
		if (i == 7)
			assert_string_equal(xml_child_text(o, "VersionId"),
			    "v7");
		else
			assert_null(xml_child(o, "VersionId"));
		i++;
	}
	assert_int_equal(i, 1000);
	/* xml_next_same skips siblings with other names. */
	assert_ptr_equal(xml_next_same(xml_child(root, "Quiet")), NULL);
	arena_free(&a);
	buf_free(&b);
}

static void
test_reader_tagging(void **state)
{
	static const char body[] =
	    "<Tagging xmlns=\"http://doc.oss-cn-hangzhou.aliyuncs.com\">"
	    "<TagSet><Tag><Key>a</Key><Value>1</Value></Tag>"
	    "<Tag><Key>b c</Key><Value></Value></Tag>"
	    "<Tag><Key>\xE6\x97\xA5</Key><Value>&lt;&#x41;&#66;&gt;</Value>"
	    "</Tag></TagSet></Tagging>";
	const struct xml_node *set, *tag;
	struct xml_node *root = NULL;
	struct arena a;

	(void)state;
	arena_init(&a, ARENA_CAP);
	assert_int_equal(parse_str(&a, body, NULL, &root), ERR_OK);
	/* No namespace processing: the name is literal, xmlns ignored. */
	assert_string_equal(root->name, "Tagging");
	set = xml_child(root, "TagSet");
	assert_non_null(set);
	assert_int_equal(xml_count(set, "Tag"), 3);
	tag = xml_child(set, "Tag");
	assert_string_equal(xml_child_text(tag, "Key"), "a");
	assert_string_equal(xml_child_text(tag, "Value"), "1");
	tag = xml_next_same(tag);
	assert_string_equal(xml_child_text(tag, "Key"), "b c");
	assert_string_equal(xml_child_text(tag, "Value"), "");
	assert_int_equal(xml_child(tag, "Value")->text_len, 0);
	tag = xml_next_same(tag);
	assert_string_equal(xml_child_text(tag, "Key"), "\xE6\x97\xA5");
	assert_string_equal(xml_child_text(tag, "Value"), "<AB>");
	assert_null(xml_next_same(tag));
	arena_free(&a);
}

static void
test_reader_text_concat(void **state)
{
	struct xml_node *root = NULL;
	const struct xml_node *c;
	struct arena a;
	struct buf b;
	size_t i;

	(void)state;
	arena_init(&a, ARENA_CAP);
	assert_int_equal(parse_str(&a,
	    "<a>x<b>in</b>y&amp;z<!-- c --><![CDATA[<q>&]]><?pi d?>w<c/></a>",
	    NULL, &root), ERR_OK);
	assert_string_equal(root->text, "xy&z<q>&w");
	assert_int_equal(root->text_len, 9);
	c = root->child;
	assert_string_equal(c->name, "b");
	assert_string_equal(c->text, "in");
	assert_string_equal(c->next->name, "c");
	assert_null(c->next->next);
	assert_null(c->next->child);
	arena_free(&a);

	/* Long text arrives in many callbacks and grows by doubling. */
	buf_init(&b, 1 << 20);
	assert_int_equal(buf_puts(&b, "<a>"), ERR_OK);
	for (i = 0; i < 5000; i++)
		assert_int_equal(buf_puts(&b, "0123456789\n&amp;"), ERR_OK);
	assert_int_equal(buf_puts(&b, "</a>"), ERR_OK);
	arena_init(&a, ARENA_CAP);
	assert_int_equal(xml_parse(&a, b.data, b.len, NULL, &root), ERR_OK);
	assert_int_equal(root->text_len, 5000 * 12);
	assert_int_equal(strlen(root->text), 5000 * 12);
	assert_memory_equal(root->text + 12 * 4999, "0123456789\n&", 12);
	arena_free(&a);
	buf_free(&b);
}

static void
test_reader_big_body_chunks(void **state)
{
	struct xml_limits lim = { .max_bytes = (size_t)4 << 20 };
	struct xml_node *root = NULL;
	struct arena a;
	size_t n = ((size_t)3 << 20) + 11, i;
	char *p;

	(void)state;
	/* Larger than one XML_Parse chunk, so it is fed in pieces. */
	p = malloc(n);
	assert_non_null(p);
	memcpy(p, "<a>", 3);
	for (i = 3; i < n - 4; i++)
		p[i] = (char)('a' + i % 26);
	memcpy(p + n - 4, "</a>", 4);
	arena_init(&a, ARENA_CAP);
	assert_int_equal(xml_parse(&a, p, n, &lim, &root), ERR_OK);
	assert_int_equal(root->text_len, n - 7);
	assert_memory_equal(root->text, p + 3, n - 7);
	arena_free(&a);
	free(p);
}

/* --- reader: limits --- */

/* <d><d>...</d></d> nested depth deep. */
static char *
nested(size_t depth, size_t *ret_n)
{
	struct buf b;
	size_t i;

	buf_init(&b, 1 << 20);
	for (i = 0; i < depth; i++)
		assert_int_equal(buf_puts(&b, "<d>"), ERR_OK);
	for (i = 0; i < depth; i++)
		assert_int_equal(buf_puts(&b, "</d>"), ERR_OK);
	return buf_steal(&b, ret_n);
}

static void
test_reader_depth(void **state)
{
	struct xml_limits lim = { .max_depth = 3 };
	struct xml_node *root = NULL;
	const struct xml_node *d;
	struct arena a;
	size_t n, k;
	char *p;

	(void)state;
	p = nested(16, &n);
	arena_init(&a, ARENA_CAP);
	assert_int_equal(xml_parse(&a, p, n, NULL, &root), ERR_OK);
	for (k = 1, d = root; d->child != NULL; d = d->child)
		k++;
	assert_int_equal(k, 16);
	arena_free(&a);
	free(p);

	p = nested(17, &n);
	expect_parse_err(p, n, NULL, ERR_MALFORMED_XML);
	free(p);

	p = nested(3, &n);
	arena_init(&a, ARENA_CAP);
	assert_int_equal(xml_parse(&a, p, n, &lim, &root), ERR_OK);
	arena_free(&a);
	free(p);
	p = nested(4, &n);
	expect_parse_err(p, n, &lim, ERR_MALFORMED_XML);
	free(p);

	/* Siblings do not add depth. */
	arena_init(&a, ARENA_CAP);
	assert_int_equal(parse_str(&a, "<a><b><c/></b><b><c/></b></a>", &lim,
	    &root), ERR_OK);
	arena_free(&a);
}

/* <r> with kids empty children: kids + 1 elements. */
static char *
flat(size_t kids, size_t *ret_n)
{
	struct buf b;
	size_t i;

	buf_init(&b, (size_t)1 << 20);
	assert_int_equal(buf_puts(&b, "<r>"), ERR_OK);
	for (i = 0; i < kids; i++)
		assert_int_equal(buf_puts(&b, "<o/>"), ERR_OK);
	assert_int_equal(buf_puts(&b, "</r>"), ERR_OK);
	return buf_steal(&b, ret_n);
}

static void
test_reader_nodes(void **state)
{
	struct xml_limits lim = { .max_nodes = 10 };
	struct xml_node *root = NULL;
	struct arena a;
	size_t n;
	char *p;

	(void)state;
	p = flat(9, &n);
	arena_init(&a, ARENA_CAP);
	assert_int_equal(xml_parse(&a, p, n, &lim, &root), ERR_OK);
	assert_int_equal(xml_count(root, "o"), 9);
	arena_free(&a);
	free(p);
	p = flat(10, &n);
	expect_parse_err(p, n, &lim, ERR_MALFORMED_XML);
	free(p);

	/* Default: 20000 elements. */
	p = flat(19999, &n);
	arena_init(&a, ARENA_CAP);
	assert_int_equal(xml_parse(&a, p, n, NULL, &root), ERR_OK);
	assert_int_equal(xml_count(root, "o"), 19999);
	arena_free(&a);
	free(p);
	p = flat(20000, &n);
	expect_parse_err(p, n, NULL, ERR_MALFORMED_XML);
	free(p);
}

static void
test_reader_max_bytes(void **state)
{
	struct xml_limits lim = { .max_bytes = 8 };
	struct xml_node *root = NULL;
	struct arena a;
	size_t n = ((size_t)1 << 20) + 1, i;
	char *p;

	(void)state;
	arena_init(&a, ARENA_CAP);
	assert_int_equal(parse_str(&a, "<a>12</a>", &lim, &root),
	    ERR_MALFORMED_XML);		/* 9 bytes */
	assert_int_equal(parse_str(&a, "<a>1</a>", &lim, &root), ERR_OK);
	assert_string_equal(root->text, "1");
	arena_free(&a);

	/* Default 1 MiB: one byte over is refused before parsing, even
	 * though the document is well-formed. */
	p = malloc(n);
	assert_non_null(p);
	memcpy(p, "<a>", 3);
	for (i = 3; i < n - 4; i++)
		p[i] = 'x';
	memcpy(p + n - 4, "</a>", 4);
	expect_parse_err(p, n, NULL, ERR_MALFORMED_XML);
	arena_init(&a, ARENA_CAP);
	memcpy(p + n - 5, "</a>", 4);
	assert_int_equal(xml_parse(&a, p, n - 1, NULL, &root), ERR_OK);
	assert_int_equal(root->text_len, n - 8);
	arena_free(&a);
	free(p);
}

/* --- reader: hostile and malformed input --- */

static void
test_reader_refuses_dtd(void **state)
{
	static const char laughs[] =
	    "<?xml version=\"1.0\"?>\n"
	    "<!DOCTYPE lolz [\n"
	    " <!ENTITY lol \"lol\">\n"
	    " <!ENTITY lol1 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">\n"
	    " <!ENTITY lol2 \"&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;\">\n"
	    " <!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;\">\n"
	    " <!ENTITY lol4 \"&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;\">\n"
	    " <!ENTITY lol5 \"&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;\">\n"
	    " <!ENTITY lol6 \"&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;\">\n"
	    " <!ENTITY lol7 \"&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;\">\n"
	    " <!ENTITY lol8 \"&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;\">\n"
	    " <!ENTITY lol9 \"&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;\">\n"
	    "]>\n<lolz>&lol9;</lolz>";

	(void)state;
	expect_malformed(laughs);
	expect_malformed("<!DOCTYPE x [<!ENTITY e SYSTEM "
	    "\"file:///etc/passwd\">]><x>&e;</x>");
	expect_malformed("<!DOCTYPE x [<!ENTITY % p SYSTEM "
	    "\"http://127.0.0.1/x.dtd\"> %p;]><x/>");
	expect_malformed("<!DOCTYPE x SYSTEM \"http://127.0.0.1/x.dtd\"><x/>");
	expect_malformed("<!DOCTYPE x><x/>");
	expect_malformed("<!DOCTYPE x [<!ELEMENT x ANY>]><x/>");
	/* Without a DTD only the five predefined entities exist. */
	expect_malformed("<x>&e;</x>");
	expect_malformed("<x>&nbsp;</x>");
}

static void
test_reader_malformed(void **state)
{
	static const char *bad[] = {
		" ", " \n\t\r\n ", "<", "<a>", "<a><b></a>", "<a></b>",
		"<a/><b/>", "<a></a><a></a>", "garbage", "<a>x</a>junk",
		"junk<a/>", "<a>&amp</a>", "<a>&#0;</a>", "<a>&#x1;</a>",
		"<a>\xFF</a>", "<a>\xC0\xAF</a>", "<1a/>", "<a b/>",
		"<a b=\"1\" b=\"2\"/>", "<a><![CDATA[x</a>", "<a><!-- x</a>",
		"<?xml version=\"1.0\"?>",
		"<?xml version=\"1.0\" encoding=\"bogus\"?><a/>", "<a>\x01</a>",
		"<a></a >x", "</a>",
	};
	size_t i;

	(void)state;
	/* An empty body. */
	expect_parse_err("", 0, NULL, ERR_MALFORMED_XML);
	expect_parse_err(NULL, 0, NULL, ERR_MALFORMED_XML);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		expect_malformed(bad[i]);
	/* A NUL byte inside a document. */
	expect_parse_err("<a>x\0y</a>", 10, NULL, ERR_MALFORMED_XML);
}

static void
test_reader_accepts(void **state)
{
	struct xml_node *root = NULL;
	struct arena a;

	(void)state;
	arena_init(&a, ARENA_CAP);
	/* Whitespace and comments around the root, a BOM, attributes. */
	assert_int_equal(parse_str(&a, "\xEF\xBB\xBF<?xml version=\"1.0\" "
	    "encoding=\"UTF-8\"?>\n<!-- c -->\n<a k='v'>t</a>\n\n", NULL,
	    &root), ERR_OK);
	assert_string_equal(root->name, "a");
	assert_string_equal(root->text, "t");
	assert_int_equal(parse_str(&a, "<ns:RestoreRequest xmlns:ns=\"u\">"
	    "<ns:Days>2</ns:Days></ns:RestoreRequest>", NULL, &root), ERR_OK);
	assert_string_equal(root->name, "ns:RestoreRequest");
	assert_string_equal(xml_child_text(root, "ns:Days"), "2");
	/* ISO-8859-1 is transcoded to UTF-8. */
	assert_int_equal(parse_str(&a, "<?xml version=\"1.0\" "
	    "encoding=\"ISO-8859-1\"?><a>\xE9</a>", NULL, &root), ERR_OK);
	assert_string_equal(root->text, "\xC3\xA9");
	arena_free(&a);

	/* NULL-safe accessors. */
	assert_null(xml_child(NULL, "a"));
	assert_null(xml_child_text(NULL, "a"));
	assert_null(xml_next_same(NULL));
	assert_int_equal(xml_count(NULL, "a"), 0);
}

static void
test_reader_arena_exhausted(void **state)
{
	static const char body[] =
	    "<InitiateWormConfiguration><RetentionPeriodInDays>1"
	    "</RetentionPeriodInDays></InitiateWormConfiguration>";
	struct xml_node sentinel, *root = &sentinel;
	size_t cap, ok_at = 0;
	struct arena a;
	enum err r;

	(void)state;
	arena_init(&a, 0);
	assert_int_equal(parse_str(&a, body, NULL, &root), ERR_NOMEM);
	assert_ptr_equal(root, &sentinel);
	arena_free(&a);
	/* Every cap below what the tree needs fails cleanly with ERR_NOMEM,
	 * whichever allocation (node, name, text) hits it. */
	for (cap = 0; cap <= 4096 && ok_at == 0; cap += 16) {
		arena_init(&a, cap);
		r = parse_str(&a, body, NULL, &root);
		if (r == ERR_OK) {
			ok_at = cap;
			assert_string_equal(xml_child_text(root,
			    "RetentionPeriodInDays"), "1");
		} else {
			assert_int_equal(r, ERR_NOMEM);
			assert_ptr_equal(root, &sentinel);
		}
		arena_free(&a);
	}
	assert_true(ok_at > 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_writer_error_doc),
		cmocka_unit_test(test_writer_values),
		cmocka_unit_test(test_writer_escape_roundtrip),
		cmocka_unit_test(test_writer_illegal_chars),
		cmocka_unit_test(test_writer_error_sticks),
		cmocka_unit_test(test_writer_bad_name),
		cmocka_unit_test(test_reader_create_bucket),
		cmocka_unit_test(test_reader_complete_multipart),
		cmocka_unit_test(test_reader_delete_many),
		cmocka_unit_test(test_reader_tagging),
		cmocka_unit_test(test_reader_text_concat),
		cmocka_unit_test(test_reader_big_body_chunks),
		cmocka_unit_test(test_reader_depth),
		cmocka_unit_test(test_reader_nodes),
		cmocka_unit_test(test_reader_max_bytes),
		cmocka_unit_test(test_reader_refuses_dtd),
		cmocka_unit_test(test_reader_malformed),
		cmocka_unit_test(test_reader_accepts),
		cmocka_unit_test(test_reader_arena_exhausted),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
