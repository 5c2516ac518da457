package webhook

import (
	"net/netip"
	"strings"
)

// Policy is the network policy of deliveries: which addresses a delivery
// may connect to. The Client applies it at connect time, to the address
// actually dialed, on every redirect hop, so neither a redirect nor a DNS
// answer that changes between a check and the connection (DNS rebinding)
// gets past it.
//
// By default only public unicast addresses are allowed. AllowPrivate
// (PARLEY_ALLOW_PRIVATE_NETWORK=true, or Chatwoot's
// SAFE_FETCH_ALLOW_PRIVATE_NETWORK=true) also allows what a self-hosted
// receiver may legitimately live on: loopback, private (RFC 1918),
// link-local, CGNAT (100.64/10), unique local and site-local IPv6, and the
// reserved, documentation and benchmarking ranges, which lab and internal
// networks sometimes use. It never allows:
//
//   - unspecified addresses (0.0.0.0, ::) and the rest of 0.0.0.0/8:
//     they are not destinations, and connecting to 0.0.0.0 reaches the
//     local host (the private_address_check bypass, CVE-2017-0909);
//   - multicast and the broadcast address: HTTP cannot run over them;
//   - cloud metadata addresses (169.254.169.254 and friends): they hand
//     out the host's cloud credentials, and no webhook receiver lives
//     there.
//
// Chatwoot's switch turns its whole check off; Parley's keeps refusing
// these, since nothing a webhook may legitimately reach is lost.
type Policy struct {
	// AllowPrivate allows private networks (see Policy).
	AllowPrivate bool
}

// AllowPrivateEnv are the environment variables that allow private
// networks when set to true: Parley's, then Chatwoot's.
var AllowPrivateEnv = []string{"PARLEY_ALLOW_PRIVATE_NETWORK", "SAFE_FETCH_ALLOW_PRIVATE_NETWORK"}

// PolicyFromEnv reads the policy from the environment (getenv is usually
// os.Getenv): AllowPrivate when either variable of AllowPrivateEnv is
// true ("true", "1", "t", "yes" or "on", in any case). Anything else keeps
// private networks refused.
func PolicyFromEnv(getenv func(string) string) Policy {
	var p Policy
	for _, name := range AllowPrivateEnv {
		switch strings.ToLower(strings.TrimSpace(getenv(name))) {
		case "true", "1", "t", "yes", "on":
			p.AllowPrivate = true
		}
	}
	return p
}

// PolicyError is a connection the policy refused.
type PolicyError struct {
	// Addr is the refused address, as dialed.
	Addr netip.Addr
	// Embedded is the IPv4 address an IPv4-mapped, IPv4-compatible, NAT64
	// or 6to4 Addr carries, which is what was judged; otherwise invalid.
	Embedded netip.Addr
	// Host is the name Addr was resolved from; empty for a literal address.
	Host string
	// Category names the kind of address: "private", "loopback",
	// "link-local", "cloud metadata", "multicast", ...
	Category string
	// Allowable reports whether AllowPrivate allows the address.
	Allowable bool
}

func (e *PolicyError) Error() string {
	var b strings.Builder
	b.WriteString("address ")
	b.WriteString(e.Addr.String())
	var notes []string
	if e.Embedded.IsValid() {
		notes = append(notes, "IPv4 "+e.Embedded.String())
	}
	if e.Host != "" {
		notes = append(notes, "from "+e.Host)
	}
	if len(notes) > 0 {
		b.WriteString(" (" + strings.Join(notes, ", ") + ")")
	}
	b.WriteString(" is ")
	b.WriteString(categoryPhrase[e.Category])
	if e.Allowable {
		b.WriteString("; set " + AllowPrivateEnv[0] + "=true to allow it")
	} else {
		b.WriteString("; it is always refused")
	}
	return b.String()
}

// The categories of refused addresses.
const (
	catUnspecified = "unspecified"
	catThisNetwork = "this-network"
	catMetadata    = "cloud metadata"
	catMulticast   = "multicast"
	catBroadcast   = "broadcast"
	catLoopback    = "loopback"
	catPrivate     = "private"
	catCGNAT       = "CGNAT"
	catLinkLocal   = "link-local"
	catUniqueLocal = "unique local"
	catSiteLocal   = "site-local"
	catDoc         = "documentation"
	catBenchmark   = "benchmarking"
	catReserved    = "reserved"
	catInvalid     = "invalid"
)

var categoryPhrase = map[string]string{
	catUnspecified: "unspecified",
	catThisNetwork: `in 0.0.0.0/8 ("this network")`,
	catMetadata:    "a cloud metadata address",
	catMulticast:   "multicast",
	catBroadcast:   "the broadcast address",
	catLoopback:    "loopback",
	catPrivate:     "private",
	catCGNAT:       "in the shared address space of carrier-grade NAT (100.64.0.0/10)",
	catLinkLocal:   "link-local",
	catUniqueLocal: "unique local (private IPv6)",
	catSiteLocal:   "site-local (private IPv6)",
	catDoc:         "reserved for documentation",
	catBenchmark:   "reserved for benchmarking",
	catReserved:    "reserved",
	catInvalid:     "not a valid IP address",
}

// never are the categories AllowPrivate does not allow.
var never = map[string]bool{
	catUnspecified: true, catThisNetwork: true, catMetadata: true, catMulticast: true, catBroadcast: true, catInvalid: true,
}

type rule struct {
	prefix   netip.Prefix
	category string
}

