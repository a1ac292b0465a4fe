package sip

import "unsafe"

// inside reports whether sub is a view into buf (or empty).
func inside(buf, sub []byte) bool {
	if len(sub) == 0 {
		return true
	}
	b0 := uintptr(unsafe.Pointer(unsafe.SliceData(buf)))
	s0 := uintptr(unsafe.Pointer(unsafe.SliceData(sub)))
	return s0 >= b0 && s0+uintptr(len(sub)) <= b0+uintptr(len(buf))
}
