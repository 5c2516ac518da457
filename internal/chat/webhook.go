package chat

import "time"

// Webhook is an account webhook: a URL that receives the account's events
// it subscribes to.
type Webhook struct {
	ID            int64
	AccountID     int64
	InboxID       int64 // 0: every inbox; otherwise only this inbox's events
	Name          string
	URL           string
	Subscriptions []string
	// Secret signs deliveries (24 base58 characters when Parley makes it).
	Secret string
	// PreviousSecret, until PreviousSecretExpiresAt, also signs deliveries:
	// a rotation leaves receivers time to switch.
	PreviousSecret          string
	PreviousSecretExpiresAt time.Time
	Health                  Health
	CreatedAt               time.Time
	UpdatedAt               time.Time
}

// Health is an endpoint's failure record: since when every attempt has
// failed (zero while it works), and when that disabled it (zero while
// enabled).
type Health struct {
	FailingSince time.Time
	DisabledAt   time.Time
}

// Endpoint names a delivery target: an account webhook or an API inbox's
// webhook_url (exactly one id is set).
type Endpoint struct {
	WebhookID int64
	InboxID   int64
}

// DefaultSubscriptions are the events a webhook gets when it names none:
// Chatwoot's column default, the first eight names.
var DefaultSubscriptions = EventNames[:8]

// Subscribed reports whether the webhook takes an event of an inbox
// (inboxID 0 for account-wide events such as contacts).
func (w *Webhook) Subscribed(event string, inboxID int64) bool {
	if w.InboxID != 0 && w.InboxID != inboxID {
		return false
	}
	for _, s := range w.Subscriptions {
		if s == event {
			return true
		}
	}
	return false
}

// Delivery statuses.
const (
	DeliveryPending   = "pending"
	DeliveryDelivered = "delivered"
	DeliveryFailed    = "failed"
	// DeliveryNotice marks a log entry that is not sent, such as the
	// webhook_disabled record.
	DeliveryNotice = "notice"
)

// EventWebhookDisabled is the delivery log's record of an endpoint
// disabled after failing for too long.
const EventWebhookDisabled = "webhook_disabled"

// Delivery is one event to one target: written with the event, sent after
// commit, and kept with its outcome.
type Delivery struct {
	ID int64
	// UUID identifies the delivery to the receiver (X-Chatwoot-Delivery,
	// webhook-id), the same on every attempt so receivers can de-duplicate.
	UUID      string
	EventID   int64
	EventName string
	AccountID int64
	// Exactly one target: an account webhook or an API inbox's webhook_url.
	WebhookID      int64
	InboxID        int64
	URL            string
	Status         string
	Attempts       int
	NextAttemptAt  time.Time
	LastStatusCode int
	LastError      string
	// LeaseOwner and LeaseUntil record a claim by one of several instances.
	LeaseOwner  string
	LeaseUntil  time.Time
	CreatedAt   time.Time
	UpdatedAt   time.Time
	CompletedAt time.Time // when it was delivered or failed for good
	// Requeues counts requeues by hand (redeliver, recover). An outcome is
	// recorded with the count its attempt started from: when a requeue came
	// meanwhile, the attempt is kept but the delivery stays pending and
	// due, so a redelivery asked for during an attempt still happens.
	Requeues int
}

// Endpoint returns the delivery's target.
func (d *Delivery) Endpoint() Endpoint { return Endpoint{WebhookID: d.WebhookID, InboxID: d.InboxID} }

// Attempt is one try at a delivery and what the receiver answered.
type Attempt struct {
	ID          int64
	DeliveryID  int64
	AttemptedAt time.Time
	Latency     time.Duration
	StatusCode  int    // 0 when no response came
	Error       string // why it failed; "" on success
	// ResponseHeaders and ResponseBody (its first 4 KiB) are what came back.
	ResponseHeaders JSON
	ResponseBody    []byte
}

// DeliveryFilter selects an endpoint's deliveries for the delivery log.
type DeliveryFilter struct {
	AccountID int64
	Endpoint  Endpoint
	Status    string
	Event     string
	Since     time.Time // created at or after
	Until     time.Time // created before
	BeforeID  int64     // paging: ids below this
	Limit     int
}

// DeliveryCursor is where a scan of due deliveries resumes.
type DeliveryCursor struct {
	NextAttemptAt time.Time
	ID            int64
}

// Cursor is the position of d in the order of due deliveries.
func (d *Delivery) Cursor() DeliveryCursor {
	return DeliveryCursor{NextAttemptAt: d.NextAttemptAt, ID: d.ID}
}

// Outbound is what sending a delivery needs: the delivery, the stored
// payload bytes and the secrets that sign it, read at send time so that a
// rotation applies to retries.
type Outbound struct {
	Delivery Delivery
	Event    string
	Payload  []byte
	Secret   string
	// PreviousSecret also signs until PreviousSecretExpiresAt.
	PreviousSecret          string
	PreviousSecretExpiresAt time.Time
	// TargetGone reports that the webhook or inbox was deleted since the
	// delivery was written: there is nothing left to sign or send for.
	TargetGone bool
	// Health is the endpoint's failure record.
	Health Health
}

// Secrets returns the secrets that sign at time now, the newest first.
func (o *Outbound) Secrets(now time.Time) []string {
	out := []string{}
	if o.Secret != "" {
		out = append(out, o.Secret)
	}
	if o.PreviousSecret != "" && now.Before(o.PreviousSecretExpiresAt) {
		out = append(out, o.PreviousSecret)
	}
	return out
}
