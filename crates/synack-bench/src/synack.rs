//! The workload on synack's core: two `tcp::Host`s (linux-6.18 defaults), driven directly through
//! their sans-IO interface (`call`, `handle_segment`, `handle_timeout`, `poll_output`), every
//! trace event produced and drained as the simulator would record it.

use crate::{CLOSE_DELAY_US, FIRST_PORT, Report, SERVER_PORT, Wire, Workload, earliest};
use std::collections::VecDeque;
use synack_core::Instant;
use synack_core::scenario;
use synack_core::socket::{Call, CallResult, Errno, Fd};
use synack_core::tcp::{Host, Output, Secrets};
use synack_core::trace::{EventKind, HostId, SegId};
use synack_core::wire::{Endpoint, Ipv4, Segment};

const CLIENT: Ipv4 = scenario::CLIENT;
const SERVER: Ipv4 = scenario::SERVER;

struct Side {
    host: Host,
    /// fd of connection i (client), or of the thread's accepted socket (server: thread = fd).
    fds: Vec<Fd>,
}

/// The two hosts with the defaults of a catalogue scenario, the listener's limits raised so that
/// every connection of the workload fits in its queues at once (a lifecycle, not a flood).
fn hosts(w: Workload) -> Option<(Host, Host)> {
    let s = scenario::find("handshake").ok()?;
    let mut p = s.params(1);
    let backlog = u32::try_from(w.connections).ok()?.max(128);
    for h in &mut p.hosts {
        h.sysctl.somaxconn = backlog;
        h.sysctl.tcp_max_syn_backlog = backlog.saturating_mul(4);
        h.max_sockets = w.connections * 2 + 16;
    }
    let mut it = p.hosts.into_iter().enumerate().map(|(i, cfg)| {
        let k = i as u64 + 1;
        let secrets = Secrets {
            isn: (k, k * 3),
            ts: (k * 5, k * 7),
            port: (k * 11, k * 13),
        };
        Host::new(HostId(i as u16), cfg, secrets)
    });
    Some((it.next()?, it.next()?))
}

fn fd_of(r: &CallResult) -> Option<Fd> {
    match r {
        CallResult::Ok { value } => Fd::try_from(*value).ok(),
        _ => None,
    }
}