// metadata are cloud metadata and credential services: AWS (IMDS over IPv4
// and IPv6, ECS task credentials, EKS Pod Identity), GCP, Azure, OpenStack,
// DigitalOcean and Oracle (169.254.169.254), Azure's WireServer, and
// Alibaba Cloud.
var metadata = []netip.Addr{
	netip.MustParseAddr("169.254.169.254"),
	netip.MustParseAddr("169.254.170.2"),
	netip.MustParseAddr("169.254.170.23"),
	netip.MustParseAddr("168.63.129.16"),
	netip.MustParseAddr("100.100.100.200"),
	netip.MustParseAddr("fd00:ec2::254"),
	netip.MustParseAddr("fd00:ec2::23"),
}

// rules are checked in order: the first prefix that contains the address
// decides.
var rules = []rule{
	{netip.MustParsePrefix("0.0.0.0/32"), catUnspecified},
	{netip.MustParsePrefix("0.0.0.0/8"), catThisNetwork},
	{netip.MustParsePrefix("10.0.0.0/8"), catPrivate},
	{netip.MustParsePrefix("100.64.0.0/10"), catCGNAT},
	{netip.MustParsePrefix("127.0.0.0/8"), catLoopback},
	{netip.MustParsePrefix("169.254.0.0/16"), catLinkLocal},
	{netip.MustParsePrefix("172.16.0.0/12"), catPrivate},
	{netip.MustParsePrefix("192.0.0.0/24"), catReserved}, // IETF protocol assignments
	{netip.MustParsePrefix("192.0.2.0/24"), catDoc},
	{netip.MustParsePrefix("192.88.99.0/24"), catReserved}, // 6to4 relay anycast, deprecated
	{netip.MustParsePrefix("192.168.0.0/16"), catPrivate},
	{netip.MustParsePrefix("198.18.0.0/15"), catBenchmark},
	{netip.MustParsePrefix("198.51.100.0/24"), catDoc},
	{netip.MustParsePrefix("203.0.113.0/24"), catDoc},
	{netip.MustParsePrefix("224.0.0.0/4"), catMulticast},
	{netip.MustParsePrefix("255.255.255.255/32"), catBroadcast},
	{netip.MustParsePrefix("240.0.0.0/4"), catReserved},

	{netip.MustParsePrefix("::/128"), catUnspecified},
	{netip.MustParsePrefix("::1/128"), catLoopback},
	{netip.MustParsePrefix("64:ff9b:1::/48"), catPrivate}, // local-use NAT64
	{netip.MustParsePrefix("::/8"), catReserved},          // what is left of it once embedded IPv4 is judged
	{netip.MustParsePrefix("100::/64"), catReserved},      // discard-only
	{netip.MustParsePrefix("2001:db8::/32"), catDoc},
	{netip.MustParsePrefix("3fff::/20"), catDoc},
	{netip.MustParsePrefix("fc00::/7"), catUniqueLocal},
	{netip.MustParsePrefix("fe80::/10"), catLinkLocal},
	{netip.MustParsePrefix("fec0::/10"), catSiteLocal},
	{netip.MustParsePrefix("ff00::/8"), catMulticast},
}

var (
	nat64     = netip.MustParsePrefix("64:ff9b::/96")
	sixToFour = netip.MustParsePrefix("2002::/16")
	compat    = netip.MustParsePrefix("::/96")
)

// Check returns nil when the policy allows connecting to ip, and a
// *PolicyError naming the address, its category and how to allow it (when
// it can be) otherwise. IPv6 forms that carry an IPv4 address (IPv4-mapped
// ::ffff:a.b.c.d, IPv4-compatible ::a.b.c.d, NAT64 64:ff9b::a.b.c.d and
// 6to4 2002:aabb:ccdd::) are judged as that IPv4 address.
func (p Policy) Check(ip netip.Addr) error {
	if e := p.check(ip); e != nil {
		return e
	}
	return nil
}

func (p Policy) check(ip netip.Addr) *PolicyError {
	if !ip.IsValid() {
		return &PolicyError{Addr: ip, Category: catInvalid}
	}
	judged, embedded := embeddedIPv4(ip.WithZone(""))
	category := classify(judged)
	if category == "" {
		return nil
	}
	allowable := !never[category]
	if allowable && p.AllowPrivate {
		return nil
	}
	e := &PolicyError{Addr: ip, Category: category, Allowable: allowable}
	if embedded {
		e.Embedded = judged
	}
	return e
}

// embeddedIPv4 returns the IPv4 address an IPv6 address carries, if any,
// and whether it carried one.
func embeddedIPv4(a netip.Addr) (netip.Addr, bool) {
	if !a.Is6() {
		return a, false
	}
	b := a.As16()
	switch {
	case a.Is4In6():
		return a.Unmap(), true
	case nat64.Contains(a):
		return netip.AddrFrom4([4]byte(b[12:16])), true
	case sixToFour.Contains(a):
		return netip.AddrFrom4([4]byte(b[2:6])), true
	case compat.Contains(a) && a != netip.IPv6Unspecified() && a != netip.IPv6Loopback():
		return netip.AddrFrom4([4]byte(b[12:16])), true
	}
	return a, false
}

// classify returns the category of a blocked address, or "" for an address
// the policy always allows.
func classify(a netip.Addr) string {
	for _, m := range metadata {
		if a == m {
			return catMetadata
		}
	}
	for _, r := range rules {
		if r.prefix.Contains(a) {
			return r.category
		}
	}
	return ""
}
