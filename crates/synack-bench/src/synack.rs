//! The workload on synack's core: two `tcp::Host`s (linux-6.18 defaults), driven directly through
//! their sans-IO interface (`call`, `handle_segment`, `handle_timeout`, `poll_output`), every
//! trace event produced and drained as the simulator would record it.

use crate::{CLOSE_DELAY_US, Report, SERVER_PORT, Wire, Workload, earliest, ports_of};
use std::collections::VecDeque;
use std::rc::Rc;
use synack_core::Instant;
use synack_core::scenario;
use synack_core::socket::{Call, CallResult, Fd};
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
        h.time_wait_secs = w.time_wait_secs;
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
        CallResult::Ok { value } => Some(*value),
        _ => None,
    }
}

/// A run of `w` on synack that can be stopped at any simulated time (the memory bench looks at
/// the heap in the middle).
pub struct Run {
    c: Side,
    s: Side,
    /// The server's listeners, one per server port.
    listeners: Vec<Fd>,
    /// Segments in flight, by value: the host's `Rc` is moved out of (nothing else holds it here),
    /// so that 100,000 connections' segments on the wire sit in the wire's own queue, not behind
    /// a pointer each (5 to 7 % of a lifecycle at 100,000, the same at 10).
    to_server: Wire<Segment>,
    to_client: Wire<Segment>,
    now: Instant,
    seg_id: u64,
    connected: usize,
    /// Whether clients close once connected (else every connection stays open).
    close: bool,
    /// The server's closes, due CLOSE_DELAY_US after the end of stream (a FIFO: one delay).
    closes: VecDeque<(u64, u16, Fd)>,
}

impl Run {
    /// Sets up `w`: the server listening, every client's `connect()` called. With `close`
    /// false, clients never close (the connections stay ESTABLISHED).
    pub fn new(w: Workload, close: bool) -> Option<Run> {
        let (client, server) = hosts(w)?;
        let mut r = Run {
            c: Side {
                host: client,
                fds: vec![0; w.connections],
            },
            s: Side {
                host: server,
                fds: Vec::new(),
            },
            listeners: Vec::new(),
            to_server: Wire::new(w.connections, w.loss_permille),
            to_client: Wire::new(w.connections, w.loss_permille),
            now: Instant::ZERO,
            seg_id: 0,
            connected: 0,
            close,
            closes: VecDeque::new(),
        };
        let now = r.now;
        // The server: socket, bind, listen, non-blocking accepts, on each port the workload uses.
        let server_ports = w.connections.div_ceil(crate::PORTS).max(1);
        for p in 0..server_ports {
            let lfd = fd_of(&r.s.host.call(now, 0, Call::Socket))?;
            let port = SERVER_PORT + u16::try_from(p).ok()?;
            let addr = Endpoint::new(Ipv4(0), port);
            r.s.host.call(now, 0, Call::Bind { fd: lfd, addr });
            let backlog = u32::try_from(w.connections).unwrap_or(u32::MAX);
            r.s.host.call(now, 0, Call::Listen { fd: lfd, backlog });
            r.s.host
                .call(now, 0, Call::SetNonBlocking { fd: lfd, on: true });
            r.listeners.push(lfd);
        }
        // The clients: connection i bound to its port, a blocking connect on thread i.
        for i in 0..w.connections {
            let fd = fd_of(&r.c.host.call(now, 0, Call::Socket))?;
            if let Some(slot) = r.c.fds.get_mut(i) {
                *slot = fd;
            }
            let (port, server_port) = ports_of(i)?;
            if server_port > SERVER_PORT {
                // A client port already bound toward the first server port: with SO_REUSEADDR on
                // both, Linux binds it again (neither listens), and the 4-tuples differ.
                r.c.host.call(now, 0, Call::SetReuseAddr { fd, on: true });
                let first = r.c.fds.get(i % crate::PORTS).copied()?;
                r.c.host.call(
                    now,
                    0,
                    Call::SetReuseAddr {
                        fd: first,
                        on: true,
                    },
                );
            }
            let addr = Endpoint::new(CLIENT, port);
            r.c.host.call(now, 0, Call::Bind { fd, addr });
            let thread = u16::try_from(i % usize::from(u16::MAX)).ok()?;
            let addr = Endpoint::new(SERVER, server_port);
            r.c.host.call(now, thread, Call::Connect { fd, addr });
            // The SYN goes on the wire now, as a simulator's step would put it there.
            r.drain();
        }
        Some(r)
    }

