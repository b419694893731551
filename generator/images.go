package generator

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/wandstore/wandstore/catalog"
	"github.com/wandstore/wandstore/components"
	"github.com/wandstore/wandstore/generator/imaging"
)

// shareWidth is the width of the JPEG a link preview (og:image) shows:
// what Facebook and LinkedIn ask for.
const shareWidth = 1200

// imagePipeline names the pipeline's output: change it when the widths
// (components.ImageWidths), filter, quality or formats change, so cached
// renditions and published names change with them.
const imagePipeline = "images-3"

// rendition is one file made from a raster image.
type rendition struct {
	width  int
	format string // imaging.JPEG or imaging.PNG
	share  bool   // the link-preview JPEG only, not a srcset width
}

// rasterImage is a store's JPEG or PNG file and the files published for
// it: its renditions, named by the source's content hash.
type rasterImage struct {
	src   string // its path in the store ("images/wand.jpg")
	key   string // content hash of the source and the pipeline
	info  imaging.Info
	outs  []rendition
	names []string // each rendition's published name under assets/
	read  func() ([]byte, error)
}

// isRaster reports whether an image path is one the pipeline resizes.
func isRaster(src string) bool {
	switch strings.ToLower(path.Ext(src)) {
	case ".jpg", ".jpeg", ".png":
		return true
	}
	return false
}

// newRasterImage checks a raster file (its bytes are what its name says,
// its header is whole, its size within imaging's limits) and works out
// its renditions and their names; nothing is decoded.
func newRasterImage(src string, data []byte) (*rasterImage, error) {
	if _, err := safeImage(src, data); err != nil {
		return nil, err
	}
	info, err := imaging.Inspect(data)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(append([]byte(imagePipeline+"\x00"), data...))
	r := &rasterImage{src: src, key: hex.EncodeToString(sum[:16]), info: info}
	format := imaging.JPEG
	if info.Format == imaging.PNG && !info.Opaque {
		format = imaging.PNG // keeps its transparency
	}
	// Never wider than the image: its own width instead, when it is below
	// the widest.
	widths := components.ImageWidths
	for _, w := range widths {
		if w < info.Width {
			r.outs = append(r.outs, rendition{width: w, format: format})
		}
	}
	if info.Width <= widths[len(widths)-1] {
		r.outs = append(r.outs, rendition{width: info.Width, format: format})
	}
	sw := min(shareWidth, info.Width)
	if format != imaging.JPEG || !r.has(sw) {
		r.outs = append(r.outs, rendition{width: sw, format: imaging.JPEG, share: true})
	}
	stem := strings.TrimSuffix(path.Base(src), path.Ext(src))
	for _, o := range r.outs {
		h := sha256.Sum256([]byte(r.key + "/" + o.file()))
		r.names = append(r.names, stem+"-"+strconv.Itoa(o.width)+"."+hex.EncodeToString(h[:5])+ext(o.format))
	}
	return r, nil
}

func (r *rasterImage) has(w int) bool {
	for _, o := range r.outs {
		if o.width == w && !o.share {
			return true
		}
	}
	return false
}

func ext(format string) string {
	if format == imaging.PNG {
		return ".png"
	}
	return ".jpg"
}

// file is a rendition's name in the cache, after its image's key.
func (o rendition) file() string { return strconv.Itoa(o.width) + ext(o.format) }

// files are what the pages are told of the image.
func (r *rasterImage) files(s *components.Site) components.ImageFiles {
	f := components.ImageFiles{Width: r.info.Width, Height: r.info.Height}
	for i, o := range r.outs {
		p := s.Path("assets/" + r.names[i])
		if o.share || o.format == imaging.JPEG && o.width == min(shareWidth, r.info.Width) {
			f.Share = p
		}
		if !o.share {
			f.Widths = append(f.Widths, components.Rendition{Path: p, Width: o.width})
		}
	}
	return f
}

// imageCache keeps the renditions of every raster image a builder has
// resized, in the state folder (StateDir/images/), by the content hash of
// their source: an image is resized once, whatever build, store or
// server process publishes it next.
type imageCache struct {
	dir     string
	workers int
	resized atomic.Int64 // images decoded and resized

	mu   sync.Mutex
	have map[string]bool // keys whose renditions are all in dir

	// prepared holds a Build's stores' images, read and checked before
	// any store is planned, so planning does not read them again.
	prepared map[string][]*rasterImage
}

func newImageCache(stateDir string, workers int) *imageCache {
	return &imageCache{dir: filepath.Join(stateDir, "images"), workers: workers, have: map[string]bool{}, prepared: map[string][]*rasterImage{}}
}

