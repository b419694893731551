package recommend

import (
	"html"
	"math"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/wandstore/wandstore/catalog"
	"github.com/wandstore/wandstore/islands/shopper"
)

// Semantic recommendations: products whose text means something close to
// what the shopper looks at, whatever the merchant's collections and tags
// say. Neighbours holds, for each product, its nearest products by cosine
// similarity, computed once per catalog version from either a built-in
// TF-IDF over the products' text (TextNeighbours: no model, no network) or
// a model's embeddings (VectorNeighbours, package ai). Index.Blend merges
// them with Index.For's behavioural picks.

// Neighbour is a product near another, with the cosine similarity of
// their vectors (0, 1].
type Neighbour struct {
	Handle string
	Score  float64
}

// Neighbours is each product's nearest products, best first. Immutable
// once built; a nil *Neighbours has none.
type Neighbours struct {
	near map[string][]Neighbour
	// Source says where the vectors came from: "tf-idf" or a model's name.
	Source string
}

// Of returns handle's neighbours, best first (nil when it has none).
func (nb *Neighbours) Of(handle string) []Neighbour {
	if nb == nil {
		return nil
	}
	return nb.near[handle]
}

// Len is the number of products that have neighbours.
func (nb *Neighbours) Len() int {
	if nb == nil {
		return 0
	}
	return len(nb.near)
}

// DefaultNeighbours is how many neighbours each product keeps.
const DefaultNeighbours = 12

// minSimilarity: a neighbour less similar than this is noise.
const minSimilarity = 0.05

// ProductText is the text a product is compared by: its title, product
// type, vendor, tags and description (HTML reduced to its text), one
// field a line. Package ai embeds the same text and hashes it to tell
// which products changed.
func ProductText(p *catalog.Product) string {
	var b strings.Builder
	b.WriteString(p.Title)
	b.WriteByte('\n')
	b.WriteString(p.Type)
	b.WriteByte('\n')
	b.WriteString(p.Vendor)
	b.WriteByte('\n')
	b.WriteString(strings.Join(p.Tags, ", "))
	b.WriteByte('\n')
	b.WriteString(PlainText(p.DescriptionHTML))
	return b.String()
}

// PlainText is the text of untrusted HTML: tags dropped, entities decoded,
// white space collapsed. Never render it as HTML.
func PlainText(s string) string {
	var b strings.Builder
	in := false
	for _, r := range s {
		switch {
		case r == '<':
			in = true
			b.WriteByte(' ')
		case r == '>' && in:
			in = false
		case !in:
			b.WriteRune(r)
		}
	}
	return strings.Join(strings.Fields(html.UnescapeString(b.String())), " ")
}

// Terms splits text into lower-case words; runs of Chinese or Japanese
// script, written without spaces, become overlapping pairs of characters.
func Terms(text string) []string {
	var out []string
	for _, w := range strings.FieldsFunc(strings.ToLower(text), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	}) {
		if !hasCJK(w) {
			if utf8.RuneCountInString(w) > 1 {
				out = append(out, w)
			}
			continue
		}
		rs := []rune(w)
		if len(rs) == 1 {
			out = append(out, w)
		}
		for i := 0; i+1 < len(rs); i++ {
			out = append(out, string(rs[i:i+2]))
		}
	}
	return out
}

func hasCJK(w string) bool {
	for _, r := range w {
		if unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Hangul) {
			return true
		}
	}
	return false
}

// Field weights of TextNeighbours: how many times a term of each field
// counts. The title and tags say most about what a product is.
const (
	tfTitle = 3
	tfTags  = 2
	tfType  = 2
	tfVend  = 1
	tfDesc  = 1
)

