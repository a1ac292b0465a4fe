package config

import (
	"errors"
	"strconv"
)

// Errors returned by this package, for errors.Is. Every error names the key
// (and the flag, when a flag set the value) and what was expected.
var (
	// ErrUnknownKey reports a key the file format does not have, usually a
	// typo; it is an error so a misspelt limit never silently takes its default.
	ErrUnknownKey = errors.New("config: unknown key")
	// ErrInvalidValue reports a value of the wrong type, form or range, or a
	// combination of values that cannot work together.
	ErrInvalidValue = errors.New("config: invalid value")
	// ErrSyntax reports a file that is not valid TOML.
	ErrSyntax = errors.New("config: invalid TOML")
	// ErrTooLarge reports a file larger than MaxFileSize.
	ErrTooLarge = errors.New("config: file too large")
)

// ValueError is one invalid value. It matches ErrInvalidValue with errors.Is.
type ValueError struct {
	Key  string // "limits.pending_ttl", or with its flag: "limits.pending_ttl (flag -pending-ttl)"
	Want string // the allowed range or form
	Got  string // the value found, quoted when it is a string
}

// Error returns "config: KEY: must be WANT, got GOT".
func (e *ValueError) Error() string {
	return "config: " + e.Key + ": must be " + e.Want + ", got " + e.Got
}

// Unwrap returns ErrInvalidValue.
func (e *ValueError) Unwrap() error { return ErrInvalidValue }

// UnknownKeyError is one key the format does not have. It matches
// ErrUnknownKey with errors.Is.
type UnknownKeyError struct {
	Key string // the full dotted key, e.g. "limits.pending_capcity"
}

// Error returns "config: unknown key KEY".
func (e *UnknownKeyError) Error() string {
	return "config: unknown key " + strconv.Quote(e.Key)
}

// Unwrap returns ErrUnknownKey.
func (e *UnknownKeyError) Unwrap() error { return ErrUnknownKey }
