// Command buildbench prints the build table of `just bench`: cold full
// builds of generated stores by the wandgen executable (with and without the
// precompressed copies) beside Hugo building the same product files, in the
// same run, each build a process of its own so its peak RSS is its own; a
// build of many small stores beside one store of as many products; and the
// CLI rebuild after one product's price changed (a new process each, the
// state folder kept), beside Hugo's, which is a full build.
//
//	go run ./internal/buildbench [-sizes 1000,10000,100000] [-stores 1000x100] [-runs 3]
//
// Content and output go to -dir (default /dev/shm when it exists), so the
// figures compare the generators rather than the machine's disk. Each
// figure is the median of -runs builds; the builds of one round alternate
// (wandgen with copies, without, Hugo), so all see the same machine.
package main

import (
	"flag"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/wandstore/wandstore/internal/benchstore"
)

func main() {
	sizes := flag.String("sizes", "1000,10000,100000", "products of the single-store builds, comma-separated")
	many := flag.String("stores", "1000x100", "the many-stores build: stores x products each (empty: none)")
	runs := flag.Int("runs", 3, "builds of each kind; the table shows medians")
	dir := flag.String("dir", defaultDir(), "folder for the generated content and the outputs (a tmpfs)")
	hugo := flag.String("hugo", "hugo", "the Hugo executable (skipped when not found)")
	exe := flag.String("wandgen", "", "a wandgen executable to measure (default: go build ./cmd/wandgen), for before-and-after figures")
	rebuilds := flag.Bool("rebuilds", true, "measure the CLI rebuild after one product's price changed, at each size")
	flag.Parse()
	if err := run(*sizes, *many, *runs, *dir, *hugo, *exe, *rebuilds); err != nil {
		fmt.Fprintln(os.Stderr, "buildbench:", err)
		os.Exit(1)
	}
}

func defaultDir() string {
	if st, err := os.Stat("/dev/shm"); err == nil && st.IsDir() {
		return "/dev/shm"
	}
	return os.TempDir()
}

// measure is one build's figures.
type measure struct {
	wall  time.Duration
	cpu   time.Duration // user and system time
	rss   int64         // peak resident set, bytes
	files int           // files written (not counting the state folder)
}

// row is one line of the table: a kind of build's medians.
type row struct {
	name     string
	products int
	ms       []measure
	hugo     *row // the Hugo build of the same product files, if any
	versus   *row // another build to compare with (many stores: the one store)
}

