package webhook

import (
	"context"
	"errors"
	"testing"
)

// The environment's proxy is cached process-wide by net/http, so the
// black-box test may not see a regression; this one does.
func TestTransportUsesNoProxy(t *testing.T) {
	c := NewClient(ClientConfig{})
	if c.transport.Proxy != nil {
		t.Error("the transport uses a proxy")
	}
	if c.transport.MaxIdleConnsPerHost < 64 || c.transport.DisableKeepAlives {
		t.Errorf("keep-alive: %d idle per host, disabled %v", c.transport.MaxIdleConnsPerHost, c.transport.DisableKeepAlives)
	}
	if cfg := c.transport.TLSClientConfig; cfg != nil && cfg.InsecureSkipVerify {
		t.Error("TLS verification is off")
	}
}

// The default dialer checks the socket's address itself too, right
// before connecting.
func TestDialerControlChecks(t *testing.T) {
	c := NewClient(ClientConfig{})
	for _, addr := range []string{"127.0.0.1:1", "169.254.169.254:80", "0.0.0.0:80"} {
		conn, err := c.dial(context.Background(), "tcp", addr)
		if conn != nil {
			conn.Close()
		}
		var pe *PolicyError
		if !errors.As(err, &pe) {
			t.Errorf("dial %s: %v, want a *PolicyError", addr, err)
		}
	}
}