    /// Lets both applications react to what the hosts yielded.
    fn drain(&mut self) {
        let now = self.now;
        loop {
            let mut any = false;
            while let Some(out) = self.c.host.poll_output() {
                any = true;
                match out {
                    Output::Segment(seg, _) => {
                        self.to_server.send(
                            now.micros(),
                            (seg.src.port, seg.dst.port),
                            Rc::unwrap_or_clone(seg),
                        );
                    }
                    Output::Event(EventKind::Returned {
                        thread,
                        call: Call::Connect { fd, .. },
                        result: CallResult::Ok { .. },
                    }) => {
                        self.connected += 1;
                        if self.close {
                            self.c.host.call(now, thread, Call::Close { fd });
                        }
                    }
                    Output::Event(_) => {}
                }
            }
            let mut accept = false;
            while let Some(out) = self.s.host.poll_output() {
                any = true;
                match out {
                    Output::Segment(seg, _) => {
                        self.to_client.send(
                            now.micros(),
                            (seg.src.port, seg.dst.port),
                            Rc::unwrap_or_clone(seg),
                        );
                    }
                    Output::Event(EventKind::Queues { accept_queue, .. }) if accept_queue > 0 => {
                        accept = true;
                    }
                    Output::Event(EventKind::Returned {
                        thread,
                        call: Call::Read { fd, .. },
                        result: CallResult::Ok { value: 0 },
                    }) => self
                        .closes
                        .push_back((now.micros() + CLOSE_DELAY_US, thread, fd)),
                    Output::Event(_) => {}
                }
            }
            if accept {
                for &lfd in &self.listeners {
                    while let CallResult::Ok { value } =
                        self.s.host.call(now, 0, Call::Accept { fd: lfd })
                    {
                        let fd = value;
                        let thread = u16::try_from(fd).unwrap_or(0);
                        self.s.fds.push(fd);
                        // A blocking read on thread `fd`: it returns 0 at the client's FIN.
                        let r = self.s.host.call(now, thread, Call::Read { fd, len: 1 });
                        if r == (CallResult::Ok { value: 0 }) {
                            self.closes
                                .push_back((now.micros() + CLOSE_DELAY_US, thread, fd));
                        }
                    }
                }
            }
            while let Some(&(at, thread, fd)) = self.closes.front()
                && at <= now.micros()
            {
                self.closes.pop_front();
                self.s.host.call(now, thread, Call::Close { fd });
                any = true;
            }
            if !any {
                break;
            }
        }
    }

    /// Runs on until simulated time `until_us` or until nothing is left to do; false when
    /// nothing is left.
    pub fn run_until(&mut self, until_us: u64) -> bool {
        loop {
            self.drain();
            let next = earliest([
                self.to_server.next_at(),
                self.to_client.next_at(),
                self.closes.front().map(|c| c.0),
                self.c.host.poll_timeout().map(|t| t.micros()),
                self.s.host.poll_timeout().map(|t| t.micros()),
            ]);
            let Some(next) = next else { return false };
            if next > until_us {
                return true;
            }
            self.now = Instant(next);
            let now = self.now;
            // Each segment's outputs are taken before the next arrives, as the simulator does.
            while let Some(seg) = self.to_server.pop_due(next) {
                self.seg_id += 1;
                self.s.host.handle_segment(now, SegId(self.seg_id), &seg);
                self.drain();
            }
            while let Some(seg) = self.to_client.pop_due(next) {
                self.seg_id += 1;
                self.c.host.handle_segment(now, SegId(self.seg_id), &seg);
                self.drain();
            }
            if self.c.host.poll_timeout().is_some_and(|t| t <= now) {
                self.c.host.handle_timeout(now);
            }
            if self.s.host.poll_timeout().is_some_and(|t| t <= now) {
                self.s.host.handle_timeout(now);
            }
        }
    }

    /// The client host and the server host.
    pub fn hosts(&self) -> (&Host, &Host) {
        (&self.c.host, &self.s.host)
    }

    /// Sockets on the client and on the server (listeners included), as `ss` would count them.
    pub fn sockets(&self) -> (usize, usize) {
        (self.c.host.sockets().len(), self.s.host.sockets().len())
    }

    /// What the run did so far.
    pub fn report(&self) -> Report {
        // Every socket is gone on both sides (the listeners aside) when every lifecycle
        // completed.
        let (c, s) = self.sockets();
        let left = c + s.saturating_sub(self.listeners.len());
        Report {
            lifecycles: self.connected.saturating_sub(left),
            segments: self.to_server.segments + self.to_client.segments,
            lost: self.to_server.lost + self.to_client.lost,
            end_us: self.now.micros(),
        }
    }
}

/// Runs `w` on synack.
pub fn run(w: Workload) -> Report {
    let Some(mut r) = Run::new(w, true) else {
        return Report::default();
    };
    r.run_until(u64::MAX);
    r.report()
}
