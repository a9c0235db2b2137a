//! A vector of slots addressed by handles that carry a generation, so that a handle to a freed
//! slot never reaches the slot's next occupant. O(1) insert, lookup and removal; iteration in
//! slot order (deterministic).

use alloc::vec::Vec;
use serde::Serialize;

/// A handle into a `Slab`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Key {
    index: u32,
    generation: u32,
}

impl Key {
    /// The slot's number: dense from 0, so a vector indexed by it can hang data on a handle.
    pub(crate) fn slot(self) -> usize {
        self.index as usize
    }
}

/// `Copy` when `T` is: a slab of such values is copied in one piece (`to_vec`'s copy of a
/// `Copy` slice), not slot by slot, when a host is snapshotted.
#[derive(Clone, Copy, Debug)]
struct Slot<T> {
    generation: u32,
    value: Option<T>,
}

/// Values addressed by `Key`.
#[derive(Clone, Debug)]
pub struct Slab<T> {
    slots: Vec<Slot<T>>,
    free: Vec<u32>,
    len: usize,
    /// Above every generation handed out so far: a slot made after the slab was emptied starts
    /// here, so that no handle from before matches it.
    next_generation: u32,
}

impl<T> Default for Slab<T> {
    fn default() -> Self {
        Slab {
            slots: Vec::new(),
            free: Vec::new(),
            len: 0,
            next_generation: 0,
        }
    }
}

impl<T> Slab<T> {
    /// Stores `value` and returns its handle.
    pub fn insert(&mut self, value: T) -> Key {
        self.len += 1;
        if let Some(index) = self.free.pop()
            && let Some(slot) = self.slots.get_mut(index as usize)
        {
            slot.generation = slot.generation.wrapping_add(1);
            self.next_generation = self.next_generation.max(slot.generation.wrapping_add(1));
            slot.value = Some(value);
            return Key {
                index,
                generation: slot.generation,
            };
        }
        let index = u32::try_from(self.slots.len()).unwrap_or(u32::MAX);
        let generation = self.next_generation;
        self.next_generation = generation.wrapping_add(1);
        self.slots.push(Slot {
            generation,
            value: Some(value),
        });
        Key { index, generation }
    }

    /// The value behind `key`, if it is still there.
    pub fn get(&self, key: Key) -> Option<&T> {
        self.slots
            .get(key.index as usize)
            .filter(|s| s.generation == key.generation)
            .and_then(|s| s.value.as_ref())
    }

    /// The value behind `key`, mutably.
    pub fn get_mut(&mut self, key: Key) -> Option<&mut T> {
        self.slot_mut(key).and_then(|s| s.value.as_mut())
    }

    /// Removes and returns the value behind `key`.
    pub fn remove(&mut self, key: Key) -> Option<T> {
        let value = self.slot_mut(key)?.value.take()?;
        self.vacated(key);
        Some(value)
    }

    /// Removes the value behind `key`, dropped in its slot rather than moved out of it first
    /// (for a value that is only dropped, the copy out is wasted); whether there was one.
    pub fn discard(&mut self, key: Key) -> bool {
        let Some(slot) = self.slot_mut(key).filter(|s| s.value.is_some()) else {
            return false;
        };
        slot.value = None;
        self.vacated(key);
        true
    }

    fn slot_mut(&mut self, key: Key) -> Option<&mut Slot<T>> {
        self.slots
            .get_mut(key.index as usize)
            .filter(|s| s.generation == key.generation)
    }

    /// Books `key`'s slot, just emptied, as free.
    fn vacated(&mut self, key: Key) {
        self.free.push(key.index);
        self.len -= 1;
        // The last value gone, the slots go too (100,000 TIME-WAIT entries expiring leave
        // nothing behind, nor do three): a host holds no memory for connections it no longer has.
        if self.len == 0 {
            // Slots start again from 0, with generations none of theirs had (`next_generation`
            // is past every generation handed out), so no handle from before reaches a value.
            self.slots = Vec::new();
            self.free = Vec::new();
        }
    }

    /// Values stored.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Every value with its handle, in slot order.
    pub fn iter(&self) -> impl Iterator<Item = (Key, &T)> {
        self.slots.iter().enumerate().filter_map(|(i, s)| {
            let index = u32::try_from(i).ok()?;
            s.value.as_ref().map(|v| {
                (
                    Key {
                        index,
                        generation: s.generation,
                    },
                    v,
                )
            })
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    // An emptied slab gives its slots back, and a handle from before never reaches a value
    // stored after.
    #[test]
    fn an_emptied_slab_releases_its_slots_and_old_handles_stay_dead() {
        let mut s = Slab::default();
        let keys: Vec<Key> = (0..3).map(|i| s.insert(i)).collect();
        let reused = s.remove(keys[1]).map(|_| s.insert(1000)).unwrap();
        for k in keys.iter().filter(|k| **k != keys[1]) {
            s.remove(*k);
        }
        s.remove(reused);
        assert_eq!(s.slots.capacity(), 0);
        let fresh = s.insert(7);
        assert_eq!(fresh.slot(), 0);
        for old in keys.iter().chain([&reused]) {
            assert_eq!(s.get(*old), None, "{old:?}");
        }
        assert_eq!(s.get(fresh), Some(&7));
    }

    // A value discarded is dropped, once, for its own handle only, and the last one gone takes
    // the slots with it, as with `remove`.
    #[test]
    fn a_discarded_value_goes_as_a_removed_one() {
        use alloc::rc::Rc;
        let mut s = Slab::default();
        let shared = Rc::new(1);
        let a = s.insert(Rc::clone(&shared));
        let b = s.insert(Rc::new(2));
        assert!(s.discard(a));
        assert_eq!(Rc::strong_count(&shared), 1, "the value is dropped");
        assert!(!s.discard(a));
        assert_eq!(s.get(a), None);
        assert_eq!(s.get(b).map(|v| **v), Some(2));
        assert_eq!(s.len(), 1);
        let c = s.insert(Rc::new(3));
        assert_eq!(c.slot(), a.slot());
        assert!(
            !s.discard(a),
            "a stale handle reaches the slot's next value"
        );
        assert!(s.discard(b) && s.discard(c));
        assert_eq!((s.len(), s.slots.capacity()), (0, 0));
    }

    // The same when no slot was ever reused before the slab emptied: the first slot's next
    // value has a generation of its own.
    #[test]
    fn a_slab_emptied_without_reuse_gives_no_old_handle_a_new_value() {
        let mut s = Slab::default();
        let keys: Vec<Key> = (0..3).map(|i| s.insert(i)).collect();
        for k in &keys {
            s.remove(*k);
        }
        let fresh = s.insert(7);
        assert_eq!(fresh.slot(), 0);
        for old in &keys {
            assert_eq!(s.get(*old), None, "{old:?}");
        }
        assert_eq!(s.get(fresh), Some(&7));
    }
}
