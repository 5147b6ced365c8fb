/* framing.h -- turns a connection's input bytes into requests: lines (LF
 * or CRLF, at most max_line bytes, else TOOLONG and close), and the
 * article bytes that follow a PUT.  Each complete line goes to dispatch.h.
 * Loop thread only. */
#ifndef LEDE_DAEMON_FRAMING_H
#define LEDE_DAEMON_FRAMING_H

#include "server_state.h"

/* Takes every complete line (and PUT block) the limits allow. */
void framing_process(conn *c);
/* The client finished sending: the same, then a PUT still waiting for
 * its bytes is answered ERR SYNTAX (they will never come). */
void framing_eof(conn *c);
/* After an error whose bytes cannot be told from requests (a refused
 * PUT's article, a line too long): answers p with the error and closes
 * once the client has stopped sending. */
void framing_refuse(conn *c, pending *p, const char *code, const char *msg);

#endif
