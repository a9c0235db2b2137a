//! Local ports: the bind buckets (who holds a port), the established hash's entries grouped by
//! destination, and the choice of an ephemeral port for `connect()` (`__inet_hash_connect`,
//! net/ipv4/inet_hashtables.c, RFC 6056 §3.3.4 algorithm 4).
//!
//! Nothing here scans every socket or every port per call: a destination's ports in use are a
//! set that answers "the first free port of this parity from here" a machine word (64 ports) at a
//! time, so that a client whose ports are all in TIME-WAIT still picks (or fails to pick) a port
//! in a few hundred word reads rather than one lookup per port.

use super::{Conn, Host, PortOwner, shrink};
use crate::slab::Key;
use crate::wire::{Endpoint, Ipv4};
use alloc::boxed::Box;
use alloc::vec::Vec;
use core::hash::Hasher;
use siphasher::sip::SipHasher24;

/// `INET_TABLE_PERTURB_SIZE`: `1 << CONFIG_INET_TABLE_PERTURB_ORDER` (16, the default).
const TABLE_PERTURB_SIZE: u64 = 1 << 16;

/// The local ports in use toward one destination (local address, remote address and port): a
/// short sorted list, or a bitmap of all 65,536 ports once it holds more than `SPARSE_MAX`.
#[derive(Clone, Debug)]
pub(super) enum PortSet {
    Sparse(Vec<u16>),
    Dense(Box<Bitmap>),
}

/// 65,536 ports, and for each parity which of its 64-port words hold that parity's 32 ports
/// all in use: `connect()` on a nearly full range (`port-exhaustion`) skips 4,096 used ports
/// at a time instead of 64.
#[derive(Clone, Debug)]
pub(super) struct Bitmap {
    words: [u64; 1024],
    full: [[u64; 16]; 2],
    /// Ports in the set, so that an emptied set is seen at once.
    len: u32,
}

/// A word's bits of even ports and of odd ports.
const LANES: [u64; 2] = [0x5555_5555_5555_5555, 0xAAAA_AAAA_AAAA_AAAA];

impl Bitmap {
    fn set(&mut self, port: u16, on: bool) {
        let w = usize::from(port >> 6);
        let Some(word) = self.words.get_mut(w) else {
            return;
        };
        let bit = 1 << (port & 63);
        if on && *word & bit == 0 {
            *word |= bit;
            self.len += 1;
        } else if !on && *word & bit != 0 {
            *word &= !bit;
            self.len -= 1;
        }
        let word = *word;
        for (lane, full) in LANES.iter().zip(self.full.iter_mut()) {
            if let Some(f) = full.get_mut(w >> 6) {
                let bit = 1u64 << (w & 63);
                if word & lane == *lane {
                    *f |= bit;
                } else {
                    *f &= !bit;
                }
            }
        }
    }

    /// The first port `q` in `from..to` with `q - from` even that is not in use.
    fn first_clear(&self, from: u32, to: u32) -> Option<u32> {
        let parity = from & 1;
        let lane = LANES.get(parity as usize).copied()?;
        let full = self.full.get(parity as usize)?;
        let mut q = from;
        while q < to {
            let w = q >> 6;
            // The next word at or after `w` whose lane has a free port.
            let not_full =
                !full.get(usize::try_from(w >> 6).ok()?).copied()? & (u64::MAX << (w & 63));
            if not_full == 0 {
                q = (((w >> 6) + 1) << 12) | parity;
                continue;
            }
            let next = (w & !63) + not_full.trailing_zeros();
            if next != w {
                q = (next << 6) | parity;
                continue;
            }
            let word = self.words.get(usize::try_from(w).ok()?).copied()?;
            let free = !word & lane & (u64::MAX << (q & 63));
            if free != 0 {
                let found = (q & !63) + free.trailing_zeros();
                return (found < to).then_some(found);
            }
            // Next word, same parity (64 is even, so the lane's parity carries over).
            q = (q & !63) + 64 + parity;
        }
        None
    }
}

/// Most ports a `PortSet::Sparse` holds (a server sees one port per client 4-tuple: sparse).
const SPARSE_MAX: usize = 64;

impl PortSet {
    fn contains(&self, port: u16) -> bool {
        match self {
            PortSet::Sparse(v) => v.binary_search(&port).is_ok(),
            PortSet::Dense(map) => map
                .words
                .get(usize::from(port >> 6))
                .is_some_and(|w| w & (1 << (port & 63)) != 0),
        }
    }

