//! Each scenario's outcome on both sides of the knob that matters (DESIGN.md's last column), and
//! a reviewed snapshot of its text trace.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // tests may fail loudly

use synack_core::scenario::{self, Fact, render_text};

fn run(id: &str, sets: &[(&str, &str)]) -> (Vec<Fact>, String) {
    let sc = scenario::find(id).unwrap();
    let mut p = sc.params(1);
    for (n, v) in sets {
        sc.set(&mut p, n, v).unwrap();
    }
    let sim = sc.run(&p);
    assert!(!sim.stopped(), "{id}: the run hit a limit");
    let outcome = sc.outcome(&sim, &p);
    // The scenario's own text: the full trace, or the flood's summary per second.
    let text = sc.text(&sim, &outcome);
    (outcome, text)
}

fn get<'a>(facts: &'a [Fact], key: &str) -> &'a str {
    facts
        .iter()
        .find(|f| f.key == key)
        .map(|f| f.value.as_str())
        .unwrap_or_else(|| panic!("no fact {key}"))
}

#[test]
fn handshake_both_established_with_and_without_timestamps() {
    let (o, text) = run("handshake", &[]);
    assert_eq!(get(&o, "client_state"), "ESTABLISHED");
    assert_eq!(get(&o, "server_state"), "ESTABLISHED");
    assert!(
        text.contains("options [mss 1460,sackOK,TS val"),
        "SYN options in Linux's order"
    );
    insta::assert_snapshot!("handshake", text);
    let (o, text) = run("handshake", &[("tcp_timestamps", "0")]);
    assert_eq!(get(&o, "server_state"), "ESTABLISHED");
    assert!(text.contains("options [mss 1460,nop,nop,sackOK,nop,wscale 10]"));
    // Without timestamps the SYN-ACK offers 64240 (rounddown(65536, 1460)), with them 65160.
    assert!(
        text.contains("Flags [S.]") && text.contains("win 64240, options [mss 1460,nop,nop,sackOK")
    );
}

#[test]
fn the_isn_strategy_is_set_per_host_or_for_both() {
    let fixed = scenario::FIXED_ISN.to_string();
    let (linux, _) = run("handshake", &[]);
    let (client, _) = run("handshake", &[("client.isn", "fixed")]);
    assert_eq!(get(&client, "client_isn"), fixed);
    assert_eq!(get(&client, "server_isn"), get(&linux, "server_isn"));
    let (both, _) = run("handshake", &[("isn", "fixed")]);
    assert_eq!(get(&both, "client_isn"), fixed);
    assert_eq!(get(&both, "server_isn"), fixed);
    // The scenario's own default wins over the common one: isn-fixed starts fixed.
    let sc = scenario::find("isn-fixed").unwrap();
    let isn = sc.all_settings().find(|s| s.name == "isn").unwrap();
    assert_eq!(isn.choices[usize::try_from(isn.default).unwrap()], "fixed");
    assert_eq!(sc.all_settings().filter(|s| s.name == "isn").count(), 1);
}

#[test]
fn rst_closed_port_refuses_and_listener_accepts() {
    let (o, text) = run("rst-closed-port", &[]);
    assert_eq!(get(&o, "connect"), "ECONNREFUSED");
    assert!(
        text.contains("Flags [R.], seq 0, ack"),
        "RST/ACK with seq 0 (tcp_v4_send_reset)"
    );
    insta::assert_snapshot!("rst-closed-port", text);
    let (o, _) = run("rst-closed-port", &[("listen", "1")]);
    assert_eq!(get(&o, "connect"), "0");
}

#[test]
fn close_four_way_leaves_the_closer_in_time_wait_for_60_s() {
    let (o, text) = run("close-four-way", &[]);
    assert_eq!(get(&o, "close_segments"), "4");
    // Armed in the middle of a 4 ms jiffy, the 60 s timer fires up to one jiffy early.
    assert_eq!(get(&o, "client"), "TIME-WAIT for 59.998 s");
    assert_eq!(get(&o, "server"), "no TIME-WAIT");
    // The lone FIN is acknowledged one jiffy later by the delayed-ACK timer (ato is still 0).
    assert!(text.contains("1.028000 server   TcpExtDelayedACKs = 1"));
    insta::assert_snapshot!("close-four-way", text);
    // A passive side that closes at once, within the jiffy, sends its ACK with its FIN.
    let (o, _) = run("close-four-way", &[("close_delay_ms", "0")]);
    assert_eq!(get(&o, "close_segments"), "3");
}

#[test]
fn close_three_way_rides_the_ack_on_the_fin_within_ato() {
    let (o, text) = run("close-three-way", &[]);
    assert_eq!(get(&o, "close_segments"), "3");
    insta::assert_snapshot!("close-three-way", text);
    let (o, _) = run("close-three-way", &[("close_delay_ms", "100")]);
    assert_eq!(get(&o, "close_segments"), "4");
}

#[test]
fn close_simultaneous_reaches_closing_and_time_wait_on_both() {
    let (o, text) = run("close-simultaneous", &[]);
    for k in [
        "client_reached_closing",
        "server_reached_closing",
        "client_reached_time_wait",
        "server_reached_time_wait",
    ] {
        assert_eq!(get(&o, k), "true", "{k}");
    }
    insta::assert_snapshot!("close-simultaneous", text);
    let (o, _) = run("close-simultaneous", &[("offset_ms", "100")]);
    assert_eq!(get(&o, "server_reached_closing"), "false");
    assert_eq!(get(&o, "server_reached_time_wait"), "false");
}

