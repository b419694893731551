package shopper

import (
	"context"
	"time"
)

// Outbox holds the order confirmations to email: a row is written in the
// order's transaction (PlaceOrder with notify), so an order is never
// without its email nor an email without its order, and a mail server
// that is down loses nothing: the row waits for the next try.
type Outbox interface {
	// ClaimEmails takes up to limit emails due at now (not sent, next
	// attempt not in the future) and leases each for lease: another
	// member does not take it again until then. Each comes with its order.
	ClaimEmails(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]OutboxEmail, error)
	// EmailSent marks an email sent.
	EmailSent(ctx context.Context, orderID int64, at time.Time) error
	// EmailFailed records a failed attempt and when to try again; a zero
	// next gives up (the error is kept).
	EmailFailed(ctx context.Context, orderID int64, next time.Time, reason string) error
}

// OutboxEmail is one email to send: its order and how many attempts it
// has had (this one included).
type OutboxEmail struct {
	Order    *Order
	Attempts int
}