    fn insert(&mut self, port: u16) {
        match self {
            PortSet::Sparse(v) => {
                if let Err(i) = v.binary_search(&port) {
                    v.insert(i, port);
                }
                if v.len() > SPARSE_MAX {
                    let mut map = Box::new(Bitmap {
                        words: [0; 1024],
                        full: [[0; 16]; 2],
                        len: 0,
                    });
                    for p in v.iter() {
                        map.set(*p, true);
                    }
                    *self = PortSet::Dense(map);
                }
            }
            PortSet::Dense(map) => map.set(port, true),
        }
    }

    /// Whether no port is in the set.
    fn is_empty(&self) -> bool {
        match self {
            PortSet::Sparse(v) => v.is_empty(),
            PortSet::Dense(map) => map.len == 0,
        }
    }

    /// Removes `port` (a bitmap stays one while it holds a port: the whole set goes when it
    /// empties, see `Host::ehash_remove`).
    fn remove(&mut self, port: u16) {
        match self {
            PortSet::Sparse(v) => {
                if let Ok(i) = v.binary_search(&port) {
                    v.remove(i);
                }
            }
            PortSet::Dense(map) => map.set(port, false),
        }
    }

    /// The first port `q` in `from..to` with `q - from` even that is not in the set.
    fn first_clear(&self, from: u32, to: u32) -> Option<u32> {
        match self {
            PortSet::Sparse(_) => {
                let mut q = from;
                while q < to {
                    if !self.contains(u16::try_from(q).ok()?) {
                        return Some(q);
                    }
                    q += 2;
                }
                None
            }
            PortSet::Dense(map) => map.first_clear(from, to),
        }
    }
}

impl Host {
    /// Adds a socket to `port`'s bind bucket (`inet_bind_hash`).
    pub(super) fn port_add(&mut self, port: u16, key: Key) {
        let list = self.ports.entry(port).or_default();
        list.push(PortOwner::Sock(key));
        let slot = list.len() - 1;
        self.set_port_slot(port, slot);
    }

    /// Tells the socket at `slot` of `port`'s list where it now is.
    fn set_port_slot(&mut self, port: u16, slot: usize) {
        if let Some(PortOwner::Sock(k)) = self.ports.get(&port).and_then(|l| l.get(slot)).copied()
            && let Some(s) = self.socks.get_mut(k)
        {
            s.port_slot = u32::try_from(slot).unwrap_or(u32::MAX);
        }
    }

    /// Takes the socket at `slot` off `port`'s bind bucket (`__inet_put_port`) in O(1): the last
    /// owner, a socket, takes its slot. The bucket goes with its last owner.
    pub(super) fn release_port(&mut self, port: u16, key: Key, slot: u32) {
        let Some(list) = self.ports.get_mut(&port) else {
            return;
        };
        let slot = usize::try_from(slot).unwrap_or(usize::MAX);
        debug_assert_eq!(
            list.get(slot),
            Some(&PortOwner::Sock(key)),
            "a socket knows its slot"
        );
        if list.get(slot) == Some(&PortOwner::Sock(key)) {
            list.swap_remove(slot);
            if list.is_empty() {
                self.ports.remove(&port);
                shrink(&mut self.ports);
            } else {
                self.set_port_slot(port, slot);
            }
        }
    }

    /// A TIME-WAIT entry on `port` (`inet_twsk_hashdance` puts it in the bind bucket). A new
    /// count goes at the end of the counts: the socket there moves to the end of the list.
    pub(super) fn port_add_time_wait(&mut self, port: u16, ip: Ipv4, reuse: bool) {
        let list = self.ports.entry(port).or_default();
        let counts = count_owners(list);
        let found = list.iter_mut().take(counts).find_map(|o| match o {
            PortOwner::TimeWaits {
                ip: i,
                reuse: r,
                count,
            } if *i == ip && *r == reuse => Some(count),
            _ => None,
        });
        match found {
            Some(count) => *count += 1,
            None => {
                list.push(PortOwner::TimeWaits {
                    ip,
                    reuse,
                    count: 1,
                });
                let last = list.len() - 1;
                if last != counts {
                    list.swap(counts, last);
                    self.set_port_slot(port, last);
                }
            }
        }
    }

