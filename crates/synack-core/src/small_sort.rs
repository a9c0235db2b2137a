//! A stable insertion sort for the short lists the views and the wake-ups sort (a connection's
//! three timers, the touched sockets of one event, a chart's few series). The standard library's
//! sorts are built for long lists, and each element type instantiates a few kilobytes of them
//! in the page's wasm; this one is a few dozen instructions per type, and linear on lists that
//! are already in order.

/// Sorts `v` by `key`, keeping equal elements in their order. O(n²) in the worst case: for
/// short or nearly sorted lists only.
pub fn sort_by_key<T, K: Ord>(v: &mut [T], key: impl Fn(&T) -> K) {
    for i in 1..v.len() {
        let mut j = i;
        while j > 0 {
            let (Some(a), Some(b)) = (v.get(j - 1), v.get(j)) else {
                break;
            };
            if key(a) <= key(b) {
                break;
            }
            v.swap(j - 1, j);
            j -= 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::sort_by_key;
    use alloc::vec::Vec;

    #[test]
    fn sorts_and_keeps_equal_elements_in_order() {
        let mut v: Vec<(u32, char)> = alloc::vec![(3, 'a'), (1, 'b'), (3, 'c'), (0, 'd'), (1, 'e')];
        sort_by_key(&mut v, |p| p.0);
        assert_eq!(v, [(0, 'd'), (1, 'b'), (1, 'e'), (3, 'a'), (3, 'c')]);
        let mut w: Vec<u8> = (0..50).rev().collect();
        sort_by_key(&mut w, |x| *x);
        assert!(w.windows(2).all(|p| p[0] <= p[1]));
    }
}
