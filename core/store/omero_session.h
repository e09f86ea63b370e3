/* omero_session: talking to OMERO.web over its JSON API: which URLs name an OMERO image, the
 * API's discovery, logging in (or the public user's automatic session), and JSON documents
 * fetched with the session's cookies. */
#ifndef OME_OMERO_SESSION_H
#define OME_OMERO_SESSION_H

#include "base/err.h"
#include "store/store.h"

#include <curl/curl.h>
#include <jansson.h>
#include <stdbool.h>

typedef enum {
    OME_OMERO_IMAGE,
    OME_OMERO_DATASET,
    OME_OMERO_PLATE,
    OME_OMERO_PROJECT,
    OME_OMERO_SCREEN
} ome_omero_kind;

/* Recognises the addresses users copy from OMERO's web apps, of an image, a dataset, a plate, a
 * project or a screen:
 *   https://HOST[/PREFIX]/webclient/?show=dataset-ID    https://HOST/api/v0/m/datasets/ID/
 *   https://HOST[/PREFIX]/webclient/?show=plate-ID      https://HOST/api/v0/m/plates/ID/
 *   https://HOST[/PREFIX]/webclient/?show=project-ID    https://HOST/api/v0/m/projects/ID/
 *   https://HOST[/PREFIX]/webclient/?show=screen-ID     https://HOST/api/v0/m/screens/ID/
 * and of images:
 *   https://HOST[/PREFIX]/webclient/img_detail/ID/      https://HOST/webclient/?show=image-ID
 *   https://HOST[/PREFIX]/webgateway/img_detail/ID/     https://HOST/iviewer/?images=ID
 *   https://HOST[/PREFIX]/api/v0/m/images/ID/
 * On a match, writes OMERO.web's root (https://HOST[/PREFIX], no trailing '/') to base and
 * returns true. */
bool ome_omero_parse_address(const char *source, char *base, size_t baselen,
                             ome_omero_kind *kind, long long *id);
/* The same for images only. */
bool ome_omero_parse_source(const char *source, char *base, size_t baselen, long long *image_id);

typedef struct ome_omero_session {
    char base[2048];       /* OMERO.web's root */
    char api[2048];        /* the JSON API's v0 root (url:base), ending in '/' */
    char cookie[4096];     /* "Cookie: a=b; c=d" for other requests, "" when none */
    char session_key[128]; /* sessionUuid after a login, "" for the public user */
    const ome_store_opts *opts;
    const char *user, *password; /* NULL: the public user, if the server has one */
    CURL *easy;                  /* keeps the cookie jar */
} ome_omero_session;

/* Finds the API and, when a user is given, logs in. Errors name the URL and the reason. */
int ome_omero_connect(ome_omero_session *s, const char *base, const ome_store_opts *opts,
                      const char *user, const char *password, ome_err *err);
/* Logs in again (sessions expire), keeping base and credentials. */
int ome_omero_reconnect(ome_omero_session *s, ome_err *err);
/* GETs url (absolute) as JSON. OME_ABSENT for 404; OME_EDENIED for 401/403. */
int ome_omero_get_json(ome_omero_session *s, const char *url, json_t **out, ome_err *err);
void ome_omero_session_free(ome_omero_session *s);

#endif
