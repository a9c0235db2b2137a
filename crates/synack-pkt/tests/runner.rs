//! The runner itself: scripts that must fail do, naming the line and the reason packetdrill
//! gives on a real kernel (messages compared with real packetdrill runs on Linux 6.18.44), and
//! the timing, mapping and socket rules of packetdrill hold.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use synack_pkt::{Files, Report};

/// The conformance helpers, in memory.
struct Helpers;

impl Files for Helpers {
    fn read(&self, path: &str) -> Option<String> {
        let dir = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../tests/conformance/linux-6.18/"
        );
        std::fs::read_to_string(format!("{dir}{path}")).ok()
    }
}

fn run(src: &str) -> Report {
    synack_pkt::run("t.pkt", src, &Helpers, 1)
}

fn passes(src: &str) {
    let r = run(src);
    assert!(r.passed, "expected a pass, got:\n{}", r.errors.join("\n"));
}

/// Fails at `line` with a first message line starting with `start`.
fn fails(src: &str, line: u32, start: &str) -> String {
    let r = run(src);
    assert!(!r.passed, "expected a failure at line {line}, got a pass");
    let text = r.errors.join("\n");
    assert_eq!(r.failed_line, Some(line), "{text}");
    let prefix = format!("t.pkt:{line}: {start}");
    assert!(text.contains(&prefix), "expected `{prefix}` in:\n{text}");
    text
}

/// A passive open and an accepted connection; lines 1 to 8.
const SERVER: &str = "`./defaults.sh`
0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
+0 setsockopt(3, SOL_SOCKET, SO_REUSEADDR, [1], 4) = 0
+0 bind(3, ..., ...) = 0
+0 listen(3, 1) = 0
+0 < S 0:0(0) win 32792 <mss 1000,nop,wscale 7>
+0 > S. 0:0(0) ack 1 <mss 1460,nop,wscale 10>
+.1 < . 1:1(0) ack 1 win 257
+0 accept(3, ..., ...) = 4
";

fn server(rest: &str) -> String {
    format!("{SERVER}{rest}")
}

#[test]
fn a_correct_script_passes() {
    passes(&server(
        "+.01 < F. 1:1(0) ack 1 win 257\n+.002 > . 1:1(0) ack 2\n+.5 close(4) = 0\n+0 > F. 1:1(0) ack 2\n",
    ));
}

#[test]
fn a_wrong_flag_fails_on_its_line_with_both_packets() {
    let text = fails(
        &server("+.01 < F. 1:1(0) ack 1 win 257\n+.002 > F. 1:1(0) ack 2\n"),
        11,
        "error handling packet: live packet field tcp_fin: expected: 1 (0x1) vs actual: 0 (0x0)",
    );
    assert!(
        text.contains("\nscript packet:  0.112000 F. 1:1(0) ack 2 \n"),
        "{text}"
    );
    // The lone FIN is ACKed at the next jiffy: script time 0.11175 (the run starts 250 µs into
    // a jiffy, as packetdrill's does), with the window scaled by 10.
    assert!(
        text.contains("\nactual packet:  0.111750 . 1:1(0) ack 2 win 63 "),
        "{text}"
    );
}

#[test]
fn a_segment_expected_later_than_sent_fails_as_too_early() {
    fails(
        &server("+.01 < F. 1:1(0) ack 1 win 257\n+.502 > . 1:1(0) ack 2\n"),
        11,
        "error handling packet: timing error: expected outbound packet at 0.612000 sec but happened at 0.111750 sec; tolerance 0.062750 sec",
    );
}

#[test]
fn a_segment_expected_earlier_than_sent_fails_as_too_late() {
    // The SYN-ACK retransmission comes 1 s after the first; expected at +0.5 it is late even
    // with the 12.5 % tolerance.
    fails(
        "`./defaults.sh`\n0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n+0 bind(3, ..., ...) = 0\n+0 listen(3, 1) = 0\n\
         +0 < S 0:0(0) win 32792 <mss 1000>\n+0 > S. 0:0(0) ack 1 <mss 1460>\n+.5 > S. 0:0(0) ack 1 <mss 1460>\n",
        7,
        "error handling packet: timing error: expected outbound packet at 0.500000 sec but happened at 0.999750 sec; tolerance 0.062500 sec",
    );
}