// TextNeighbours computes each published, available product's k nearest
// neighbours by the cosine of TF-IDF vectors over its title, tags, type,
// vendor and description: no model and no network. Terms in more than 1%
// of the products (and more than 64) are dropped as stop words, so each
// product meets only the products it shares rarer words with: about half a
// second of CPU for 10,000 products (BenchmarkTextNeighbours), once per
// catalog version, in the background.
func TextNeighbours(st *catalog.Store, k int) *Neighbours {
	nb := &Neighbours{near: map[string][]Neighbour{}, Source: "tf-idf"}
	if st == nil {
		return nb
	}
	var handles []string
	var docs []map[string]float64
	seen := map[string]bool{}
	for _, p := range st.Products {
		if !p.Published() || seen[p.Handle] {
			continue
		}
		seen[p.Handle] = true
		tf := map[string]float64{}
		add := func(text string, w float64) {
			for _, t := range Terms(text) {
				tf[t] += w
			}
		}
		add(p.Title, tfTitle)
		add(strings.Join(p.Tags, " "), tfTags)
		add(p.Type, tfType)
		add(p.Vendor, tfVend)
		add(PlainText(p.DescriptionHTML), tfDesc)
		handles = append(handles, p.Handle)
		docs = append(docs, tf)
	}
	df := map[string]int{}
	for _, d := range docs {
		for t := range d {
			df[t]++
		}
	}
	n := len(docs)
	stop := max(minCommon, n/textCommonShare)
	termID := map[string]int32{}
	var postings [][]sparse // per term: (product, weight)
	vecs := make([][]sparse, n)
	for i, d := range docs {
		var v []sparse
		var norm float64
		for t, f := range d {
			if df[t] > stop || df[t] == n && n > 1 {
				continue
			}
			w := (1 + math.Log(f)) * math.Log(1+float64(n)/float64(df[t]))
			id, ok := termID[t]
			if !ok {
				id = int32(len(postings))
				termID[t] = id
				postings = append(postings, nil)
			}
			v = append(v, sparse{id, w})
			norm += w * w
		}
		norm = math.Sqrt(norm)
		for j := range v {
			v[j].w /= norm
			postings[v[j].id] = append(postings[v[j].id], sparse{int32(i), v[j].w})
		}
		vecs[i] = v
	}
	avail := availability(st, handles)
	acc := make([]float64, n)
	var touched []int32
	for i, v := range vecs {
		touched = touched[:0]
		for _, e := range v {
			for _, o := range postings[e.id] {
				j := o.id
				if int(j) == i {
					continue
				}
				if acc[j] == 0 {
					touched = append(touched, j)
				}
				acc[j] += e.w * o.w
			}
		}
		t := topK{k: k}
		for _, j := range touched {
			if acc[j] >= minSimilarity && avail[j] {
				t.offer(Neighbour{handles[j], acc[j]})
			}
			acc[j] = 0
		}
		if len(t.list) > 0 {
			nb.near[handles[i]] = slices.Clip(t.list)
		}
	}
	return nb
}

// dot32 is the dot product of two vectors of one length, four lanes at
// a time.
func dot32(a, b []float32) float32 {
	b = b[:len(a)]
	var s0, s1, s2, s3 float32
	i := 0
	for ; i+4 <= len(a); i += 4 {
		s0 += a[i] * b[i]
		s1 += a[i+1] * b[i+1]
		s2 += a[i+2] * b[i+2]
		s3 += a[i+3] * b[i+3]
	}
	for ; i < len(a); i++ {
		s0 += a[i] * b[i]
	}
	return s0 + s1 + s2 + s3
}

// topK keeps the k best neighbours offered, best first (ties by handle).
type topK struct {
	k    int
	list []Neighbour
}

func (t *topK) offer(c Neighbour) {
	better := func(a, b Neighbour) bool {
		if a.Score != b.Score {
			return a.Score > b.Score
		}
		return a.Handle < b.Handle
	}
	if len(t.list) == t.k {
		if !better(c, t.list[t.k-1]) {
			return
		}
		t.list = t.list[:t.k-1]
	}
	i := len(t.list)
	for i > 0 && better(c, t.list[i-1]) {
		i--
	}
	t.list = slices.Insert(t.list, i, c)
}

// textCommonShare: a term in more than 1% of the products (and more than
// 64) is a stop word for TextNeighbours. It bounds the products each
// product meets (its terms times 1% of the catalog), so the cost grows
// about as n² / 100 per term rather than n² / 10.
const textCommonShare = 100

type sparse struct {
	id int32
	w  float64
}

// availability reports, per handle, whether the product may be
// recommended (published and available).
func availability(st *catalog.Store, handles []string) []bool {
	out := make([]bool, len(handles))
	for i, h := range handles {
		if p := st.Product(h); p != nil {
			out[i] = p.Published() && p.Available()
		}
	}
	return out
}

// best sorts t best first (ties by handle) and keeps k.
func best(t []Neighbour, k int) []Neighbour {
	slices.SortFunc(t, func(a, b Neighbour) int {
		switch {
		case a.Score > b.Score:
			return -1
		case a.Score < b.Score:
			return 1
		}
		return strings.Compare(a.Handle, b.Handle)
	})
	if len(t) > k {
		t = slices.Clip(t[:k])
	}
	return t
}

