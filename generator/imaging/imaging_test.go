package imaging

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"strings"
	"testing"

	"golang.org/x/image/draw"
)

// photo is a w x h picture with gradients and detail, like a photo.
func photo(w, h int, alpha bool) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			a := uint8(255)
			if alpha && x < w/4 {
				a = 0
			}
			img.SetNRGBA(x, y, color.NRGBA{uint8(x * 255 / w), uint8(y * 255 / h), uint8((x*7 + y*13) % 256), a})
		}
	}
	return img
}

func encJPEG(t testing.TB, img image.Image) []byte {
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 90}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func encPNG(t testing.TB, img image.Image) []byte {
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestInspect(t *testing.T) {
	j := encJPEG(t, photo(300, 200, false))
	info, err := Inspect(j)
	if err != nil || info != (Info{Format: JPEG, Width: 300, Height: 200, Orientation: 1, Opaque: true}) {
		t.Fatalf("jpeg: %+v %v", info, err)
	}
	p := encPNG(t, photo(30, 20, true))
	if info, err := Inspect(p); err != nil || info.Format != PNG || info.Opaque || info.Width != 30 || info.Height != 20 {
		t.Fatalf("png with alpha: %+v %v", info, err)
	}
	rgb := image.NewRGBA(image.Rect(0, 0, 8, 8)) // opaque: png writes colour type 2
	for i := range rgb.Pix {
		rgb.Pix[i] = 255
	}
	if info, err := Inspect(encPNG(t, rgb)); err != nil || !info.Opaque {
		t.Fatalf("opaque png: %+v %v", info, err)
	}
}

func TestInspectRefuses(t *testing.T) {
	j := encJPEG(t, photo(300, 200, false))
	var g bytes.Buffer
	if err := gif.Encode(&g, photo(4, 4, false), nil); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		data []byte
		want string
	}{
		{"gif", g.Bytes(), "not a JPEG or PNG"},
		{"empty", nil, "not a JPEG or PNG"},
		{"jpeg header cut", j[:20], "unreadable jpeg header"},
		{"png bomb", pngSized(t, 100000, 100000), "too large"},
		{"png bomb, one long side", pngSized(t, 30000, 10), "too large"},
		{"png empty", pngSized(t, 0, 10), "unreadable png header"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := Inspect(c.data)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want %q", err, c.want)
			}
		})
	}
}

// pngSized is a small PNG whose header claims w x h pixels (its CRC fixed,
// so only the size is a lie).
func pngSized(t *testing.T, w, h uint32) []byte {
	data := encPNG(t, photo(4, 4, false))
	binary.BigEndian.PutUint32(data[16:], w)
	binary.BigEndian.PutUint32(data[20:], h)
	binary.BigEndian.PutUint32(data[29:], crc32.ChecksumIEEE(data[12:29]))
	return data
}

func TestResize(t *testing.T) {
	src := encJPEG(t, photo(1000, 500, false))
	info, err := Inspect(src)
	if err != nil {
		t.Fatal(err)
	}
	outs := []Output{{320, JPEG}, {640, JPEG}, {1000, JPEG}, {640, PNG}}
	files, err := Resize(src, info, outs)
	if err != nil {
		t.Fatal(err)
	}
	for i, o := range outs {
		got, err := Inspect(files[i])
		if err != nil {
			t.Fatal(err)
		}
		if got.Format != o.Format || got.Width != o.Width || got.Height != o.Width/2 {
			t.Errorf("output %d = %+v, want %d px wide %s", i, got, o.Width, o.Format)
		}
	}
	if len(files[0]) >= len(files[1]) {
		t.Errorf("320 px (%d bytes) is not smaller than 640 px (%d bytes)", len(files[0]), len(files[1]))
	}
	if _, err := Resize(src, info, []Output{{1001, JPEG}}); err == nil {
		t.Error("scaled up")
	}
}

