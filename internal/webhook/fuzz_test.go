package webhook_test

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/parleyhq/parley/internal/webhook"
)

// FuzzPolicyURL posts to arbitrary URLs and hosts, with every name
// resolving to blocked addresses and one public one: Post never panics,
// and never connects to a blocked address.
func FuzzPolicyURL(f *testing.F) {
	for _, s := range []string{
		"http://example.com/hook", "https://example.com:8443/a?b=c", "127.0.0.1", "[::1]", "[::ffff:127.0.0.1]:80",
		"http://0x7f.1/", "http://0177.0.0.1/", "http://2130706433/", "http://127.1/", "http://127.0.0.1./",
		"http://[::ffff:7f00:1]/", "http://[fe80::1%25eth0]/", "http://[64:ff9b::a9fe:a9fe]/", "http://[::]/",
		"http://0.0.0.0:80/", "http://localhost/", "http://LOCALHOST./", "http://169.254.169.254/latest/",
		"http://user:pass@10.0.0.1/", "http://[fd00:ec2::254]/", "http://metadata.google.internal/",
		"ftp://example.com/", "file:///etc/passwd", "http://%31%32%37.0.0.1/", "http://a@127.0.0.1:80@example.com/",
		"http://example.com:99999/", "http://[::1]:0/", "//127.0.0.1/", "http:/127.0.0.1/", "93.184.216.34",
		"http://[2002:7f00:1::]/", "http://[::127.0.0.1]/", "http://100.100.100.200/", "http://255.255.255.255/",
	} {
		f.Add(s)
	}
	dns := &fakeDNS{wildcard: addrs("127.0.0.1", "10.0.0.1", "169.254.169.254", "::1", "fc00::1", "::ffff:192.168.0.1", publicIP)}
	var mu sync.Mutex
	var blocked []string
	dial := func(ctx context.Context, network, address string) (net.Conn, error) {
		ap, err := netip.ParseAddrPort(address)
		if err != nil || (webhook.Policy{}).Check(ap.Addr()) != nil {
			mu.Lock()
			blocked = append(blocked, address)
			mu.Unlock()
		}
		return nil, errors.New("fuzz: no network")
	}
	c := webhook.NewClient(webhook.ClientConfig{Timeout: 2 * time.Second, Resolver: dns.resolver(), DialContext: dial})
	f.Fuzz(func(t *testing.T, s string) {
		for _, u := range []string{s, "http://" + s + "/", "https://" + s + "/hook?x=1"} {
			res := c.Post(context.Background(), u, nil, []byte("{}"))
			if res.Err == nil {
				t.Fatalf("Post(%q) succeeded without a network", u)
			}
			if strings.Contains(res.Err.Error(), "timed out") {
				t.Logf("Post(%q): %v", u, res.Err)
			}
		}
		if ip, err := netip.ParseAddr(s); err == nil {
			_ = (webhook.Policy{}).Check(ip)
			_ = (webhook.Policy{AllowPrivate: true}).Check(ip)
		}
		mu.Lock()
		defer mu.Unlock()
		if len(blocked) > 0 {
			t.Fatalf("input %q: dialed blocked addresses %q", s, blocked)
		}
	})
}