#[test]
fn time_wait_lost_ack_is_acknowledged_again_and_restarts_the_timer() {
    let (o, text) = run("time-wait-lost-ack", &[]);
    assert_eq!(get(&o, "retransmitted_fin_answered_with"), "ACK");
    // TIME-WAIT restarted its 60 s when the retransmitted FIN came (at 1.241 s).
    assert_eq!(get(&o, "client"), "TIME-WAIT for 60.210 s");
    insta::assert_snapshot!("time-wait-lost-ack", text);
    let (o, text) = run("time-wait-lost-ack", &[("client.skip_time_wait", "1")]);
    assert_eq!(get(&o, "retransmitted_fin_answered_with"), "RST");
    assert!(text.contains("NOT what Linux does"));
}

#[test]
fn time_wait_syn_new_reuses_old_gets_the_old_ack() {
    let (o, text) = run("time-wait-syn", &[]);
    assert_eq!(get(&o, "time_wait_reused"), "true");
    assert!(text.contains("= old snd_nxt + 65535 + 2"));
    insta::assert_snapshot!("time-wait-syn", text);
    // The same ISN again, without timestamps: an old duplicate, answered with the old ACK; the
    // client's RST to that ACK ends TIME-WAIT, and since its SYN was not retransmitted yet it
    // sends it again after TCP_TIMEOUT_MIN (2 jiffies, `tcp_rcv_synsent_state_process` since
    // Linux 5.6), not after the 1 s RTO: that SYN connects.
    let (o, text) = run(
        "time-wait-syn",
        &[("isn_fixed", "1"), ("tcp_timestamps", "0")],
    );
    assert_eq!(get(&o, "time_wait_reused"), "false");
    assert_eq!(get(&o, "time_wait_acks"), "1");
    assert!(
        get(&o, "second_connect").starts_with("0 at 2.558"),
        "{}",
        get(&o, "second_connect")
    );
    insta::assert_snapshot!("time-wait-syn-old", text);
    // With timestamps, the newer TSval lets the same ISN through (RFC 7323 instead of seq).
    let (o, _) = run("time-wait-syn", &[("isn_fixed", "1")]);
    assert_eq!(get(&o, "time_wait_reused"), "true");
}

#[test]
fn time_wait_rst_rfc1337() {
    let (o, text) = run("time-wait-rst", &[]);
    assert_eq!(
        get(&o, "client"),
        "TIME-WAIT for 3.970 s",
        "a RST at rcv_nxt ends TIME-WAIT"
    );
    insta::assert_snapshot!("time-wait-rst", text);
    let (o, _) = run("time-wait-rst", &[("rst_offset", "1")]);
    assert_eq!(
        get(&o, "client"),
        "TIME-WAIT for 59.998 s",
        "any other RST is ignored"
    );
    let (o, text) = run("time-wait-rst", &[("tcp_rfc1337", "1")]);
    assert_eq!(
        get(&o, "client"),
        "TIME-WAIT for 59.998 s",
        "rfc1337=1 ignores it and keeps the timer"
    );
    assert!(text.contains("RST ignored in TIME-WAIT"));
}

#[test]
fn same_seed_same_trace() {
    for sc in scenario::SCENARIOS
        .iter()
        .filter(|s| !scenario::LARGE.contains(&s.id))
    {
        let p = sc.params(7);
        let a = render_text(&sc.run(&p), &[]);
        let b = render_text(&sc.run(&p), &[]);
        assert_eq!(a, b, "{}", sc.id);
    }
}

#[test]
fn synack_timeout_retransmits_at_1_3_7_15_31_and_drops_at_63() {
    let (o, text) = run("synack-timeout", &[]);
    assert_eq!(get(&o, "synack_times"), "0, 1, 3, 7, 15, 31 s");
    assert_eq!(get(&o, "request_dropped_after"), "63 s");
    assert_eq!(get(&o, "syn_queue_left"), "0");
    insta::assert_snapshot!("synack-timeout", text);
    let (o, _) = run("synack-timeout", &[("server.tcp_synack_retries", "2")]);
    assert_eq!(get(&o, "synack_times"), "0, 1, 3 s");
    assert_eq!(get(&o, "request_dropped_after"), "7 s");
}

#[test]
fn syn_retries_follow_the_profile_schedule_exactly() {
    let (o, text) = run("syn-retries", &[]);
    // linux-6.18: tcp_syn_linear_timeouts=4, then doubling; ETIMEDOUT at 131 s.
    assert_eq!(
        get(&o, "syn_times"),
        "0, 1, 2, 3, 4, 5, 7, 11, 19, 35, 67 s"
    );
    assert_eq!(get(&o, "connect"), "ETIMEDOUT after 131 s");
    insta::assert_snapshot!("syn-retries", text);
    let (o, _) = run("syn-retries", &[("tcp_syn_linear_timeouts", "0")]);
    assert_eq!(get(&o, "syn_times"), "0, 1, 3, 7, 15, 31, 63 s");
    assert_eq!(get(&o, "connect"), "ETIMEDOUT after 127 s");
    // linux-3.10 has no linear timeouts: every SYN timeout doubles, and `retransmits_timed_out`
    // gives up (2 << 6) - 1 = 127 s after the first SYN with tcp_syn_retries=6.
    let (o, _) = run("syn-retries", &[("client.profile", "linux-3.10")]);
    assert_eq!(get(&o, "syn_times"), "0, 1, 3, 7, 15, 31, 63 s");
    assert_eq!(get(&o, "connect"), "ETIMEDOUT after 127 s");
    let (o, _) = run(
        "syn-retries",
        &[
            ("client.profile", "linux-3.10"),
            ("client.tcp_syn_retries", "3"),
        ],
    );
    assert_eq!(get(&o, "syn_times"), "0, 1, 3, 7 s");
    assert_eq!(get(&o, "connect"), "ETIMEDOUT after 15 s");
}