    /// A TIME-WAIT entry on `port` ends (`inet_twsk_bind_unhash`). A count that reaches 0 leaves
    /// by two swaps: with the last count, then with the last owner (a socket, which is told).
    pub(super) fn port_drop_time_wait(&mut self, port: u16, ip: Ipv4, reuse: bool) {
        let Some(list) = self.ports.get_mut(&port) else {
            return;
        };
        let counts = count_owners(list);
        let at = list.iter().take(counts).position(
            |o| matches!(o, PortOwner::TimeWaits { ip: i, reuse: r, .. } if *i == ip && *r == reuse),
        );
        let Some(j) = at else { return };
        let emptied = match list.get_mut(j) {
            Some(PortOwner::TimeWaits { count, .. }) => {
                *count -= 1;
                *count == 0
            }
            _ => false,
        };
        if !emptied {
            return;
        }
        let last_count = counts - 1;
        list.swap(j, last_count);
        list.swap_remove(last_count);
        if list.is_empty() {
            self.ports.remove(&port);
            shrink(&mut self.ports);
        } else {
            self.set_port_slot(port, last_count);
        }
    }

    /// Whether a socket bound by `bind()` holds `port` (`tb->fastreuse >= 0`).
    fn port_bound(&self, port: u16) -> bool {
        self.ports.get(&port).is_some_and(|owners| {
            owners.iter().any(|o| {
                matches!(o, PortOwner::Sock(k) if self.socks.get(*k).is_some_and(|s| s.bound_explicitly))
            })
        })
    }

    /// Hashes a 4-tuple's state (`inet_ehash_insert`), and notes its port as used toward its
    /// destination if that destination has a set of ports in use, or gets one (`new_dest`: a
    /// socket `connect()` hashes, and a TIME-WAIT entry whose full socket's port was noted, see
    /// [`Host::dest_noted`]). The note is only a hint for skipping: a port is noted only while an
    /// entry holds it, and a port not noted is still checked in the hash.
    pub(super) fn ehash_insert(
        &mut self,
        local: Endpoint,
        remote: Endpoint,
        conn: Conn,
        new_dest: bool,
    ) {
        self.ehash.insert((local, remote), conn);
        let key = (local.ip, remote);
        match self.dest_index(key) {
            Ok(i) => {
                if let Some((_, set)) = self.dests.get_mut(i) {
                    set.insert(local.port);
                }
            }
            Err(i) if new_dest => {
                let mut set = PortSet::Sparse(Vec::new());
                set.insert(local.port);
                self.dests.insert(i, (key, set));
            }
            Err(_) => {}
        }
    }

    /// Whether the ports in use from `local_ip` toward `remote` are noted (`connect()` opened
    /// a connection there that still has an entry).
    pub(super) fn dest_noted(&self, local_ip: Ipv4, remote: Endpoint) -> bool {
        self.dest_index((local_ip, remote)).is_ok()
    }

    /// Where the destination `key` is in the sorted `dests` (`Err`: where it would go).
    fn dest_index(&self, key: (Ipv4, Endpoint)) -> Result<usize, usize> {
        self.dests.binary_search_by(|(k, _)| k.cmp(&key))
    }

    /// Unhashes a 4-tuple. A destination's set goes with its last port (a bitmap is 8 KiB), so
    /// that a host whose entries have all gone holds no memory for them.
    pub(super) fn ehash_remove(&mut self, local: Endpoint, remote: Endpoint) {
        if self.ehash.remove(&(local, remote)).is_none() {
            return;
        }
        shrink(&mut self.ehash);
        if let Ok(i) = self.dest_index((local.ip, remote))
            && let Some((_, set)) = self.dests.get_mut(i)
        {
            set.remove(local.port);
            if set.is_empty() {
                self.dests.remove(i);
                if self.dests.is_empty() {
                    self.dests = Vec::new();
                }
            }
        }
    }

    /// The 64-bit `port_offset` of `inet_sk_port_offset` (`secure_ipv4_port_ephemeral`: a keyed
    /// hash of the source and destination addresses and the destination port). Its low 16 bits
    /// pick the `table_perturb` slot, its high 32 bits are the per-destination offset.
    fn port_offset(&self, local_ip: Ipv4, remote: Endpoint) -> u64 {
        let mut h = SipHasher24::new_with_keys(self.secrets.port.0, self.secrets.port.1);
        h.write_u32(local_ip.0);
        h.write_u32(remote.ip.0);
        h.write_u16(remote.port);
        h.finish().rotate_left(32)
    }

    /// `get_random_u32_below(8)`, drawn from the host's port key and a count of draws, so that a
    /// run (and a snapshot of it) replays the same choices from the same seed.
    fn port_random_below_8(&mut self) -> u32 {
        self.port_draws += 1;
        let mut h = SipHasher24::new_with_keys(self.secrets.port.1, self.secrets.port.0);
        h.write(b"table_perturb");
        h.write_u64(self.port_draws);
        (h.finish() % 8) as u32
    }