/// Runs `w` on synack.
pub fn run(w: Workload) -> Report {
    let Some((client, server)) = hosts(w) else {
        return Report::default();
    };
    let mut c = Side {
        host: client,
        fds: vec![0; w.connections],
    };
    let mut s = Side {
        host: server,
        fds: Vec::new(),
    };
    let mut to_server: Wire<Segment> = Wire::new(w.connections, w.loss_permille);
    let mut to_client: Wire<Segment> = Wire::new(w.connections, w.loss_permille);
    let mut now = Instant::ZERO;
    let mut seg_id = 0u64;
    let mut connected = 0usize;
    // The server's closes, due CLOSE_DELAY_US after the end of stream (a FIFO: one delay).
    let mut closes: VecDeque<(u64, u16, Fd)> = VecDeque::new();

    // The server: socket, bind :80, listen, non-blocking accepts.
    let lfd = fd_of(&s.host.call(now, 0, Call::Socket)).unwrap_or(3);
    s.host.call(
        now,
        0,
        Call::Bind {
            fd: lfd,
            addr: Endpoint::new(Ipv4(0), SERVER_PORT),
        },
    );
    s.host.call(
        now,
        0,
        Call::Listen {
            fd: lfd,
            backlog: u32::try_from(w.connections).unwrap_or(u32::MAX),
        },
    );
    s.host
        .call(now, 0, Call::SetNonBlocking { fd: lfd, on: true });
    // The clients: connection i bound to FIRST_PORT + i, a blocking connect on thread i.
    for i in 0..w.connections {
        let Some(fd) = fd_of(&c.host.call(now, 0, Call::Socket)) else {
            return Report::default();
        };
        if let Some(slot) = c.fds.get_mut(i) {
            *slot = fd;
        }
        let port = FIRST_PORT.saturating_add(u16::try_from(i).unwrap_or(u16::MAX));
        c.host.call(
            now,
            0,
            Call::Bind {
                fd,
                addr: Endpoint::new(CLIENT, port),
            },
        );
        c.host.call(
            now,
            u16::try_from(i).unwrap_or(u16::MAX),
            Call::Connect {
                fd,
                addr: Endpoint::new(SERVER, SERVER_PORT),
            },
        );
    }
    loop {
        // Drain both hosts; the applications react to what returned.
        loop {
            let mut any = false;
            while let Some(out) = c.host.poll_output() {
                any = true;
                match out {
                    Output::Segment(seg, _) => {
                        to_server.send(now.micros(), (seg.src.port, seg.dst.port), seg);
                    }
                    Output::Event(EventKind::Returned {
                        thread,
                        call: Call::Connect { .. },
                        result: CallResult::Ok { .. },
                    }) => {
                        connected += 1;
                        let fd = c.fds.get(usize::from(thread)).copied().unwrap_or(0);
                        c.host.call(now, thread, Call::Close { fd });
                    }
                    Output::Event(_) => {}
                }
            }
            let mut accept = false;
            while let Some(out) = s.host.poll_output() {
                any = true;
                match out {
                    Output::Segment(seg, _) => {
                        to_client.send(now.micros(), (seg.src.port, seg.dst.port), seg);
                    }
                    Output::Event(EventKind::Queues { accept_queue, .. }) if accept_queue > 0 => {
                        accept = true;
                    }
                    Output::Event(EventKind::Returned {
                        thread,
                        call: Call::Read { fd, .. },
                        result: CallResult::Ok { value: 0 },
                    }) => closes.push_back((now.micros() + CLOSE_DELAY_US, thread, fd)),
                    Output::Event(_) => {}
                }
            }
            while accept {
                match s.host.call(now, 0, Call::Accept { fd: lfd }) {
                    CallResult::Ok { value } => {
                        let fd = Fd::try_from(value).unwrap_or(0);
                        let thread = u16::try_from(fd).unwrap_or(0);
                        s.fds.push(fd);
                        // A blocking read on thread `fd`: it returns 0 at the client's FIN.
                        let r = s.host.call(now, thread, Call::Read { fd, len: 1 });
                        if r == (CallResult::Ok { value: 0 }) {
                            closes.push_back((now.micros() + CLOSE_DELAY_US, thread, fd));
                        }
                    }
                    CallResult::Err {
                        errno: Errno::EAGAIN,
                    } => accept = false,
                    _ => accept = false,
                }
            }
            while let Some(&(at, thread, fd)) = closes.front()
                && at <= now.micros()
            {
                closes.pop_front();
                s.host.call(now, thread, Call::Close { fd });
                any = true;
            }
            if !any {
                break;
            }
        }
        let next = earliest([
            to_server.next_at(),
            to_client.next_at(),
            closes.front().map(|c| c.0),
            c.host.poll_timeout().map(|t| t.micros()),
            s.host.poll_timeout().map(|t| t.micros()),
        ]);
        let Some(next) = next else { break };
        now = Instant(next);
        while let Some(seg) = to_server.pop_due(next) {
            seg_id += 1;
            s.host.handle_segment(now, SegId(seg_id), &seg);
        }
        while let Some(seg) = to_client.pop_due(next) {
            seg_id += 1;
            c.host.handle_segment(now, SegId(seg_id), &seg);
        }
        if c.host.poll_timeout().is_some_and(|t| t <= now) {
            c.host.handle_timeout(now);
        }
        if s.host.poll_timeout().is_some_and(|t| t <= now) {
            s.host.handle_timeout(now);
        }
    }
    // Every socket is gone on both sides (the listener aside) when every lifecycle completed.
    let left = c.host.sockets().len() + s.host.sockets().len().saturating_sub(1);
    Report {
        lifecycles: connected.saturating_sub(left),
        segments: to_server.segments + to_client.segments,
        lost: to_server.lost + to_client.lost,
        end_us: now.micros(),
    }
}
