package shopify

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// CartLine is a quantity of one variant. MerchandiseID is the variant's
// GID or its catalog id (VariantID), which is turned into the GID.
type CartLine struct {
	MerchandiseID string
	Quantity      int
}

// BuyerIdentity is what is known of the shopper; empty fields are not
// sent.
type BuyerIdentity struct {
	Email               string
	Phone               string
	CountryCode         string // ISO 3166-1 alpha-2
	CustomerAccessToken string
}

// Cart is a Shopify cart: its id (keep it to find the cart again) and the
// checkout URL to send the shopper to.
type Cart struct {
	ID            string
	CheckoutURL   string
	TotalQuantity int
	Lines         []CartLine // merged by Shopify, one per variant; MerchandiseID is the GID
}

// ErrCartNotFound is returned for a cart Shopify no longer has (expired or
// evicted): create a new one.
var ErrCartNotFound = errors.New("shopify: cart not found")

// UserError is one of a cart mutation's userErrors.
type UserError struct {
	Field   []string `json:"field"`
	Message string   `json:"message"`
	Code    string   `json:"code"`
}

// UserErrors is a cart mutation Shopify refused, with its reasons.
type UserErrors []UserError

func (e UserErrors) Error() string {
	msgs := make([]string, len(e))
	for i, u := range e {
		msgs[i] = u.Message
		if len(u.Field) > 0 {
			msgs[i] = strings.Join(u.Field, ".") + ": " + msgs[i]
		}
		if u.Code != "" {
			msgs[i] += " (" + u.Code + ")"
		}
	}
	return "shopify cart: " + strings.Join(msgs, "; ")
}

type gqlCart struct {
	ID            string `json:"id"`
	CheckoutURL   string `json:"checkoutUrl"`
	TotalQuantity int    `json:"totalQuantity"`
	Lines         struct {
		Edges []struct {
			Node struct {
				Quantity    int `json:"quantity"`
				Merchandise struct {
					ID string `json:"id"`
				} `json:"merchandise"`
			} `json:"node"`
		} `json:"edges"`
	} `json:"lines"`
}

func (g *gqlCart) cart() *Cart {
	c := &Cart{ID: g.ID, CheckoutURL: g.CheckoutURL, TotalQuantity: g.TotalQuantity}
	for _, e := range g.Lines.Edges {
		c.Lines = append(c.Lines, CartLine{MerchandiseID: e.Node.Merchandise.ID, Quantity: e.Node.Quantity})
	}
	return c
}

type cartPayload struct {
	Cart       *gqlCart   `json:"cart"`
	UserErrors UserErrors `json:"userErrors"`
}

func linesInput(lines []CartLine) ([]map[string]any, error) {
	if len(lines) == 0 {
		return nil, errors.New("shopify cart: no lines")
	}
	out := make([]map[string]any, len(lines))
	for i, l := range lines {
		if strings.TrimSpace(l.MerchandiseID) == "" || l.Quantity < 1 {
			return nil, fmt.Errorf("shopify cart: line %d: want a merchandise id and a quantity of at least 1", i)
		}
		out[i] = map[string]any{"merchandiseId": VariantGID(l.MerchandiseID), "quantity": l.Quantity}
	}
	return out, nil
}

// CartCreate creates a cart with lines, for buyer when not nil. It
// returns UserErrors when Shopify refuses the lines (an unknown or sold-out
// variant), and the errors of Do.
func (c *Client) CartCreate(ctx context.Context, lines []CartLine, buyer *BuyerIdentity) (*Cart, error) {
	in, err := linesInput(lines)
	if err != nil {
		return nil, err
	}
	input := map[string]any{"lines": in}
	if buyer != nil {
		b := map[string]any{}
		for k, v := range map[string]string{"email": buyer.Email, "phone": buyer.Phone,
			"countryCode": buyer.CountryCode, "customerAccessToken": buyer.CustomerAccessToken} {
			if v != "" {
				b[k] = v
			}
		}
		if len(b) > 0 {
			input["buyerIdentity"] = b
		}
	}
	var out struct {
		CartCreate cartPayload `json:"cartCreate"`
	}
	// Retried like a query: a cart created twice leaves one unused, which
	// Shopify expires.
	if err := c.do(ctx, "CartCreate", mutationCartCreate, map[string]any{"input": input}, &out, true); err != nil {
		return nil, err
	}
	return out.CartCreate.result(false)
}

// CartLinesAdd adds lines to the cart. Lest a quantity be added twice, it
// is retried only when throttled, not after a timeout or a server error.
// It returns ErrCartNotFound when
// Shopify no longer has the cart, UserErrors when it refuses the lines, and
// the errors of Do.
func (c *Client) CartLinesAdd(ctx context.Context, cartID string, lines []CartLine) (*Cart, error) {
	in, err := linesInput(lines)
	if err != nil {
		return nil, err
	}
	var out struct {
		CartLinesAdd cartPayload `json:"cartLinesAdd"`
	}
	if err := c.Do(ctx, "CartLinesAdd", mutationCartLinesAdd, map[string]any{"cartId": cartID, "lines": in}, &out); err != nil {
		return nil, err
	}
	return out.CartLinesAdd.result(true)
}

func (p *cartPayload) result(existing bool) (*Cart, error) {
	if len(p.UserErrors) > 0 {
		if existing && p.Cart == nil && p.UserErrors.aboutCartID() {
			return nil, fmt.Errorf("%w: %w", ErrCartNotFound, p.UserErrors)
		}
		return nil, p.UserErrors
	}
	if p.Cart == nil {
		if existing {
			return nil, ErrCartNotFound
		}
		return nil, errors.New("shopify cart: answer without a cart")
	}
	return p.Cart.cart(), nil
}

// aboutCartID reports whether Shopify refused the cart id itself.
func (e UserErrors) aboutCartID() bool {
	for _, u := range e {
		if len(u.Field) > 0 && u.Field[0] == "cartId" {
			return true
		}
	}
	return false
}

// Cart reads a cart. It returns ErrCartNotFound when Shopify answers null
// (the cart expired or was evicted), and the errors of Do.
func (c *Client) Cart(ctx context.Context, id string) (*Cart, error) {
	var out struct {
		Cart *gqlCart `json:"cart"`
	}
	if err := c.Do(ctx, "Cart", queryCart, map[string]any{"id": id}, &out); err != nil {
		return nil, err
	}
	if out.Cart == nil {
		return nil, ErrCartNotFound
	}
	return out.Cart.cart(), nil
}