    /// `__inet_hash_connect`: an ephemeral port for a connection to `remote`, and the TIME-WAIT
    /// entry it takes over, if any. The scan starts at `table_perturb[index] + (port_offset >>
    /// 32)` modulo the range's even-rounded size, tries ports of the range's low end's parity in
    /// steps of 2 and then the other parity (`offset &= ~1`, `step = 2`, the two passes), skips a
    /// port held by `bind()` (`tb->fastreuse >= 0`) and takes one whose 4-tuple is free
    /// (`__inet_check_established`, TIME-WAIT taken over as `tcp_twsk_unique` allows). After a
    /// success `table_perturb[index]` advances by the ports tried, at least a random 0 to 7 steps,
    /// plus one step: consecutive connections take consecutive ports.
    pub(super) fn pick_port(
        &mut self,
        local_ip: Ipv4,
        remote: Endpoint,
    ) -> Option<(u16, Option<Key>)> {
        let (lo, hi) = self.cfg.sysctl.ip_local_port_range;
        let low = u32::from(lo);
        let high = u32::from(hi) + 1; // [32768, 60999] -> [32768, 61000[
        let mut remaining = high - low;
        if remaining > 1 {
            remaining &= !1;
        }
        let port_offset = self.port_offset(local_ip, remote);
        let index = (port_offset % TABLE_PERTURB_SIZE) as u16;
        // `table_perturb` starts random in Linux; here it starts at 0, the keyed `port_offset`
        // alone making the first port per destination unpredictable.
        let slot = self.port_perturb.binary_search_by_key(&index, |(i, _)| *i);
        let perturb = slot.map_or(0, |i| self.port_perturb.get(i).map_or(0, |(_, v)| *v));
        let mut offset = perturb.wrapping_add((port_offset >> 32) as u32) % remaining;
        offset &= !1;
        // Whether an entry in TIME-WAIT could be taken over at all (`tcp_twsk_unique` with
        // `twp`): if not, every port in use toward `remote` is skipped a word at a time.
        let reuse = match self.cfg.sysctl.tcp_tw_reuse {
            1 => true,
            2 => local_ip.is_loopback() || remote.ip.is_loopback(),
            _ => false,
        };
        loop {
            if let Some((i, port, tw)) =
                self.scan_pass(local_ip, remote, low + offset, high, remaining, reuse)
            {
                let step = 2;
                let i = i.max(self.port_random_below_8() * step);
                let value = perturb.wrapping_add(i).wrapping_add(step);
                match slot {
                    Ok(i) => {
                        if let Some(v) = self.port_perturb.get_mut(i) {
                            v.1 = value;
                        }
                    }
                    Err(i) => self.port_perturb.insert(i, (index, value)),
                }
                return Some((port, tw));
            }
            offset += 1;
            if offset & 1 == 0 || remaining <= 1 {
                return None;
            }
        }
    }

    /// One pass of `__inet_hash_connect`'s loop: `i` = 0, 2, 4 ... below `remaining`, the port
    /// `start + i`, less `remaining` once it reaches `high`. Returns the `i` and port it stopped
    /// at. Without `reuse`, a run of ports in use toward `remote` is skipped at once: none of
    /// them can pass `__inet_check_established`.
    fn scan_pass(
        &self,
        local_ip: Ipv4,
        remote: Endpoint,
        start: u32,
        high: u32,
        remaining: u32,
        reuse: bool,
    ) -> Option<(u32, u16, Option<Key>)> {
        let used = if reuse {
            None
        } else {
            self.dest_index((local_ip, remote))
                .ok()
                .and_then(|i| self.dests.get(i))
                .map(|(_, set)| set)
        };
        // The first `i` whose port wraps around to the range's start.
        let wrap = high.saturating_sub(start).div_ceil(2) * 2;
        let mut i = 0u32;
        while i < remaining {
            let (base_less, seg_end) = if i < wrap {
                (0, wrap.min(remaining))
            } else {
                (remaining, remaining)
            };
            let mut port = start + i - base_less;
            if let Some(used) = used {
                match used.first_clear(port, start + seg_end - base_less) {
                    Some(q) => {
                        i += q - port;
                        port = q;
                    }
                    None => {
                        i = seg_end;
                        continue;
                    }
                }
            }
            let p16 = u16::try_from(port).ok()?;
            if self.port_bound(p16) {
                i += 2;
                continue;
            }
            if let Some(tw) = self.four_tuple_free(Endpoint::new(local_ip, p16), remote, false) {
                return Some((i, p16, tw));
            }
            i += 2;
        }
        None
    }
}

