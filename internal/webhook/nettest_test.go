package webhook_test

import (
	"context"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
)

// fakeDNS is a DNS server in memory: a *net.Resolver from its resolver
// method sends it its A and AAAA queries, and it answers from hosts (names
// in lower case, without the final dot), or with wildcard for any other
// name when wildcard is set, or NXDOMAIN.
type fakeDNS struct {
	hosts    map[string][]netip.Addr
	wildcard []netip.Addr
}

func (f *fakeDNS) resolver() *net.Resolver {
	return &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, network, address string) (net.Conn, error) {
		client, server := net.Pipe()
		go f.serve(server)
		return client, nil
	}}
}

// serve answers queries in the TCP framing (a 2-byte length first), which
// is what Go's resolver uses over a connection that is not a PacketConn.
func (f *fakeDNS) serve(conn net.Conn) {
	defer conn.Close()
	for {
		var l [2]byte
		if _, err := io.ReadFull(conn, l[:]); err != nil {
			return
		}
		q := make([]byte, binary.BigEndian.Uint16(l[:]))
		if _, err := io.ReadFull(conn, q); err != nil {
			return
		}
		resp := f.answer(q)
		if resp == nil {
			return
		}
		if _, err := conn.Write(append(binary.BigEndian.AppendUint16(nil, uint16(len(resp))), resp...)); err != nil {
			return
		}
	}
}

func (f *fakeDNS) answer(q []byte) []byte {
	if len(q) < 12 {
		return nil
	}
	i := 12
	var labels []string
	for {
		if i >= len(q) {
			return nil
		}
		n := int(q[i])
		i++
		if n == 0 {
			break
		}
		if n&0xC0 != 0 || i+n > len(q) {
			return nil
		}
		labels = append(labels, string(q[i:i+n]))
		i += n
	}
	if i+4 > len(q) {
		return nil
	}
	qtype := binary.BigEndian.Uint16(q[i:])
	question := q[12 : i+4]
	addrs, found := f.hosts[strings.ToLower(strings.Join(labels, "."))]
	if !found && f.wildcard != nil {
		addrs, found = f.wildcard, true
	}
	var rdata [][]byte
	for _, a := range addrs {
		switch {
		case qtype == 1 && a.Is4():
			b := a.As4()
			rdata = append(rdata, b[:])
		case qtype == 28 && a.Is6():
			b := a.As16()
			rdata = append(rdata, b[:])
		}
	}
	rcode := byte(0)
	if !found {
		rcode = 3 // NXDOMAIN
	}
	r := []byte{q[0], q[1], 0x84 | q[2]&0x01, 0x80 | rcode, 0, 1, 0, byte(len(rdata)), 0, 0, 0, 0}
	r = append(r, question...)
	for _, d := range rdata {
		r = append(r, 0xC0, 12) // the question's name
		r = binary.BigEndian.AppendUint16(r, qtype)
		r = append(r, 0, 1, 0, 0, 0, 60) // class IN, TTL 60
		r = binary.BigEndian.AppendUint16(r, uint16(len(d)))
		r = append(r, d...)
	}
	return r
}

// netSim stands in for the network, as a ClientConfig.DialContext: it
// records every address the client asks for and connects it to a real
// (loopback) server instead: routes[address], or target.
type netSim struct {
	target string
	routes map[string]string

	mu     sync.Mutex
	dialed []string
	read   atomic.Int64 // bytes the client read, over all connections
}

var errNoRoute = errors.New("netsim: no route")

func (n *netSim) DialContext(ctx context.Context, network, address string) (net.Conn, error) {
	n.mu.Lock()
	n.dialed = append(n.dialed, address)
	n.mu.Unlock()
	to := n.routes[address]
	if to == "" {
		to = n.target
	}
	if to == "" {
		return nil, errNoRoute
	}
	var d net.Dialer
	c, err := d.DialContext(ctx, "tcp", to)
	if err != nil {
		return nil, err
	}
	return &countingConn{Conn: c, read: &n.read}, nil
}

func (n *netSim) Dialed() []string {
	n.mu.Lock()
	defer n.mu.Unlock()
	return append([]string(nil), n.dialed...)
}

type countingConn struct {
	net.Conn
	read *atomic.Int64
}

func (c *countingConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	c.read.Add(int64(n))
	return n, err
}
