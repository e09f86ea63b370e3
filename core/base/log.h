/* log: leveled logging to stderr or syslog. The sink is chosen once at start-up by the program;
 * the level is an atomic so reader threads never race on it. Every line is escaped
 * (base/text_escape.h) before it reaches stderr, syslog or the sink. */
#ifndef OME_LOG_H
#define OME_LOG_H

enum ome_log_level { OME_LOG_ERROR = 0, OME_LOG_WARN, OME_LOG_INFO, OME_LOG_DEBUG };

void ome_log_set_level(enum ome_log_level level);
enum ome_log_level ome_log_get_level(void);
/* Parses "error", "warn", "info", "debug"; returns -1 when unknown. */
int ome_log_parse_level(const char *name);
void ome_log_use_syslog(int on);
/* A second destination for every line logged (after the level filter), such as the mount's
 * recent lines (log_ring); set once at start-up, before threads start. */
typedef void (*ome_log_sink)(void *ud, enum ome_log_level level, const char *line);
void ome_log_set_sink(ome_log_sink sink, void *ud);
void ome_log(enum ome_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define OME_LOGE(...) ome_log(OME_LOG_ERROR, __VA_ARGS__)
#define OME_LOGW(...) ome_log(OME_LOG_WARN, __VA_ARGS__)
#define OME_LOGI(...) ome_log(OME_LOG_INFO, __VA_ARGS__)
#define OME_LOGD(...) ome_log(OME_LOG_DEBUG, __VA_ARGS__)

#endif
