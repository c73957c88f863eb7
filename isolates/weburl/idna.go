package weburl

import "golang.org/x/net/idna"

// uts46 is Unicode ToASCII with the flags the URL Standard passes for a
// non-strict parse: CheckHyphens, UseSTD3ASCIIRules and VerifyDnsLength off,
// CheckBidi and CheckJoiners on, nontransitional processing.
var uts46 = idna.New(
	idna.MapForLookup(),
	idna.BidiRule(),
	idna.Transitional(false),
	idna.CheckHyphens(false),
	idna.CheckJoiners(true),
	idna.StrictDomainName(false),
	idna.VerifyDNSLength(false),
)

// uts46ToASCII runs Unicode ToASCII on a domain that has non-ASCII code
// points and reports whether it recorded no error.
func uts46ToASCII(domain string) (string, bool) {
	s, err := uts46.ToASCII(domain)
	return s, err == nil
}
