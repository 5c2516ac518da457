package bench

import (
	"context"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/parleyhq/parley/internal/chat"
)

// samplePayload is the size and shape of a message_created payload.
var samplePayload = []byte(`{"account":{"id":1,"name":"Default"},"additional_attributes":{},"content_attributes":{},"content_type":"text",` +
	`"content":"Your order #4521 has shipped and will arrive on Thursday.","conversation":{"additional_attributes":{},"can_reply":true,` +
	`"channel":"Channel::Api","contact_inbox":{"id":1,"contact_id":1,"inbox_id":1,"source_id":"8e7f3c1a-1f0e-4b9a-9a55-0d3f4f1b2c3d",` +
	`"created_at":"2026-11-26T10:00:00.000Z","updated_at":"2026-11-26T10:00:00.000Z","hmac_verified":false,"pubsub_token":"3xqS9CtbdPjVfH7cYkWBL2mn"},` +
	`"id":1,"inbox_id":1,"messages":[],"labels":[],"meta":{},"status":"open","custom_attributes":{}},` +
	`"created_at":"2026-11-26T10:00:00.123Z","id":1,"inbox":{"id":1,"name":"Benchmark"},"message_type":"outgoing","private":false,` +
	`"sender":{"id":1,"name":"Administrator","email":"admin@parley.local","type":"user"},"source_id":null,"status":"sent","event":"message_created"}` +
	strings.Repeat(" ", 2500))

// measureRaw is the raw limit: signed POSTs per second from a Go client (the
// engine's own sender) to a receiver, with nothing else running.
func measureRaw(ctx context.Context, r *receiver, d time.Duration) (float64, error) {
	sender := benchSender()
	var (
		n  atomic.Int64
		wg sync.WaitGroup
	)
	runCtx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	for i := 0; i < 32; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for runCtx.Err() == nil {
				o := &chat.Outbound{Delivery: chat.Delivery{UUID: chat.NewUUID(), URL: r.url}, Payload: samplePayload, Secret: "raw-limit-secret"}
				if res := sender.Send(runCtx, o); res.OK() {
					n.Add(1)
				}
			}
		}()
	}
	start := time.Now()
	wg.Wait()
	return float64(n.Load()) / time.Since(start).Seconds(), nil
}

// peakRSSMiB is this process's peak resident memory (VmHWM), in MiB; 0
// where /proc is not available.
func peakRSSMiB() float64 { return procStatusMiB("VmHWM:") }

// currentRSSMiB is this process's resident memory now (VmRSS), in MiB.
func currentRSSMiB() float64 { return procStatusMiB("VmRSS:") }

func procStatusMiB(field string) float64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, field) {
			f := strings.Fields(line)
			if len(f) >= 2 {
				kb, _ := strconv.ParseFloat(f[1], 64)
				return kb / 1024
			}
		}
	}
	return 0
}