#[test]
fn a_profile_sets_defaults_under_the_knobs_whatever_the_order() {
    let sc = scenario::find("isn-fixed").unwrap();
    // The scenario's own `tcp_timestamps=0` and the reader's knob, given before the profile,
    // land on top of the profile's defaults.
    let mut p = sc.params(1);
    sc.set_all(
        &mut p,
        &[
            ("server.tcp_synack_retries", "2"),
            ("server.tcp_tw_recycle", "1"),
            ("server.profile", "linux-3.10"),
        ],
    )
    .unwrap();
    let server = &p.hosts[1];
    assert_eq!(server.profile.name(), "linux-3.10");
    assert_eq!(server.sysctl.tcp_synack_retries, 2);
    assert_eq!(server.sysctl.tcp_tw_recycle, 1);
    assert_eq!(server.sysctl.tcp_timestamps, 0);
    assert_eq!(server.sysctl.somaxconn, 128);
    assert_eq!(server.sysctl.ip_local_port_range, (32768, 61000));
    assert_eq!(p.hosts[0].profile.name(), "linux-6.18");
    assert_eq!(p.hosts[0].sysctl.tcp_synack_retries, 5);
    // A knob the host's profile lacks is an error naming the profile, both ways.
    let mut p = sc.params(1);
    let e = sc.set(&mut p, "server.tcp_tw_recycle", "1").unwrap_err();
    assert!(
        e.to_string().contains("does not exist on linux-6.18"),
        "{e}"
    );
    sc.set(&mut p, "server.profile", "linux-3.10").unwrap();
    let e = sc
        .set(&mut p, "server.tcp_syn_linear_timeouts", "4")
        .unwrap_err();
    assert!(
        e.to_string().contains("does not exist on linux-3.10"),
        "{e}"
    );
    // Both hosts: the 6.18 client lacks it.
    let e = sc.set_all(&mut p, &[("tcp_tw_recycle", "1")]).unwrap_err();
    assert!(e.to_string().contains("linux-6.18"), "{e}");
}

#[test]
fn fin_wait_2_of_an_orphan_ends_after_tcp_fin_timeout() {
    let (o, text) = run("fin-wait-2-timeout", &[]);
    // Entered mid-jiffy, the timer fires up to one jiffy (4 ms) early, as on Linux.
    assert_eq!(get(&o, "fin_wait_2"), "ended after 59.999 s");
    assert_eq!(get(&o, "late_fin_answered_with"), "RST");
    insta::assert_snapshot!("fin-wait-2-timeout", text);
    let (o, _) = run("fin-wait-2-timeout", &[("client.tcp_fin_timeout", "30")]);
    assert_eq!(get(&o, "fin_wait_2"), "ended after 29.999 s");
    // A FIN before the timeout still finds FIN-WAIT-2, which ACKs it.
    let (o, _) = run("fin-wait-2-timeout", &[("late_fin_s", "10")]);
    assert_eq!(get(&o, "late_fin_answered_with"), "ACK");
}

#[test]
fn half_open_crash_recovers_through_a_challenge_ack() {
    let (o, text) = run("half-open-crash", &[]);
    // The SYN meets the half-open connection: challenge ACK, the client's RST clears it, and
    // the SYN goes again after TCP_TIMEOUT_MIN (2 jiffies), not 1 s (tcp_rcv_synsent_state_process).
    assert_eq!(get(&o, "challenge_acks"), "1");
    assert_eq!(get(&o, "server_old_connection"), "ECONNRESET");
    assert_eq!(
        get(&o, "new_connection"),
        "ESTABLISHED 0.026 s after its first SYN (2 SYNs)"
    );
    insta::assert_snapshot!("half-open-crash", text);
    // A server write while the client is down draws a RST once it is up: the reconnect is clean.
    let (o, _) = run("half-open-crash", &[("server_writes", "1")]);
    assert_eq!(get(&o, "challenge_acks"), "0");
    assert_eq!(get(&o, "server_old_connection"), "ECONNRESET");
    assert_eq!(
        get(&o, "new_connection"),
        "ESTABLISHED 0.01 s after its first SYN (1 SYNs)"
    );
}

#[test]
fn a_fixed_isn_lets_a_dead_connections_data_into_the_next() {
    let (o, text) = run("isn-fixed", &[]);
    assert_eq!(get(&o, "stale_copies_released"), "10");
    assert_eq!(get(&o, "stale_bytes_read_on_connection_2"), "1000");
    insta::assert_snapshot!("isn-fixed", text);
    let (o, _) = run("isn-fixed", &[("isn", "rfc6528")]);
    assert_eq!(get(&o, "stale_bytes_read_on_connection_2"), "0");
    // PAWS rejects the copies whatever the ISN once timestamps are on.
    let (o, _) = run("isn-fixed", &[("tcp_timestamps", "1")]);
    assert_eq!(get(&o, "stale_bytes_read_on_connection_2"), "0");
    // RFC 793's clock and a random ISN also move connection 2 away from the copies.
    for isn in ["clock", "random"] {
        let (o, _) = run("isn-fixed", &[("isn", isn)]);
        assert_eq!(get(&o, "stale_bytes_read_on_connection_2"), "0", "{isn}");
    }
}

