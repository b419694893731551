package app

import (
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/urfave/cli/v2"
	"github.com/wandstore/wandstore/generator"
	"github.com/wandstore/wandstore/generator/s3publish"
)

// publishWorkers is the default render pool when publishing to a bucket:
// each upload waits on the network, so more than one per CPU pays.
const publishWorkers = 8

func publishFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "publish", Usage: "publish to a bucket instead of --out: s3://bucket/prefix (S3, Cloudflare R2, MinIO); keys from AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or WANDSTORE_S3_ACCESS_KEY/WANDSTORE_S3_SECRET_KEY", EnvVars: []string{"WANDSTORE_PUBLISH"}},
		&cli.StringFlag{Name: "s3-endpoint", Usage: "the bucket's endpoint with --publish, e.g. https://<account>.r2.cloudflarestorage.com", EnvVars: []string{"WANDSTORE_S3_ENDPOINT"}},
		&cli.StringFlag{Name: "s3-region", Value: s3publish.DefaultRegion, Usage: "signing region with --publish (R2: auto)", EnvVars: []string{"WANDSTORE_S3_REGION"}},
		&cli.StringFlag{Name: "state-dir", Usage: "where the build keeps its manifests (what was published, by hash); default <out>/.wandstore, or with --publish .wandstore/publish/<endpoint host>/<bucket>/<prefix> in the working folder: keep it between builds (a CI cache) so a build renders only what changed", EnvVars: []string{"WANDSTORE_STATE_DIR"}},
	}
}

// precompressFlag turns off the compressed copies a build writes beside
// its text files in --out (generator.Precompress).
func precompressFlag() cli.Flag {
	return &cli.BoolFlag{Name: "precompress", Value: true, Usage: "write Brotli (.br) and gzip (.gz) copies beside the text files of 1 KiB or more in --out, which the static server sends to browsers that accept them (false: none, and existing ones are removed as their files are rewritten). Never with --publish: a bucket cannot pick an encoding per browser; the CDN in front of it compresses", EnvVars: []string{"WANDSTORE_PRECOMPRESS"}}
}

// bucketTarget is where --publish sends a build.
type bucketTarget struct {
	pub *s3publish.Publisher
}

// setupPublish points opts at the bucket named by --publish, if any, and
// sets the state folder. It returns nil when the build writes to --out.
func setupPublish(c *cli.Context, opts *generator.Options) (*bucketTarget, error) {
	opts.StateDir = c.String("state-dir")
	target := c.String("publish")
	if !c.Bool("precompress") {
		opts.Precompress = generator.PrecompressOff
	}
	if target == "" {
		return nil, nil
	}
	if c.IsSet("precompress") && c.Bool("precompress") {
		return nil, errors.New("--precompress with --publish: a bucket answers every browser with the same bytes, so it takes no compressed copies; the CDN in front of it compresses (see docs/COMPRESSION.md)")
	}
	cfg, err := publishConfig(target, c.String("s3-endpoint"), c.String("s3-region"), os.Getenv)
	if err != nil {
		return nil, err
	}
	// --force re-renders everything; re-upload it too, so a change of
	// Content-Type or Cache-Control policy reaches every object.
	cfg.Overwrite = opts.Force
	pub, err := s3publish.New(c.Context, cfg)
	if err != nil {
		return nil, fmt.Errorf("publish to %s: %w", cfg, err)
	}
	opts.Publisher = pub
	if opts.StateDir == "" {
		opts.StateDir = defaultStateDir(cfg)
	}
	if opts.Workers == 0 {
		opts.Workers = publishWorkers
	}
	return &bucketTarget{pub: pub}, nil
}

// publishConfig reads s3://bucket/prefix, the endpoint and the keys from
// the environment (getenv). The keys go nowhere but the Config.
func publishConfig(target, endpoint, region string, getenv func(string) string) (s3publish.Config, error) {
	var cfg s3publish.Config
	u, err := url.Parse(target)
	if err != nil {
		// Not echoed: a mistyped URL may hold a secret.
		return cfg, errors.New("--publish: want s3://bucket/prefix")
	}
	if u.User != nil {
		return cfg, errors.New("--publish: credentials do not belong in the URL; set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY")
	}
	if u.Scheme != "s3" || u.Host == "" || u.Opaque != "" {
		return cfg, fmt.Errorf("--publish %q: want s3://bucket/prefix", target)
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return cfg, fmt.Errorf("--publish %q: want s3://bucket/prefix, without ? or #", target)
	}
	if endpoint == "" {
		return cfg, errors.New("--publish needs --s3-endpoint (WANDSTORE_S3_ENDPOINT), e.g. https://<account>.r2.cloudflarestorage.com")
	}
	secure := true
	if scheme, rest, ok := strings.Cut(endpoint, "://"); ok {
		switch scheme {
		case "https":
		case "http":
			secure = false
		default:
			return cfg, fmt.Errorf("--s3-endpoint %q: want https://host[:port] or http://host[:port]", endpoint)
		}
		endpoint = rest
	}
	endpoint = strings.TrimSuffix(endpoint, "/")
	if endpoint == "" || strings.ContainsAny(endpoint, "/?#@") {
		return cfg, fmt.Errorf("--s3-endpoint: want https://host[:port], without a path")
	}
	access, secret := getenv("WANDSTORE_S3_ACCESS_KEY"), getenv("WANDSTORE_S3_SECRET_KEY")
	token := ""
	if access == "" && secret == "" {
		access, secret, token = getenv("AWS_ACCESS_KEY_ID"), getenv("AWS_SECRET_ACCESS_KEY"), getenv("AWS_SESSION_TOKEN")
	}
	if access == "" || secret == "" {
		return cfg, errors.New("--publish needs keys: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or WANDSTORE_S3_ACCESS_KEY and WANDSTORE_S3_SECRET_KEY)")
	}
	return s3publish.Config{
		Endpoint: endpoint, Secure: secure, Region: region,
		Bucket: u.Host, Prefix: strings.Trim(u.Path, "/"),
		AccessKey: access, SecretKey: secret, SessionToken: token,
	}, nil
}

// defaultStateDir keeps a bucket's manifests apart from the local
// folder's (and from other buckets'): a manifest says what one destination
// holds. The endpoint host is part of it so two accounts' buckets of the
// same name do not share one.
func defaultStateDir(cfg s3publish.Config) string {
	host := strings.NewReplacer(":", "_").Replace(cfg.Endpoint)
	parts := []string{defaultData, "publish", host, cfg.Bucket}
	if p := strings.Trim(cfg.Prefix, "/"); p != "" {
		parts = append(parts, filepath.FromSlash(p))
	}
	return filepath.Join(parts...)
}

// printStats tells what reached the bucket: files the build wrote but the
// bucket already held (after a lost manifest) count as identical.
func (b *bucketTarget) printStats(w io.Writer) {
	st := b.pub.Stats()
	fmt.Fprintf(w, "%s: %d uploaded (%s), %d identical in the bucket, %d deleted\n",
		b.pub.Config(), st.Uploaded, humanBytes(st.Bytes), st.Skipped, st.Deleted)
}