func run(sizesFlag, manyFlag string, runs int, dir, hugoName, exe string, rebuilds bool) error {
	var sizes []int
	for _, s := range strings.Split(sizesFlag, ",") {
		if s = strings.TrimSpace(s); s == "" {
			continue
		}
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			return fmt.Errorf("-sizes: %q is not a number of products", s)
		}
		sizes = append(sizes, n)
	}
	var stores, each int
	if manyFlag != "" {
		a, b, ok := strings.Cut(manyFlag, "x")
		var err1, err2 error
		stores, err1 = strconv.Atoi(a)
		each, err2 = strconv.Atoi(b)
		if !ok || err1 != nil || err2 != nil || stores < 1 || each < 1 {
			return fmt.Errorf("-stores: %q is not STORESxPRODUCTS (1000x100)", manyFlag)
		}
	}
	if runs < 1 {
		return fmt.Errorf("-runs: %d: at least one", runs)
	}
	hugo, err := exec.LookPath(hugoName)
	if err != nil {
		fmt.Fprintf(os.Stderr, "hugo not found (%v): the table has no Hugo column (apt-get install hugo)\n", err)
		hugo = ""
	}
	work, err := os.MkdirTemp(dir, "wandstore-buildbench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	wandgen := exe
	if wandgen == "" {
		wandgen = filepath.Join(work, "wandgen")
		fmt.Fprintln(os.Stderr, "building wandgen")
		if out, err := exec.Command("go", "build", "-o", wandgen, "./cmd/wandgen").CombinedOutput(); err != nil {
			return fmt.Errorf("go build ./cmd/wandgen: %v\n%s", err, out)
		}
	}

	var rows, rebuildRows []*row
	var oneWith, oneWithout *row // the single store of stores*each products, if measured
	for _, n := range sizes {
		content := filepath.Join(work, "store-"+strconv.Itoa(n))
		fmt.Fprintf(os.Stderr, "writing a store of %d products\n", n)
		if err := benchstore.Write(filepath.Join(content, "big"), n); err != nil {
			return err
		}
		with := &row{name: "wandstore", products: n}
		without := &row{name: "wandstore, no copies", products: n}
		var h *row
		var site string
		if hugo != "" {
			h = &row{name: "hugo", products: n}
			with.hugo, without.hugo = h, h
			site = filepath.Join(work, "hugo-"+strconv.Itoa(n))
			if err := benchstore.HugoSite(site, filepath.Join(content, "big", "products")); err != nil {
				return err
			}
		}
		var kept string // the last cold build with copies: the rebuilds' starting point
		for r := 0; r < runs; r++ {
			for _, b := range []struct {
				row  *row
				args func(out string) (string, []string)
			}{
				{with, func(out string) (string, []string) { return wandgen, wandgenArgs(content, out, true) }},
				{without, func(out string) (string, []string) { return wandgen, wandgenArgs(content, out, false) }},
				{h, func(out string) (string, []string) {
					return hugo, []string{"--quiet", "--source", site, "--destination", out}
				}},
			} {
				if b.row == nil {
					continue
				}
				keep := rebuilds && b.row == with && r == runs-1
				m, out, err := build(work, b.args, keep)
				if err != nil {
					return fmt.Errorf("%s, %d products: %w", b.row.name, n, err)
				}
				if keep {
					kept = out
				}
				fmt.Fprintf(os.Stderr, "  %-22s %7d products: %6.2f s (CPU %6.2f s), %5.0f MB, %d files\n", b.row.name, n, m.wall.Seconds(), m.cpu.Seconds(), mb(m.rss), m.files)
				b.row.ms = append(b.row.ms, m)
			}
		}
		rows = append(rows, with, without)
		if h != nil {
			rows = append(rows, h)
		}
		if kept != "" {
			rb, err := rebuildRow(wandgen, content, kept, n, runs)
			os.RemoveAll(kept)
			if err != nil {
				return err
			}
			rb.hugo = h
			rebuildRows = append(rebuildRows, rb)
		}
		if n == stores*each {
			oneWith, oneWithout = with, without
		}
		os.RemoveAll(content)
		if site != "" {
			os.RemoveAll(site)
		}
	}
	if stores > 0 {
		content := filepath.Join(work, "many")
		fmt.Fprintf(os.Stderr, "writing %d stores of %d products\n", stores, each)
		for i := 1; i <= stores; i++ {
			if err := benchstore.Write(filepath.Join(content, fmt.Sprintf("store-%04d", i)), each); err != nil {
				return err
			}
		}
		name := fmt.Sprintf("%d stores x %d", stores, each)
		with := &row{name: name, products: stores * each, versus: oneWith}
		without := &row{name: name + ", no copies", products: stores * each, versus: oneWithout}
		for r := 0; r < runs; r++ {
			for _, b := range []struct {
				row  *row
				copy bool
			}{{with, true}, {without, false}} {
				m, _, err := build(work, func(out string) (string, []string) { return wandgen, wandgenArgs(content, out, b.copy) }, false)
				if err != nil {
					return fmt.Errorf("%s: %w", b.row.name, err)
				}
				fmt.Fprintf(os.Stderr, "  %-28s: %6.2f s (CPU %6.2f s), %5.0f MB, %d files\n", b.row.name, m.wall.Seconds(), m.cpu.Seconds(), mb(m.rss), m.files)
				b.row.ms = append(b.row.ms, m)
			}
		}
		rows = append(rows, with, without)
	}
	printTable(os.Stdout, rows, runs)
	if len(rebuildRows) > 0 {
		printRebuilds(os.Stdout, rebuildRows, runs)
	}
	return nil
}

// rebuildRow measures runs CLI rebuilds into out (a cold build's output,
// its state folder in it), each after one product's price changed: a new
// process each, as CI or a merchant runs it. The first change is not
// measured (it moves the product to its place in the price orders).
func rebuildRow(wandgen, content, out string, n, runs int) (*row, error) {
	file := benchstore.RebuildProduct(filepath.Join(content, "big"), n)
	rb := &row{name: "wandstore CLI rebuild, one price changed", products: n}
	for r := -1; r < runs; r++ {
		if err := benchstore.SetPrice(file, fmt.Sprintf("%d.00", 900+(r+2)%2)); err != nil {
			return nil, err
		}
		m, err := measureRun(wandgen, wandgenArgs(content, out, true), out)
		if err != nil {
			return nil, fmt.Errorf("rebuild, %d products: %w", n, err)
		}
		if r < 0 {
			continue
		}
		fmt.Fprintf(os.Stderr, "  %-22s %7d products: %6.2f s (CPU %6.2f s), %5.0f MB\n", "wandgen rebuild", n, m.wall.Seconds(), m.cpu.Seconds(), mb(m.rss))
		rb.ms = append(rb.ms, m)
	}
	return rb, nil
}

// printRebuilds prints the rebuilds' table: beside Hugo's cold build, which
// is what a change costs with Hugo's CLI.
func printRebuilds(w *os.File, rows []*row, runs int) {
	fmt.Fprintf(w, "\nCLI rebuild after one product's price changed, median of %d (a new process each; Hugo: its cold build, which is its rebuild)\n\n", runs)
	tw := table(w, "build", "products", "wall s", "CPU s", "peak RSS MB", "Hugo wall s", "vs Hugo")
	for _, r := range rows {
		wall := median(r.ms, wallS)
		hw, vs := "", ""
		if r.hugo != nil {
			h := median(r.hugo.ms, wallS)
			hw, vs = fmt.Sprintf("%.2f", h), fmt.Sprintf("%.1fx", h/wall)
		}
		fmt.Fprintf(tw, "| %s\t| %d\t| %.2f\t| %.2f\t| %.0f\t| %s\t| %s\t|\n", r.name, r.products, wall, median(r.ms, cpuS), median(r.ms, rssMB), hw, vs)
	}
	tw.Flush()
}

