//! Host buffers — `spec/abi.md` §3: memory the runtime allocates on the
//! host's request, the host fills, and the runtime reads through pointer
//! arguments that are checked against this registry ([ABI-MEM-02]).
//!
//! This is the one place of the crate that handles raw memory: a host
//! buffer is a `Box<[u8]>` turned into a raw pointer, because the host writes
//! into it between calls, outside Rust's knowledge. Every slice handed to the
//! rest of the runtime is made from a registry entry after the requested
//! range has been checked to lie inside it.
#![allow(unsafe_code)]

use core::ptr::NonNull;
use std::alloc::{Layout, alloc_zeroed};

use crate::error::{Error, ErrorKind, Result};
use crate::limits::{MAX_HOST_BUFFER_BYTES, MAX_HOST_BUFFERS};

/// One live host buffer: `len` (> 0) bytes at `ptr`, owned by the registry.
#[derive(Debug)]
struct HostBuffer {
    ptr: NonNull<u8>,
    len: usize,
}

impl HostBuffer {
    fn addr(&self) -> usize {
        self.ptr.as_ptr() as usize
    }

    /// Whether `addr … addr+len−1` lies inside this buffer.
    fn contains(&self, addr: usize, len: usize) -> bool {
        let start = self.addr();
        match (addr.checked_sub(start), start.checked_add(self.len)) {
            (Some(off), Some(_)) => off <= self.len && len <= self.len - off,
            _ => false,
        }
    }

    /// Hands the allocation over as a `Vec` (no copy; capacity = length).
    fn into_vec(self) -> Vec<u8> {
        let me = core::mem::ManuallyDrop::new(self);
        // SAFETY: `ptr`/`len` came from `Box::<[u8]>::into_raw` (or an
        // `alloc_zeroed` with the layout of a `[u8; len]`, which is the same
        // thing) and ownership is transferred exactly once: `me` is not
        // dropped.
        let boxed = unsafe { Box::from_raw(core::ptr::slice_from_raw_parts_mut(me.ptr.as_ptr(), me.len)) };
        boxed.into_vec()
    }
}

impl Drop for HostBuffer {
    fn drop(&mut self) {
        // SAFETY: as in `into_vec`; this buffer is dropped at most once.
        drop(unsafe { Box::from_raw(core::ptr::slice_from_raw_parts_mut(self.ptr.as_ptr(), self.len)) });
    }
}

/// The live host buffers of one instance.
#[derive(Debug, Default)]
pub struct HostMemory {
    buffers: Vec<HostBuffer>,
}

// SAFETY: the registry exclusively owns every buffer it lists (no aliases
// are kept anywhere else in Rust), so it may move between threads; the
// native exports serialize access with a lock.
unsafe impl Send for HostMemory {}

impl HostMemory {
    /// An empty registry with room for `MAX_HOST_BUFFERS` entries.
    pub fn new() -> HostMemory {
        HostMemory {
            buffers: Vec::with_capacity(MAX_HOST_BUFFERS as usize),
        }
    }

    /// `slm_alloc` ([ABI-MEM-01]): a new zero-filled buffer; its address.
    pub fn alloc(&mut self, len: usize) -> Result<usize> {
        if len == 0 {
            return Err(Error::new(ErrorKind::InvalidArgument));
        }
        if len as u64 > MAX_HOST_BUFFER_BYTES || self.buffers.len() as u64 >= MAX_HOST_BUFFERS {
            return Err(Error::new(ErrorKind::HostBufferLimit));
        }
        let layout = Layout::array::<u8>(len).map_err(|_| Error::new(ErrorKind::OutOfMemory))?;
        // SAFETY: `layout` has a non-zero size (len > 0).
        let raw = unsafe { alloc_zeroed(layout) };
        let ptr = NonNull::new(raw).ok_or(Error::new(ErrorKind::OutOfMemory))?;
        let buffer = HostBuffer { ptr, len };
        let addr = buffer.addr();
        self.buffers.push(buffer); // within the capacity reserved in `new`
        Ok(addr)
    }

    /// `slm_free` ([ABI-MEM-03]).
    pub fn free(&mut self, addr: usize) -> Result<()> {
        if addr == 0 {
            return Err(Error::new(ErrorKind::NullPointer));
        }
        let i = self.position_of_start(addr)?;
        drop(self.buffers.swap_remove(i));
        Ok(())
    }

    fn position_of_start(&self, addr: usize) -> Result<usize> {
        self.buffers
            .iter()
            .position(|b| b.addr() == addr)
            .ok_or(Error::new(ErrorKind::InvalidPointer))
    }

    /// The bytes of a pointer argument ([ABI-MEM-02]): empty when `len` is
    /// 0; `NullPointer`, then `InvalidPointer`, otherwise.
    pub fn bytes(&self, addr: usize, len: usize) -> Result<&[u8]> {
        if len == 0 {
            return Ok(&[]);
        }
        if addr == 0 {
            return Err(Error::new(ErrorKind::NullPointer));
        }
        if !self.buffers.iter().any(|b| b.contains(addr, len)) {
            return Err(Error::new(ErrorKind::InvalidPointer));
        }
        // SAFETY: `addr … addr+len` lies inside a live allocation
        // (checked by `contains`), which stays alive while `self` is
        // borrowed; u8 has no invalid values.
        Ok(unsafe { core::slice::from_raw_parts(addr as *const u8, len) })
    }