#[test]
fn a_segment_that_never_comes_times_out() {
    let text = fails(
        &server("+.01 > . 1:1(0) ack 1\n"),
        10,
        "error handling packet: Timed out waiting for packet",
    );
    assert!(
        text.contains("\nscript packet:  0.110000 . 1:1(0) ack 1 "),
        "{text}"
    );
}

#[test]
fn wrong_numbers_window_and_options_are_named() {
    fails(
        &server("+.01 < F. 1:1(0) ack 1 win 257\n+.002 > . 1:1(0) ack 3\n"),
        11,
        "error handling packet: live packet field tcp_ack_seq: expected: 3 (0x3) vs actual: 2 (0x2)",
    );
    fails(
        &server("+.01 < F. 1:1(0) ack 1 win 257\n+.002 > . 2:2(0) ack 2\n"),
        11,
        "error handling packet: live packet field tcp_seq: expected: 2 (0x2) vs actual: 1 (0x1)",
    );
    fails(
        &server("+.01 < F. 1:1(0) ack 1 win 257\n+.002 > . 1:1(0) ack 2 win 100\n"),
        11,
        "error handling packet: live packet field tcp_window: expected: 100 (0x64) vs actual: 63 (0x3f)",
    );
    let wrong_mss = SERVER.replace("<mss 1460,nop,wscale 10>", "<mss 1000,nop,wscale 10>");
    fails(
        &wrong_mss,
        7,
        "error handling packet: bad value in outbound TCP option (kind=2): expected: mss 1000 actual: mss 1460",
    );
    // A different set of options changes the header length first (`verify_ipv4`).
    let fewer = SERVER.replace("<mss 1460,nop,wscale 10>", "<mss 1460>");
    fails(
        &fewer,
        7,
        "error handling packet: live packet field ipv4_total_length: expected: 44 (0x2c) vs actual: 48 (0x30)",
    );
}

#[test]
fn wrong_results_and_errno_fail_the_call() {
    fails(
        &server("+.5 close(4) = -1 EBADF (Bad file descriptor)\n"),
        10,
        "runtime error in close call: Expected result -1 but got 0 with errno",
    );
    fails(
        "`./defaults.sh`\n0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n+0 fcntl(3, F_SETFL, O_RDWR|O_NONBLOCK) = 0\n\
         +0 connect(3, ..., ...) = -1 ECONNREFUSED (Connection refused)\n",
        4,
        "runtime error in connect call: Expected errno 111 (Connection refused) but got 115 (Operation now in progress)",
    );
}

#[test]
fn unknown_constructs_fail_naming_their_line() {
    fails(
        &server("+0 frobnicate(3) = 0\n"),
        10,
        "runtime error in frobnicate call: Unknown system call: 'frobnicate'",
    );
    fails(
        &server("+0 < Q 1:1(0) win 1\n"),
        10,
        "semantic error: Invalid TCP flag: 'Q'",
    );
    fails(&server("+0 < . 1:1 win 1\n"), 10, "parse error at 'win'");
    fails(
        &server("+0 `nstat -a`\n"),
        10,
        "error executing `nstat -a` command: `nstat -a` is not a command synack understands",
    );
    fails(
        &server("+0 setsockopt(4, SOL_SOCKET, SO_KEEPALIVE, [1], 4) = 0\n"),
        10,
        "runtime error in setsockopt call: unknown symbol: 'SO_KEEPALIVE'",
    );
    fails(
        &server("+0 %{ print(tcpi_state) }%\n"),
        10,
        "error in Python code",
    );
}