#[test]
fn time_wait_blocks_the_4_tuple_until_the_stale_copy_is_gone() {
    let (o, text) = run("time-wait-stale-data", &[]);
    assert_eq!(get(&o, "reconnected_at"), "61.1 s");
    assert_eq!(get(&o, "reconnects_refused"), "6");
    assert_eq!(get(&o, "stale_bytes_read_on_connection_2"), "0");
    insta::assert_snapshot!("time-wait-stale-data", text);
    let (o, _) = run("time-wait-stale-data", &[("client.skip_time_wait", "1")]);
    assert_eq!(get(&o, "reconnected_at"), "1.1 s");
    assert_eq!(get(&o, "stale_bytes_read_on_connection_2"), "100");
    let (o, _) = run(
        "time-wait-stale-data",
        &[("client.skip_time_wait", "1"), ("router_msl_s", "10")],
    );
    assert_eq!(get(&o, "stale_copy"), "expired in the router");
    assert_eq!(get(&o, "stale_bytes_read_on_connection_2"), "0");
}

#[test]
fn closing_with_unread_data_sends_a_rst() {
    let (o, text) = run("close-unread-data", &[]);
    assert_eq!(get(&o, "server_close_sent"), "RST");
    assert_eq!(get(&o, "client_read"), "ECONNRESET");
    assert_eq!(get(&o, "abort_on_close"), "1");
    insta::assert_snapshot!("close-unread-data", text);
    let (o, _) = run("close-unread-data", &[("read_first", "1")]);
    assert_eq!(get(&o, "server_close_sent"), "FIN");
    assert_eq!(get(&o, "client_read"), "0");
    assert_eq!(get(&o, "abort_on_close"), "0");
}

#[test]
fn so_linger_zero_aborts_with_a_rst_and_loses_data() {
    let (o, text) = run("so-linger-rst", &[]);
    assert_eq!(get(&o, "client_close_sent"), "RST");
    assert_eq!(get(&o, "client_time_wait"), "no");
    assert_ne!(get(&o, "server_bytes_read"), "20000 of 20000");
    assert_eq!(get(&o, "server_read_ends_with"), "ECONNRESET");
    insta::assert_snapshot!("so-linger-rst", text);
    let (o, _) = run("so-linger-rst", &[("linger", "0")]);
    assert_eq!(get(&o, "client_close_sent"), "FIN");
    assert_eq!(get(&o, "client_time_wait"), "yes");
    assert_eq!(get(&o, "server_bytes_read"), "20000 of 20000");
    assert_eq!(get(&o, "server_read_ends_with"), "0");
}

#[test]
fn syn_flood_cookies_let_the_real_client_through() {
    // tcp_syncookies=1 (the default): the flood fills the SYN queue (backlog 8 holds 9 requests) by
    // 0.8 s; the client's SYN at 1 s gets a cookie and its ACK alone connects.
    let (o, text) = run("syn-flood", &[]);
    assert_eq!(get(&o, "client_answered_with"), "a SYN cookie");
    assert_eq!(get(&o, "client_connect"), "0 at 1.010000");
    assert_eq!(get(&o, "spoofed_syns"), "100");
    assert!(text.lines().count() < 100, "a summary, not the full trace");
    insta::assert_snapshot!("syn-flood", text);
    // 0: every SYN of the client (at 1, 2, 3, 4, 5, 6 and 8 s) is dropped.
    let (o, _) = run("syn-flood", &[("tcp_syncookies", "0")]);
    assert_eq!(get(&o, "client_connect"), "blocked");
    assert_eq!(get(&o, "client_syns"), "7");
    assert_eq!(get(&o, "client_syns_dropped"), "7");
    assert_eq!(get(&o, "client_answered_with"), "nothing");
    // 2: a cookie for every SYN, flood or not.
    let (o, _) = run("syn-flood", &[("tcp_syncookies", "2"), ("syn_rate", "0")]);
    assert_eq!(get(&o, "client_answered_with"), "a SYN cookie");
    assert_eq!(get(&o, "syn_cookies_sent"), "1");
}

#[test]
fn syn_flood_without_cookies_depends_on_the_queues_and_the_request_timer() {
    // A backlog larger than the flood leaves room: the client's SYN makes a request.
    let (o, _) = run("syn-flood", &[("tcp_syncookies", "0"), ("backlog", "1000")]);
    assert_eq!(get(&o, "client_answered_with"), "a SYN-ACK from a request");
    assert_eq!(get(&o, "client_connect"), "0 at 1.010000");
    // ... unless tcp_max_syn_backlog keeps its last quarter for proven peers: the client is not one.
    let (o, _) = run(
        "syn-flood",
        &[
            ("tcp_syncookies", "0"),
            ("backlog", "1000"),
            ("tcp_max_syn_backlog", "8"),
        ],
    );
    assert_eq!(get(&o, "client_connect"), "blocked");
    assert_eq!(get(&o, "client_syns_dropped"), "7");
    // With tcp_synack_retries=0 a spoofed request lasts 1 s: the client's second SYN finds room.
    let (o, _) = run(
        "syn-flood",
        &[("tcp_syncookies", "0"), ("tcp_synack_retries", "0")],
    );
    assert_eq!(get(&o, "client_connect"), "0 at 2.010000");
    assert_eq!(get(&o, "client_syns_dropped"), "1");
}

