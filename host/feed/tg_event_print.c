/* SPDX-License-Identifier: BSD-3-Clause */
#include <inttypes.h>
#include <string.h>

#include "tg_itch.h"
#include "feed/tg_event_print.h"

/* Write n bytes as a JSON string body, escaping what JSON requires. */
static char *
tg_json_str(char *p, const uint8_t *s, unsigned n)
{
	static const char hex[] = "0123456789abcdef";

	for (unsigned i = 0; i < n; i++) {
		uint8_t c = s[i];
		if (c == '"' || c == '\\') {
			*p++ = '\\';
			*p++ = (char)c;
		} else if (c < 0x20 || c >= 0x7f) {
			memcpy(p, "\\u00", 4);
			p[4] = hex[c >> 4];
			p[5] = hex[c & 15];
			p += 6;
		} else {
			*p++ = (char)c;
		}
	}
	return p;
}

static char *
tg_json_u64(char *p, uint64_t v)
{
	char tmp[24];
	int n = 0;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n)
		*p++ = tmp[--n];
	return p;
}

static char *
tg_json_key(char *p, const char *key)
{
	size_t n = strlen(key);

	*p++ = ',';
	*p++ = '"';
	memcpy(p, key, n);
	p += n;
	*p++ = '"';
	*p++ = ':';
	return p;
}

int
tg_event_print_json(FILE *out, const struct tg_event *ev)
{
	char buf[1024], *p = buf;
	int ti;

	if (ev->kind != TG_EV_MSG || (ti = tg_itch_index(ev->msg_type)) < 0)
		return 0;
	const struct tg_itch_type *t = &tg_itch_types[ti];

	p += sprintf(p, "{\"seq\":%" PRIu64 ",\"type\":\"", ev->seq);
	p = tg_json_str(p, &ev->msg_type, 1);
	*p++ = '"';
	p = tg_json_key(p, "stock_locate");
	p = tg_json_u64(p, ev->stock_locate);
	p = tg_json_key(p, "tracking_number");
	p = tg_json_u64(p, ev->tracking_number);
	p = tg_json_key(p, "timestamp");
	p = tg_json_u64(p, ev->ts);
	for (unsigned i = 0; i < t->nfields; i++) {
		const struct tg_itch_field *f = &t->fields[i];
		const uint8_t *b = ev->body + f->off - TG_ITCH_HDR_LEN;
		unsigned n = f->size;

		p = tg_json_key(p, f->name);
		switch (f->kind) {
		case TG_FK_A:
			while (n && b[n - 1] == ' ')
				n--;
			/* fall through */
		case TG_FK_C:
			*p++ = '"';
			p = tg_json_str(p, b, n);
			*p++ = '"';
			break;
		default:
			p = tg_json_u64(p, tg_body_uint(ev->body, f->off, n));
		}
	}
	*p++ = '}';
	*p++ = '\n';
	return (int)fwrite(buf, 1, (size_t)(p - buf), out);
}

int
tg_event_print_text(FILE *out, const struct tg_event *ev)
{
	char line = (ev->flags & TG_EV_FLAG_LINE_B) ? 'B' : 'A';
	int ti;

	switch (ev->kind) {
	case TG_EV_GAP:
		return fprintf(out, "GAP  session %u line %c: %" PRIu64
			       " messages missing from seq %" PRIu64 "\n",
			       ev->session, line, ev->ts, ev->seq);
	case TG_EV_EOS:
		return fprintf(out, "EOS  session %u line %c: end of session at seq %"
			       PRIu64 "\n", ev->session, line, ev->seq);
	case TG_EV_MSG:
		break;
	default:
		return fprintf(out, "?    record kind %u\n", ev->kind);
	}
	if ((ti = tg_itch_index(ev->msg_type)) < 0)
		return fprintf(out, "?    unknown message type 0x%02x\n", ev->msg_type);

	const struct tg_itch_type *t = &tg_itch_types[ti];
	int w = fprintf(out, "%" PRIu64 " %c %c %s locate=%u ts=%" PRIu64,
			ev->seq, line, ev->msg_type, t->name, ev->stock_locate, ev->ts);
	for (unsigned i = 0; i < t->nfields; i++) {
		const struct tg_itch_field *f = &t->fields[i];
		const uint8_t *b = ev->body + f->off - TG_ITCH_HDR_LEN;
		char s[24];

		switch (f->kind) {
		case TG_FK_A:
		case TG_FK_C: {
			unsigned n = f->size;
			while (n > 1 && b[n - 1] == ' ')
				n--;
			for (unsigned k = 0; k < n; k++)
				s[k] = (b[k] >= 0x20 && b[k] < 0x7f) ? (char)b[k] : '.';
			s[n] = 0;
			w += fprintf(out, " %s=%s", f->name, s);
			break;
		}
		case TG_FK_P4: {
			uint64_t v = tg_body_uint(ev->body, f->off, f->size);
			w += fprintf(out, " %s=%" PRIu64 ".%04" PRIu64, f->name,
				     v / 10000, v % 10000);
			break;
		}
		case TG_FK_P8: {
			uint64_t v = tg_body_uint(ev->body, f->off, f->size);
			w += fprintf(out, " %s=%" PRIu64 ".%08" PRIu64, f->name,
				     v / 100000000, v % 100000000);
			break;
		}
		default:
			w += fprintf(out, " %s=%" PRIu64, f->name,
				     tg_body_uint(ev->body, f->off, f->size));
		}
	}
	fputc('\n', out);
	return w + 1;
}