    /// `NullPointer`, or `InvalidPointer` unless `addr … addr+len−1` is
    /// exactly one live host buffer (what [`HostMemory::take`] checks).
    pub fn check_whole(&self, addr: usize, len: usize) -> Result<()> {
        if addr == 0 {
            return Err(Error::new(ErrorKind::NullPointer));
        }
        let i = self.position_of_start(addr)?;
        if self.buffers.get(i).map(|b| b.len) != Some(len) {
            return Err(Error::new(ErrorKind::InvalidPointer));
        }
        Ok(())
    }

    /// Removes the buffer that is exactly `addr … addr+len−1` and returns
    /// its bytes without copying ([ABI-LOAD-01], [ABI-LOAD-02]).
    pub fn take(&mut self, addr: usize, len: usize) -> Result<Vec<u8>> {
        if addr == 0 {
            return Err(Error::new(ErrorKind::NullPointer));
        }
        let i = self.position_of_start(addr)?;
        if self.buffers.get(i).map(|b| b.len) != Some(len) {
            return Err(Error::new(ErrorKind::InvalidPointer));
        }
        Ok(self.buffers.swap_remove(i).into_vec())
    }

    /// Registers `bytes` (from [`HostMemory::take`], unchanged) as a host
    /// buffer again at the same address.
    pub fn give_back(&mut self, bytes: Vec<u8>) {
        let boxed = bytes.into_boxed_slice(); // capacity = length: no reallocation
        let len = boxed.len();
        if len == 0 {
            return;
        }
        let raw = Box::into_raw(boxed).cast::<u8>();
        if let Some(ptr) = NonNull::new(raw) {
            self.buffers.push(HostBuffer { ptr, len });
        }
    }

    /// The host's side of the boundary, for in-process drivers: writes
    /// `data` at `addr` if the range lies inside one live host buffer.
    pub fn host_write(&mut self, addr: usize, data: &[u8]) -> Result<()> {
        if data.is_empty() {
            return Ok(());
        }
        if !self.buffers.iter().any(|b| b.contains(addr, data.len())) {
            return Err(Error::new(ErrorKind::InvalidPointer));
        }
        // SAFETY: the destination range lies inside a live allocation owned
        // by this registry, and `data` cannot overlap it mutably (we hold
        // `&mut self`, so no slice of the buffer is borrowed).
        unsafe { core::ptr::copy_nonoverlapping(data.as_ptr(), addr as *mut u8, data.len()) };
        Ok(())
    }

    /// Number of live host buffers.
    pub fn live(&self) -> usize {
        self.buffers.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_range_must_lie_inside_one_live_buffer() {
        let mut m = HostMemory::new();
        let a = m.alloc(16).unwrap();
        assert_eq!(m.bytes(a, 16).unwrap(), &[0u8; 16]);
        assert_eq!(m.bytes(a + 15, 1).unwrap(), &[0u8]);
        assert_eq!(m.bytes(a + 1, 16).unwrap_err(), ErrorKind::InvalidPointer);
        assert_eq!(m.bytes(a, usize::MAX).unwrap_err(), ErrorKind::InvalidPointer);
        assert_eq!(m.bytes(usize::MAX, 2).unwrap_err(), ErrorKind::InvalidPointer);
        assert_eq!(m.bytes(0, 1).unwrap_err(), ErrorKind::NullPointer);
        assert_eq!(m.bytes(0, 0).unwrap(), &[] as &[u8]);
        m.free(a).unwrap();
        assert_eq!(m.bytes(a, 1).unwrap_err(), ErrorKind::InvalidPointer);
        assert_eq!(m.free(a).unwrap_err(), ErrorKind::InvalidPointer);
    }

    #[test]
    fn limits_and_zero_length_are_checked_in_order() {
        let mut m = HostMemory::new();
        assert_eq!(m.alloc(0).unwrap_err(), ErrorKind::InvalidArgument);
        assert_eq!(
            m.alloc(MAX_HOST_BUFFER_BYTES as usize + 1).unwrap_err(),
            ErrorKind::HostBufferLimit
        );
        let all: Vec<usize> = (0..MAX_HOST_BUFFERS).map(|_| m.alloc(1).unwrap()).collect();
        assert_eq!(m.alloc(1).unwrap_err(), ErrorKind::HostBufferLimit);
        m.free(all[3]).unwrap();
        assert!(m.alloc(1).is_ok());
    }

    #[test]
    fn take_and_give_back_keep_address_and_bytes() {
        let mut m = HostMemory::new();
        let a = m.alloc(8).unwrap();
        m.host_write(a + 2, b"hi").unwrap();
        assert_eq!(m.take(a, 7).unwrap_err(), ErrorKind::InvalidPointer);
        let v = m.take(a, 8).unwrap();
        assert_eq!(v, b"\0\0hi\0\0\0\0");
        assert_eq!(m.live(), 0);
        m.give_back(v);
        assert_eq!(m.bytes(a, 8).unwrap(), b"\0\0hi\0\0\0\0");
    }
}
