/* omero_session: talking to OMERO.web over its JSON API: the API's discovery, logging in (or the public user's automatic session), and JSON documents
 * fetched with the session's cookies. */
#ifndef OME_OMERO_SESSION_H
#define OME_OMERO_SESSION_H

#include "base/err.h"
#include "base/json_doc.h"
#include "store/store.h"

#include <stdbool.h>

typedef struct ome_omero_session {
    char base[2048];       /* OMERO.web's root */
    char api[2048];        /* the JSON API's v0 root (url:base), ending in '/' */
    char cookie[4096];     /* "Cookie: a=b; c=d" for other requests, "" when none */
    char session_key[128]; /* sessionUuid after a login, "" for the public user */
    const ome_store_opts *opts;
    const char *user, *password; /* NULL: the public user, if the server has one */
    void *easy;                  /* the CURL handle that keeps the cookie jar */
    bool renewing;               /* a renewal is under way: no second one inside it */
    /* Manners: servers lock accounts after failed logins. A refused password is never sent
     * again; a renewal that did not help (still refused with the new session) pauses renewals,
     * doubling from 30 s to 10 min while they keep not helping. */
    bool login_refused;
    char refused_why[512];
    double renew_not_before; /* ome_now() before which no renewal is made */
    double renew_pause;      /* the pause after the last renewal that did not help, or 0 */
} ome_omero_session;

/* Finds the API and, when a user is given, logs in. Errors name the URL and the reason. */
int ome_omero_connect(ome_omero_session *s, const char *base, const ome_store_opts *opts,
                      const char *user, const char *password, ome_err *err);
/* Logs in again (sessions expire), keeping base and credentials. */
int ome_omero_reconnect(ome_omero_session *s, ome_err *err);
/* GETs url (absolute) as JSON. OME_ABSENT for 404; OME_EDENIED for 401/403 (or a redirect to
 * the login page) once a new session was refused too. */
int ome_omero_get_json(ome_omero_session *s, const char *url, json_t **out, ome_err *err);
/* A new session: logs in again, or (public user) starts afresh so that OMERO.web makes one on
 * the next request. Errors name the server. OME_EDENIED at once, with no request, after a
 * refused login or while renewals are paused. */
int ome_omero_renew(ome_omero_session *s, ome_err *err);
/* What the request again after a renewal found: whether the new session was accepted. One
 * that was not pauses renewals (said once in the log). */
void ome_omero_renew_outcome(ome_omero_session *s, bool helped);
/* An OPTIONS request (the pixel-buffer service says who it is). */
int ome_omero_options(ome_omero_session *s, const char *url, ome_buf *body, long *code,
                      ome_err *err);
void ome_omero_session_free(ome_omero_session *s);

#endif