// VectorNeighbours computes each product's k nearest neighbours by the
// cosine of its vector (a model's embedding of ProductText): vecs[i] is
// handles[i]'s, nil when it has none. Only published, available products
// of st become neighbours. Cost: quadratic in the products times the
// vector's length (BenchmarkVectorNeighbours: seconds for 2,000 products
// of 768 dimensions); built once per catalog version, in the background.
func VectorNeighbours(st *catalog.Store, handles []string, vecs [][]float32, k int, source string) *Neighbours {
	nb := &Neighbours{near: map[string][]Neighbour{}, Source: source}
	n := len(handles)
	unit := make([][]float32, n)
	for i, v := range vecs {
		var s float64
		for _, x := range v {
			s += float64(x) * float64(x)
		}
		if s == 0 {
			continue
		}
		s = math.Sqrt(s)
		u := make([]float32, len(v))
		for j, x := range v {
			u[j] = float32(float64(x) / s)
		}
		unit[i] = u
	}
	avail := availability(st, handles)
	// Each pair once: its similarity is offered to both products' lists.
	tops := make([]topK, n)
	for i := range tops {
		tops[i].k = k
	}
	for i := range n {
		if unit[i] == nil {
			continue
		}
		for j := i + 1; j < n; j++ {
			if unit[j] == nil || len(unit[j]) != len(unit[i]) {
				continue
			}
			sim := float64(dot32(unit[i], unit[j]))
			if sim < minSimilarity {
				continue
			}
			if avail[j] {
				tops[i].offer(Neighbour{handles[j], sim})
			}
			if avail[i] {
				tops[j].offer(Neighbour{handles[i], sim})
			}
		}
	}
	for i, t := range tops {
		if len(t.list) > 0 {
			nb.near[handles[i]] = slices.Clip(t.list)
		}
	}
	return nb
}

// Blend weights: the share of the behavioural picks' rank score and of
// the semantic similarity in a blended pick's score.
const (
	BlendBehavioural = 0.6
	BlendSemantic    = 0.4
)

// Blend returns at most n products: Index.For's behavioural picks merged
// with the semantic neighbours of the shopper's seeds (the product on the
// page, the cart, the newest views and wishes, weighted as For weights
// them). Each behavioural pick scores BlendBehavioural times (n-rank)/n;
// each neighbour BlendSemantic times its seed-weighted similarity,
// normalised to the best; a product in both adds both. The same exclusions
// as For's apply: never the page's product, one in the cart or a wished
// one; a product the shopper viewed counts half. With nb nil or empty,
// Blend is For.
func (ix *Index) Blend(product string, s *shopper.State, popularity map[string]int, n int, nb *Neighbours) []*catalog.Product {
	behav := ix.For(product, s, popularity, n)
	if nb.Len() == 0 || ix.Len() == 0 || n <= 0 {
		return behav
	}
	if s == nil {
		s = &shopper.State{}
	}
	// Seeds, as For weighs them.
	type sw struct {
		h string
		w float64
	}
	var seeds []sw
	if _, ok := ix.ids[product]; ok {
		seeds = append(seeds, sw{product, seedCurrent})
	}
	for _, l := range s.Cart {
		seeds = append(seeds, sw{l.Product, seedCart})
	}
	w := seedView
	for _, v := range s.Viewed {
		if v.Product != product {
			seeds = append(seeds, sw{v.Product, w})
		}
		w *= viewDecay
	}
	w = seedWish
	for i, x := range s.Wishes {
		if i == maxWishes {
			break
		}
		seeds = append(seeds, sw{x.Product, w})
		w *= wishDecay
	}
	if len(seeds) == 0 {
		return behav
	}
	no := map[string]bool{product: true}
	for _, l := range s.Cart {
		no[l.Product] = true
	}
	for _, x := range s.Wishes {
		no[x.Product] = true
	}
	viewed := map[string]bool{}
	for _, v := range s.Viewed {
		viewed[v.Product] = true
	}
	sem := map[string]float64{}
	top := 0.0
	for _, sd := range seeds {
		for _, nbr := range nb.Of(sd.h) {
			if no[nbr.Handle] {
				continue
			}
			id, ok := ix.ids[nbr.Handle]
			if !ok || !ix.eligible[id] {
				continue
			}
			sc := sd.w * nbr.Score
			if viewed[nbr.Handle] {
				sc *= seenFactor
			}
			sem[nbr.Handle] += sc
			top = max(top, sem[nbr.Handle])
		}
	}
	if len(sem) == 0 {
		return behav
	}
	score := map[string]float64{}
	for i, p := range behav {
		score[p.Handle] += BlendBehavioural * float64(n-i) / float64(n)
	}
	for h, v := range sem {
		score[h] += BlendSemantic * v / top
	}
	list := make([]Neighbour, 0, len(score))
	for h, v := range score {
		list = append(list, Neighbour{h, v})
	}
	list = best(list, n)
	out := make([]*catalog.Product, len(list))
	for i, c := range list {
		out[i] = ix.products[ix.ids[c.Handle]]
	}
	if o := s.Prefs.Sort; o != "" && o != catalog.SortManual && o.Valid() {
		out = catalog.SortProducts(out, o)
	}
	return out
}
