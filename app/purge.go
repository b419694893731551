package app

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/urfave/cli/v2"
	"github.com/wandstore/wandstore/generator"
	"github.com/wandstore/wandstore/generator/cdnpurge"
)

// purgeTokenEnv holds the purge endpoint's token: a secret, so never a flag.
const purgeTokenEnv = "WANDSTORE_PURGE_TOKEN"

func purgeFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "purge-endpoint", Usage: "after publishing, purge the changed and removed URLs from a CDN: a Cloudflare-style purge URL, e.g. https://api.cloudflare.com/client/v4/zones/<zone_id>/purge_cache; token from " + purgeTokenEnv, EnvVars: []string{"WANDSTORE_PURGE_ENDPOINT"}},
		&cli.IntFlag{Name: "purge-batch-size", Value: cdnpurge.DefaultBatchSize, Usage: "most URLs per purge request (Cloudflare: 100, Enterprise 500)", EnvVars: []string{"WANDSTORE_PURGE_BATCH_SIZE"}},
	}
}

// setupPurge returns the purger --purge-endpoint asks for, or nil. It runs
// before the build, so a missing token stops the build before it publishes.
func setupPurge(c *cli.Context, getenv func(string) string) (*cdnpurge.Purger, error) {
	endpoint := c.String("purge-endpoint")
	if endpoint == "" {
		return nil, nil
	}
	token := getenv(purgeTokenEnv)
	if token == "" {
		return nil, errors.New("--purge-endpoint needs a token: set " + purgeTokenEnv)
	}
	if c.Int("purge-batch-size") <= 0 {
		return nil, fmt.Errorf("--purge-batch-size %d: want a positive number", c.Int("purge-batch-size"))
	}
	p, err := cdnpurge.New(cdnpurge.Config{Endpoint: endpoint, Token: token, BatchSize: c.Int("purge-batch-size")})
	if err != nil {
		return nil, fmt.Errorf("--purge-endpoint: %w", err)
	}
	return p, nil
}

// purge runs after a successful publish. Its error says that the publish
// stands, so a failed purge is not mistaken for a failed build.
func purge(ctx context.Context, p *cdnpurge.Purger, siteURL string, sum *generator.Summary, stdout io.Writer, quiet bool) error {
	st, err := cdnpurge.PurgeSummary(ctx, p, siteURL, sum)
	if err != nil {
		return fmt.Errorf("purge: %w; the build was published, but the CDN may serve old copies of %d changed and %d removed files until they expire (build again with --force to purge everything)",
			err, len(sum.Changed), len(sum.Removed))
	}
	if !quiet {
		fmt.Fprintf(stdout, "purged %d URLs in %d requests\n", st.URLs, st.Requests)
	}
	return nil
}
