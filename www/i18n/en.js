// Every reader-facing text of the page, in English. zh.js has the same keys.
// `{name}` marks a value filled in at run time.

export default {
  lang: 'en',
  htmlLang: 'en',
  ui: {
    title: 'synack',
    tagline: 'Watch simulated Linux 6.18 hosts open and close TCP connections, step by step.',
    scenario: 'Scenario',
    language: 'Language',
    otherLanguage: '中文',
    start: 'Start',
    back: 'Back',
    play: 'Play',
    pause: 'Pause',
    step: 'Step',
    end: 'End',
    position: 'step {cursor} of {last} · {time}',
    keys: 'Keys: space plays or pauses, ← and → step, Home and End jump.',
    story: 'What happens',
    notice: 'What to notice',
    outcome: 'Outcome',
    outcomeLater: 'Step to the end to see the outcome.',
    sockets: 'Sockets (as ss -tan lists them)',
    noSockets: 'no sockets',
    settings: 'Settings',
    seed: 'Seed',
    newSeed: 'New seed',
    apply: 'Apply',
    reset: 'Defaults',
    colState: 'State',
    colLocal: 'Local',
    colPeer: 'Peer',
    colRecvQ: 'Recv-Q',
    colSendQ: 'Send-Q',
    kindRequest: 'request',
    kindTimeWait: 'mini socket',
    diagramLabel: 'Sequence diagram: time flows down',
    injected: 'injected',
    fold: '⋯ {span} ⋯',
    crashed: 'crashed',
    restarted: 'rebooted',
    held: 'held by the router',
    copy: 'a copy made by the network',
    inFlight: 'in flight',
    lost: 'lost',
    timerTitle: '{timer} timer, armed for {span}',
    fidelity: 'The hosts run Linux 6.18 (HZ 250). Timers fire exactly on time here; on a real kernel the timer wheel may fire them a few ms to about 2 s late.',
    loading: 'Loading the simulator…',
    loadFailed: 'The simulator could not be loaded: {detail}',
  },
  units: { s: '{n} s', ms: '{n} ms', us: '{n} µs' },
  timers: {
    TimeWait: 'TIME-WAIT',
    FinWait2: 'FIN-WAIT-2',
    Retransmit: 'retransmission',
    Request: 'SYN-ACK retransmission',
    DelayedAck: 'delayed-ACK',
  },
  problems: {
    intro: 'Part of this link could not be used, so defaults are shown instead:',
    unknown_scenario: 'there is no scenario “{value}” (known: {accepted}).',
    unknown_name: 'there is no setting “{name}”. Accepted: {accepted}.',
    bad_value: '“{value}” is not a valid value for {name}. Accepted: {accepted}.',
    not_in_profile: '{name} does not exist on {profile}: {note}.',
    unknown_host: 'there is no host “{host}” in this scenario (hosts: {accepted}).',
    not_name_value: '“{value}” should look like NAME=VALUE.',
    too_long: 'the settings are longer than {max} characters.',
    bad_seed: '“{value}” is not a seed: use a whole number below 2^53.',
    bad_step: 'step {value} does not exist (the last is {max}).',
    bad_version: 'this link was made for format version {value}, and this page reads version 1.',
    bad_lang: 'there is no language “{value}”; the page speaks en and zh.',
    no_randomness: 'the browser gave no randomness for a new seed.',
    internal: 'something went wrong: {message}',
  },
  values: [
    // Outcome values are produced in English by the simulator; these read them.
    [/^TIME-WAIT for (.+) s$/, 'TIME-WAIT for {1} s'],
    [/^no TIME-WAIT$/, 'no TIME-WAIT'],
    [/^true$/, 'yes'],
    [/^false$/, 'no'],
    [/^(.+) at (\d+\.\d+)$/, '{1} at {2} s'],
  ],
  scenarios: {
    handshake: {
      title: 'The three-way handshake',
      story: [
        'The server calls listen(); the client calls connect(). The client’s SYN puts a request in the server’s SYN queue, and the server answers with one segment that does two jobs: it acknowledges the client’s SYN and carries the server’s own SYN.',
        'The client’s ACK completes the handshake: the server turns the request into a full socket, queues it for accept(), and accept() hands it to the application.',
      ],
      notice: [
        'SYN-ACK is one segment: the ACK of the client’s SYN and the server’s own SYN together.',
        'Each side picks its own initial sequence number; the diagram counts from 0 as Wireshark does. Linux picks them as RFC 6528 says: a keyed hash of the four-tuple plus a clock.',
        'The server is SYN-RECEIVED only as a request in the SYN queue; the full socket exists from the third segment on.',
      ],
      facts: { client_state: 'client state', server_state: 'server state', client_isn: 'client ISN', server_isn: 'server ISN' },
    },
    'rst-closed-port': {
      title: 'A SYN to a closed port',
      story: [
        'Nothing listens on port 8080. The server’s TCP answers the SYN with a RST that acknowledges it, and the client’s connect() fails with ECONNREFUSED (“Connection refused”).',
      ],
      notice: [
        'The RST carries ACK, and its acknowledgment number is the SYN’s sequence number plus one: that is what makes the client accept it (tcp_v4_send_reset).',
        'Set listen=1 and the same SYN is answered with a SYN-ACK instead.',
      ],
      facts: { connect: 'connect() returned', server_resets_sent: 'RSTs the server sent' },
    },
    'close-four-way': {
      title: 'The four-way close',
      story: [
        'The client closes first: its FIN moves it to FIN-WAIT-1. The server’s TCP acknowledges the FIN on its own and tells the application that the stream ended (read() returns 0): CLOSE-WAIT. The client, its FIN acknowledged, waits in FIN-WAIT-2.',
        'Half a second later the server’s application closes too. Its FIN moves it to LAST-ACK; the client acknowledges it and enters TIME-WAIT, where it stays 60 seconds.',
      ],
      notice: [
        'The lone FIN is acknowledged by the delayed-ACK timer one jiffy (4 ms at HZ 250) later, not at once.',
        'Only the side that closed first keeps TIME-WAIT; the other side is gone as soon as its FIN is acknowledged.',
        'Set close_delay_ms=0 and the server closes within that jiffy: its ACK rides on its FIN and the close takes three segments.',
      ],
      facts: { close_segments: 'segments in the close', client: 'client', server: 'server' },
    },
    'close-three-way': {
      title: 'A close in three segments',
      story: [
        'Data has flowed, so the server’s delayed-ACK timer now waits tens of milliseconds instead of one jiffy. The server’s application closes within that wait, so the ACK of the client’s FIN is not sent on its own: it rides on the server’s FIN.',
      ],
      notice: [
        'FIN, FIN-ACK, ACK: three segments, not four. Nothing here is a special “three-way close” mode; it is the delayed ACK at work.',
        'Raise close_delay_ms above the delayed-ACK timeout and the fourth segment comes back.',
      ],
      facts: { close_segments: 'segments in the close', client: 'client', server: 'server' },
    },
    'close-simultaneous': {
      title: 'Both ends close at once',
      story: [
        'Both applications call shutdown() at the same moment. Each FIN crosses the other on the wire, so each side receives a FIN while its own is not yet acknowledged: FIN-WAIT-1, then CLOSING.',
        'When the ACKs arrive, both sides enter TIME-WAIT.',
      ],
      notice: [
        'CLOSING exists only for this crossing: a FIN received in FIN-WAIT-1.',
        'Both ends keep TIME-WAIT, because both closed “first”.',
        'Set offset_ms to delay the server’s close and the crossing becomes an ordinary four-way close.',
      ],
      facts: {
        client_reached_closing: 'client went through CLOSING',
        server_reached_closing: 'server went through CLOSING',
        client_reached_time_wait: 'client reached TIME-WAIT',
        server_reached_time_wait: 'server reached TIME-WAIT',
        segments: 'segments',
      },
    },
    'time-wait-lost-ack': {
      title: 'TIME-WAIT saves a lost last ACK',
      story: [
        'The client’s last ACK is lost. The server, still in LAST-ACK, retransmits its FIN when its retransmission timer fires.',
        'The client is in TIME-WAIT, so it still knows this connection: it acknowledges the FIN again and restarts its 60 seconds. The server closes cleanly.',
      ],
      notice: [
        'This is the first reason TIME-WAIT exists: to answer a retransmitted FIN.',
        'Set skip_time_wait=1 (a counterfactual, not what Linux does) and the retransmitted FIN meets no socket: the client answers with a RST.',
      ],
      facts: {
        close_segments: 'segments in the close',
        client: 'client',
        server: 'server',
        client_resets_sent: 'RSTs the client sent',
        retransmitted_fin_answered_with: 'the retransmitted FIN was answered with',
      },
    },
    'time-wait-syn': {
      title: 'A new SYN meets TIME-WAIT',
      story: [
        'The server closed first, so the server holds the four-tuple in TIME-WAIT. The client connects again from the same port.',
        'Linux lets a SYN reuse a TIME-WAIT four-tuple when it is clearly new: its sequence number is above the old connection’s, or (with timestamps) its timestamp is newer. The server then picks an ISN above the old sequence space: the old snd_nxt + 65535 + 2.',
      ],
      notice: [
        'An old duplicate SYN (sequence number below the old rcv_nxt) is not allowed through: it gets the old connection’s ACK instead (tcp_timewait_state_process).',
        'With timestamps on, PAWS compares timestamps rather than sequence numbers.',
      ],
      facts: { time_wait_reused: 'the SYN reused the TIME-WAIT', time_wait_acks: 'ACKs from TIME-WAIT', second_connect: 'second connect()' },
    },
    'time-wait-rst': {
      title: 'A RST reaches TIME-WAIT',
      story: [
        'Five seconds into the client’s TIME-WAIT a RST arrives for the old connection. RFC 1337 calls this TIME-WAIT assassination: the RST ends TIME-WAIT early, and its protection with it.',
        'Linux follows the RFC’s fix only when tcp_rfc1337=1: then every RST is ignored in TIME-WAIT.',
      ],
      notice: [
        'With tcp_rfc1337=0 (the default) a RST whose sequence number is exactly rcv_nxt ends TIME-WAIT at once.',
        'A RST at any other sequence number is ignored either way (set rst_offset).',
        'Set tcp_rfc1337=1: the RST is ignored and the 60 seconds run to the end.',
      ],
      facts: { close_segments: 'segments in the close', client: 'client', server: 'server' },
    },
    'synack-timeout': {
      title: 'A SYN whose sender vanishes',
      story: [
        'The client sends a SYN and its host crashes before the SYN-ACK arrives. The server keeps the request in its SYN queue and its request timer retransmits the SYN-ACK, doubling the wait each time: 1, 3, 7, 15 and 31 seconds after the first.',
        'With the default tcp_synack_retries=5 the request is dropped at 63 seconds (reqsk_timer_handler). Nothing is ever sent to say so: the client is gone.',
      ],
      notice: [
        'A request costs the server a SYN-queue slot for a whole minute: this is what a SYN flood exploits.',
        'Set tcp_synack_retries=2 on the server and the request is gone after 7 seconds.',
        'On a real kernel the timer wheel fires these timers a little late (up to about 2 s for the last ones); here they fire on time.',
      ],
      facts: { synack_times: 'SYN-ACKs sent at', request_dropped_after: 'request dropped after', syn_queue_left: 'requests left in the SYN queue' },
    },
    'syn-retries': {
      title: 'connect() to a host that is down',
      story: [
        'The server’s host is down, so nothing answers. The client’s SYN is retransmitted; since Linux 6.5 the first four retransmissions come one second apart (tcp_syn_linear_timeouts=4), and after that the wait doubles.',
        'With tcp_syn_retries=6 the SYNs go at 0, 1, 2, 3, 4, 5, 7, 11, 19, 35 and 67 s, and connect() fails with ETIMEDOUT at 131 s.',
      ],
      notice: [
        'Many articles still say 1, 2, 4, 8 s: that was true before Linux 6.5.',
        'Set tcp_syn_linear_timeouts=0 for the old schedule: 0, 1, 3, 7, 15, 31, 63 s and ETIMEDOUT at 127 s.',
        'tcp_syn_retries counts the retransmissions after the linear ones, and connect() also gives up by time (tcp_write_timeout).',
      ],
      facts: { syn_times: 'SYNs sent at', connect: 'connect()' },
    },
    'fin-wait-2-timeout': {
      title: 'A FIN that never comes',
      story: [
        'The client closes; its FIN is acknowledged, so it waits in FIN-WAIT-2 for the server’s FIN. The server’s application never closes.',
        'The client’s application has let go of the socket (an orphan), so Linux does not wait forever: after tcp_fin_timeout (60 s) the FIN-WAIT-2 is gone. When the server’s FIN finally comes, no socket knows it, and it is answered with a RST.',
      ],
      notice: [
        'tcp_fin_timeout is about FIN-WAIT-2 of orphaned sockets, not about TIME-WAIT: TIME-WAIT is always 60 s on Linux.',
        'Set late_fin_s=10: the FIN arrives while FIN-WAIT-2 still waits, is acknowledged, and the client enters TIME-WAIT.',
      ],
      facts: { fin_wait_2: 'FIN-WAIT-2', late_fin_answered_with: 'the late FIN was answered with' },
    },
    'half-open-crash': {
      title: 'The client crashes and comes back',
      story: [
        'The client crashes at 2 s and boots again at 3 s. The server knows nothing of it and still holds the connection: half-open.',
        'At 3.5 s the client connects again from the same port. Its SYN reaches the server’s established connection, which answers with a challenge ACK (RFC 5961). The client, in SYN-SENT, answers that ACK with a RST, which is exactly in the server’s window: the old connection is reset and the server’s read() fails with ECONNRESET. The client’s SYN goes again 8 ms later and connects.',
      ],
      notice: [
        'The retry comes after two jiffies (TCP_TIMEOUT_MIN), not after a one-second RTO: Linux 5.6 and later re-arm the SYN timer when SYN-SENT meets an unacceptable ACK.',
        'Set server_writes=1: the server writes while the client is down, its retransmission reaches the rebooted client, which answers with a RST; the reconnect then finds nothing in its way.',
      ],
      facts: { new_connection: 'new connection', server_old_connection: 'the server’s read() on the old connection', challenge_acks: 'challenge ACKs sent' },
    },
    'isn-fixed': {
      title: 'Why the ISN must not be fixed',
      story: [
        'Both hosts use the same initial sequence number for every connection. The network makes a copy of each of the client’s 10 data segments and a router holds the copies for 5 seconds.',
        'The connection closes, the client crashes (losing its TIME-WAIT), boots, and connects again from the same port. Same addresses, same ports, same ISNs: when the router releases the copies, they fit the new connection exactly, and the server’s application reads 1000 bytes the new client never sent.',
      ],
      notice: [
        'Set isn=rfc6528 (what Linux does): the new connection starts elsewhere in sequence space and the copies fall outside its window. isn=clock (RFC 793’s 4 µs clock) and isn=random do the same here, but a clock is guessable (isn-predict).',
        'Timestamps are off here: set tcp_timestamps=1 and PAWS rejects the copies whatever the ISN.',
        'Set router_msl_s below hold_s: the router drops the copies before they can do harm.',
      ],
      facts: { stale_copies_released: 'copies released by the router', stale_bytes_read_on_connection_2: 'stale bytes read on the new connection' },
    },
    'time-wait-stale-data': {
      title: 'TIME-WAIT outlives a delayed duplicate',
      story: [
        'The client sends 100 bytes; the network makes a copy that a router holds for 20 seconds. The client closes first and tries to connect again from the same port at once.',
        'TIME-WAIT still holds the four-tuple, and without timestamps Linux will not reuse it: connect() fails with EADDRNOTAVAIL, and the client retries every 10 seconds. By the time TIME-WAIT ends (60 s), the copy has long been released and refused: the new connection starts clean.',
      ],
      notice: [
        'Set skip_time_wait=1 (a counterfactual, not Linux): the client reconnects at 1.1 s and, with a fixed ISN, the copy lands inside the new connection’s window.',
        'This is the second reason TIME-WAIT exists: 60 s is longer than a segment can survive in the network.',
        'Set router_msl_s=10: the router drops the copy before it is released.',
      ],
      facts: {
        reconnected_at: 'connected again at',
        reconnects_refused: 'reconnects refused',
        stale_copy: 'the delayed copy',
        stale_bytes_read_on_connection_2: 'stale bytes read on the new connection',
      },
    },
    'close-unread-data': {
      title: 'close() with unread data',
      story: [
        'The client sends 100 bytes; the server’s application closes the connection without reading them.',
        'Closing a socket with unread data loses data the peer believes delivered, so Linux does not send a FIN: it sends a RST (RFC 2525; tcp_close counts TcpExtTCPAbortOnClose), and the client’s read() fails with ECONNRESET.',
      ],
      notice: [
        'A RST here is not an error of the network: it tells the client that its data was thrown away.',
        'Set read_first=1: the server reads first, and the close is an ordinary FIN.',
      ],
      facts: { server_close_sent: 'close() sent', client_read: 'the client’s read()', abort_on_close: 'TcpExtTCPAbortOnClose' },
    },
    'so-linger-rst': {
      title: 'SO_LINGER {on, 0}: the “fix” for TIME-WAIT',
      story: [
        'The client sets SO_LINGER with a linger time of 0, writes 20000 bytes and closes at once. A zero linger time tells Linux to abort: close() sends a RST instead of a FIN (__tcp_close counts TcpExtTCPAbortOnData) and forgets the connection on the spot.',
        'No TIME-WAIT is left behind, which is why articles recommend it. The price: the data still in the client’s send queue is thrown away, and the server’s read() fails with ECONNRESET before it has read everything.',
      ],
      notice: [
        'The server reads only part of what the client wrote: the rest was in flight or not yet sent.',
        'Set linger=0 (an ordinary close): every byte arrives, the close is a FIN, and the client keeps TIME-WAIT for 60 s.',
      ],
      facts: { client_close_sent: 'the client’s close() sent', client_time_wait: 'the client kept TIME-WAIT', server_bytes_read: 'bytes the server read', server_read_ends_with: 'the server’s last read()' },
    },
  },
};
