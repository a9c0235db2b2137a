// Which settings each scenario shows first: the knob its outcome turns on (DESIGN.md's
// catalogue, "knobs worth flipping"). Sysctls and scenario settings alike, by name.

/** @type {Record<string, string[]>} */
export const featured = {
  handshake: ['tcp_timestamps', 'tcp_sack', 'tcp_window_scaling'],
  'rst-closed-port': ['listen'],
  'close-four-way': ['close_delay_ms'],
  'close-three-way': ['close_delay_ms'],
  'close-simultaneous': ['offset_ms'],
  'time-wait-lost-ack': ['skip_time_wait'],
  'time-wait-syn': ['tcp_timestamps', 'isn_fixed'],
  'time-wait-rst': ['tcp_rfc1337', 'rst_offset'],
};

/** The scenario a page without `?scenario=` shows. */
export const DEFAULT_SCENARIO = 'handshake';