/// A port's owners: one inline, more in a boxed vector. Most ports have one owner (a client's
/// port, its socket or its TIME-WAIT count): a snapshot of a host (`Host::clone`, which the page
/// takes as it runs) then copies them without an allocation each, and drops them without a free;
/// and the box keeps the value 16 bytes, a port's entry in the bind hash 24 (with the vector
/// inline, 24 and 32; a client's port is one of these per connection). (Hand-written rather
/// than `smallvec`'s `SmallVec<[PortOwner; 1]>`, which costs the page's wasm 4.6 KB gzipped;
/// this costs it a few hundred bytes.)
#[derive(Clone, Debug, Default)]
pub(super) enum Owners {
    #[default]
    None,
    One([PortOwner; 1]),
    /// Two or more. A box around the vector on purpose: its one pointer, not the vector's three
    /// words, is what keeps every port's entry small (few ports have more than one owner).
    #[allow(clippy::box_collection)]
    Many(alloc::boxed::Box<Vec<PortOwner>>),
}

const _: () = assert!(core::mem::size_of::<Owners>() <= 16);

impl core::ops::Deref for Owners {
    type Target = [PortOwner];
    fn deref(&self) -> &[PortOwner] {
        match self {
            Owners::None => &[],
            Owners::One(one) => one,
            Owners::Many(many) => many,
        }
    }
}

impl core::ops::DerefMut for Owners {
    fn deref_mut(&mut self) -> &mut [PortOwner] {
        match self {
            Owners::None => &mut [],
            Owners::One(one) => one,
            Owners::Many(many) => many,
        }
    }
}

impl Owners {
    fn push(&mut self, owner: PortOwner) {
        match self {
            Owners::None => *self = Owners::One([owner]),
            Owners::Many(many) => many.push(owner),
            Owners::One([first]) => {
                *self = Owners::Many(alloc::boxed::Box::new(alloc::vec![*first, owner]));
            }
        }
    }

    /// Removes the owner at `i`; the last one takes its place.
    fn swap_remove(&mut self, i: usize) {
        match self {
            Owners::One(_) if i == 0 => *self = Owners::None,
            Owners::None | Owners::One(_) => {}
            Owners::Many(many) => {
                if i < many.len() {
                    many.swap_remove(i);
                }
                if let [only] = many.as_slice() {
                    *self = Owners::One([*only]);
                }
            }
        }
    }
}

/// How many TIME-WAIT counts lead a port's list of owners.
fn count_owners(list: &[PortOwner]) -> usize {
    list.iter()
        .take_while(|o| matches!(o, PortOwner::TimeWaits { .. }))
        .count()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_hash_table_gives_its_memory_back_as_it_empties() {
        let mut map: crate::tcp::HashMap<u32, u64> = crate::tcp::HashMap::default();
        for k in 0..100_000 {
            map.insert(k, u64::from(k));
        }
        let full = map.capacity();
        for k in 0..100_000 {
            map.remove(&k);
            shrink(&mut map);
            // Its memory follows what it holds: never more than 16 slots per entry left.
            assert!(
                map.capacity() <= 64.max(16 * map.len()),
                "{k}: {}",
                map.capacity()
            );
        }
        assert!(
            full >= 100_000 && map.capacity() <= 64,
            "{}",
            map.capacity()
        );
    }

    proptest! {
        // The bitmap's summary of full words only lets `first_clear` skip ports in use: it finds
        // what a scan of every second port finds, after any insertions and removals.
        #[test]
        fn first_clear_finds_what_a_scan_finds(
            runs in proptest::collection::vec((0u16..=u16::MAX, 1u16..9000, any::<bool>()), 1..12),
            from in 0u32..65_536,
            len in 0u32..65_536,
        ) {
            let mut set = PortSet::Sparse(Vec::new());
            let mut naive = alloc::vec![false; 65_536];
            for (start, n, on) in runs {
                for p in (u32::from(start)..(u32::from(start) + u32::from(n)).min(65_536)).map(|p| p as u16) {
                    if on { set.insert(p) } else { set.remove(p) }
                    naive[usize::from(p)] = on;
                }
            }
            let to = (from + len).min(65_536);
            let expected = (from..to).step_by(2).find(|&q| !naive[q as usize]);
            prop_assert_eq!(set.first_clear(from, to), expected);
        }
    }
}