#[test]
#[allow(clippy::disallowed_methods)] // the wall-clock time of a run is what this test measures
fn syn_flood_of_thousands_of_syns_runs_fast() {
    let start = std::time::Instant::now();
    let (o, _) = run("syn-flood", &[("syn_rate", "2000")]);
    assert_eq!(get(&o, "spoofed_syns"), "20000");
    assert_eq!(get(&o, "client_answered_with"), "a SYN cookie");
    // Well under a second in release; a debug build of the test is given some slack.
    let took = start.elapsed();
    assert!(took.as_secs_f64() < 2.0, "20000 SYNs took {took:?}");
}

#[test]
fn accept_overflow_drops_the_ack_or_resets() {
    // tcp_abort_on_overflow=0: the ACK is dropped, the SYN-ACK goes again on the request timer,
    // each ACK of it (a challenge ACK from the established client) is dropped again.
    let (o, text) = run("accept-overflow", &[]);
    assert_eq!(get(&o, "handshake_ack"), "dropped");
    assert_eq!(get(&o, "synack_retransmitted_at"), "1.012, 3.012, 7.012 s");
    assert_eq!(get(&o, "client_read"), "blocked");
    assert_eq!(get(&o, "listen_overflows"), "4");
    insta::assert_snapshot!("accept-overflow", text);
    // 1: a RST, and the client's read fails.
    let (o, _) = run("accept-overflow", &[("tcp_abort_on_overflow", "1")]);
    assert_eq!(get(&o, "handshake_ack"), "answered with a RST");
    assert_eq!(get(&o, "synack_retransmitted_at"), "none");
    assert_eq!(get(&o, "client_read"), "ECONNRESET");
    // backlog 2: the accept queue holds 3, room for the two local connections and the client.
    let (o, _) = run("accept-overflow", &[("backlog", "2")]);
    assert_eq!(get(&o, "handshake_ack"), "accepted");
    assert_eq!(get(&o, "listen_overflows"), "0");
}

#[test]
fn isn_predict_succeeds_against_a_clock_and_fails_against_rfc_6528() {
    let (o, text) = run("isn-predict", &[]);
    assert_eq!(get(&o, "guessed_isn"), get(&o, "server_isn"));
    assert_eq!(get(&o, "spoofed_connection"), "ESTABLISHED");
    assert_eq!(get(&o, "server_read"), "21 bytes");
    insta::assert_snapshot!("isn-predict", text);
    for (isn, established) in [("rfc6528", false), ("fixed", true), ("random", false)] {
        let (o, _) = run("isn-predict", &[("isn", isn)]);
        assert_eq!(
            get(&o, "spoofed_connection") == "ESTABLISHED",
            established,
            "{isn}"
        );
        assert_eq!(
            get(&o, "guessed_isn") == get(&o, "server_isn"),
            established,
            "{isn}"
        );
    }
    let (o, _) = run("isn-predict", &[("isn", "rfc6528")]);
    assert_eq!(get(&o, "spoofed_connection"), "SYN-RECEIVED");
    assert_eq!(get(&o, "server_read"), "blocked");
}

// ============================================================================
// Core 4: ports and TIME-WAIT at scale
// ============================================================================

/// The client's local ports, in the order its connections took them.
fn client_ports(id: &str, sets: &[(&str, &str)]) -> Vec<u16> {
    let sc = scenario::find(id).unwrap();
    let mut p = sc.params(1);
    for (n, v) in sets {
        sc.set(&mut p, n, v).unwrap();
    }
    let sim = sc.run(&p);
    sim.trace()
        .iter()
        .filter(|e| e.host() == Some(synack_core::trace::HostId(0)))
        .filter_map(|e| match &e.kind {
            synack_core::trace::EventKind::State {
                conn,
                to: synack_core::tcp::State::SynSent,
                ..
            } => Some(conn.local.port),
            _ => None,
        })
        .collect()
}

#[test]
#[allow(clippy::disallowed_methods)] // the wall-clock time of a run is part of what this test checks
fn port_exhaustion_fails_after_exactly_the_ports_of_the_default_range() {
    let start = std::time::Instant::now();
    let (o, text) = run("port-exhaustion", &[]);
    let took = start.elapsed();
    assert_eq!(get(&o, "connections_made"), "28232");
    assert_eq!(
        get(&o, "first_failure"),
        "EADDRNOTAVAIL at connect() #28233 (28.242000 s)"
    );
    assert_eq!(get(&o, "client_time_wait_peak"), "28232");
    assert_eq!(get(&o, "time_wait_reused"), "0");
    assert!(text.lines().count() < 60, "a summary, not the full trace");
    insta::assert_snapshot!("port-exhaustion", text);
    // A debug build; release takes about a second.
    assert!(took.as_secs_f64() < 60.0, "port-exhaustion took {took:?}");
}

