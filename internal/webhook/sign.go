package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Sign sets the delivery headers of contract §3 on h: Chatwoot's
// X-Chatwoot-Delivery / -Timestamp / -Signature and the Standard Webhooks
// webhook-id / -timestamp / -signature. secrets are the signing secrets,
// the newest first; both schemes use a secret's bytes as the HMAC key.
// Chatwoot's header carries the newest secret's signature; the Standard
// Webhooks header carries one per secret, space-separated, so receivers
// keep verifying through a rotation. Without a secret only the ids are set.
func Sign(h http.Header, deliveryID string, at time.Time, body []byte, secrets []string) {
	ts := strconv.FormatInt(at.Unix(), 10)
	h.Set("X-Chatwoot-Delivery", deliveryID)
	h.Set("webhook-id", deliveryID)
	h.Set("webhook-timestamp", ts)
	if len(secrets) == 0 {
		return
	}
	h.Set("X-Chatwoot-Timestamp", ts)
	h.Set("X-Chatwoot-Signature", "sha256="+ChatwootSignature(secrets[0], ts, body))
	sigs := make([]string, len(secrets))
	for i, s := range secrets {
		sigs[i] = "v1," + StandardSignature(s, deliveryID, ts, body)
	}
	h.Set("webhook-signature", strings.Join(sigs, " "))
}

// ChatwootSignature is lowercase hex HMAC-SHA256(secret, "<ts>.<body>").
func ChatwootSignature(secret, ts string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(ts))
	m.Write([]byte{'.'})
	m.Write(body)
	return hex.EncodeToString(m.Sum(nil))
}

// StandardSignature is base64 HMAC-SHA256(secret, "<id>.<ts>.<body>").
func StandardSignature(secret, id, ts string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(id))
	m.Write([]byte{'.'})
	m.Write([]byte(ts))
	m.Write([]byte{'.'})
	m.Write(body)
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// StandardSecret is a secret in the form the Standard Webhooks libraries
// take: "whsec_" and the base64 of the secret's bytes.
func StandardSecret(secret string) string {
	return "whsec_" + base64.StdEncoding.EncodeToString([]byte(secret))
}
