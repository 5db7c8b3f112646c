/*
 * httpauth: how an HTTP target's requests authenticate (auth = none | bearer | basic | oauth2).
 * OAuth2 is the client credentials grant: the client id and secret go to token_url with HTTP
 * basic authentication, the access token is cached and fetched again shortly before it
 * expires and when the API refuses it (401). Every secret, the access tokens included, is
 * registered with the logger so that no log line or dead-letter header shows it.
 */
#ifndef SPOKE_HTTPAUTH_H
#define SPOKE_HTTPAUTH_H

#include "core/config.h"

#include <curl/curl.h>
#include <stdbool.h>
#include <stddef.h>

struct httpauth;

/*
 * Reads the auth keys of target section SEC. NULL with err filled when one is missing
 * ("target crm: auth = oauth2 needs token_url").
 */
struct httpauth *httpauth_new(const struct conf_section *sec, char *err, size_t errlen);
void httpauth_free(struct httpauth *a);

/*
 * Makes request E authenticate: basic credentials on E, or "Authorization: Bearer ..." added
 * to *HDRS (fetching an OAuth2 token first when none is valid). *GEN receives the token's
 * generation, for httpauth_refused. Returns 0, or -1 with err filled (the token endpoint
 * failed: a retry later may succeed).
 */
int httpauth_prepare(struct httpauth *a, CURL *e, struct curl_slist **hdrs, unsigned *gen,
                     char *err, size_t errlen);

/*
 * The API answered 401 to a request made with generation GEN: drops that token. True when a
 * new token may help (OAuth2), so the request is worth sending again at once.
 */
bool httpauth_refused(struct httpauth *a, unsigned gen);

/* Sets what every request of the target shares: timeout (ms), TLS options, user agent. */
void httpauth_set_common(const struct conf_section *sec, CURL *e);

#endif