#[test]
fn port_exhaustion_never_fails_with_tw_reuse_and_timestamps() {
    let (o, text) = run("port-exhaustion", &[("tcp_tw_reuse", "1")]);
    assert_eq!(get(&o, "first_failure"), "none");
    assert_eq!(get(&o, "connections_made"), "30000");
    assert!(get(&o, "time_wait_reused").parse::<u64>().unwrap() > 1000);
    insta::assert_snapshot!("port-exhaustion-tw-reuse", text);
}

#[test]
fn port_exhaustion_with_a_small_range() {
    let small = [
        ("ip_local_port_range", "40000 40009"),
        ("connections", "20"),
    ];
    let (o, _) = run("port-exhaustion", &small);
    assert_eq!(get(&o, "connections_made"), "10");
    assert_eq!(
        get(&o, "first_failure"),
        "EADDRNOTAVAIL at connect() #11 (0.020000 s)"
    );
    // __inet_hash_connect: ports of the range's low parity first in steps of 2, then the others;
    // table_perturb moves the start on after each success, so no port is tried twice.
    let ports = client_ports("port-exhaustion", &small);
    assert_eq!(ports.len(), 10);
    assert!(ports[..5].iter().all(|p| p % 2 == 0), "{ports:?}");
    assert!(ports[5..].iter().all(|p| p % 2 == 1), "{ports:?}");
    let mut sorted = ports.clone();
    sorted.sort_unstable();
    assert_eq!(sorted, (40000..40010).collect::<Vec<_>>());
    // An odd-sized range is rounded down to an even count (`remaining &= ~1`) and the scan covers
    // that many ports from its offset: with 3 ports the offset is always 0 (even) or 1 (odd),
    // and the third port is never reached.
    let (o, _) = run(
        "port-exhaustion",
        &[("ip_local_port_range", "40000 40002"), ("connections", "5")],
    );
    assert_eq!(get(&o, "connections_made"), "2");
    // With tcp_tw_reuse=1 and a connection every 200 ms, a port is free again once its entry is
    // older than tcp_tw_reuse_delay: 20 connections through 10 ports, none failing; not without
    // timestamps.
    let slow = [
        ("ip_local_port_range", "40000 40009"),
        ("connections", "20"),
        ("rate", "5"),
        ("tcp_tw_reuse", "1"),
    ];
    let (o, _) = run("port-exhaustion", &slow);
    assert_eq!(get(&o, "first_failure"), "none");
    assert_eq!(get(&o, "connections_made"), "20");
    // 20 connections through 10 ports: at least 10 took a TIME-WAIT entry over.
    assert!(get(&o, "time_wait_reused").parse::<u64>().unwrap() >= 10);
    let mut no_ts = slow.to_vec();
    no_ts.push(("tcp_timestamps", "0"));
    let (o, _) = run("port-exhaustion", &no_ts);
    assert_eq!(get(&o, "connections_made"), "10");
}

#[test]
fn consecutive_connections_take_consecutive_ports() {
    // RFC 6056 algorithm 4: table_perturb advances by the ports tried (at least a random 0 to 7
    // steps) plus one step, so a client's next connection starts past its last port.
    let ports = client_ports(
        "port-exhaustion",
        &[("connections", "200"), ("rate", "100")],
    );
    assert_eq!(ports.len(), 200);
    let ahead = ports
        .windows(2)
        .filter(|w| (1..=16).contains(&w[1].wrapping_sub(w[0])))
        .count();
    assert_eq!(ahead, 199, "{ports:?}");
    // The random part (`get_random_u32_below(8) * step`) skips ports now and then.
    assert!(
        ports.windows(2).any(|w| w[1].wrapping_sub(w[0]) > 2),
        "{ports:?}"
    );
}

#[test]
fn tw_reuse_0_1_2_delay_bind_and_timestamps() {
    // Linux 6.18's default, 2, reuses only for loopback: this client talks to 10.0.0.2.
    let (o, text) = run("tw-reuse", &[]);
    assert_eq!(get(&o, "second_connect"), "EADDRNOTAVAIL at 1.630000");
    assert_eq!(get(&o, "time_wait_reused"), "false");
    insta::assert_snapshot!("tw-reuse", text);
    let (o, _) = run("tw-reuse", &[("tcp_tw_reuse", "0")]);
    assert_eq!(get(&o, "second_connect"), "EADDRNOTAVAIL at 1.630000");
    let (o, text) = run("tw-reuse", &[("tcp_tw_reuse", "1")]);
    assert_eq!(get(&o, "second_connect"), "0 at 1.640000");
    assert_eq!(get(&o, "time_wait_reused"), "true");
    assert_eq!(get(&o, "tw_recycled"), "1");
    insta::assert_snapshot!("tw-reuse-1", text);
    // Not before tcp_tw_reuse_delay (strictly after it: time_after32).
    let (o, _) = run("tw-reuse", &[("tcp_tw_reuse", "1"), ("delay_ms", "1000")]);
    assert_eq!(get(&o, "time_wait_reused"), "false");
    let (o, _) = run(
        "tw-reuse",
        &[
            ("tcp_tw_reuse", "1"),
            ("delay_ms", "1000"),
            ("tcp_tw_reuse_delay", "999"),
        ],
    );
    assert_eq!(get(&o, "time_wait_reused"), "true");
    // No timestamps seen from the peer: never.
    let (o, _) = run(
        "tw-reuse",
        &[("tcp_tw_reuse", "1"), ("tcp_timestamps", "0")],
    );
    assert_eq!(get(&o, "time_wait_reused"), "false");
    // An explicitly bound connect() takes it whenever timestamps were seen, whatever the knob.
    let (o, _) = run(
        "tw-reuse",
        &[("tcp_tw_reuse", "0"), ("bind", "1"), ("delay_ms", "0")],
    );
    assert_eq!(get(&o, "time_wait_reused"), "true");
    let (o, _) = run("tw-reuse", &[("bind", "1"), ("tcp_timestamps", "0")]);
    assert_eq!(get(&o, "second_connect"), "EADDRNOTAVAIL at 1.630000");
}