func TestResizeTransparentToJPEG(t *testing.T) {
	src := encPNG(t, photo(400, 400, true))
	info, _ := Inspect(src)
	files, err := Resize(src, info, []Output{{200, JPEG}, {200, PNG}})
	if err != nil {
		t.Fatal(err)
	}
	j, err := jpeg.Decode(bytes.NewReader(files[0]))
	if err != nil {
		t.Fatal(err)
	}
	if r, g, b, _ := j.At(10, 100).RGBA(); r>>8 < 240 || g>>8 < 240 || b>>8 < 240 {
		t.Errorf("transparent corner in the JPEG is %d,%d,%d, want white", r>>8, g>>8, b>>8)
	}
	p, err := png.Decode(bytes.NewReader(files[1]))
	if err != nil {
		t.Fatal(err)
	}
	if _, _, _, a := p.At(10, 100).RGBA(); a != 0 {
		t.Errorf("transparent corner in the PNG has alpha %d", a)
	}
}

func TestResizeCorrupt(t *testing.T) {
	j := encJPEG(t, photo(300, 200, false))
	p := encPNG(t, photo(300, 200, false))
	for name, data := range map[string][]byte{"jpeg": j[:len(j)/2], "png": p[:len(p)/2]} {
		info, err := Inspect(data)
		if err != nil {
			t.Fatalf("%s: the header should pass: %v", name, err)
		}
		if _, err := Resize(data, info, []Output{{100, info.Format}}); err == nil || !strings.Contains(err.Error(), "corrupt") {
			t.Errorf("%s cut in half: err = %v", name, err)
		}
	}
}

// withOrientation adds an EXIF APP1 segment with orientation o to a JPEG.
func withOrientation(data []byte, o uint16) []byte {
	tiff := []byte("MM\x00\x2a\x00\x00\x00\x08\x00\x01\x01\x12\x00\x03\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00\x00")
	binary.BigEndian.PutUint16(tiff[18:], o)
	seg := append([]byte("Exif\x00\x00"), tiff...)
	app1 := []byte{0xff, 0xe1, 0, 0}
	binary.BigEndian.PutUint16(app1[2:], uint16(len(seg)+2))
	out := append([]byte{}, data[:2]...)
	out = append(out, app1...)
	out = append(out, seg...)
	return append(out, data[2:]...)
}

func TestOrientation(t *testing.T) {
	// Stored 200 wide, 100 high, red on its left: orientation 6 shows it
	// turned right, 100 wide and 200 high, red on top.
	img := image.NewRGBA(image.Rect(0, 0, 200, 100))
	draw.Draw(img, img.Bounds(), image.NewUniform(color.RGBA{0, 0, 255, 255}), image.Point{}, draw.Src)
	draw.Draw(img, image.Rect(0, 0, 50, 100), image.NewUniform(color.RGBA{255, 0, 0, 255}), image.Point{}, draw.Src)
	data := withOrientation(encJPEG(t, img), 6)
	info, err := Inspect(data)
	if err != nil || info.Orientation != 6 || info.Width != 100 || info.Height != 200 {
		t.Fatalf("info = %+v, %v", info, err)
	}
	files, err := Resize(data, info, []Output{{100, JPEG}})
	if err != nil {
		t.Fatal(err)
	}
	out, err := jpeg.Decode(bytes.NewReader(files[0]))
	if err != nil {
		t.Fatal(err)
	}
	if b := out.Bounds(); b.Dx() != 100 || b.Dy() != 200 {
		t.Fatalf("size %v", b)
	}
	if r, _, bl, _ := out.At(50, 10).RGBA(); r>>8 < 200 || bl>>8 > 60 {
		t.Errorf("top is %d,_,%d: want red", r>>8, bl>>8)
	}
	if r, _, bl, _ := out.At(50, 190).RGBA(); r>>8 > 60 || bl>>8 < 200 {
		t.Errorf("bottom is %d,_,%d: want blue", r>>8, bl>>8)
	}
}

// BenchmarkResize makes the four widths and the share image of a
// 1600 px photo, with each filter.
func BenchmarkResize(b *testing.B) {
	src := encJPEG(b, photo(1600, 1600, false))
	info, _ := Inspect(src)
	outs := []Output{{320, JPEG}, {640, JPEG}, {1200, JPEG}, {1600, JPEG}}
	for _, f := range []struct {
		name string
		s    draw.Scaler
	}{{"CatmullRom", draw.CatmullRom}, {"ApproxBiLinear", draw.ApproxBiLinear}} {
		b.Run(f.name, func(b *testing.B) {
			old := Scaler
			Scaler = f.s
			defer func() { Scaler = old }()
			for b.Loop() {
				if _, err := Resize(src, info, outs); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
