// `count` of the `streams` world (tests/new/wit/kinds.wit) in C: an async
// export reading a `stream<u8>` with wit-bindgen-c's callback ABI. Used by
// tests/all/c_guests.rs; `transform` stays unimplemented.

#include <stdlib.h>
#include "streams.h"

typedef struct {
  exports_wcomp_kinds_pipes_stream_u8_t data;
  streams_waitable_set_t set;
  uint64_t total;
  uint8_t buf[65536];
} count_state_t;

static streams_callback_code_t finish(count_state_t *s) {
  exports_wcomp_kinds_pipes_stream_u8_drop_readable(s->data);
  streams_waitable_set_drop(s->set);
  exports_wcomp_kinds_pipes_count_return(s->total);
  free(s);
  return STREAMS_CALLBACK_CODE_EXIT;
}

// Reads until the stream blocks (then waits for it) or ends (then returns).
static streams_callback_code_t pump(count_state_t *s) {
  for (;;) {
    streams_waitable_status_t st = exports_wcomp_kinds_pipes_stream_u8_read(s->data, s->buf, sizeof s->buf);
    if (st == STREAMS_WAITABLE_STATUS_BLOCKED) {
      streams_waitable_join(s->data, s->set);
      return STREAMS_CALLBACK_CODE_WAIT(s->set);
    }
    s->total += STREAMS_WAITABLE_COUNT(st);
    if (STREAMS_WAITABLE_STATE(st) == STREAMS_WAITABLE_DROPPED) return finish(s);
  }
}

streams_callback_code_t exports_wcomp_kinds_pipes_count(exports_wcomp_kinds_pipes_stream_u8_t data) {
  count_state_t *s = calloc(1, sizeof *s);
  s->data = data;
  s->set = streams_waitable_set_new();
  streams_context_set_0(s);
  return pump(s);
}

streams_callback_code_t exports_wcomp_kinds_pipes_count_callback(streams_event_t *event) {
  count_state_t *s = streams_context_get_0();
  if (event->event != STREAMS_EVENT_STREAM_READ) abort();
  streams_waitable_join(s->data, 0);
  s->total += STREAMS_WAITABLE_COUNT(event->code);
  if (STREAMS_WAITABLE_STATE(event->code) == STREAMS_WAITABLE_DROPPED) return finish(s);
  return pump(s);
}

streams_callback_code_t exports_wcomp_kinds_pipes_transform(exports_wcomp_kinds_pipes_stream_u8_t data,
                                                            exports_wcomp_kinds_pipes_future_string_t label) {
  abort();
}

streams_callback_code_t exports_wcomp_kinds_pipes_transform_callback(streams_event_t *event) {
  abort();
}
