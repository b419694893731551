// Package svgsafe rewrites a merchant's SVG so that, opened as a document
// on the store's origin (as a bucket or CDN serves it, with no
// Content-Security-Policy), it can draw and nothing else: no script, no
// event handler, no foreignObject (HTML inside), no link, no reference to
// another file or origin, no entity declarations. Elements and attributes
// are kept from an allow-list of what static graphics use; everything else
// is dropped (an unknown element with everything inside it).
package svgsafe

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
)

const (
	nsSVG   = "http://www.w3.org/2000/svg"
	nsXLink = "http://www.w3.org/1999/xlink"
	nsXML   = "http://www.w3.org/XML/1998/namespace"
)

// maxDepth is how deeply elements may nest.
const maxDepth = 256

// ErrNotSVG is returned for input that is not one well-formed SVG document.
var ErrNotSVG = errors.New("not a well-formed SVG document")

// Clean returns the SVG with only allow-listed elements and attributes, or
// an error wrapping ErrNotSVG.
func Clean(data []byte) ([]byte, error) {
	d := xml.NewDecoder(bytes.NewReader(data))
	d.Strict = true // an undefined entity (a DOCTYPE's) is an error, never expanded
	var out bytes.Buffer
	depth, skip := 0, 0  // skip > 0: inside a dropped element, at that depth
	var stack []string   // open elements written, for their end tags
	var css bytes.Buffer // a style element's text, checked whole at its end
	root := false
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrNotSVG, err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			depth++
			if depth > maxDepth {
				return nil, fmt.Errorf("%w: elements nest more than %d deep", ErrNotSVG, maxDepth)
			}
			if skip > 0 {
				continue
			}
			if depth == 1 {
				if t.Name.Local != "svg" || (t.Name.Space != nsSVG && t.Name.Space != "") {
					return nil, fmt.Errorf("%w: the root element is %q, not svg", ErrNotSVG, t.Name.Local)
				}
				root = true
			}
			name, keep := elementName(t.Name)
			if !keep {
				if !unwrapped[t.Name.Local] {
					skip = depth
				}
				continue
			}
			out.WriteString("<" + name)
			if depth == 1 {
				out.WriteString(` xmlns="` + nsSVG + `" xmlns:xlink="` + nsXLink + `"`)
			}
			for _, a := range t.Attr {
				if an, v, ok := attribute(name, a); ok {
					out.WriteString(" " + an + `="`)
					xml.EscapeText(&out, []byte(v))
					out.WriteString(`"`)
				}
			}
			out.WriteString(">")
			stack = append(stack, name)
		case xml.EndElement:
			if skip > 0 {
				if depth == skip {
					skip = 0
				}
				depth--
				continue
			}
			if _, keep := elementName(t.Name); keep {
				name := stack[len(stack)-1]
				stack = stack[:len(stack)-1]
				if name == "style" {
					if safeCSS(css.String()) {
						xml.EscapeText(&out, css.Bytes())
					}
					css.Reset()
				}
				out.WriteString("</" + name + ">")
			}
			depth--
		case xml.CharData:
			if skip > 0 || depth == 0 {
				continue
			}
			if len(stack) > 0 && stack[len(stack)-1] == "style" {
				css.Write(t) // text and CDATA pieces, checked together
				continue
			}
			xml.EscapeText(&out, t)
		case xml.Comment, xml.ProcInst, xml.Directive:
			// Comments, the XML declaration, processing instructions
			// (xml-stylesheet) and DOCTYPEs are dropped.
		}
	}
	if !root {
		return nil, fmt.Errorf("%w: no svg element", ErrNotSVG)
	}
	return out.Bytes(), nil
}

// elementName is the name to write for an element, and whether it is kept.
func elementName(n xml.Name) (string, bool) {
	if n.Space != nsSVG && n.Space != "" {
		return "", false // another vocabulary (HTML, an editor's metadata)
	}
	if !elements[n.Local] {
		return "", false
	}
	return n.Local, true
}

// attribute is the name and value to write for an attribute of element,
// and whether it is kept.
func attribute(element string, a xml.Attr) (string, string, bool) {
	v := a.Value
	var name string
	switch a.Name.Space {
	case "":
		name = a.Name.Local
	case nsXLink:
		name = "xlink:" + a.Name.Local
	case nsXML:
		name = "xml:" + a.Name.Local
	default:
		return "", "", false // namespace declarations (rewritten on the root) and foreign attributes
	}
	lower := strings.ToLower(strings.Join(strings.Fields(v), ""))
	if strings.Contains(lower, "javascript:") || strings.Contains(lower, "vbscript:") {
		return "", "", false
	}
	switch {
	case name == "href" || name == "xlink:href":
		if strings.HasPrefix(v, "#") || (element == "image" && rasterData(v)) {
			return name, v, true
		}
		return "", "", false // another file or origin
	case name == "style":
		return name, v, safeCSS(v)
	case strings.HasPrefix(name, "aria-"):
		return name, v, true
	case !attributes[name]:
		return "", "", false
	}
	if strings.Contains(lower, "url(") && !localURLs(lower) {
		return "", "", false
	}
	return name, v, true
}

