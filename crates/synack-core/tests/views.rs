//! The state panels' view of a host: sequence variables, timers and a listener's queues, read
//! at points of the handshake where RFC 9293 says what they must be.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use synack_core::scenario::{self, Run};
use synack_core::tcp::{ConnView, SocketKind, State};
use synack_core::trace::{EventKind, TimerKind};

fn handshake() -> Run {
    let sc = scenario::find("handshake").unwrap();
    sc.start(&sc.params(1))
}

fn views(run: &Run, host: usize) -> Vec<ConnView> {
    run.sim().hosts()[host].connections()
}

#[test]
fn the_syn_queue_holds_the_request_then_the_accept_queue_the_child() {
    let mut run = handshake();
    // Until the server has answered the SYN.
    while !run.sim().trace().iter().any(
        |e| matches!(e.kind, EventKind::Sent { ref seg, .. } if seg.flags.syn() && seg.flags.ack()),
    ) {
        assert!(run.step());
    }
    let server = views(&run, 1);
    let listener = server
        .iter()
        .find(|c| c.socket.state == State::Listen)
        .unwrap();
    let q = listener.queues.unwrap();
    assert_eq!((q.syn_queue, q.accept_queue), (1, 0));
    assert_eq!((q.syn_limit, q.accept_limit), (128, 128));
    let req = server
        .iter()
        .find(|c| c.socket.kind == SocketKind::Request)
        .unwrap();
    let s = req.seq.unwrap();
    // The SYN-ACK took one sequence number; the client's SYN one of the peer's.
    assert_eq!(s.snd_nxt, s.iss + 1);
    assert_eq!(s.rcv_nxt, s.irs + 1);
    assert_eq!(req.timers[0].0, TimerKind::Request);
    // The client waits in SYN-SENT with its retransmission timer armed for 1 s.
    let client = views(&run, 0);
    let c = client
        .iter()
        .find(|c| c.socket.state == State::SynSent)
        .unwrap();
    let s = c.seq.unwrap();
    assert_eq!((s.snd_una, s.snd_nxt), (s.iss, s.iss + 1));
    assert_eq!(c.rtt.unwrap().rto_us, 1_000_000);
    assert_eq!(c.timers[0].0, TimerKind::Retransmit);
}

#[test]
fn once_established_both_sides_agree_on_the_sequence_numbers() {
    let mut run = handshake();
    while run.step() {}
    let client = views(&run, 0);
    let server = views(&run, 1);
    let c = client
        .iter()
        .find(|c| c.socket.state == State::Established)
        .unwrap()
        .seq
        .unwrap();
    let s = server
        .iter()
        .find(|c| c.socket.state == State::Established)
        .unwrap()
        .seq
        .unwrap();
    assert_eq!(c.snd_una, c.snd_nxt, "the SYN is acknowledged");
    assert_eq!(c.snd_nxt, s.rcv_nxt);
    assert_eq!(s.snd_nxt, c.rcv_nxt);
    assert_eq!((c.iss, c.irs), (s.irs, s.iss));
    let listener = server
        .iter()
        .find(|c| c.socket.state == State::Listen)
        .unwrap();
    let q = listener.queues.unwrap();
    assert_eq!(
        (q.syn_queue, q.accept_queue),
        (0, 0),
        "accept() took the child"
    );
}
