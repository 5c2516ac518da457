package webhook_test

import (
	"errors"
	"net/netip"
	"strings"
	"testing"

	"github.com/parleyhq/parley/internal/webhook"
)

func TestPolicyCheck(t *testing.T) {
	tests := []struct {
		addr      string
		category  string // "" when allowed by default
		allowable bool   // allowed with AllowPrivate
	}{
		// Public addresses pass.
		{"93.184.216.34", "", true},
		{"8.8.8.8", "", true},
		{"1.1.1.1", "", true},
		{"100.63.255.255", "", true},
		{"100.128.0.0", "", true},
		{"172.15.255.255", "", true},
		{"172.32.0.0", "", true},
		{"192.169.0.1", "", true},
		{"223.255.255.255", "", true},
		{"2606:4700:4700::1111", "", true},
		{"2a00:1450:4001:81c::200e", "", true},
		{"::ffff:8.8.8.8", "", true},
		{"64:ff9b::808:808", "", true}, // NAT64 of 8.8.8.8
		{"2002:808:808::1", "", true},  // 6to4 of 8.8.8.8

		// IPv4.
		{"0.0.0.0", "unspecified", false},
		{"0.1.2.3", "this-network", false},
		{"10.0.0.5", "private", true},
		{"10.255.255.255", "private", true},
		{"100.64.0.1", "CGNAT", true},
		{"100.127.255.254", "CGNAT", true},
		{"127.0.0.1", "loopback", true},
		{"127.255.255.254", "loopback", true},
		{"169.254.1.1", "link-local", true},
		{"169.254.169.254", "cloud metadata", false},
		{"169.254.170.2", "cloud metadata", false},
		{"100.100.100.200", "cloud metadata", false},
		{"168.63.129.16", "cloud metadata", false},
		{"172.16.0.1", "private", true},
		{"172.31.255.255", "private", true},
		{"192.0.0.8", "reserved", true},
		{"192.0.2.1", "documentation", true},
		{"192.88.99.1", "reserved", true},
		{"192.168.1.1", "private", true},
		{"198.18.0.1", "benchmarking", true},
		{"198.19.255.255", "benchmarking", true},
		{"198.51.100.7", "documentation", true},
		{"203.0.113.9", "documentation", true},
		{"224.0.0.1", "multicast", false},
		{"239.255.255.250", "multicast", false},
		{"240.0.0.1", "reserved", true},
		{"255.255.255.254", "reserved", true},
		{"255.255.255.255", "broadcast", false},

		// IPv6.
		{"::", "unspecified", false},
		{"::1", "loopback", true},
		{"fc00::1", "unique local", true},
		{"fd12:3456::1", "unique local", true},
		{"fd00:ec2::254", "cloud metadata", false},
		{"fd00:ec2::23", "cloud metadata", false},
		{"fe80::1", "link-local", true},
		{"fe80::1%eth0", "link-local", true},
		{"febf::1", "link-local", true},
		{"fec0::1", "site-local", true},
		{"ff02::1", "multicast", false},
		{"ff05::1:3", "multicast", false},
		{"2001:db8::1", "documentation", true},
		{"3fff::1", "documentation", true},
		{"100::1", "reserved", true},
		{"::1:0:0:1", "reserved", true},
		{"64:ff9b:1::a", "private", true}, // local-use NAT64

		// IPv6 forms carrying an IPv4 address are judged as that address.
		{"::ffff:127.0.0.1", "loopback", true},
		{"::ffff:10.0.0.1", "private", true},
		{"::ffff:169.254.169.254", "cloud metadata", false},
		{"::ffff:0.0.0.0", "unspecified", false},
		{"::ffff:224.0.0.1", "multicast", false},
		{"::127.0.0.1", "loopback", true}, // IPv4-compatible
		{"::10.0.0.1", "private", true},
		{"64:ff9b::a00:1", "private", true}, // NAT64 of 10.0.0.1
		{"64:ff9b::7f00:1", "loopback", true},
		{"64:ff9b::a9fe:a9fe", "cloud metadata", false},
		{"2002:a00:1::1", "private", true}, // 6to4 of 10.0.0.1
		{"2002:7f00:1::", "loopback", true},
	}
	for _, tt := range tests {
		t.Run(tt.addr, func(t *testing.T) {
			ip := netip.MustParseAddr(tt.addr)
			err := webhook.Policy{}.Check(ip)
			if tt.category == "" {
				if err != nil {
					t.Fatalf("Check(%s) = %v, want allowed", tt.addr, err)
				}
			} else {
				var pe *webhook.PolicyError
				if !errors.As(err, &pe) {
					t.Fatalf("Check(%s) = %v, want a *PolicyError", tt.addr, err)
				}
				if pe.Category != tt.category || pe.Allowable != tt.allowable || pe.Addr != ip {
					t.Errorf("Check(%s) = %+v, want category %q, allowable %v", tt.addr, pe, tt.category, tt.allowable)
				}
				if !strings.HasPrefix(err.Error(), "address "+ip.String()) {
					t.Errorf("message %q does not start with the address", err)
				}
			}
			err = webhook.Policy{AllowPrivate: true}.Check(ip)
			if tt.allowable && err != nil {
				t.Errorf("with AllowPrivate, Check(%s) = %v, want allowed", tt.addr, err)
			}
			if !tt.allowable && err == nil {
				t.Errorf("with AllowPrivate, Check(%s) allowed it, want refused", tt.addr)
			}
		})
	}
}

