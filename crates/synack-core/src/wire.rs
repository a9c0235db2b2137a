//! What crosses a link: IPv4 endpoints and TCP segments with their options.
//!
//! A segment is kept as fields, not bytes; `crate::pcap` encodes real IPv4 + TCP headers from it.
//! `Display` prints a segment the way `tcpdump -n` does, so that the text trace reads like a
//! capture.

use crate::seq::SeqNum;
use alloc::vec::Vec;
use core::fmt;
use serde::Serialize;

/// An IPv4 address.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct Ipv4(pub u32);

impl Ipv4 {
    /// The address `a.b.c.d`.
    pub const fn new(a: u8, b: u8, c: u8, d: u8) -> Ipv4 {
        Ipv4(u32::from_be_bytes([a, b, c, d]))
    }

    /// The four bytes in network order.
    pub const fn octets(self) -> [u8; 4] {
        self.0.to_be_bytes()
    }

    /// `127.0.0.0/8`.
    pub const fn is_loopback(self) -> bool {
        self.octets()[0] == 127
    }

    /// `0.0.0.0`, `INADDR_ANY`.
    pub const fn is_unspecified(self) -> bool {
        self.0 == 0
    }
}

impl fmt::Display for Ipv4 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let [a, b, c, d] = self.octets();
        write!(f, "{a}.{b}.{c}.{d}")
    }
}

/// An address and a port: one end of a connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Endpoint {
    /// The IPv4 address.
    pub ip: Ipv4,
    /// The TCP port.
    pub port: u16,
}

impl Endpoint {
    /// `ip:port`.
    pub const fn new(ip: Ipv4, port: u16) -> Endpoint {
        Endpoint { ip, port }
    }
}

/// Printed as tcpdump prints an endpoint: `10.0.0.1.8080`.
impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.ip, self.port)
    }
}

/// The TCP control bits this simulator uses (RFC 9293 §3.1).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct Flags(pub u8);

impl Flags {
    /// FIN: no more data from the sender.
    pub const FIN: Flags = Flags(0x01);
    /// SYN: synchronize sequence numbers.
    pub const SYN: Flags = Flags(0x02);
    /// RST: reset the connection.
    pub const RST: Flags = Flags(0x04);
    /// PSH: push function.
    pub const PSH: Flags = Flags(0x08);
    /// ACK: the acknowledgment field is significant.
    pub const ACK: Flags = Flags(0x10);
    /// No flag at all.
    pub const NONE: Flags = Flags(0);

    /// Every bit of `other` is set in `self`.
    pub const fn contains(self, other: Flags) -> bool {
        self.0 & other.0 == other.0
    }

    /// SYN is set.
    pub const fn syn(self) -> bool {
        self.contains(Flags::SYN)
    }
    /// ACK is set.
    pub const fn ack(self) -> bool {
        self.contains(Flags::ACK)
    }
    /// FIN is set.
    pub const fn fin(self) -> bool {
        self.contains(Flags::FIN)
    }
    /// RST is set.
    pub const fn rst(self) -> bool {
        self.contains(Flags::RST)
    }
    /// PSH is set.
    pub const fn psh(self) -> bool {
        self.contains(Flags::PSH)
    }
}

impl core::ops::BitOr for Flags {
    type Output = Flags;
    fn bitor(self, rhs: Flags) -> Flags {
        Flags(self.0 | rhs.0)
    }
}

/// tcpdump's notation: `S`, `S.`, `F.`, `R`, `P.`, `.` for a bare ACK.
impl fmt::Display for Flags {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut any = false;
        for (flag, c) in [
            (Flags::SYN, 'S'),
            (Flags::FIN, 'F'),
            (Flags::PSH, 'P'),
            (Flags::RST, 'R'),
        ] {
            if self.contains(flag) {
                write!(f, "{c}")?;
                any = true;
            }
        }
        if self.ack() || !any {
            write!(f, ".")?;
        }
        Ok(())
    }
}

/// One TCP option, in the order it appears in the header.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum TcpOption {
    /// No-operation (kind 1), used for alignment.
    Nop,
    /// Maximum segment size (kind 2, RFC 9293 §3.7.1).
    Mss(u16),
    /// Window scale shift (kind 3, RFC 7323 §2).
    WindowScale(u8),
    /// SACK permitted (kind 4, RFC 2018).
    SackPermitted,
    /// SACK blocks, left and right edges (kind 5, RFC 2018).
    Sack(Vec<(SeqNum, SeqNum)>),
    /// Timestamps (kind 8, RFC 7323 §3).
    Timestamp {
        /// TSval: the sender's clock.
        val: u32,
        /// TSecr: the echoed TSval of the peer.
        ecr: u32,
    },
}

