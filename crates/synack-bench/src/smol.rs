//! The workload on smoltcp 0.14: two `Interface`s (medium IP, no Ethernet) over the in-memory
//! wire of this crate, a fixed `random_seed`, time jumped to the next `poll_at` or arrival. The
//! server has one listening socket per connection (a smoltcp listener becomes the connection).
//!
//! Differences that stay: smoltcp's TIME-WAIT is a fixed 10 s, and it encodes and parses real
//! IPv4 and TCP headers (synack passes typed segments).

use crate::{CLOSE_DELAY_US, Report, Wire, Workload, earliest, ports_of};
use smoltcp::iface::{Config, Interface, SocketHandle, SocketSet};
use smoltcp::phy::{self, Device, DeviceCapabilities, Medium};
use smoltcp::socket::tcp;
use smoltcp::time::Instant;
use smoltcp::wire::{HardwareAddress, IpAddress, IpCidr};
use std::collections::VecDeque;

/// One host's end of the wire: what it sends, and what has arrived for it.
struct End {
    out: Wire<Vec<u8>>,
    inbox: VecDeque<Vec<u8>>,
    now_us: u64,
}

struct Rx(Vec<u8>);

struct Tx<'a> {
    wire: &'a mut Wire<Vec<u8>>,
    now_us: u64,
}

impl phy::RxToken for Rx {
    fn consume<R, F: FnOnce(&[u8]) -> R>(self, f: F) -> R {
        f(&self.0)
    }
}

/// The TCP ports of an IPv4 packet.
fn ports(ip: &[u8]) -> (u16, u16) {
    let ihl = usize::from(ip.first().map_or(5, |b| b & 0x0f)) * 4;
    let port = |at: usize| match ip.get(at..at + 2) {
        Some(&[a, b]) => u16::from_be_bytes([a, b]),
        _ => 0,
    };
    (port(ihl), port(ihl + 2))
}

impl phy::TxToken for Tx<'_> {
    fn consume<R, F: FnOnce(&mut [u8]) -> R>(self, len: usize, f: F) -> R {
        let mut buf = vec![0; len];
        let r = f(&mut buf);
        let p = ports(&buf);
        self.wire.send(self.now_us, p, buf);
        r
    }
}

impl Device for End {
    type RxToken<'a> = Rx;
    type TxToken<'a> = Tx<'a>;

    fn receive(&mut self, _: Instant) -> Option<(Rx, Tx<'_>)> {
        let buf = self.inbox.pop_front()?;
        Some((
            Rx(buf),
            Tx {
                wire: &mut self.out,
                now_us: self.now_us,
            },
        ))
    }

    fn transmit(&mut self, _: Instant) -> Option<Tx<'_>> {
        Some(Tx {
            wire: &mut self.out,
            now_us: self.now_us,
        })
    }

    fn capabilities(&self) -> DeviceCapabilities {
        let mut caps = DeviceCapabilities::default();
        caps.medium = Medium::Ip;
        caps.max_transmission_unit = 1500;
        caps
    }
}

fn iface(end: &mut End, addr: IpAddress, seed: u64) -> Interface {
    let mut config = Config::new(HardwareAddress::Ip);
    config.random_seed = seed;
    let mut iface = Interface::new(config, end, Instant::from_micros(0));
    iface.update_ip_addrs(|addrs| {
        let _ = addrs.push(IpCidr::new(addr, 24));
    });
    iface
}

fn socket() -> tcp::Socket<'static> {
    tcp::Socket::new(
        tcp::SocketBuffer::new(vec![0; 1024]),
        tcp::SocketBuffer::new(vec![0; 1024]),
    )
}

/// Runs `w` on smoltcp.
pub fn run(w: Workload) -> Report {
    let n = w.connections;
    let mut a = End {
        out: Wire::new(n, w.loss_permille),
        inbox: VecDeque::new(),
        now_us: 0,
    };
    let mut b = End {
        out: Wire::new(n, w.loss_permille),
        inbox: VecDeque::new(),
        now_us: 0,
    };
    let client_ip = IpAddress::v4(10, 0, 0, 1);
    let server_ip = IpAddress::v4(10, 0, 0, 2);
    let mut ca = iface(&mut a, client_ip, 1);
    let mut sb = iface(&mut b, server_ip, 2);
    let mut cs = SocketSet::new(Vec::with_capacity(n));
    let mut ss = SocketSet::new(Vec::with_capacity(n));
    let mut clients: Vec<(SocketHandle, bool)> = Vec::with_capacity(n);
    let mut servers: Vec<(SocketHandle, Option<u64>, bool)> = Vec::with_capacity(n);
    for i in 0..n {
        let mut s = socket();
        let Some((port, server_port)) = ports_of(i) else {
            return Report::default();
        };
        if s.connect(ca.context(), (server_ip, server_port), port)
            .is_err()
        {
            return Report::default();
        }
        clients.push((cs.add(s), false));
        let mut l = socket();
        if l.listen(server_port).is_err() {
            return Report::default();
        }
        servers.push((ss.add(l), None, false));
    }
    let mut now = 0u64;
    loop {
        let t = Instant::from_micros(now as i64);
        a.now_us = now;
        b.now_us = now;
        ca.poll(t, &mut a, &mut cs);
        sb.poll(t, &mut b, &mut ss);
        // The applications: a client closes once established, the server at the end of stream.
        for (h, closed) in &mut clients {
            let s = cs.get_mut::<tcp::Socket>(*h);
            if !*closed && s.state() == tcp::State::Established {
                s.close();
                *closed = true;
            }
        }
        let mut close_at = None;
        for (h, due, closed) in &mut servers {
            let s = ss.get_mut::<tcp::Socket>(*h);
            if due.is_none() && s.state() == tcp::State::CloseWait {
                *due = Some(now + CLOSE_DELAY_US);
            }
            match *due {
                Some(at) if !*closed && at <= now => {
                    s.close();
                    *closed = true;
                }
                Some(at) if !*closed => close_at = earliest([close_at, Some(at)]),
                _ => {}
            }
        }
        let at = |i: &mut Interface, set: &SocketSet<'_>| {
            i.poll_at(t, set)
                .map(|x| u64::try_from(x.total_micros()).unwrap_or(0))
        };
        let next = earliest([
            a.out.next_at(),
            b.out.next_at(),
            close_at,
            at(&mut ca, &cs),
            at(&mut sb, &ss),
        ]);
        let Some(next) = next else { break };
        now = next.max(now);
        while let Some(p) = a.out.pop_due(now) {
            b.inbox.push_back(p);
        }
        while let Some(p) = b.out.pop_due(now) {
            a.inbox.push_back(p);
        }
    }
    let done = clients
        .iter()
        .zip(&servers)
        .filter(|((c, cc), (s, _, sc))| {
            *cc && *sc
                && cs.get::<tcp::Socket>(*c).state() == tcp::State::Closed
                && ss.get::<tcp::Socket>(*s).state() == tcp::State::Closed
        })
        .count();
    Report {
        lifecycles: done,
        segments: a.out.segments + b.out.segments,
        lost: a.out.lost + b.out.lost,
        end_us: now,
    }
}