func wandgenArgs(content, out string, copies bool) []string {
	return []string{"build", "--quiet", "--content", content, "--out", out, "--site-url", "https://big.test/",
		"--precompress=" + strconv.FormatBool(copies)}
}

// build runs one cold build into a fresh folder and measures it; the
// folder is removed unless keep, and returned.
func build(work string, args func(out string) (string, []string), keep bool) (measure, string, error) {
	out, err := os.MkdirTemp(work, "out-")
	if err != nil {
		return measure{}, "", err
	}
	name, argv := args(out)
	m, err := measureRun(name, argv, out)
	if err != nil || !keep {
		os.RemoveAll(out)
		out = ""
	}
	return m, out, err
}

// measureRun runs a build into out as a process of its own and measures
// it, counting the files in out.
func measureRun(name string, argv []string, out string) (measure, error) {
	cmd := exec.Command(name, argv...)
	start := time.Now()
	msg, err := cmd.CombinedOutput()
	wall := time.Since(start)
	if err != nil {
		return measure{}, fmt.Errorf("%s: %v\n%s", filepath.Base(name), err, msg)
	}
	m := measure{wall: wall}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		m.rss = ru.Maxrss * 1024 // Linux reports KiB
		m.cpu = time.Duration(syscall.TimevalToNsec(ru.Utime) + syscall.TimevalToNsec(ru.Stime))
	}
	err = filepath.WalkDir(out, func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if e.IsDir() && e.Name() == ".wandstore" {
			return fs.SkipDir // the build's state, not its output
		}
		if !e.IsDir() {
			m.files++
		}
		return nil
	})
	return m, err
}

func mb(n int64) float64 { return float64(n) / (1 << 20) }

// median of a figure over a row's builds.
func median(ms []measure, f func(measure) float64) float64 {
	v := make([]float64, len(ms))
	for i, m := range ms {
		v[i] = f(m)
	}
	slices.Sort(v)
	if n := len(v); n%2 == 0 {
		return (v[n/2-1] + v[n/2]) / 2
	}
	return v[len(v)/2]
}

func wallS(m measure) float64 { return m.wall.Seconds() }
func cpuS(m measure) float64  { return m.cpu.Seconds() }
func rssMB(m measure) float64 { return mb(m.rss) }

func printTable(w *os.File, rows []*row, runs int) {
	fmt.Fprintf(w, "\nCold full builds, median of %d (wall clock of the process; CPU: its user and system time, which other load on the\nmachine disturbs less than the wall clock; peak RSS from its rusage; vs Hugo: pages/s by wall clock and by CPU)\n\n", runs)
	tw := table(w, "build", "products", "files", "wall s", "CPU s", "product pages/s", "files/s", "peak RSS MB", "pages/s vs Hugo", "by CPU", "RSS vs Hugo")
	for _, r := range rows {
		wall, cpu, rss := median(r.ms, wallS), median(r.ms, cpuS), median(r.ms, rssMB)
		files := r.ms[0].files
		vsPages, vsCPU, vsRSS := "", "", ""
		other, of := r.hugo, ""
		if r.versus != nil {
			other, of = r.versus, " of one store"
		}
		if other != nil {
			vsPages = fmt.Sprintf("%.2fx%s", median(other.ms, wallS)/wall, of)
			vsCPU = fmt.Sprintf("%.2fx%s", median(other.ms, cpuS)/cpu, of)
			vsRSS = fmt.Sprintf("%.2fx%s", rss/median(other.ms, rssMB), of)
		}
		fmt.Fprintf(tw, "| %s\t| %d\t| %d\t| %.2f\t| %.2f\t| %.0f\t| %.0f\t| %.0f\t| %s\t| %s\t| %s\t|\n",
			r.name, r.products, files, wall, cpu, float64(r.products)/wall, float64(files)/wall, rss, vsPages, vsCPU, vsRSS)
	}
	tw.Flush()
}

// table starts a Markdown table with these columns, the first aligned
// left and the others (figures) right; rows go to the writer returned,
// tab-separated, and show once it is flushed.
func table(w *os.File, columns ...string) *tabwriter.Writer {
	tw := tabwriter.NewWriter(w, 0, 0, 1, ' ', 0)
	head, rule := "|", "|"
	for i, c := range columns {
		head += " " + c + "\t|"
		if i == 0 {
			rule += "---\t|"
		} else {
			rule += "---:\t|"
		}
	}
	fmt.Fprintln(tw, head)
	fmt.Fprintln(tw, rule)
	return tw
}
