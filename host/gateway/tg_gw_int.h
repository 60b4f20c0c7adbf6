/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the gateway's files share and nobody else needs: settings, the
 * per-user outbound streams, journal record builders and the password
 * verifier thread.
 */
#ifndef TG_GW_INT_H
#define TG_GW_INT_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

#include "gateway/tg_gw.h"

#define TG_GW_PASSWORD_LEN	10	/* SoupBinTCP password a10 */
#define TG_GW_USER_LEN		6	/* SoupBinTCP username a6 */

struct rte_cfgfile;

/* ---- settings: [gateway] and the password of each [user.NAME] ---- */

struct tg_gw_user {
	char name[TG_GW_USER_LEN + 1];		/* NUL-terminated */
	char hash[TG_GW_HASH_MAX];
	int has_seal_key;			/* the user's firm has a seal_key_file */
	uint8_t seal_key[16];			/* the firm's master key (wiped at exit) */
};

struct tg_gw_config {
	char listen[128];		/* listen = host:port */
	char sealed_listen[128];	/* sealed_listen = host:port ("": none) */
	char journal[PATH_MAX];		/* journal = DIR */
	int sync;			/* sync = yes|no: fdatasync each group commit */
	uint64_t heartbeat_ns;		/* heartbeat_ms: send one after this much silence */
	uint64_t timeout_ns;		/* timeout_ms: drop a link silent (or unwritable) this long */
	unsigned max_sessions;		/* max_sessions: connections open at once */
	size_t send_buffer;		/* send_buffer: bytes queued per connection in user space */
	int socket_sndbuf;		/* socket_sndbuf: SO_SNDBUF of each connection, 0 = the kernel's */
	size_t segment_bytes;		/* journal_segment_mb: size of one journal file */
	unsigned n_users;
	struct tg_gw_user *users;	/* indexed like the engine's users */
};

#define TG_GW_DEFAULT_LISTEN	"127.0.0.1:15000"
#define TG_GW_DEFAULT_JOURNAL	"/var/lib/tickgate"
#define TG_GW_DEFAULT_MAX_SESSIONS 1024
#define TG_GW_DEFAULT_SEND_BUFFER 65536

/*
 * Fill c from the [gateway] section and, for every user of the engine e,
 * the password of its [user.NAME] section. 0 or -EINVAL with err naming
 * the section and key.
 */
struct tg_engine;
int tg_gw_config_load(struct rte_cfgfile *cf, const struct tg_engine *e,
		      struct tg_gw_config *c, char *err, size_t errlen);
void tg_gw_config_free(struct tg_gw_config *c);

/* ---- one user's outbound stream ---- */

struct tg_gw_stream {
	uint8_t *data;		/* the encoded OUCH messages back to back */
	size_t len, cap;
	uint64_t *off;		/* off[i]: where message i + 1 starts; off[n] = len */
	uint64_t n;		/* messages 1..n exist (journaled) */
	uint64_t cap_n;
	uint64_t durable;	/* messages 1..durable are synced: they may be sent */
};

void tg_gw_stream_init(struct tg_gw_stream *s);
void tg_gw_stream_free(struct tg_gw_stream *s);
/* Append one message as number n + 1. 0 or -ENOMEM. */
int tg_gw_stream_append(struct tg_gw_stream *s, const uint8_t *msg, size_t len);
/* Message seq (1..n): its bytes, *len its length. */
static inline const uint8_t *
tg_gw_stream_get(const struct tg_gw_stream *s, uint64_t seq, size_t *len)
{
	*len = (size_t)(s->off[seq] - s->off[seq - 1]);
	return s->data + s->off[seq - 1];
}

/* ---- journal records (layouts in tg_gw.h) ---- */

#define TG_GW_REC_MAX	128	/* the longest record payload */