func (c *imageCache) path(key string, o rendition) string {
	return filepath.Join(c.dir, key[:2], key+"-"+o.file())
}

// cached reports whether every rendition of r is in the cache.
func (c *imageCache) cached(r *rasterImage) bool {
	c.mu.Lock()
	ok := c.have[r.key]
	c.mu.Unlock()
	if ok {
		return true
	}
	for _, o := range r.outs {
		if _, err := os.Stat(c.path(r.key, o)); err != nil {
			return false
		}
	}
	c.mark(r.key)
	return true
}

func (c *imageCache) mark(key string) {
	c.mu.Lock()
	c.have[key] = true
	c.mu.Unlock()
}

// resize writes the renditions of r, whose source is src, into the cache.
func (c *imageCache) resize(r *rasterImage, src []byte) error {
	outs := make([]imaging.Output, len(r.outs))
	for i, o := range r.outs {
		outs[i] = imaging.Output{Width: o.width, Format: o.format}
	}
	files, err := imaging.Resize(src, r.info, outs)
	if err != nil {
		return err
	}
	c.resized.Add(1)
	for i, o := range r.outs {
		data := files[i]
		// The file at its own width is the source itself when that is
		// smaller (a well-compressed original of the same format).
		if o.width == r.info.Width && r.info.Orientation == 1 && o.format == r.info.Format && len(src) < len(data) {
			data = src
		}
		name := c.path(r.key, o)
		if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
			return err
		}
		if err := writeAtomic(name, data); err != nil {
			return err
		}
	}
	c.mark(r.key)
	return nil
}

// load returns a rendition from the cache, resizing its image again when
// the cache lost it.
func (c *imageCache) load(r *rasterImage, i int) ([]byte, error) {
	data, err := os.ReadFile(c.path(r.key, r.outs[i]))
	if errors.Is(err, fs.ErrNotExist) {
		c.mu.Lock()
		delete(c.have, r.key)
		c.mu.Unlock()
		var src []byte
		if src, err = r.read(); err == nil {
			err = c.resize(r, src)
		}
		if err == nil {
			data, err = os.ReadFile(c.path(r.key, r.outs[i]))
		}
	}
	return data, err
}

// rasterImages reads and checks a store's raster images among srcs (in
// order, on every worker) and, when c is not nil, resizes those whose
// renditions are not all cached, from the bytes just read. Only names and
// sizes are kept: a photo is read again only if the cache loses it.
func rasterImages(ctx context.Context, st *catalog.Store, srcs []string, c *imageCache) ([]*rasterImage, error) {
	srcs = slices.DeleteFunc(slices.Clone(srcs), func(src string) bool { return !isRaster(src) })
	if len(srcs) > 0 && st.Assets == nil {
		return nil, fmt.Errorf("store %s: image %q: the source has no files", st.Handle, srcs[0])
	}
	out := make([]*rasterImage, len(srcs))
	errs := make([]error, len(srcs))
	workers := runtime.GOMAXPROCS(0)
	if c != nil {
		workers = c.workers
	}
	assets := st.Assets
	parallel(len(srcs), workers, func(i int) {
		if ctx.Err() != nil {
			errs[i] = ctx.Err()
			return
		}
		src := srcs[i]
		data, err := fs.ReadFile(assets, src)
		var r *rasterImage
		if err == nil {
			r, err = newRasterImage(src, data)
		}
		if err == nil && c != nil && !c.cached(r) {
			err = c.resize(r, data)
		}
		if err != nil {
			errs[i] = fmt.Errorf("store %s: image %q: %w", st.Handle, src, err)
			return
		}
		r.read = func() ([]byte, error) { return fs.ReadFile(assets, src) }
		out[i] = r
	})
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return out, nil
}

// localImages lists the image files a store's pages show, sorted.
func localImages(st *catalog.Store) []string {
	images := map[string]bool{}
	use := func(img catalog.Image) {
		if localImage(img) {
			images[img.Src] = true
		}
	}
	use(st.Theme.Logo)
	use(st.Settings.ShareImage)
	for _, pr := range st.PublishedProducts() {
		for _, img := range pr.Images {
			use(img)
		}
	}
	for _, c := range st.Collections { // the built-in "all" has no image
		use(c.Image)
	}
	srcs := make([]string, 0, len(images))
	for src := range images {
		srcs = append(srcs, src)
	}
	sort.Strings(srcs)
	return srcs
}
