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

/// The most SACK blocks one option carries (4 fill the 40 option bytes; 3 fit beside timestamps).
pub const MAX_SACK_BLOCKS: usize = 4;

/// The blocks of a SACK option (RFC 2018 §3), left and right edges, at most [`MAX_SACK_BLOCKS`],
/// kept inline so that an option is a plain value.
#[derive(Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct SackBlocks {
    len: u8,
    edges: [(SeqNum, SeqNum); MAX_SACK_BLOCKS],
}

impl SackBlocks {
    /// The blocks of `blocks`, or `None` when there are more than [`MAX_SACK_BLOCKS`].
    pub fn new(blocks: &[(SeqNum, SeqNum)]) -> Option<SackBlocks> {
        let mut s = SackBlocks::default();
        for b in blocks {
            *s.edges.get_mut(usize::from(s.len))? = *b;
            s.len += 1;
        }
        Some(s)
    }

    /// The blocks, in the order they were given.
    pub fn as_slice(&self) -> &[(SeqNum, SeqNum)] {
        self.edges.get(..usize::from(self.len)).unwrap_or(&[])
    }
}

impl fmt::Debug for SackBlocks {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.as_slice()).finish()
    }
}

impl Serialize for SackBlocks {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.as_slice())
    }
}

/// One TCP option, in the order it appears in the header.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
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
    Sack(SackBlocks),
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
            TcpOption::Sack(blocks) => 2 + 8 * blocks.as_slice().len(),
            TcpOption::Timestamp { .. } => 10,
        }
    }

    /// Writes the option's bytes (kind, length, value; RFC 9293 §3.1) into `out`, which is
    /// [`TcpOption::wire_len`] long.
    fn encode(&self, out: &mut [u8]) {
        match (self, out) {
            (TcpOption::Nop, [k]) => *k = 1,
            (TcpOption::Mss(m), [k, l, a, b]) => {
                let [hi, lo] = m.to_be_bytes();
                (*k, *l, *a, *b) = (2, 4, hi, lo);
            }
            (TcpOption::WindowScale(s), [k, l, v]) => (*k, *l, *v) = (3, 3, *s),
            (TcpOption::SackPermitted, [k, l]) => (*k, *l) = (4, 2),
            (TcpOption::Sack(blocks), [k, l, v @ ..]) => {
                (*k, *l) = (5, u8::try_from(self.wire_len()).unwrap_or(u8::MAX));
                for (e, (left, right)) in v.chunks_exact_mut(8).zip(blocks.as_slice()) {
                    let (el, er) = e.split_at_mut(4);
                    el.copy_from_slice(&left.0.to_be_bytes());
                    er.copy_from_slice(&right.0.to_be_bytes());
                }
            }
            (TcpOption::Timestamp { val, ecr }, [k, l, v @ ..]) if v.len() == 8 => {
                (*k, *l) = (8, 10);
                let (a, b) = v.split_at_mut(4);
                a.copy_from_slice(&val.to_be_bytes());
                b.copy_from_slice(&ecr.to_be_bytes());
            }
            // `out` is always `wire_len` long.
            _ => {}
        }
    }

    /// The option at the start of `b` (written by [`TcpOption::encode`]) and its length.
    fn decode(b: &[u8]) -> Option<(TcpOption, usize)> {
        let u32_at = |i: usize| {
            let v: [u8; 4] = b.get(i..i + 4)?.try_into().ok()?;
            Some(u32::from_be_bytes(v))
        };
        let o = match *b.first()? {
            1 => return Some((TcpOption::Nop, 1)),
            2 => TcpOption::Mss(u16::from_be_bytes([*b.get(2)?, *b.get(3)?])),
            3 => TcpOption::WindowScale(*b.get(2)?),
            4 => TcpOption::SackPermitted,
            5 => {
                let n = (usize::from(*b.get(1)?).saturating_sub(2)) / 8;
                let mut s = SackBlocks::default();
                for i in 0..n.min(MAX_SACK_BLOCKS) {
                    let at = 2 + 8 * i;
                    *s.edges.get_mut(i)? = (SeqNum(u32_at(at)?), SeqNum(u32_at(at + 4)?));
                    s.len += 1;
                }
                TcpOption::Sack(s)
            }
            8 => TcpOption::Timestamp {
                val: u32_at(2)?,
                ecr: u32_at(6)?,
            },
            _ => return None,
        };
        Some((o, o.wire_len()))
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
                write!(f, "sack {}", blocks.as_slice().len())?;
                for (l, r) in blocks.as_slice() {
                    write!(f, " {{{l}:{r}}}")?;
                }
                Ok(())
            }
            TcpOption::Timestamp { val, ecr } => write!(f, "TS val {val} ecr {ecr}"),
        }
    }
}