size_t tg_gw_rec_day(uint8_t *out, const char session[10], uint64_t midnight);
size_t tg_gw_rec_system(uint8_t *out, uint64_t ts, char event);
size_t tg_gw_rec_order(uint8_t *out, uint64_t ts, const char user[6],
		       const uint8_t *msg, size_t len);
size_t tg_gw_rec_tick(uint8_t *out, uint64_t ts);
size_t tg_gw_rec_out(uint8_t *out, const char user[6], uint64_t seq,
		     const uint8_t *msg, size_t len);

/* A login name as the a6 field: space padded. */
void tg_gw_user_field(char out[TG_GW_USER_LEN], const char *name);

/* ---- sealed sessions (tg_gw_seal.c) ---- */

#define TG_GW_SEAL_HELLO	'K'	/* clear: client user a6 + random 16; server random 16 */
#define TG_GW_SEAL_FRAME	'E'	/* nonce 12, SM4-GCM of one whole SoupBinTCP packet, tag 16 */
#define TG_GW_SEAL_RANDOM	16
#define TG_GW_SEAL_LABEL	"tickgate sealed soup v1"	/* HKDF info and AAD prefix */
#define TG_GW_SEAL_FIXED_C2S	0x43325300u	/* nonce prefix "C2S\0" */
#define TG_GW_SEAL_FIXED_S2C	0x53324300u	/* nonce prefix "S2C\0" */
#define TG_GW_SEAL_OVERHEAD	28	/* nonce and tag */

#include "crypto/tg_crypto.h"

struct tg_gw_sealer;

struct tg_gw_seal_session {
	int active;
	int slot_rx, slot_tx;
	struct tg_crypto_replay window;
};

int tg_gw_seal_keys_load(struct rte_cfgfile *cf, const struct tg_engine *e,
			 struct tg_gw_config *c, char *err, size_t errlen);
int tg_gw_seal_derive(const uint8_t firm_key[16], const uint8_t salt[32],
		      const char user[TG_GW_USER_LEN], uint8_t c2s[16], uint8_t s2c[16]);
int tg_gw_sealer_open(const char *card, struct tg_gw_sealer **out);
void tg_gw_sealer_close(struct tg_gw_sealer *s);
int tg_gw_seal_start(struct tg_gw_sealer *s, struct tg_gw_seal_session *ss,
		     const uint8_t c2s[16], const uint8_t s2c[16]);
void tg_gw_seal_end(struct tg_gw_sealer *s, struct tg_gw_seal_session *ss);
long tg_gw_seal(struct tg_gw_sealer *s, struct tg_gw_seal_session *ss,
		const char user[TG_GW_USER_LEN], const uint8_t *p, size_t n,
		uint8_t *out, size_t cap);
long tg_gw_unseal(struct tg_gw_sealer *s, struct tg_gw_seal_session *ss,
		  const char user[TG_GW_USER_LEN], const uint8_t *p, size_t n,
		  uint8_t *out, size_t cap);

/* ---- password checks off the event loop ---- */

struct tg_gw_auth;

struct tg_gw_auth_job {
	uint32_t conn;			/* connection slot */
	uint32_t gen;			/* the slot's generation when asked */
	int user;			/* engine index, -1 unknown (checked against a decoy) */
	const char *hash;		/* stays valid while the gateway lives */
	char pw[TG_GW_PASSWORD_LEN];
	size_t pwlen;
	int result;			/* tg_gw_passwd_verify() */
};

int tg_gw_auth_start(struct tg_gw_auth **out, int *efd);
void tg_gw_auth_stop(struct tg_gw_auth *a);
int tg_gw_auth_submit(struct tg_gw_auth *a, const struct tg_gw_auth_job *job);
int tg_gw_auth_take(struct tg_gw_auth *a, struct tg_gw_auth_job *job);

/* ---- market data (tg_gw_market.c) ---- */

#define TG_GW_REC_MARKET_LEN	29

struct tg_engine_market;
struct tg_gw_mkt;

