//! SYN cookies (Linux 6.18 `net/ipv4/syncookies.c`): when the SYN queue is full (or
//! `tcp_syncookies=2`), the listener keeps no request and hides what it must remember in the
//! SYN-ACK itself: the ISN carries a keyed hash, a one-minute counter and the index of the
//! client's MSS in a table of four values; with timestamps, the low 6 bits of TSval carry the
//! client's window scale, SACK and ECN. The ACK alone then rebuilds the connection.
//!
//! Read first: `secure_tcp_syn_cookie`, `check_tcp_syn_cookie`, `__cookie_v4_init_sequence`,
//! `__cookie_v4_check`, `cookie_init_timestamp`, `cookie_timestamp_decode`, and in
//! include/net/tcp.h `tcp_cookie_time`, `tcp_synq_overflow`, `tcp_synq_no_recent_overflow`.
//!
//! Pure functions of their inputs: the keys come from the host's boot-time secrets, the counter
//! from its jiffies.

use core::hash::Hasher;
use siphasher::sip::SipHasher24;

/// `msstab`: the MSS values a cookie can encode, sorted (the 2011 study of MSS values on the
/// Internet that syncookies.c cites: 1460 is the most common, 1300-1349 and 1440/1452 next).
pub(super) const MSS_TABLE: [u16; 4] = [536, 1300, 1440, 1460];

/// `COOKIEBITS`: the low 24 bits hold the hash and the MSS index, the high 8 the counter.
const COOKIE_BITS: u32 = 24;
/// `COOKIEMASK`.
const COOKIE_MASK: u32 = (1 << COOKIE_BITS) - 1;
/// `MAX_SYNCOOKIE_AGE`: a cookie is valid in the minute it was made and the next.
const MAX_SYNCOOKIE_AGE: u32 = 2;
/// `TCP_SYNCOOKIE_PERIOD`: the counter ticks once a minute, in seconds.
pub(super) const SYNCOOKIE_PERIOD_SECS: u64 = 60;

/// `TSBITS`: option bits at the bottom of a cookie's TSval.
const TS_BITS: u32 = 6;
/// `TS_OPT_WSCALE_MASK`: the window scale, 0xf meaning "no window scaling".
const TS_OPT_WSCALE_MASK: u32 = 0xf;
/// `TS_OPT_SACK`.
const TS_OPT_SACK: u32 = 1 << 4;

/// The two keys of `syncookie_secret`.
pub(super) type CookieKeys = [(u64, u64); 2];

/// A connection's addresses and ports as the cookie hashes them: the client's first, as the SYN
/// and the ACK carry them (`iph->saddr`, `iph->daddr`, `th->source`, `th->dest`).
#[derive(Clone, Copy, Debug)]
pub(super) struct Flow {
    pub saddr: u32,
    pub daddr: u32,
    pub sport: u16,
    pub dport: u16,
}

/// `cookie_hash`: SipHash of the flow and `count` under key `c`, truncated to 32 bits.
fn cookie_hash(keys: &CookieKeys, f: Flow, count: u32, c: usize) -> u32 {
    let (k0, k1) = keys.get(c).copied().unwrap_or((0, 0));
    let mut h = SipHasher24::new_with_keys(k0, k1);
    h.write_u32(f.saddr);
    h.write_u32(f.daddr);
    h.write_u32((u32::from(f.sport) << 16) | u32::from(f.dport));
    h.write_u32(count);
    h.finish() as u32
}

/// `__cookie_v4_init_sequence` with `secure_tcp_syn_cookie`: the cookie ISN for a SYN with
/// sequence number `sseq` and MSS `mss`, and the MSS rounded down to the table (the largest entry
/// not above it, 536 at least).
pub(super) fn init_sequence(
    keys: &CookieKeys,
    f: Flow,
    sseq: u32,
    mss: u16,
    count: u32,
) -> (u32, u16) {
    let index = MSS_TABLE.iter().rposition(|&m| mss >= m).unwrap_or(0);
    let table_mss = MSS_TABLE.get(index).copied().unwrap_or(536);
    let data = index as u32;
    let isn = cookie_hash(keys, f, 0, 0)
        .wrapping_add(sseq)
        .wrapping_add(count << COOKIE_BITS)
        .wrapping_add(cookie_hash(keys, f, count, 1).wrapping_add(data) & COOKIE_MASK);
    (isn, table_mss)
}

/// `__cookie_v4_check` with `check_tcp_syn_cookie`: the MSS a cookie encodes, or `None` when it
/// is not one of ours or older than `MAX_SYNCOOKIE_AGE` minutes. `cookie` is the ACK's ack number
/// less one, `sseq` its sequence number less one.
pub(super) fn check(keys: &CookieKeys, f: Flow, cookie: u32, sseq: u32, count: u32) -> Option<u16> {
    let cookie = cookie.wrapping_sub(cookie_hash(keys, f, 0, 0).wrapping_add(sseq));
    let diff = count.wrapping_sub(cookie >> COOKIE_BITS) & (u32::MAX >> COOKIE_BITS);
    if diff >= MAX_SYNCOOKIE_AGE {
        return None;
    }
    let index =
        cookie.wrapping_sub(cookie_hash(keys, f, count.wrapping_sub(diff), 1)) & COOKIE_MASK;
    usize::try_from(index)
        .ok()
        .and_then(|i| MSS_TABLE.get(i).copied())
}