/// The most option bytes a TCP header holds (data offset 15 words, less the 20-byte header).
pub const MAX_OPTION_BYTES: usize = 40;

/// A segment's options, kept as the header carries them: at most 40 bytes, inline, so that a
/// segment is built, cloned and dropped without an allocation (every segment of a connection
/// with timestamps has options). Read them as values with [`Options::iter`].
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Options {
    len: u8,
    bytes: [u8; MAX_OPTION_BYTES],
}

/// Options would not fit in the 40 bytes of a TCP header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OptionsTooLong;

impl Options {
    /// No options.
    pub const fn new() -> Options {
        Options {
            len: 0,
            bytes: [0; MAX_OPTION_BYTES],
        }
    }

    /// `nop,nop,TS val ecr`: the timestamp aligned as `tcp_options_write` writes it on every
    /// segment of a connection that negotiated timestamps, its twelve bytes written at once
    /// (the same as pushing the three options).
    pub fn aligned_timestamp(val: u32, ecr: u32) -> Options {
        let [a, b, c, d] = val.to_be_bytes();
        let [e, f, g, h] = ecr.to_be_bytes();
        let mut o = Options::new();
        if let Some(head) = o.bytes.first_chunk_mut::<12>() {
            *head = [1, 1, 8, 10, a, b, c, d, e, f, g, h];
            o.len = 12;
        }
        o
    }

    /// Appends `o`; an error when it would not fit in the 40 bytes.
    pub fn push(&mut self, o: TcpOption) -> Result<(), OptionsTooLong> {
        let at = usize::from(self.len);
        let n = o.wire_len();
        let to = self.bytes.get_mut(at..at + n).ok_or(OptionsTooLong)?;
        o.encode(to);
        self.len = u8::try_from(at + n).map_err(|_| OptionsTooLong)?;
        Ok(())
    }

    /// The value bytes of the first option of `kind` (after its kind and length bytes), found
    /// by walking the kinds and lengths without decoding the others.
    fn value_of(&self, kind: u8) -> Option<&[u8]> {
        let mut rest = self.as_bytes();
        loop {
            match *rest {
                [] => return None,
                [1, ref tail @ ..] => rest = tail,
                [k, len, ..] => {
                    let len = usize::from(len).max(2);
                    let (opt, tail) = rest.split_at_checked(len)?;
                    if k == kind {
                        return opt.get(2..);
                    }
                    rest = tail;
                }
                [_] => return None,
            }
        }
    }

    /// The timestamp option's (TSval, TSecr), if present: read on every segment, so without
    /// decoding the other options.
    pub fn timestamp(&self) -> Option<(u32, u32)> {
        let v: [u8; 8] = self.value_of(8)?.try_into().ok()?;
        let [a, b, c, d, e, f, g, h] = v;
        Some((
            u32::from_be_bytes([a, b, c, d]),
            u32::from_be_bytes([e, f, g, h]),
        ))
    }

    /// The options of `list`, in order; an error when they would not fit in 40 bytes.
    pub fn of(list: &[TcpOption]) -> Result<Options, OptionsTooLong> {
        let mut o = Options::new();
        for x in list {
            o.push(*x)?;
        }
        Ok(o)
    }

    /// The options in header order.
    pub fn iter(&self) -> OptionsIter<'_> {
        OptionsIter {
            rest: self.as_bytes(),
        }
    }

    /// The options' bytes as the header carries them, before padding.
    pub fn as_bytes(&self) -> &[u8] {
        self.bytes.get(..usize::from(self.len)).unwrap_or(&[])
    }

    /// No options.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// `o` is among the options.
    pub fn contains(&self, o: &TcpOption) -> bool {
        self.iter().any(|x| x == *o)
    }
}

impl Default for Options {
    fn default() -> Options {
        Options::new()
    }
}

impl fmt::Debug for Options {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl Serialize for Options {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.iter())
    }
}