size_t tg_gw_rec_market(uint8_t *out, uint64_t ts, const struct tg_engine_market *mk);
int tg_gw_rec_market_parse(const uint8_t *p, size_t len, struct tg_engine_market *mk);
int tg_gw_mkt_new(struct rte_cfgfile *cf, const struct tg_engine *e, struct tg_gw_mkt **out);
void tg_gw_mkt_free(struct tg_gw_mkt *m);
int tg_gw_mkt_offer(struct tg_gw_mkt *m, const struct tg_engine_market *mk);
int tg_gw_mkt_take(struct tg_gw_mkt *m, struct tg_engine_market *mk);
void tg_gw_mkt_get_stats(const struct tg_gw_mkt *m, struct tg_gw_mkt_stats *s);
void tg_gw_mkt_print_stats(const struct tg_gw_mkt *m, FILE *f);

/* ---- post-trade, live (tg_gw_post.c) ---- */

struct tg_ouch_out;

void tg_gw_post_out(void *ctx, unsigned user, const struct tg_ouch_out *m);
void tg_gw_post_fill(void *ctx, const struct tg_engine_fill *f);
int tg_gw_post_file(struct tg_gw_post *p, struct rte_cfgfile *cf, char *err, size_t errlen);
int tg_gw_post_start(struct tg_gw_post *p, const char *journal, const char *config,
		     uint64_t midnight, FILE *log, char *err, size_t errlen);
void tg_gw_post_commit(struct tg_gw_post *p);
int tg_gw_post_finish(struct tg_gw_post *p);
void tg_gw_post_print_stats(const struct tg_gw_post *p, FILE *f);

/* ---- operators: control socket, metrics, telemetry (tg_gw_ctl.c) ---- */

#define TG_GW_REC_CONTROL_LEN	89	/* ts u64, kind u8, scope a8, name a32, key a32, value i64 */

struct tg_gw_ctl;
struct tg_engine_ctl;
struct epoll_event;

size_t tg_gw_rec_control(uint8_t *out, uint64_t ts, const struct tg_engine_ctl *c);
int tg_gw_rec_control_parse(const uint8_t *p, size_t len, struct tg_engine_ctl *c);
int tg_gw_ctl_new(struct tg_gw *gw, struct tg_engine *e, struct tg_gw_post *post,
		  const struct tg_gw_opts *o, unsigned n_users, FILE *log, struct tg_gw_ctl **out,
		  char *err, size_t errlen);
int tg_gw_ctl_start(struct tg_gw_ctl *x, char *err, size_t errlen);
int tg_gw_ctl_fd(const struct tg_gw_ctl *x);
void tg_gw_ctl_free(struct tg_gw_ctl *x);
uint64_t tg_gw_ctl_clock(void);
/* the loop's hooks, each cheap and lock-free */
int tg_gw_ctl_wait(struct tg_gw_ctl *x, int epfd, struct epoll_event *ev, int max, int ms);
void tg_gw_ctl_event(struct tg_gw_ctl *x);
unsigned tg_gw_ctl_poll(struct tg_gw_ctl *x);
void tg_gw_ctl_end(struct tg_gw_ctl *x, int busy);
void tg_gw_ctl_ordered(struct tg_gw_ctl *x, unsigned user, uint64_t conn, uint64_t n0,
		       uint64_t n1, uint64_t t_in);
void tg_gw_ctl_sent(struct tg_gw_ctl *x, unsigned user, uint64_t conn, uint64_t next_seq);
void tg_gw_ctl_replayed(struct tg_gw_ctl *x, const struct tg_engine_ctl *c);
/* tg_gw_server.c: gw's control plane (or NULL); an operator action, journaled, then the engine */
struct tg_gw_ctl *tg_gw_ctl_get(const struct tg_gw *gw);
int tg_gw_control(struct tg_gw *gw, const struct tg_engine_ctl *c);

#endif /* TG_GW_INT_H */
