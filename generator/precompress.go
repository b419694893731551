package generator

import (
	"bytes"
	"context"
	"io"
	"path"
	"strings"
	"sync"

	"github.com/andybalholm/brotli"
	"github.com/klauspost/compress/gzip"
)

// Precompress says whether a build writes compressed copies of its text
// files: beside every HTML, CSS, JavaScript, JSON, XML, SVG, text and web
// manifest file of MinPrecompress bytes or more, <file>.br (Brotli) and
// <file>.gz (gzip), each only when it is smaller than the file. A static
// server then answers a browser that accepts an encoding with the copy,
// at no cost per request (app's static server; nginx's gzip_static and
// brotli_static; Caddy's precompressed).
type Precompress int

const (
	// PrecompressAuto (the zero value) writes copies into a folder (Out,
	// or a *DirPublisher) and none into other publishers: a bucket (S3,
	// R2) answers every request with the same bytes, so it cannot choose
	// an encoding by the browser's Accept-Encoding; the CDN in front of it
	// compresses instead.
	PrecompressAuto Precompress = iota
	// PrecompressOn writes copies whatever the publisher.
	PrecompressOn
	// PrecompressOff writes none (and removes those a file it rewrites or
	// deletes had).
	PrecompressOff
)

// MinPrecompress is the smallest file given compressed copies: below it a
// response's headers outweigh the bytes saved.
const MinPrecompress = 1024

// Compression levels of the copies, chosen by measuring a 10,000-product
// build (BenchmarkPrecompressLevels, BenchmarkPrecompressCost; the figures
// are in docs/COMPRESSION.md). Gzip is klauspost/compress's, which
// compresses these pages about twice as fast as the standard library's
// at the same level, to within 1% of its size. (Its level 5 measured
// faster alone but not in a build's profile: docs/COMPRESSION.md.)
var (
	brotliQuality = 5
	gzipLevel     = 6
)

// precompressible are the extensions given compressed copies: text.
var precompressible = map[string]bool{
	".html": true, ".css": true, ".js": true, ".json": true, ".xml": true, ".svg": true,
	".txt": true, ".webmanifest": true,
}

// Encodings of the copies, by the suffix of their file.
const (
	encBrotli = ".br"
	encGzip   = ".gz"
)

// copySuffixes are the suffixes of the copies, in the order they are
// recorded in a manifest's Entry.Enc.
var copySuffixes = []string{encBrotli, encGzip}

// encNone is Entry.Enc for a file that was compressed but whose copies
// were no smaller than it: none is written, and the file is not
// compressed again while its bytes stay the same.
const encNone = "-"

// encLater is Entry.Enc, in a Live builder's memory, of a file whose
// copies are being made in the background (compressLater): the copies
// every file may have, so the next update does not make them again. Should
// the process die first, the manifest on disk says the same, and the next
// process's first update (which checks that every file and copy it
// records is published) makes them.
var encLater = strings.Join(suffixNames(), ",")

// Precompressible reports whether the file at p (a published path) is
// text that a build gives compressed copies when it is large enough.
func Precompressible(p string) bool { return precompressible[strings.ToLower(path.Ext(p))] }

// IsCompressedCopy reports whether p names a compressed copy (".br" or
// ".gz") of a precompressible file.
func IsCompressedCopy(p string) bool {
	for _, s := range copySuffixes {
		if strings.HasSuffix(p, s) && Precompressible(strings.TrimSuffix(p, s)) {
			return true
		}
	}
	return false
}

// precompresses reports whether the build gives the file at p, of size
// bytes, compressed copies.
func (b *builder) precompresses(p string, size int) bool {
	return b.compress && size >= MinPrecompress && Precompressible(p)
}

// copiesMatch reports whether an entry's copies are what the build wants
// for its file: some (or the record that none was worth it) when it
// precompresses the file, none when it does not.
func (b *builder) copiesMatch(p string, e Entry) bool {
	return b.precompresses(p, e.Size) == (e.Enc != "")
}

// hasCopies reports whether an entry records copies (or may have: an
// intent's entry).
func hasCopies(e Entry) bool { return e.Enc != "" && e.Enc != encNone }

// suffixNames are the copies' suffixes without their dot, as Entry.Enc
// lists them.
func suffixNames() []string {
	n := make([]string, len(copySuffixes))
	for i, s := range copySuffixes {
		n[i] = strings.TrimPrefix(s, ".")
	}
	return n
}

// copies are a file's compressed copies, by suffix; nil where the copy
// would not be smaller than the file.
type copies map[string][]byte

// size is the copies' bytes.
func (c copies) size() int {
	n := 0
	for _, d := range c {
		n += len(d)
	}
	return n
}