impl<'a> IntoIterator for &'a Options {
    type Item = TcpOption;
    type IntoIter = OptionsIter<'a>;
    fn into_iter(self) -> OptionsIter<'a> {
        self.iter()
    }
}

/// The options of an [`Options`], decoded one at a time.
pub struct OptionsIter<'a> {
    rest: &'a [u8],
}

impl Iterator for OptionsIter<'_> {
    type Item = TcpOption;
    fn next(&mut self) -> Option<TcpOption> {
        let (o, len) = TcpOption::decode(self.rest)?;
        self.rest = self.rest.get(len..).unwrap_or(&[]);
        Some(o)
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
    pub options: Options,
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
        match *self.options.value_of(2)? {
            [hi, lo] => Some(u16::from_be_bytes([hi, lo])),
            _ => None,
        }
    }

    /// The window-scale option's shift, if present.
    pub fn wscale(&self) -> Option<u8> {
        match *self.options.value_of(3)? {
            [shift] => Some(shift),
            _ => None,
        }
    }

    /// SACK-permitted is present.
    pub fn sack_permitted(&self) -> bool {
        self.options.value_of(4).is_some()
    }

    /// The timestamp option's (TSval, TSecr), if present.
    pub fn timestamp(&self) -> Option<(u32, u32)> {
        self.options.timestamp()
    }

    /// Bytes of options, padded to a multiple of 4 as on the wire.
    pub fn options_len(&self) -> usize {
        self.options.as_bytes().len().next_multiple_of(4)
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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;
    use proptest::prelude::*;

    fn option() -> impl Strategy<Value = TcpOption> {
        let edge = any::<u32>().prop_map(SeqNum);
        prop_oneof![
            Just(TcpOption::Nop),
            any::<u16>().prop_map(TcpOption::Mss),
            any::<u8>().prop_map(TcpOption::WindowScale),
            Just(TcpOption::SackPermitted),
            proptest::collection::vec((edge.clone(), edge), 0..=MAX_SACK_BLOCKS)
                .prop_map(|b| TcpOption::Sack(SackBlocks::new(&b).unwrap())),
            (any::<u32>(), any::<u32>()).prop_map(|(val, ecr)| TcpOption::Timestamp { val, ecr }),
        ]
    }

    proptest! {
        // Options read back as they were written, in order, as long as they fit in 40 bytes;
        // past that `push` refuses and leaves what was there.
        #[test]
        fn options_read_back_as_written(list in proptest::collection::vec(option(), 0..12)) {
            let mut o = Options::new();
            let mut kept = Vec::new();
            for x in &list {
                let fits = kept.iter().map(TcpOption::wire_len).sum::<usize>() + x.wire_len()
                    <= MAX_OPTION_BYTES;
                prop_assert_eq!(o.push(*x).is_ok(), fits);
                if fits {
                    kept.push(*x);
                }
            }
            prop_assert_eq!(o.iter().collect::<Vec<_>>(), kept.clone());
            let ts = kept.iter().find_map(|x| match x {
                TcpOption::Timestamp { val, ecr } => Some((*val, *ecr)),
                _ => None,
            });
            prop_assert_eq!(o.timestamp(), ts);
            prop_assert_eq!(
                o.as_bytes().len(),
                kept.iter().map(TcpOption::wire_len).sum::<usize>()
            );
        }
    }

    proptest! {
        // The aligned timestamp written at once is the three options pushed one by one.
        #[test]
        fn an_aligned_timestamp_is_nop_nop_ts(val in any::<u32>(), ecr in any::<u32>()) {
            let pushed =
                Options::of(&[TcpOption::Nop, TcpOption::Nop, TcpOption::Timestamp { val, ecr }]);
            prop_assert_eq!(Ok(Options::aligned_timestamp(val, ecr)), pushed);
        }
    }

    #[test]
    fn options_are_the_headers_bytes() {
        let o = Options::of(&[
            TcpOption::Mss(1460),
            TcpOption::SackPermitted,
            TcpOption::Timestamp { val: 1, ecr: 2 },
            TcpOption::Nop,
            TcpOption::WindowScale(7),
        ])
        .unwrap();
        assert_eq!(
            o.as_bytes(),
            [
                2, 4, 5, 180, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 2, 1, 3, 3, 7
            ]
        );
        assert!(SackBlocks::new(&[(SeqNum(0), SeqNum(1)); MAX_SACK_BLOCKS + 1]).is_none());
    }
}
