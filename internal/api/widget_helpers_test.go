package api_test

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/parleyhq/parley/internal/chat"
)

// visit sends a visitor's request: X-Auth-Token when token is set, and
// extra headers as name, value pairs.
func (e *testEnv) visit(method, p, token string, body any, hdr ...string) *response {
	e.t.Helper()
	return visitURL(e.t, e.URL, method, p, token, body, hdr...)
}

func visitURL(t testing.TB, base, method, p, token string, body any, hdr ...string) *response {
	t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		enc, _ := json.Marshal(b)
		rd = bytes.NewReader(enc)
	}
	req, err := http.NewRequest(method, base+p, rd)
	if err != nil {
		t.Fatal(err)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("X-Auth-Token", token)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return &response{Status: res.StatusCode, Header: res.Header, Body: b}
}

// inbox reads an inbox (with its channel's tokens) from the store.
func (e *testEnv) inbox(id int64) *chat.Inbox {
	e.t.Helper()
	var in *chat.Inbox
	err := e.Store.View(context.Background(), func(tx chat.Tx) (err error) {
		in, err = tx.FindInbox(1, id)
		return err
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return in
}

// setWidget changes a web widget inbox's channel in the store.
func (e *testEnv) setWidget(id int64, fn func(w *chat.WebWidgetChannel)) {
	e.t.Helper()
	in := e.inbox(id)
	fn(in.WebWidget)
	if err := e.Store.Update(context.Background(), func(tx chat.Tx) error { return tx.UpdateInbox(in) }); err != nil {
		e.t.Fatal(err)
	}
}

func identifierHash(key, identifier string) string {
	m := hmac.New(sha256.New, []byte(key))
	m.Write([]byte(identifier))
	return hex.EncodeToString(m.Sum(nil))
}

// widgetVisitor opens the widget of inbox as a new visitor and returns
// the widget's query string and the visitor token.
func (e *testEnv) widgetVisitor(inboxID int64) (q, token string) {
	e.t.Helper()
	q = "?website_token=" + e.inbox(inboxID).WebWidget.WebsiteToken
	r := e.visit("POST", "/api/v1/widget/config"+q, "", nil)
	if r.Status != 200 {
		e.t.Fatalf("config: %d %s", r.Status, r.Body)
	}
	return q, str(e.t, r.JSON(e.t), "website_channel_config.auth_token")
}

func strconvItoa(n int64) string { return strconv.FormatInt(n, 10) }