#[test]
fn helper_commands_are_checked() {
    let text = fails(
        &server("+0 `./counter.sh TcpPassiveOpens 1 TcpExtListenDrops 7`\n"),
        10,
        "error executing `./counter.sh TcpPassiveOpens 1 TcpExtListenDrops 7` command: non-zero status 1",
    );
    assert!(
        text.contains("counter TcpExtListenDrops = 0, expected 7"),
        "{text}"
    );
    passes(&server(
        "+0 `test \"$(ss -Htn state established | wc -l)\" = 1 && ./counter.sh TcpPassiveOpens 1`\n",
    ));
    fails(
        &server("+0 `test \"$(ss -Htn state established | wc -l)\" = 2`\n"),
        10,
        "error executing",
    );
    // A sysctl the profile lacks is an error, not a no-op.
    fails(
        &server("+0 `sysctl -q net.ipv4.tcp_tw_recycle=1`\n"),
        10,
        "error executing `sysctl -q net.ipv4.tcp_tw_recycle=1` command: sysctl net.ipv4.tcp_tw_recycle: `net.ipv4.tcp_tw_recycle` does not exist on linux-6.18",
    );
}

#[test]
fn code_blocks_run_after_the_script_with_the_snapshot_of_their_time() {
    let src = server(
        "+0 shutdown(4, SHUT_WR) = 0\n+0 > F. 1:1(0) ack 1\n+0 %{ assert tcpi_state == TCP_CLOSING, tcpi_state }%\n+.01 < . 1:1(0) ack 2 win 257\n",
    );
    let text = fails(&src, 12, "error in Python code");
    // The snapshot was FIN-WAIT-1 (4), although the socket moved on before the code ran.
    assert!(
        text.contains(
            "\nAssertionError: 4\nt.pkt: error executing code: 'python3' returned non-zero status 1"
        ),
        "{text}"
    );
    passes(&server(
        "+0 %{ assert tcpi_state == TCP_ESTABLISHED and tcpi_snd_mss == 1000 }%\n+0 %{ assert tcpi_options & TCPI_OPT_WSCALE and tcpi_rcv_wscale == 10 }%\n",
    ));
}

#[test]
fn sequence_numbers_are_relative_to_the_first_isn_across_incarnations() {
    // The 4-tuple's second connection is reported relative to the first one's ISN: 65539.
    let t = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/conformance/linux-6.18/time-wait.pkt"
    ))
    .unwrap();
    passes(&t);
    fails(
        &t.replace("> S. 65539:65539(0)", "> S. 1:1(0)"),
        29,
        "error handling packet: live packet field tcp_seq: expected: 1 (0x1) vs actual: 65539 (0x10003)",
    );
}

#[test]
fn an_inbound_ecr_must_echo_an_earlier_outbound_tsval() {
    let client = "`./defaults.sh`\n+0 `sysctl -q net.ipv4.tcp_timestamps=1`\n0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n\
                  +0 fcntl(3, F_SETFL, O_RDWR|O_NONBLOCK) = 0\n+0 connect(3, ..., ...) = -1 EINPROGRESS (Operation now in progress)\n";
    passes(&format!(
        "{client}+0 > S 0:0(0) <mss 1460,sackOK,TS val 100 ecr 0,nop,wscale 10>\n+0 < S. 0:0(0) ack 1 win 32792 <mss 1000,sackOK,TS val 700 ecr 100,nop,wscale 7>\n+0 > . 1:1(0) ack 1 <nop,nop,TS val 100 ecr 700>\n"
    ));
    fails(
        &format!(
            "{client}+0 > S 0:0(0) <...>\n+0 < S. 0:0(0) ack 1 win 32792 <mss 1000,sackOK,TS val 700 ecr 100,nop,wscale 7>\n"
        ),
        7,
        "error handling packet: unable to infer live TS ecr for script TS ecr 100;  no matching or preceding outbound TS val",
    );
}

#[test]
fn blocking_calls_return_when_the_host_completes_them() {
    // accept() blocks on the syscall thread until the handshake's ACK at 0.1 s.
    passes(
        "`./defaults.sh`\n0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n+0 bind(3, ..., ...) = 0\n+0 listen(3, 1) = 0\n\
         +0...0.1 accept(3, ..., ...) = 4\n+0 < S 0:0(0) win 32792 <mss 1000>\n+0 > S. 0:0(0) ack 1 <mss 1460>\n+.1 < . 1:1(0) ack 1 win 257\n+.1 close(4) = 0\n+0 > F. 1:1(0) ack 1\n",
    );
    // The same call expected to return at 0.5 s returns too early.
    fails(
        "`./defaults.sh`\n0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n+0 bind(3, ..., ...) = 0\n+0 listen(3, 1) = 0\n\
         +0...0.5 accept(3, ..., ...) = 4\n+0 < S 0:0(0) win 32792 <mss 1000>\n+0 > S. 0:0(0) ack 1 <mss 1460>\n+.1 < . 1:1(0) ack 1 win 257\n+.5 close(4) = 0\n",
        5,
        "timing error: expected system call return at 0.500000 sec but happened at 0.100000 sec",
    );
    // A call the script thinks does not block, and nothing completes: packetdrill would hang.
    fails(
        "`./defaults.sh`\n0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n+0 bind(3, ..., ...) = 0\n+0 listen(3, 1) = 0\n+0 accept(3, ..., ...) = 4\n",
        5,
        "runtime error in accept call: the call blocks and nothing in the simulation can complete it",
    );
}