// rasterData reports whether an image reference is an inline PNG, JPEG,
// GIF or WebP.
func rasterData(v string) bool {
	for _, t := range []string{"png", "jpeg", "jpg", "gif", "webp"} {
		if strings.HasPrefix(v, "data:image/"+t+";base64,") {
			return true
		}
	}
	return false
}

// localURLs reports whether every url(...) in a (lower-case, spaceless)
// value names something in the same document: url(#id).
func localURLs(v string) bool {
	for rest := v; ; {
		i := strings.Index(rest, "url(")
		if i < 0 {
			return true
		}
		rest = strings.TrimLeft(rest[i+4:], `'"`)
		if !strings.HasPrefix(rest, "#") {
			return false
		}
	}
}

// safeCSS reports whether a style sheet or style attribute loads nothing:
// no @import, no url() but to the document's own elements, no legacy
// script hooks.
func safeCSS(css string) bool {
	lower := strings.ToLower(strings.Join(strings.Fields(css), ""))
	for _, bad := range []string{"@import", "expression(", "behavior:", "-moz-binding", "javascript:", "\\"} {
		if strings.Contains(lower, bad) {
			return false
		}
	}
	return localURLs(lower)
}

// unwrapped are elements dropped without their content: a link's text or
// shapes stay, the link goes.
var unwrapped = map[string]bool{"a": true, "switch": true}

// elements are the SVG elements static graphics use. Absent on purpose:
// script, foreignObject, a, iframe, audio, video, animate* and set (they
// can rewrite href), feImage (loads a file), cursor, view.
var elements = set("svg", "g", "defs", "symbol", "use", "title", "desc", "metadata",
	"path", "rect", "circle", "ellipse", "line", "polyline", "polygon",
	"text", "tspan", "textPath",
	"linearGradient", "radialGradient", "stop", "pattern", "clipPath", "mask", "marker", "image", "style",
	"filter", "feBlend", "feColorMatrix", "feComponentTransfer", "feComposite", "feConvolveMatrix",
	"feDiffuseLighting", "feDisplacementMap", "feDistantLight", "feDropShadow", "feFlood", "feFuncA",
	"feFuncB", "feFuncG", "feFuncR", "feGaussianBlur", "feMerge", "feMergeNode", "feMorphology",
	"feOffset", "fePointLight", "feSpecularLighting", "feSpotLight", "feTile", "feTurbulence")

// attributes are the attributes those elements need to draw.
var attributes = set("id", "class", "lang", "role", "tabindex", "focusable", "version", "baseProfile",
	"x", "y", "x1", "y1", "x2", "y2", "cx", "cy", "r", "rx", "ry", "fx", "fy", "fr", "width", "height",
	"d", "points", "pathLength", "viewBox", "preserveAspectRatio", "transform",
	"fill", "fill-opacity", "fill-rule", "stroke", "stroke-width", "stroke-linecap", "stroke-linejoin",
	"stroke-miterlimit", "stroke-dasharray", "stroke-dashoffset", "stroke-opacity", "opacity",
	"color", "display", "visibility", "overflow", "clip", "clip-path", "clip-rule", "clipPathUnits",
	"mask", "maskUnits", "maskContentUnits", "marker-start", "marker-mid", "marker-end",
	"markerWidth", "markerHeight", "markerUnits", "refX", "refY", "orient",
	"offset", "stop-color", "stop-opacity", "gradientUnits", "gradientTransform", "spreadMethod",
	"patternUnits", "patternContentUnits", "patternTransform",
	"font-family", "font-size", "font-weight", "font-style", "font-variant", "font-stretch",
	"text-anchor", "dominant-baseline", "alignment-baseline", "baseline-shift", "letter-spacing",
	"word-spacing", "text-decoration", "text-rendering", "writing-mode", "direction", "unicode-bidi",
	"dx", "dy", "rotate", "textLength", "lengthAdjust", "startOffset", "method", "spacing", "side",
	"filter", "filterUnits", "primitiveUnits", "in", "in2", "result", "stdDeviation", "mode", "values",
	"type", "operator", "k1", "k2", "k3", "k4", "flood-color", "flood-opacity", "lighting-color",
	"baseFrequency", "numOctaves", "seed", "stitchTiles", "scale", "xChannelSelector", "yChannelSelector",
	"radius", "tableValues", "slope", "intercept", "amplitude", "exponent", "order", "kernelMatrix",
	"divisor", "bias", "targetX", "targetY", "edgeMode", "preserveAlpha", "surfaceScale",
	"diffuseConstant", "specularConstant", "specularExponent", "kernelUnitLength", "azimuth",
	"elevation", "pointsAtX", "pointsAtY", "pointsAtZ", "limitingConeAngle", "z",
	"vector-effect", "shape-rendering", "image-rendering", "color-interpolation",
	"color-interpolation-filters", "color-rendering", "paint-order", "mix-blend-mode", "isolation",
	"enable-background", "xml:space", "xml:lang", "media")

func set(names ...string) map[string]bool {
	m := make(map[string]bool, len(names))
	for _, n := range names {
		m[n] = true
	}
	return m
}