// enc is the manifest's record of the copies: their suffixes, or encNone.
func (c copies) enc() string {
	var s []string
	for _, suf := range copySuffixes {
		if c[suf] != nil {
			s = append(s, strings.TrimPrefix(suf, "."))
		}
	}
	if len(s) == 0 {
		return encNone
	}
	return strings.Join(s, ",")
}

// compressor compresses a render worker's files: its writers are reused
// from file to file (a Brotli writer's tables cost more to allocate than
// a page costs to compress), and a worker's compressor is its own.
type compressor struct {
	br  *brotli.Writer
	gz  *gzip.Writer
	buf bytes.Buffer
}

// compressors keeps a builder's compressors between runs of its worker
// pool (a Live builder's every update): a worker takes one when it first
// compresses and gives it back when it ends. Not a sync.Pool, which a
// garbage collection empties: a build collects often.
type compressors struct {
	mu   sync.Mutex
	free []*compressor
}

func (c *compressors) get() *compressor {
	c.mu.Lock()
	defer c.mu.Unlock()
	if n := len(c.free); n > 0 {
		z := c.free[n-1]
		c.free = c.free[:n-1]
		return z
	}
	return newCompressor()
}

func (c *compressors) put(z *compressor) {
	if z == nil {
		return
	}
	z.buf = bytes.Buffer{} // a large file's buffer is not kept
	c.mu.Lock()
	c.free = append(c.free, z)
	c.mu.Unlock()
}

func newCompressor() *compressor {
	gz, _ := gzip.NewWriterLevel(nil, gzipLevel) // a valid level: no error
	return &compressor{br: brotli.NewWriterLevel(nil, brotliQuality), gz: gz}
}

// copies compresses data with every encoding, keeping each copy that is
// smaller than data.
func (z *compressor) copies(data []byte) copies {
	c := copies{}
	z.buf.Reset()
	z.br.Reset(&z.buf)
	encode(z.br, data)
	if z.buf.Len() < len(data) {
		c[encBrotli] = bytes.Clone(z.buf.Bytes())
	}
	z.buf.Reset()
	z.gz.Reset(&z.buf)
	encode(z.gz, data)
	if z.buf.Len() < len(data) {
		c[encGzip] = bytes.Clone(z.buf.Bytes())
	}
	return c
}

func encode(w io.WriteCloser, data []byte) {
	_, _ = w.Write(data) // into memory: cannot fail
	_ = w.Close()
}

// putCopies publishes a file's copies, after the file: a stale copy was
// removed before the file was written (removeCopies), so at no moment does
// a copy of other bytes than the file's sit beside it.
func (b *builder) putCopies(ctx context.Context, p string, c copies) error {
	for _, suf := range copySuffixes {
		if data := c[suf]; data != nil {
			if err := b.pub.Put(ctx, p+suf, data); err != nil {
				return err
			}
		}
	}
	return nil
}

// removeCopies deletes a file's copies, if it has or may have any: always
// when the build precompresses into a folder (a missing file costs a failed
// unlink) unless the file's folder is one the publisher made and has not
// written into yet (DirPublisher.fresh: a cold build's pages), else when the manifest says so (a bucket is not
// asked to delete keys it never had).
func (b *builder) removeCopies(ctx context.Context, p string, old Entry, had bool) error {
	if !Precompressible(p) || !(b.compress || (had && hasCopies(old))) {
		return nil
	}
	if d, ok := b.pub.(*DirPublisher); ok && d.fresh(p) {
		return nil // a folder it made and has written nothing into yet
	}
	for _, suf := range copySuffixes {
		var err error
		if d, ok := b.pub.(*DirPublisher); ok {
			err = d.remove(p + suf) // the file stays: no folder to clean up
		} else {
			err = b.pub.Delete(ctx, p+suf)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// copiesPublished reports whether the copies an entry records are all
// published.
func (b *builder) copiesPublished(ctx context.Context, p string, e Entry) (bool, error) {
	if !hasCopies(e) {
		return true, nil
	}
	for _, enc := range strings.Split(e.Enc, ",") {
		ok, err := b.pub.Exists(ctx, p+"."+enc)
		if err != nil || !ok {
			return false, err
		}
	}
	return true, nil
}

// sharedCopies keeps a build's copies of assets by the digest of their
// bytes: a build of many stores publishes the same scripts in every store
// (and, often, the same stylesheet and images), and compresses each once.
// It keeps at most maxSharedCopies files' copies: assets are few, and a
// store's pages are not kept.
type sharedCopies struct {
	mu sync.Mutex
	m  map[string]copies
}

const maxSharedCopies = 256

func (s *sharedCopies) get(digest string) (copies, bool) {
	if digest == "" {
		return nil, false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.m[digest]
	return c, ok
}

func (s *sharedCopies) put(digest string, c copies) {
	if digest == "" {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.m == nil {
		s.m = map[string]copies{}
	}
	if len(s.m) < maxSharedCopies {
		s.m[digest] = c
	}
}
