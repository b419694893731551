package app

import (
	"fmt"
	"net/http"
	"net/netip"
	"time"

	"github.com/urfave/cli/v2"
	"github.com/wandstore/wandstore/islands"
	"github.com/wandstore/wandstore/shopify/webhook"
)

// limitFlags are the rate limits' flags, shared by serve and demo.
func limitFlags() []cli.Flag {
	atLeast := func(name string, min int) func(*cli.Context, int) error {
		return func(_ *cli.Context, v int) error {
			if v < min {
				return fmt.Errorf("--%s %d: must be at least %d", name, v, min)
			}
			return nil
		}
	}
	return []cli.Flag{
		&cli.IntFlag{Name: "rate-limit-ip", Value: islands.DefaultLimits.PerIP, Usage: "island requests a window allowed per client (an IPv4 address, an IPv6 prefix: --ipv6-prefix), cluster-wide", EnvVars: []string{"WANDSTORE_RATE_LIMIT_IP"}, Action: atLeast("rate-limit-ip", 1)},
		&cli.IntFlag{Name: "rate-limit-shopper", Value: islands.DefaultLimits.PerShopper, Usage: "island requests a window allowed per shopper, cluster-wide", EnvVars: []string{"WANDSTORE_RATE_LIMIT_SHOPPER"}, Action: atLeast("rate-limit-shopper", 1)},
		&cli.DurationFlag{Name: "rate-limit-window", Value: islands.DefaultLimits.Window, Usage: "the rate limits' sliding window, 1s..1h", EnvVars: []string{"WANDSTORE_RATE_LIMIT_WINDOW"},
			Action: func(_ *cli.Context, d time.Duration) error {
				if d < time.Second || d > islands.MaxWindow {
					return fmt.Errorf("--rate-limit-window %s: must be within 1s..%s", d, islands.MaxWindow)
				}
				return nil
			}},
		&cli.IntFlag{Name: "ipv6-prefix", Value: islands.DefaultIPv6Prefix, Usage: "leading bits of an IPv6 address that are one client for the rate limits (128: every address)", EnvVars: []string{"WANDSTORE_IPV6_PREFIX"},
			Action: func(_ *cli.Context, v int) error {
				if v < 1 || v > 128 {
					return fmt.Errorf("--ipv6-prefix %d: must be within 1..128", v)
				}
				return nil
			}},
		&cli.IntFlag{Name: "webhook-rate-limit", Value: webhook.DefaultSourceLimit.PerMinute, Usage: "POST /webhooks/shopify a minute allowed per source address, checked before the body is read; per member", EnvVars: []string{"WANDSTORE_WEBHOOK_RATE_LIMIT"}, Action: atLeast("webhook-rate-limit", 1)},
		&cli.IntFlag{Name: "webhook-burst", Value: webhook.DefaultSourceLimit.Burst, Usage: "webhook posts a source may send at once, within --webhook-rate-limit", EnvVars: []string{"WANDSTORE_WEBHOOK_BURST"}, Action: atLeast("webhook-burst", 1)},
	}
}

// limitsFrom reads limitFlags.
func limitsFrom(c *cli.Context) islands.Limits {
	return islands.Limits{
		PerIP: c.Int("rate-limit-ip"), PerShopper: c.Int("rate-limit-shopper"), Window: c.Duration("rate-limit-window"),
		IPv6Prefix: c.Int("ipv6-prefix"), WebhookPerMinute: c.Int("webhook-rate-limit"), WebhookBurst: c.Int("webhook-burst"),
	}
}

// webhookLimit is the receiver's per-source limit: its source is the
// client as the islands see it (through the trusted proxies, an IPv6
// address by its prefix).
func webhookLimit(l islands.Limits, proxies []netip.Prefix, ro *webhook.ReceiverOptions) {
	ro.Limit = webhook.SourceLimit{PerMinute: l.WebhookPerMinute, Burst: l.WebhookBurst}
	ro.Source = func(r *http.Request) string {
		return islands.ClientKey(islands.ClientIP(r, proxies), l.IPv6Prefix)
	}
}
