// Command demophotos made the demo stores' raster product pictures
// (content/*/images/*.jpg, *.png) from their SVG illustrations: the SVG
// rendered at 1,600 px by rsvg-convert (librsvg2-bin), then given what a
// studio photo has and an illustration lacks (soft light from the top
// left, a vignette, fine sensor grain), so the JPEGs compress like photos
// and the image pipeline is measured on realistic bytes. Nothing in a
// build or test runs it.
//
//	rsvg-convert -w 1600 -h 1600 content/magic-wands/images/elder-wand.svg -o /tmp/elder.png
//	go run ./scripts/demophotos /tmp/elder.png content/magic-wands/images/elder-wand.jpg
//
// An output ending in .png keeps the input's transparency and adds no
// grain (a cut-out product shot).
package main

import (
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"math"
	"math/rand/v2"
	"os"
	"strings"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: demophotos in.png out.jpg|out.png")
		os.Exit(2)
	}
	if err := run(os.Args[1], os.Args[2]); err != nil {
		fmt.Fprintln(os.Stderr, "demophotos:", err)
		os.Exit(1)
	}
}

func run(in, out string) error {
	f, err := os.Open(in)
	if err != nil {
		return err
	}
	src, err := png.Decode(f)
	f.Close()
	if err != nil {
		return err
	}
	b := src.Bounds()
	w, h := float64(b.Dx()), float64(b.Dy())
	cut := strings.HasSuffix(out, ".png")
	rng := rand.New(rand.NewPCG(1, uint64(len(out))))
	dst := image.NewNRGBA(b)
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			c := color.NRGBAModel.Convert(src.At(x, y)).(color.NRGBA)
			fx, fy := float64(x-b.Min.X)/w, float64(y-b.Min.Y)/h
			light := 1.06 - 0.12*(fx*0.6+fy*0.4)                            // from the top left
			vig := 1 - 0.22*math.Pow(math.Hypot(fx-0.5, fy-0.45)*1.35, 2.2) // darker corners
			grain := 0.0
			if !cut {
				grain = rng.NormFloat64() * 2.4
			}
			px := func(v uint8) uint8 {
				return uint8(max(0, min(255, float64(v)*light*vig+grain)))
			}
			dst.SetNRGBA(x, y, color.NRGBA{px(c.R), px(c.G), px(c.B), c.A})
		}
	}
	o, err := os.Create(out)
	if err != nil {
		return err
	}
	if cut {
		err = (&png.Encoder{CompressionLevel: png.BestCompression}).Encode(o, dst)
	} else {
		err = jpeg.Encode(o, dst, &jpeg.Options{Quality: 82})
	}
	if cerr := o.Close(); err == nil {
		err = cerr
	}
	return err
}