/// The options a SYN offered, as a cookie remembers them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct CookieOptions {
    /// The client's window scale, if it offered one.
    pub wscale: Option<u8>,
    /// It offered SACK.
    pub sack: bool,
}

/// `cookie_init_timestamp`: the TSval (before the connection's offset) of a cookie SYN-ACK: the TCP
/// clock in ms with its low 6 bits replaced by the options, and never ahead of the clock.
pub(super) fn init_timestamp(now_ms: u64, o: CookieOptions) -> u32 {
    let mut options = o.wscale.map_or(TS_OPT_WSCALE_MASK, u32::from);
    if o.sack {
        options |= TS_OPT_SACK;
    }
    let mut ts = ((now_ms >> TS_BITS) << TS_BITS) | u64::from(options);
    if ts > now_ms {
        ts = ts.wrapping_sub(1 << TS_BITS);
    }
    // The TSval is the low 32 bits (RFC 7323 §5.4).
    ts as u32
}

/// `cookie_timestamp_decode`: the options an echoed cookie TSval (offset removed) carries, checked
/// against the sysctls; `None` when it names an option this host does not allow. Without a
/// timestamp in the ACK, no option survives.
pub(super) fn decode_timestamp(
    tsecr: Option<u32>,
    timestamps: bool,
    sack: bool,
    window_scaling: bool,
) -> Option<CookieOptions> {
    let Some(options) = tsecr else {
        return Some(CookieOptions {
            wscale: None,
            sack: false,
        });
    };
    if !timestamps {
        return None;
    }
    let sack_ok = options & TS_OPT_SACK != 0;
    if sack_ok && !sack {
        return None;
    }
    let ws = options & TS_OPT_WSCALE_MASK;
    if ws == TS_OPT_WSCALE_MASK {
        return Some(CookieOptions {
            wscale: None,
            sack: sack_ok,
        });
    }
    window_scaling.then_some(CookieOptions {
        wscale: u8::try_from(ws).ok(),
        sack: sack_ok,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEYS: CookieKeys = [(1, 2), (3, 4)];
    const FLOW: Flow = Flow {
        saddr: 0x0a00_0001,
        daddr: 0x0a00_0002,
        sport: 40000,
        dport: 8080,
    };

    #[test]
    fn a_cookie_decodes_to_its_table_mss_for_two_minutes() {
        for (mss, want) in [
            (1000, 536),
            (1299, 536),
            (1300, 1300),
            (1452, 1440),
            (1460, 1460),
            (9000, 1460),
            (100, 536),
        ] {
            let (isn, table) = init_sequence(&KEYS, FLOW, 77, mss, 5);
            assert_eq!(table, want, "{mss}");
            assert_eq!(check(&KEYS, FLOW, isn, 77, 5), Some(want));
            assert_eq!(check(&KEYS, FLOW, isn, 77, 6), Some(want));
            assert_eq!(check(&KEYS, FLOW, isn, 77, 7), None, "too old");
        }
    }

    #[test]
    fn a_cookie_is_bound_to_its_flow_and_sequence_number() {
        let (isn, _) = init_sequence(&KEYS, FLOW, 77, 1460, 5);
        // Only 4 of the 2^24 values left once the hash is removed are valid, so a guess is refused
        // unless it lands within the table: one off the index is another MSS, as in Linux.
        assert_eq!(check(&KEYS, FLOW, isn.wrapping_add(1), 77, 5), None);
        assert_eq!(check(&KEYS, FLOW, isn, 76, 5), None);
        assert_eq!(check(&KEYS, FLOW, isn, 78, 5), Some(1440));
        assert_eq!(check(&KEYS, FLOW, isn, 77 + 1000, 5), None);
        let other = Flow {
            sport: 40001,
            ..FLOW
        };
        assert_eq!(check(&KEYS, other, isn, 77, 5), None);
        assert_eq!(check(&[(9, 9), (3, 4)], FLOW, isn, 77, 5), None);
    }

    #[test]
    fn the_timestamp_carries_wscale_and_sack_and_never_runs_ahead() {
        let o = CookieOptions {
            wscale: Some(7),
            sack: true,
        };
        let ts = init_timestamp(100_000, o);
        assert_eq!(ts & 0x3f, 7 | 16);
        assert!(u64::from(ts) <= 100_000 && 100_000 - u64::from(ts) < 64);
        assert_eq!(decode_timestamp(Some(ts), true, true, true), Some(o));
        let none = init_timestamp(
            100_000,
            CookieOptions {
                wscale: None,
                sack: false,
            },
        );
        assert_eq!(none & 0x3f, 0xf);
        assert_eq!(
            decode_timestamp(Some(none), true, true, true),
            Some(CookieOptions {
                wscale: None,
                sack: false
            })
        );
        // A host that no longer allows an option it encoded refuses the cookie.
        assert_eq!(decode_timestamp(Some(ts), false, true, true), None);
        assert_eq!(decode_timestamp(Some(ts), true, false, true), None);
        assert_eq!(decode_timestamp(Some(ts), true, true, false), None);
        assert_eq!(
            decode_timestamp(None, false, false, false),
            Some(CookieOptions {
                wscale: None,
                sack: false
            })
        );
    }
}