fn reuseaddr(old: &str, new: &str) -> String {
    let (o, _) = run(
        "so-reuseaddr",
        &[("old_reuseaddr", old), ("new_reuseaddr", new)],
    );
    assert_eq!(get(&o, "server_time_wait_entries"), "1");
    get(&o, "new_bind").to_string()
}

#[test]
fn so_reuseaddr_neither_socket_sets_it() {
    assert_eq!(reuseaddr("0", "0"), "EADDRINUSE");
}

#[test]
fn so_reuseaddr_only_the_new_socket_sets_it() {
    // The TIME-WAIT entry inherited "no reuse" from the old listener's child.
    assert_eq!(reuseaddr("0", "1"), "EADDRINUSE");
}

#[test]
fn so_reuseaddr_only_the_old_socket_sets_it() {
    assert_eq!(reuseaddr("1", "0"), "EADDRINUSE");
}

#[test]
fn so_reuseaddr_both_sockets_set_it() {
    assert_eq!(reuseaddr("1", "1"), "0");
    let (_, text) = run(
        "so-reuseaddr",
        &[("old_reuseaddr", "1"), ("new_reuseaddr", "1")],
    );
    insta::assert_snapshot!("so-reuseaddr", text);
}

#[test]
fn so_reuseaddr_a_listen_owner_always_conflicts() {
    let (o, _) = run(
        "so-reuseaddr",
        &[
            ("old_reuseaddr", "1"),
            ("new_reuseaddr", "1"),
            ("keep_listener", "1"),
        ],
    );
    assert_eq!(get(&o, "new_bind"), "EADDRINUSE");
}

#[test]
fn time_wait_server_load_plateaus_at_rate_times_60_s_or_the_bucket_limit() {
    let (o, text) = run("time-wait-server-load", &[]);
    assert_eq!(get(&o, "server_time_wait_peak"), "6000");
    assert_eq!(get(&o, "time_wait_overflows"), "0");
    // The client's next connection takes a port past its last one (table_perturb), so within
    // the minute no new SYN meets one of the server's TIME-WAIT entries.
    assert_eq!(get(&o, "time_wait_taken_over_by_syn"), "0");
    assert!(text.lines().count() < 120, "a summary, not the full trace");
    insta::assert_snapshot!("time-wait-server-load", text);
    let (o, text) = run("time-wait-server-load", &[("tcp_max_tw_buckets", "1000")]);
    assert_eq!(get(&o, "server_time_wait_peak"), "1000");
    assert_eq!(get(&o, "server_time_wait_at_end"), "1000");
    // Every connection past the first 1,000 found the table full until the first entries
    // expired at 60 s; from then on one slot frees as one connection closes.
    let overflows: u64 = get(&o, "time_wait_overflows").parse().unwrap();
    assert!(overflows > 5000, "{overflows}");
    insta::assert_snapshot!("time-wait-server-load-max-buckets", text);
}

#[test]
fn nat_port_reuse_fails_paws_then_a_rst_clears_the_time_wait() {
    // B's clock behind A's, the NAT reuses A's expired port: PAWS rejects B's SYN in the
    // server's TIME-WAIT (the old ACK), B's RST ends it, B's second SYN connects.
    let (o, text) = run("nat-port-reuse", &[]);
    assert_eq!(get(&o, "b_got_a_public_port"), "true");
    assert_eq!(get(&o, "server_paws_timewait"), "1");
    assert_eq!(get(&o, "server_time_wait_reused"), "false");
    assert_eq!(get(&o, "b_resets_sent"), "1");
    // The SYN again after TCP_TIMEOUT_MIN, not after a 1 s RTO.
    assert_eq!(get(&o, "b_syns"), "2");
    assert_eq!(get(&o, "b_connected_after_s"), "0.026");
    assert_eq!(get(&o, "server_time_wait_for_a_left"), "false");
    // The server answers with the old connection's ACK, and restarts its TIME-WAIT timer
    // (`inet_twsk_reschedule` on a PAWS reject).
    assert!(text.contains("[tcp_v4_timewait_ack]"));
    // On the server's side of the NAT every segment has the public address.
    let server_lines = text
        .lines()
        .filter(|l| l.contains(" server ") && l.contains(" sent "));
    assert!(server_lines.clone().count() > 3);
    assert!(server_lines.into_iter().all(|l| !l.contains("192.168.")));
    insta::assert_snapshot!("nat-port-reuse", text);

    // B's clock ahead of A's: the SYN is newer, the TIME-WAIT is reused at once (TCP_TW_SYN).
    let (o, _) = run("nat-port-reuse", &[("b.nat_ts_offset_ms", "7200000")]);
    assert_eq!(get(&o, "b_got_a_public_port"), "true");
    assert_eq!(get(&o, "server_paws_timewait"), "0");
    assert_eq!(get(&o, "server_time_wait_reused"), "true");
    assert_eq!(get(&o, "b_resets_sent"), "0");
    assert_eq!(get(&o, "b_syns"), "1");
    assert_eq!(get(&o, "b_connected_after_s"), "0.01");

    // A NAT that picks another port (sequential, random), or keeps A's mapping longer than B
    // waits: no conflict, A's TIME-WAIT stays.
    for sets in [
        [("nat_ports", "sequential")],
        [("nat_ports", "random")],
        [("nat_timeout_s", "120")],
    ] {
        let (o, _) = run("nat-port-reuse", &sets);
        assert_eq!(get(&o, "b_got_a_public_port"), "false", "{sets:?}");
        assert_eq!(get(&o, "server_paws_timewait"), "0", "{sets:?}");
        assert_eq!(get(&o, "server_time_wait_for_a_left"), "true", "{sets:?}");
        assert_eq!(get(&o, "b_syns"), "1", "{sets:?}");
        assert_eq!(get(&o, "b_connected_after_s"), "0.01", "{sets:?}");
    }

    // tcp_rfc1337=1 on the server: B's RST is ignored, every SYN fails PAWS again.
    let (o, _) = run("nat-port-reuse", &[("server.tcp_rfc1337", "1")]);
    assert_eq!(get(&o, "b_connected_after_s"), "blocked");
    assert_eq!(get(&o, "server_time_wait_for_a_left"), "true");
}