#[test]
fn time_rules_of_packetdrill() {
    fails(
        "+1 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n",
        1,
        "first event should be at time 0",
    );
    fails(
        "0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n2 close(3) = 0\n1 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n",
        3,
        "time goes backward in script from 2000000 usec to 1000000 usec",
    );
    fails(
        "0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n* close(3) = 0\n",
        2,
        "semantic error: event time <star> can only be used with outbound packets",
    );
}

#[test]
fn explicit_ports_make_other_peers_whose_replies_are_not_this_socket() {
    // Two requests from ports 40001/40002 and the script's own peer: the SYN-ACKs to the
    // explicit ports are skipped by the sniffer; the one to the script's peer is matched.
    passes(
        "`./defaults.sh`\n0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n+0 bind(3, ..., ...) = 0\n+0 listen(3, 10) = 0\n\
         +0 < 40001>8080 S 100:100(0) win 32792 <mss 1000>\n+0 < 40002>8080 S 200:200(0) win 32792 <mss 1000>\n\
         +0 < S 0:0(0) win 32792 <mss 1000>\n+0 > S. 0:0(0) ack 1 <mss 1460>\n\
         +0 `test \"$(ss -Htn state syn-recv | wc -l)\" = 3`\n",
    );
}

#[test]
fn the_trace_shows_what_the_host_did() {
    let r = run(&server(
        "+.01 < F. 1:1(0) ack 1 win 257\n+.002 > . 1:1(0) ack 2\n",
    ));
    assert!(r.passed);
    // SYN, SYN-ACK, ACK, FIN, ACK: three injected, two sent by the host.
    assert_eq!(r.segments.len(), 5);
    let same = run(&server(
        "+.01 < F. 1:1(0) ack 1 win 257\n+.002 > . 1:1(0) ack 2\n",
    ));
    assert_eq!(
        format!("{:?}", r.trace),
        format!("{:?}", same.trace),
        "deterministic"
    );
}

#[test]
fn the_peer_isn_is_the_scripts_own_and_non_syn_numbers_are_relative_to_it() {
    // The peer's ISN near 2^32: relative sequence numbers cross the wrap.
    let src = SERVER
        .replace("< S 0:0(0)", "< S 4294967000:4294967000(0)")
        .replace("> S. 0:0(0) ack 1 ", "> S. 0:0(0) ack 4294967001 ");
    passes(&format!(
        "{src}+0 < P. 1:1001(1000) ack 1 win 257\n+0 > . 1:1(0) ack 1001\n"
    ));
    fails(
        &format!("{src}+0 < P. 1:1001(1000) ack 1 win 257\n+0 > . 1:1(0) ack 1000\n"),
        11,
        "error handling packet: live packet field tcp_ack_seq: expected: 1000 (0x3e8) vs actual: 1001 (0x3e9)",
    );
}

