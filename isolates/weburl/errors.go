package weburl

import "errors"

// ErrInvalidURL is what every parse failure matches with errors.Is, so
// callers can throw the JS TypeError without inspecting the reason.
var ErrInvalidURL = errors.New("invalid URL")

// parseError names the standard's validation error that made parsing fail.
// The values are preallocated so a failed parse costs no allocation, which
// matters for URL.canParse on untrusted input.
type parseError struct{ reason string }

func (e *parseError) Error() string        { return "invalid URL: " + e.reason }
func (e *parseError) Is(target error) bool { return target == ErrInvalidURL }

// Failure reasons, named after the URL Standard's validation errors.
var (
	errMissingScheme      = &parseError{"missing-scheme-non-relative-URL"}
	errInvalidScheme      = &parseError{"invalid scheme"}
	errHostMissing        = &parseError{"host-missing"}
	errPortOutOfRange     = &parseError{"port-out-of-range"}
	errPortInvalid        = &parseError{"port-invalid"}
	errHostInvalid        = &parseError{"host-invalid-code-point"}
	errDomainInvalid      = &parseError{"domain-invalid-code-point"}
	errDomainToASCII      = &parseError{"domain-to-ASCII"}
	errIPv4TooManyParts   = &parseError{"IPv4-too-many-parts"}
	errIPv4NonNumeric     = &parseError{"IPv4-non-numeric-part"}
	errIPv4OutOfRange     = &parseError{"IPv4-out-of-range-part"}
	errIPv6Unclosed       = &parseError{"IPv6-unclosed"}
	errIPv6Invalid        = &parseError{"IPv6-invalid"}
	errIPv4InIPv6Invalid  = &parseError{"IPv4-in-IPv6-invalid"}
	errSetterNotApplied   = &parseError{"setter input not applicable"}
	errOverrideHostname   = &parseError{"port in hostname setter"}
	errOverrideEmptyHost  = &parseError{"empty host with credentials or port"}
	errOverrideNotANumber = &parseError{"port setter input is not a number"}
)