#[test]
fn three_host_settings_name_the_scenarios_hosts() {
    let sc = scenario::find("nat-port-reuse").unwrap();
    let mut p = sc.params(1);
    let err = sc.set(&mut p, "client.tcp_rfc1337", "1").unwrap_err();
    assert!(err.to_string().contains("a, b, server"), "{err}");
    // NAME=VALUE sets every host, HOST.NAME=VALUE one.
    sc.set(&mut p, "ts_drift_ppm", "5").unwrap();
    sc.set(&mut p, "b.nat_ts_offset_ms", "9").unwrap();
    let clocks: Vec<(u32, u32)> = p
        .hosts
        .iter()
        .map(|h| (h.ts_clock.offset_ms, h.ts_clock.drift_ppm))
        .collect();
    assert_eq!(clocks, [(3_600_000, 5), (9, 5), (0, 5)]);
    let names: Vec<&str> = p.hosts.iter().map(|h| h.name.as_str()).collect();
    assert_eq!(names, ["a", "b", "server"]);
}

#[test]
fn tw_recycle_nat_drops_the_lagging_clients_syns_while_the_stamp_is_young() {
    // linux-3.10 with tcp_tw_recycle, A refreshing the NAT address's stamp every 5 s: every SYN
    // of B (TSval an hour behind) is dropped by tcp_peer_is_proven, connect() times out.
    let (o, text) = run("tw-recycle-nat", &[]);
    assert_eq!(get(&o, "b_connect"), "ETIMEDOUT");
    assert_eq!(get(&o, "b_syns"), "11");
    assert_eq!(get(&o, "server_paws_passive"), "11");
    assert_eq!(get(&o, "a_connections"), "30");
    // 3.5 RTO: the RTO of a 10 ms path is 200 ms (TCP_RTO_MIN) + rounding, 768 ms in all.
    assert_eq!(get(&o, "server_time_wait_armed_s"), "0.768");
    assert!(text.contains("[tcp_peer_is_proven]"));
    assert!(text.contains("[tcp_remember_stamp]"));
    insta::assert_snapshot!("tw-recycle-nat", text);
    // Giving the reader's `--set server.profile=linux-3.10` again changes nothing.
    let (o2, _) = run("tw-recycle-nat", &[("server.profile", "linux-3.10")]);
    assert_eq!(o2, o);

    let connects_at_once = |sets: &[(&str, &str)]| {
        let (o, _) = run("tw-recycle-nat", sets);
        assert_eq!(
            get(&o, "b_connect"),
            "connected 0.01 s after its first SYN",
            "{sets:?}"
        );
        assert_eq!(get(&o, "server_paws_passive"), "0", "{sets:?}");
        o
    };
    // Recycle off: a TIME-WAIT of 60 s (the death row), no stamps, no drops.
    let o = connects_at_once(&[("server.tcp_tw_recycle", "0")]);
    assert_eq!(get(&o, "server_time_wait_armed_s"), "60");
    // Equal clocks behind the NAT.
    connects_at_once(&[("b.nat_ts_offset_ms", "3600000")]);
    // No timestamps on the server: nothing to remember.
    connects_at_once(&[("server.tcp_timestamps", "0")]);
    // linux-6.18 has no tcp_tw_recycle: the story's knob does not apply there.
    connects_at_once(&[("server.profile", "linux-6.18")]);
    // A connects once and B comes more than 60 s (TCP_PAWS_MSL) after A's stamp.
    connects_at_once(&[("a_connections", "1"), ("b_connect_s", "65")]);

    // A connects once, B within 60 s: dropped until the stamp is 60 s old, then the SYN
    // retransmitted at 67 s gets in.
    let (o, _) = run("tw-recycle-nat", &[("a_connections", "1")]);
    assert_eq!(
        get(&o, "b_connect"),
        "connected 67.01 s after its first SYN"
    );
    assert_eq!(get(&o, "server_paws_passive"), "10");
}