#[test]
fn an_inbound_packet_after_an_inbound_packet_is_timed_from_its_scheduled_time() {
    // The SYN-ACK retransmission is sniffed at 0.99975 s; the ACK scheduled at 0.998 s is late
    // (within tolerance) and goes at 0.99975 s; the next `+.003` inbound is anchored at 0.998 s
    // (`is_event_start_time_anchored`), so it goes at 1.001 s, not 1.00275 s.
    let r = run(
        "`./defaults.sh`\n0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n+0 bind(3, ..., ...) = 0\n+0 listen(3, 1) = 0\n\
         +0 < S 0:0(0) win 32792 <mss 1000>\n+0 > S. 0:0(0) ack 1 <mss 1460>\n+1 > S. 0:0(0) ack 1 <mss 1460>\n\
         0.998 < . 1:1(0) ack 1 win 257\n+.003 < P. 1:11(10) ack 1 win 257\n",
    );
    assert!(r.passed, "{}", r.errors.join("\n"));
    let data = r
        .segments
        .iter()
        .find(|(_, _, s)| !s.payload.is_empty())
        .unwrap();
    // Simulation time is the script's plus the 250 µs jiffy offset.
    assert_eq!(data.1.micros(), 1_001_250);
}

#[test]
fn segments_joined_to_match_one_line_take_the_last_ones_time() {
    // The immediate ACK of the data (0.1 s) and the reply's data (0.11 s) together match a
    // `> P.` line at 0.11 s, as packetdrill's `aggregate_packets` joins them (its time is the
    // last fragment's): real packetdrill passes this on Linux 6.18.44.
    passes(&server(
        "+0 < P. 1:11(10) ack 1 win 257\n+.01 write(4, ..., 10) = 10\n+0 > P. 1:11(10) ack 11\n",
    ));
    // With --strict_segments nothing is joined: the ACK alone is compared.
    fails(
        &format!(
            "--strict_segments\n{}",
            server(
                "+0 < P. 1:11(10) ack 1 win 257\n+.01 write(4, ..., 10) = 10\n+0 > P. 1:11(10) ack 11\n"
            )
        ),
        13,
        "error handling packet: live packet payload: expected 10 bytes vs actual 0 bytes",
    );
}

#[test]
fn addresses_are_the_runners_and_options_are_packetdrills() {
    // bind, connect and accept take `...` only (`ellipsis_arg`).
    fails(
        "`./defaults.sh`\n0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n+0 bind(3, {sa_family=AF_INET, sin_port=htons(40000), sin_addr=inet_addr(\"0.0.0.0\")}, 16) = 0\n",
        3,
        "runtime error in bind call: Bad type; actual: sockaddr_in expected: ellipsis",
    );
    // --bind_port moves the listener and the script's socket together.
    passes(&format!(
        "--bind_port=9090\n{SERVER}+0 `test \"$(ss -Htn state established | wc -l)\" = 1`\n"
    ));
    fails(
        &format!("--wire_client\n{SERVER}"),
        1,
        "option '--wire_client' is not simulated by synack",
    );
    fails(
        &format!("--tolerance_usecs=0\n{SERVER}"),
        1,
        "bad --tolerance_usecs: 0",
    );
}

#[test]
fn ts_val_is_checked_only_with_tcp_ts_tick_usecs() {
    // The SYN's TSval is its clock: 100 is not what the host sends, and only the option makes
    // that matter.
    let client = "`./defaults.sh`\n+0 `sysctl -q net.ipv4.tcp_timestamps=2`\n0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n\
                  +0 fcntl(3, F_SETFL, O_RDWR|O_NONBLOCK) = 0\n+0 connect(3, ..., ...) = -1 EINPROGRESS (Operation now in progress)\n\
                  +0 > S 0:0(0) <mss 1460,sackOK,TS val 100 ecr 0,nop,wscale 10>\n\
                  +0 < S. 0:0(0) ack 1 win 32792 <mss 1000,sackOK,TS val 700 ecr 100,nop,wscale 7>\n\
                  +.5 > . 1:1(0) ack 1 <nop,nop,TS val 900 ecr 700>\n";
    // Without the option nothing about TS val is compared (the ACK goes at once, not at +.5:
    // a timing error, not a TS error).
    let text = fails(client, 8, "error handling packet: timing error");
    assert!(!text.contains("timestamp"), "{text}");
    let fixed = client.replace(
        "+.5 > . 1:1(0) ack 1 <nop,nop,TS val 900",
        "+0 > . 1:1(0) ack 1 <nop,nop,TS val 900",
    );
    passes(&fixed);
    fails(
        &format!("--tcp_ts_tick_usecs=1000\n{fixed}"),
        9,
        "error handling packet: bad outbound TCP timestamp value, tolerance 4000",
    );
}
