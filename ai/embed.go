package ai

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/uptrace/bun"

	"github.com/wandstore/wandstore/catalog"
	"github.com/wandstore/wandstore/islands/recommend"
)

// EmbedBatch is how many texts one embeddings call carries.
const EmbedBatch = 64

// maxEmbedText bounds one product's text sent to the model (bytes): a
// title, tags and the start of the description say what it is.
const maxEmbedText = 2000

// Embedder computes the vectors of products' text (recommend.ProductText)
// with the client's embedding model, keeping each in ai_embeddings by the
// SHA-256 of its text: a product whose text did not change is never
// embedded again, by this server or any other sharing the database.
type Embedder struct {
	Client *Client
	DB     bun.IDB
	Log    *Log
	Now    func() time.Time
}

// TextHash is the key a product's text is kept under.
func TextHash(text string) string {
	h := sha256.Sum256([]byte(text))
	return hex.EncodeToString(h[:])
}

// Vectors returns the vectors of st's published products, embedding only
// the texts ai_embeddings does not hold yet; embedded is how many texts
// were sent to the model. Any failure of the model or the database is an
// error (the caller falls back to the offline similarity).
func (e *Embedder) Vectors(ctx context.Context, st *catalog.Store) (handles []string, vecs [][]float32, embedded int, err error) {
	now := time.Now
	if e.Now != nil {
		now = e.Now
	}
	model := e.Client.EmbedModel()
	var hashes []string
	texts := map[string]string{} // hash -> text
	seen := map[string]bool{}
	for _, p := range st.Products {
		if !p.Published() || seen[p.Handle] {
			continue
		}
		seen[p.Handle] = true
		text := clip(recommend.ProductText(p), maxEmbedText)
		h := TextHash(text)
		handles = append(handles, p.Handle)
		hashes = append(hashes, h)
		texts[h] = text
	}
	known, err := loadVectors(ctx, e.DB, model, uniq(hashes))
	if err != nil {
		return nil, nil, 0, err
	}
	var missing []string
	for h := range texts {
		if _, ok := known[h]; !ok {
			missing = append(missing, h)
		}
	}
	for i := 0; i < len(missing); i += EmbedBatch {
		part := missing[i:min(i+EmbedBatch, len(missing))]
		in := make([]string, len(part))
		for j, h := range part {
			in[j] = texts[h]
		}
		start := time.Now()
		res, err := e.Client.Embed(ctx, in)
		call := Call{At: now(), Store: st.Handle, Kind: "embeddings", Model: model,
			Prompt:    fmt.Sprintf("%d product texts", len(in)),
			LatencyMS: time.Since(start).Milliseconds(), Outcome: "ok"}
		if err != nil {
			call.Outcome = "error: " + clip(err.Error(), 300)
			e.Log.Add(call)
			return nil, nil, embedded, err
		}
		call.PromptTokens = res.Usage.PromptTokens
		e.Log.Add(call)
		got := map[string][]float32{}
		for j, h := range part {
			got[h] = res.Vectors[j]
			known[h] = res.Vectors[j]
		}
		embedded += len(part)
		if err := saveVectors(ctx, e.DB, model, got, now()); err != nil {
			return nil, nil, embedded, err
		}
	}
	vecs = make([][]float32, len(handles))
	for i, h := range hashes {
		vecs[i] = known[h]
	}
	return handles, vecs, embedded, nil
}

func uniq(xs []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, x := range xs {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}