func TestPolicyCheckInvalid(t *testing.T) {
	for _, p := range []webhook.Policy{{}, {AllowPrivate: true}} {
		if err := p.Check(netip.Addr{}); err == nil {
			t.Errorf("%+v: the zero Addr was allowed", p)
		}
	}
}

func TestPolicyErrorMessage(t *testing.T) {
	tests := []struct{ addr, want string }{
		{"10.0.0.5", "address 10.0.0.5 is private; set PARLEY_ALLOW_PRIVATE_NETWORK=true to allow it"},
		{"127.0.0.1", "address 127.0.0.1 is loopback; set PARLEY_ALLOW_PRIVATE_NETWORK=true to allow it"},
		{"169.254.169.254", "address 169.254.169.254 is a cloud metadata address; it is always refused"},
		{"0.0.0.0", "address 0.0.0.0 is unspecified; it is always refused"},
		{"::ffff:10.0.0.1", "address ::ffff:10.0.0.1 (IPv4 10.0.0.1) is private; set PARLEY_ALLOW_PRIVATE_NETWORK=true to allow it"},
		{"100.64.0.1", "address 100.64.0.1 is in the shared address space of carrier-grade NAT (100.64.0.0/10); set PARLEY_ALLOW_PRIVATE_NETWORK=true to allow it"},
	}
	for _, tt := range tests {
		err := webhook.Policy{}.Check(netip.MustParseAddr(tt.addr))
		if err == nil || err.Error() != tt.want {
			t.Errorf("Check(%s) = %v, want %q", tt.addr, err, tt.want)
		}
	}
	pe := &webhook.PolicyError{Addr: netip.MustParseAddr("10.0.0.5"), Host: "db.internal", Category: "private", Allowable: true}
	if got, want := pe.Error(), "address 10.0.0.5 (from db.internal) is private; set PARLEY_ALLOW_PRIVATE_NETWORK=true to allow it"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestPolicyFromEnv(t *testing.T) {
	tests := []struct {
		env  map[string]string
		want bool
	}{
		{nil, false},
		{map[string]string{"PARLEY_ALLOW_PRIVATE_NETWORK": "true"}, true},
		{map[string]string{"PARLEY_ALLOW_PRIVATE_NETWORK": "TRUE"}, true},
		{map[string]string{"PARLEY_ALLOW_PRIVATE_NETWORK": "1"}, true},
		{map[string]string{"PARLEY_ALLOW_PRIVATE_NETWORK": "false"}, false},
		{map[string]string{"PARLEY_ALLOW_PRIVATE_NETWORK": "nope"}, false},
		{map[string]string{"SAFE_FETCH_ALLOW_PRIVATE_NETWORK": "true"}, true},
		{map[string]string{"SAFE_FETCH_ALLOW_PRIVATE_NETWORK": "false"}, false},
	}
	for _, tt := range tests {
		got := webhook.PolicyFromEnv(func(k string) string { return tt.env[k] })
		if got.AllowPrivate != tt.want {
			t.Errorf("PolicyFromEnv(%v).AllowPrivate = %v, want %v", tt.env, got.AllowPrivate, tt.want)
		}
	}
}