impl TcpOption {
    /// Bytes the option takes in the header.
    pub fn wire_len(&self) -> usize {
        match self {
            TcpOption::Nop => 1,
            TcpOption::Mss(_) => 4,
            TcpOption::WindowScale(_) => 3,
            TcpOption::SackPermitted => 2,
            TcpOption::Sack(blocks) => 2 + 8 * blocks.len(),
            TcpOption::Timestamp { .. } => 10,
        }
    }
}

impl fmt::Display for TcpOption {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TcpOption::Nop => write!(f, "nop"),
            TcpOption::Mss(m) => write!(f, "mss {m}"),
            TcpOption::WindowScale(s) => write!(f, "wscale {s}"),
            TcpOption::SackPermitted => write!(f, "sackOK"),
            TcpOption::Sack(blocks) => {
                write!(f, "sack {}", blocks.len())?;
                for (l, r) in blocks {
                    write!(f, " {{{l}:{r}}}")?;
                }
                Ok(())
            }
            TcpOption::Timestamp { val, ecr } => write!(f, "TS val {val} ecr {ecr}"),
        }
    }
}

/// A TCP segment in an IPv4 packet.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Segment {
    /// The sender's address and port.
    pub src: Endpoint,
    /// The receiver's address and port.
    pub dst: Endpoint,
    /// The sequence number of the first octet (or of the SYN).
    pub seq: SeqNum,
    /// The acknowledgment number; meaningful only with ACK.
    pub ack: SeqNum,
    /// Control bits.
    pub flags: Flags,
    /// The window field as sent (not scaled).
    pub window: u16,
    /// Options in header order.
    pub options: Vec<TcpOption>,
    /// The payload bytes.
    pub payload: Vec<u8>,
}

impl Segment {
    /// Sequence space the segment occupies: payload plus one for SYN and one for FIN
    /// (RFC 9293 §3.4, `SEG.LEN`).
    pub fn seg_len(&self) -> u32 {
        let len = u32::try_from(self.payload.len()).unwrap_or(u32::MAX);
        len.saturating_add(u32::from(self.flags.syn()))
            .saturating_add(u32::from(self.flags.fin()))
    }

    /// The sequence number after the segment (`TCP_SKB_CB(skb)->end_seq`).
    pub fn end_seq(&self) -> SeqNum {
        self.seq + self.seg_len()
    }

    /// The MSS option's value, if present.
    pub fn mss(&self) -> Option<u16> {
        self.options.iter().find_map(|o| match o {
            TcpOption::Mss(m) => Some(*m),
            _ => None,
        })
    }

    /// The window-scale option's shift, if present.
    pub fn wscale(&self) -> Option<u8> {
        self.options.iter().find_map(|o| match o {
            TcpOption::WindowScale(s) => Some(*s),
            _ => None,
        })
    }

    /// SACK-permitted is present.
    pub fn sack_permitted(&self) -> bool {
        self.options.contains(&TcpOption::SackPermitted)
    }

    /// The timestamp option's (TSval, TSecr), if present.
    pub fn timestamp(&self) -> Option<(u32, u32)> {
        self.options.iter().find_map(|o| match o {
            TcpOption::Timestamp { val, ecr } => Some((*val, *ecr)),
            _ => None,
        })
    }

    /// Bytes of options, padded to a multiple of 4 as on the wire.
    pub fn options_len(&self) -> usize {
        self.options
            .iter()
            .map(TcpOption::wire_len)
            .sum::<usize>()
            .next_multiple_of(4)
    }

    /// The 4-tuple as seen by the receiver: (local, remote).
    pub fn receiver_tuple(&self) -> (Endpoint, Endpoint) {
        (self.dst, self.src)
    }
}

/// `10.0.0.1.40000 > 10.0.0.2.8080: Flags [S], seq 1, win 64240, options [mss 1460], length 0`,
/// as `tcpdump -n -S` prints it (absolute sequence numbers).
impl fmt::Display for Segment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} > {}: Flags [{}]", self.src, self.dst, self.flags)?;
        let len = self.payload.len();
        if len > 0 {
            write!(
                f,
                ", seq {}:{}",
                self.seq,
                self.seq + u32::try_from(len).unwrap_or(0)
            )?;
        } else if self.flags.syn() || self.flags.fin() || self.flags.rst() || !self.flags.ack() {
            write!(f, ", seq {}", self.seq)?;
        }
        if self.flags.ack() {
            write!(f, ", ack {}", self.ack)?;
        }
        write!(f, ", win {}", self.window)?;
        if !self.options.is_empty() {
            write!(f, ", options [")?;
            for (i, o) in self.options.iter().enumerate() {
                if i > 0 {
                    write!(f, ",")?;
                }
                write!(f, "{o}")?;
            }
            write!(f, "]")?;
        }
        write!(f, ", length {len}")
    }
}
