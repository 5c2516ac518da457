package api_test

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"testing"
)

// BenchmarkMessageCreate measures message creates through the HTTP API with
// concurrent clients; each is a committed transaction with its events.
func BenchmarkMessageCreate(b *testing.B) {
	e := newEnv(b)
	inbox := e.apiInbox("Bench")
	conv, _ := e.newConversation(inbox, "hi")
	benchEnvMessages(b, e, conv)
}

func benchEnvMessages(b *testing.B, e *testEnv, conv int64) {
	body := []byte(`{"content":"Hello from the benchmark","message_type":"outgoing"}`)
	url := fmt.Sprintf("%s%s/conversations/%d/messages", e.URL, a1, conv)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 256}}
	b.SetParallelism(16)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			req, _ := http.NewRequest("POST", url, bytes.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("api_access_token", adminToken)
			res, err := client.Do(req)
			if err != nil {
				b.Error(err)
				return
			}
			io.Copy(io.Discard, res.Body)
			res.Body.Close()
			if res.StatusCode != 200 {
				b.Errorf("status %d", res.StatusCode)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
}
