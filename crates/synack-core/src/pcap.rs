//! A libpcap file of every segment as it left its sender: real IPv4 + TCP headers with correct
//! checksums and options, stamped with simulated time (LINKTYPE_RAW, so no Ethernet header).
//!
//! The format is small and fixed (a 24-byte file header, a 16-byte header per record; see
//! the pcap-savefile(5) man page), so it is written here rather than through a crate that needs
//! `std`.

use crate::time::Instant;
use crate::wire::{Options, Segment};
use alloc::vec::Vec;

/// `LINKTYPE_RAW`: each record is an IPv4 packet.
const LINKTYPE_RAW: u32 = 101;

/// The bytes of a pcap file holding `segments`.
pub fn write<'a>(segments: impl IntoIterator<Item = (Instant, &'a Segment)>) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend_from_slice(&0xa1b2_c3d4u32.to_le_bytes());
    out.extend_from_slice(&2u16.to_le_bytes());
    out.extend_from_slice(&4u16.to_le_bytes());
    out.extend_from_slice(&0i32.to_le_bytes());
    out.extend_from_slice(&0u32.to_le_bytes());
    out.extend_from_slice(&65535u32.to_le_bytes());
    out.extend_from_slice(&LINKTYPE_RAW.to_le_bytes());
    for (ident, (at, seg)) in segments.into_iter().enumerate() {
        let packet = ipv4_packet(seg, u16::try_from(ident & 0xffff).unwrap_or(0));
        let secs = u32::try_from(at.micros() / 1_000_000).unwrap_or(u32::MAX);
        let usecs = u32::try_from(at.micros() % 1_000_000).unwrap_or(0);
        let len = u32::try_from(packet.len()).unwrap_or(u32::MAX);
        out.extend_from_slice(&secs.to_le_bytes());
        out.extend_from_slice(&usecs.to_le_bytes());
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(&packet);
    }
    out
}

/// The TCP options as bytes, padded with EOL to a multiple of 4 (RFC 9293 §3.1).
fn option_bytes(options: &Options) -> Vec<u8> {
    let mut b = options.as_bytes().to_vec();
    b.resize(b.len().next_multiple_of(4), 0);
    b
}

/// The Internet checksum (RFC 1071) of `data`, continuing from `sum`.
fn checksum(mut sum: u32, data: &[u8]) -> u16 {
    let mut chunks = data.chunks_exact(2);
    for c in &mut chunks {
        if let [a, b] = c {
            sum += u32::from(u16::from_be_bytes([*a, *b]));
        }
    }
    if let [last] = chunks.remainder() {
        sum += u32::from(*last) << 8;
    }
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    !(sum as u16)
}

/// An IPv4 packet (DF set, TTL 64, as Linux sends TCP) carrying the segment.
pub fn ipv4_packet(seg: &Segment, ident: u16) -> Vec<u8> {
    let opts = option_bytes(&seg.options);
    let tcp_len = 20 + opts.len() + seg.payload.len();
    let total = 20 + tcp_len;
    let mut tcp = Vec::with_capacity(tcp_len);
    tcp.extend_from_slice(&seg.src.port.to_be_bytes());
    tcp.extend_from_slice(&seg.dst.port.to_be_bytes());
    tcp.extend_from_slice(&seg.seq.0.to_be_bytes());
    tcp.extend_from_slice(&seg.ack.0.to_be_bytes());
    let doff = u8::try_from((20 + opts.len()) / 4).unwrap_or(15);
    tcp.push(doff << 4);
    tcp.push(seg.flags.0);
    tcp.extend_from_slice(&seg.window.to_be_bytes());
    tcp.extend_from_slice(&[0, 0, 0, 0]);
    tcp.extend_from_slice(&opts);
    tcp.extend_from_slice(&seg.payload);
    // The pseudo-header: addresses, protocol, TCP length (RFC 9293 §3.1).
    let mut pseudo = 0u32;
    for ip in [seg.src.ip.0, seg.dst.ip.0] {
        pseudo += ip >> 16;
        pseudo += ip & 0xffff;
    }
    pseudo += 6;
    pseudo += u32::try_from(tcp_len).unwrap_or(0);
    let csum = checksum(pseudo, &tcp);
    if let Some(c) = tcp.get_mut(16..18) {
        c.copy_from_slice(&csum.to_be_bytes());
    }
    let mut ip = Vec::with_capacity(total);
    ip.extend_from_slice(&[0x45, 0]);
    ip.extend_from_slice(&u16::try_from(total).unwrap_or(u16::MAX).to_be_bytes());
    ip.extend_from_slice(&ident.to_be_bytes());
    ip.extend_from_slice(&[0x40, 0, 64, 6, 0, 0]);
    ip.extend_from_slice(&seg.src.ip.octets());
    ip.extend_from_slice(&seg.dst.ip.octets());
    let hcsum = checksum(0, &ip);
    if let Some(c) = ip.get_mut(10..12) {
        c.copy_from_slice(&hcsum.to_be_bytes());
    }
    ip.extend_from_slice(&tcp);
    ip
}
