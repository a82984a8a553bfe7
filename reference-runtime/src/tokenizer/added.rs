//! Added-token matching for BBPE encode — `spec/tokenizer.md` §4.4,
//! [TOK-BBPE-20]: at each position the **longest** added piece the
//! remaining text starts with.
//!
//! An Aho–Corasick automaton over the **reversed** pieces, built once at
//! load: reading the text backwards, the automaton's state after byte `i`
//! is the longest reversed-piece prefix that is a suffix of what was read,
//! so the longest added piece that `text[i..]` starts with is one table
//! lookup (`out`, the longest piece on the state's failure chain). One
//! backward pass gives the answer for every position in `O(n)`; the
//! forward scan of [TOK-BBPE-20] then only reads it. Trying every piece at
//! every position instead costs up to `MAX_PROMPT_BYTES × MAX_TOKEN_BYTES`
//! steps when many pieces share a long prefix.
//!
//! Size: at most one node per byte of the added pieces, so at most
//! `MAX_ADDED_TOKENS × MAX_TOKEN_BYTES` + 1 nodes (the section holds those
//! bytes, so the model budget bounds them too).

/// No node / no piece.
const NONE: u32 = u32::MAX;
/// The root node (the empty string).
const ROOT: u32 = 0;

/// The automaton. Node `u`'s children are `edges[first[u] .. first[u + 1]]`,
/// sorted by byte.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub(crate) struct AddedMatcher {
    first: Vec<u32>,
    edges: Vec<(u8, u32)>,
    fail: Vec<u32>,
    /// The longest piece (its index in the builder's list) that is a suffix
    /// of the node's string, or NONE.
    out: Vec<u32>,
}

impl AddedMatcher {
    /// Builds the automaton of `pieces` (non-empty, distinct). Returns the
    /// matcher; piece `k` is reported as `k`.
    pub(crate) fn new(pieces: &[&[u8]]) -> AddedMatcher {
        // The trie of the reversed pieces, built from them in sorted order:
        // each piece shares a path with the previous one up to their common prefix.
        let mut reversed: Vec<(Vec<u8>, u32)> = (0u32..)
            .zip(pieces)
            .map(|(k, p)| (p.iter().rev().copied().collect(), k))
            .collect();
        reversed.sort_unstable();
        let total: usize = reversed.iter().map(|(p, _)| p.len()).sum();
        let mut parent_edges: Vec<(u32, u8, u32)> = Vec::with_capacity(total); // (parent, byte, child)
        let mut depth: Vec<u32> = Vec::with_capacity(total + 1);
        let mut terminal: Vec<u32> = Vec::with_capacity(total + 1);
        depth.push(0);
        terminal.push(NONE);
        let mut path: Vec<u32> = vec![ROOT]; // path[d] = node at depth d of the previous piece
        let mut previous: &[u8] = &[];
        for (piece, k) in &reversed {
            let common = piece.iter().zip(previous).take_while(|(a, b)| a == b).count();
            path.truncate(common + 1);
            for &b in piece.get(common..).unwrap_or(&[]) {
                let parent = path.last().copied().unwrap_or(ROOT);
                let node = depth.len() as u32; // ≤ total + 1 ≤ MAX_ADDED_TOKENS × MAX_TOKEN_BYTES + 1
                parent_edges.push((parent, b, node));
                depth.push(path.len() as u32);
                terminal.push(NONE);
                path.push(node);
            }
            if let Some(t) = path.last().and_then(|&n| terminal.get_mut(n as usize)) {
                *t = *k;
            }
            previous = piece;
        }
        let nodes = depth.len();
        // Children contiguous per parent, sorted by byte.
        parent_edges.sort_unstable();
        let mut first = vec![0u32; nodes + 1];
        for &(parent, _, _) in &parent_edges {
            if let Some(c) = first.get_mut(parent as usize + 1) {
                *c += 1;
            }
        }
        for u in 0..nodes {
            let before = first.get(u).copied().unwrap_or(0);
            if let Some(c) = first.get_mut(u + 1) {
                *c += before;
            }
        }
        let edges: Vec<(u8, u32)> = parent_edges.iter().map(|&(_, b, child)| (b, child)).collect();
        let mut m = AddedMatcher {
            first,
            edges,
            fail: vec![ROOT; nodes],
            out: terminal,
        };
        // Failure links and outputs in breadth-first order (by depth; a
        // node's failure target is shallower, so already final).
        let mut order: Vec<u32> = (0..nodes as u32).collect();
        order.sort_by_key(|&u| depth.get(u as usize).copied().unwrap_or(0));
        for &u in &order {
            let (lo, hi) = m.children(u);
            for e in lo..hi {
                let Some(&(b, child)) = m.edges.get(e) else { continue };
                let f = if u == ROOT {
                    ROOT
                } else {
                    m.step(m.fail.get(u as usize).copied().unwrap_or(ROOT), b)
                };
                if let Some(x) = m.fail.get_mut(child as usize) {
                    *x = f;
                }
                if m.out.get(child as usize) == Some(&NONE) {
                    let inherited = m.out.get(f as usize).copied().unwrap_or(NONE);
                    if let Some(x) = m.out.get_mut(child as usize) {
                        *x = inherited;
                    }
                }
            }
        }
        m
    }

    fn children(&self, u: u32) -> (usize, usize) {
        let lo = self.first.get(u as usize).copied().unwrap_or(0) as usize;
        let hi = self.first.get(u as usize + 1).copied().unwrap_or(0) as usize;
        (lo, hi)
    }

    fn child(&self, u: u32, b: u8) -> Option<u32> {
        let (lo, hi) = self.children(u);
        let kids = self.edges.get(lo..hi)?;
        let i = kids.binary_search_by_key(&b, |&(c, _)| c).ok()?;
        kids.get(i).map(|&(_, child)| child)
    }

    /// The automaton's transition: from `u`, on byte `b`.
    fn step(&self, mut u: u32, b: u8) -> u32 {
        loop {
            if let Some(v) = self.child(u, b) {
                return v;
            }
            if u == ROOT {
                return ROOT;
            }
            u = self.fail.get(u as usize).copied().unwrap_or(ROOT);
        }
    }

    /// Whether there are no pieces.
    pub(crate) fn is_empty(&self) -> bool {
        self.edges.is_empty()
    }

    /// For every position `i` of `text`, the index of the longest piece that
    /// `text[i..]` starts with, or `None`, written into `best` (cleared first;
    /// `text.len()` entries, the caller's bound).
    pub(crate) fn longest_at_each(&self, text: &[u8], best: &mut Vec<Option<u32>>) {
        best.clear();
        best.resize(text.len(), None);
        let mut state = ROOT;
        for (i, &b) in text.iter().enumerate().rev() {
            state = self.step(state, b);
            let k = self.out.get(state as usize).copied().unwrap_or(NONE);
            if let Some(slot) = best.get_mut(i) {
                *slot = (k != NONE).then_some(k);
            }
        }
    }
}
