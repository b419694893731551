package app

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/wandstore/wandstore/ai"
	"github.com/wandstore/wandstore/catalog"
	"github.com/wandstore/wandstore/islands"
	"github.com/wandstore/wandstore/islands/admin"
)

// Environment of the AI adapter beside ai.ConfigFromEnv's.
const (
	// envAI = "off" turns semantic recommendations off altogether (the
	// offline TF-IDF too): the islands serve the behavioural picks alone.
	envAI = "WANDSTORE_AI"
	// envAIBudget is how long the recommendations island waits for a line
	// of copy (a Go duration; default ai.DefaultBudget).
	envAIBudget = "WANDSTORE_AI_BUDGET"
)

// setupAI gives the islands their recommend.Advisor (iopts.AI): semantic
// neighbours for every store, computed in the background from the model's
// embeddings when WANDSTORE_AI_ENDPOINT is set (kept in the database by
// content hash) and from the built-in TF-IDF otherwise, and, with an
// endpoint, a line of copy per shopper segment (cached in Olric, logged in
// the database in batches). Its stop is run with the other background
// work's (stopFollowing), before the database closes.
func (s *Server) setupAI(ctx context.Context, cats *islands.Catalogs, iopts *islands.Options) error {
	if strings.EqualFold(strings.TrimSpace(os.Getenv(envAI)), "off") {
		return nil
	}
	cfg, on, err := ai.ConfigFromEnv(os.Getenv)
	if err != nil {
		return err
	}
	stores := make([]*catalog.Store, 0, len(cats.All()))
	for _, c := range cats.All() {
		stores = append(stores, c.Store)
	}
	if !on {
		adv := ai.NewAdvisor(ai.AdvisorOptions{Log: s.log})
		adv.Warm(stores...)
		iopts.AI = adv
		s.stopFollowing = append(s.stopFollowing, adv.Close)
		s.log.Info("ai: off (no " + ai.EnvEndpoint + "); semantic recommendations from the built-in text similarity")
		return nil
	}
	budget := ai.DefaultBudget
	if v := strings.TrimSpace(os.Getenv(envAIBudget)); v != "" {
		if budget, err = time.ParseDuration(v); err != nil || budget <= 0 {
			return fmt.Errorf("%s=%q: want a positive duration such as 150ms", envAIBudget, v)
		}
	}
	client, err := ai.NewClient(cfg)
	if err != nil {
		return err
	}
	db := s.db.Writer()
	if err := ai.Migrate(ctx, db, s.log); err != nil {
		return fmt.Errorf("database: %w", err)
	}
	calls := ai.NewLog(db, 10*time.Second, s.log)
	go calls.Run()
	copts := ai.CopyOptions{Log: calls, Budget: budget}
	if s.cache != nil {
		copts.Cache = s.cache
	}
	adv := ai.NewAdvisor(ai.AdvisorOptions{
		Embedder:   &ai.Embedder{Client: client, DB: db, Log: calls},
		Copywriter: ai.NewCopywriter(client, copts),
		Log:        s.log,
	})
	adv.Warm(stores...)
	iopts.AI = adv
	iopts.AICalls = func(ctx context.Context, limit int) ([]admin.AICall, error) {
		cs, err := ai.Calls(ctx, db, limit)
		out := make([]admin.AICall, len(cs))
		for i, c := range cs {
			out[i] = admin.AICall{At: c.At, Store: c.Store, Kind: c.Kind, Segment: c.Segment, Model: c.Model, Outcome: c.Outcome,
				PromptTokens: c.PromptTokens, CompletionTokens: c.CompletionTokens, Hits: c.Hits,
				Latency: time.Duration(c.LatencyMS) * time.Millisecond}
		}
		return out, err
	}
	s.stopFollowing = append(s.stopFollowing, func() {
		adv.Close()
		cctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := calls.Close(cctx, true); err != nil {
			s.log.Warn("ai: last log flush failed", "err", err)
		}
	})
	s.log.Info("ai: on", "model", client.Model(), "embed_model", client.EmbedModel(), "budget", budget)
	return nil
}
