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
  'synack-timeout': ['tcp_synack_retries'],
  'syn-retries': ['tcp_syn_retries', 'tcp_syn_linear_timeouts'],
  'fin-wait-2-timeout': ['tcp_fin_timeout', 'late_fin_s'],
  'half-open-crash': ['server_writes'],
  'isn-fixed': ['isn', 'tcp_timestamps', 'hold_s', 'router_msl_s'],
  'time-wait-stale-data': ['skip_time_wait', 'isn', 'hold_s', 'router_msl_s'],
  'close-unread-data': ['read_first'],
  'so-linger-rst': ['linger'],
  'syn-flood': ['tcp_syncookies', 'syn_rate', 'backlog', 'tcp_max_syn_backlog', 'tcp_synack_retries'],
  'accept-overflow': ['tcp_abort_on_overflow', 'backlog'],
  'isn-predict': ['isn'],
  'tw-reuse': ['tcp_tw_reuse', 'delay_ms', 'tcp_tw_reuse_delay', 'tcp_timestamps', 'bind'],
  'so-reuseaddr': ['old_reuseaddr', 'new_reuseaddr', 'keep_listener'],
  'tw-recycle-nat': ['tcp_tw_recycle', 'nat_ts_offset_ms', 'a_connections', 'b_connect_s', 'tcp_timestamps'],
  'nat-port-reuse': ['nat_ts_offset_ms', 'nat_ports', 'nat_timeout_s', 'tcp_rfc1337'],
  'time-wait-server-load': ['rate', 'tcp_max_tw_buckets'],
  'port-exhaustion': ['tcp_tw_reuse', 'ip_local_port_range', 'tcp_timestamps', 'rate', 'connections'],
};

/** The scenario a page without `?scenario=` shows. */
export const DEFAULT_SCENARIO = 'handshake';
