package shopify

import "encoding/json"

// The GraphQL operations the package sends. shopifytest answers exactly
// these, dispatching on the operation name.

const (
	// MaxPageSize is the largest "first" Shopify accepts on a connection.
	MaxPageSize = 250

	imageFields = `id url altText width height`

	variantFields = `id sku title availableForSale quantityAvailable
price { amount currencyCode }
compareAtPrice { amount currencyCode }
selectedOptions { name value }
image { ` + imageFields + ` }`

	variantConnection = `pageInfo { hasNextPage endCursor }
edges { node { ` + variantFields + ` } }`

	queryShop = `query Shop {
  shop { name paymentSettings { currencyCode } }
}`

	productFields = `id handle title vendor productType tags descriptionHtml
seo { title description }
createdAt updatedAt
images(first: 250) { edges { node { ` + imageFields + ` } } }
options { name optionValues { name } }
variants(first: 250) { ` + variantConnection + ` }`

	queryProducts = `query Products($first: Int!, $after: String) {
  products(first: $first, after: $after) {
    pageInfo { hasNextPage endCursor }
    edges { cursor node { ` + productFields + ` } }
  }
}`

	// The Storefront API answers product: null for a product that does
	// not exist or that the token's sales channel does not publish.
	queryProductByHandle = `query ProductByHandle($handle: String!) {
  product(handle: $handle) { ` + productFields + ` }
}`

	queryProductByID = `query ProductByID($id: ID!) {
  product(id: $id) { ` + productFields + ` }
}`

	queryProductVariants = `query ProductVariants($id: ID!, $first: Int!, $after: String) {
  product(id: $id) { variants(first: $first, after: $after) { ` + variantConnection + ` } }
}`

	collectionFields = `id handle title descriptionHtml
image { ` + imageFields + ` }
seo { title description }
updatedAt
products(first: 250) { pageInfo { hasNextPage endCursor } edges { node { handle } } }`

	queryCollections = `query Collections($first: Int!, $after: String) {
  collections(first: $first, after: $after) {
    pageInfo { hasNextPage endCursor }
    edges { cursor node { ` + collectionFields + ` } }
  }
}`

	queryCollectionByHandle = `query CollectionByHandle($handle: String!) {
  collection(handle: $handle) { ` + collectionFields + ` }
}`

	queryCollectionProducts = `query CollectionProducts($handle: String!, $first: Int!, $after: String) {
  collection(handle: $handle) {
    products(first: $first, after: $after) { pageInfo { hasNextPage endCursor } edges { node { handle } } }
  }
}`

	cartFields = `id checkoutUrl totalQuantity
lines(first: 250) { edges { node { id quantity merchandise { ... on ProductVariant { id } } } } }`

	mutationCartCreate = `mutation CartCreate($input: CartInput!) {
  cartCreate(input: $input) {
    cart { ` + cartFields + ` }
    userErrors { field message code }
  }
}`

	mutationCartLinesAdd = `mutation CartLinesAdd($cartId: ID!, $lines: [CartLineInput!]!) {
  cartLinesAdd(cartId: $cartId, lines: $lines) {
    cart { ` + cartFields + ` }
    userErrors { field message code }
  }
}`

	queryCart = `query Cart($id: ID!) {
  cart(id: $id) { ` + cartFields + ` }
}`
)

// The decoded shapes. Pointers and json.RawMessage-free types are chosen so
// null and missing fields decode to zero values; unknown fields are ignored.

type pageInfo struct {
	HasNextPage bool   `json:"hasNextPage"`
	EndCursor   string `json:"endCursor"`
}

type gqlMoney struct {
	Amount       string `json:"amount"`
	CurrencyCode string `json:"currencyCode"`
}

type gqlImage struct {
	ID      string `json:"id"`
	URL     string `json:"url"`
	AltText string `json:"altText"`
	Width   int    `json:"width"`
	Height  int    `json:"height"`
}

type gqlSEO struct {
	Title       string `json:"title"`
	Description string `json:"description"`
}

type gqlVariant struct {
	ID                string    `json:"id"`
	SKU               string    `json:"sku"`
	Title             string    `json:"title"`
	AvailableForSale  bool      `json:"availableForSale"`
	QuantityAvailable *int      `json:"quantityAvailable"`
	Price             *gqlMoney `json:"price"`
	CompareAtPrice    *gqlMoney `json:"compareAtPrice"`
	SelectedOptions   []struct {
		Name  string `json:"name"`
		Value string `json:"value"`
	} `json:"selectedOptions"`
	Image *gqlImage `json:"image"`
}

type variantConn struct {
	PageInfo pageInfo `json:"pageInfo"`
	Edges    []struct {
		Node gqlVariant `json:"node"`
	} `json:"edges"`
}

type gqlProduct struct {
	ID              string   `json:"id"`
	Handle          string   `json:"handle"`
	Title           string   `json:"title"`
	Vendor          string   `json:"vendor"`
	ProductType     string   `json:"productType"`
	Tags            []string `json:"tags"`
	DescriptionHTML string   `json:"descriptionHtml"`
	SEO             *gqlSEO  `json:"seo"`
	CreatedAt       string   `json:"createdAt"`
	UpdatedAt       string   `json:"updatedAt"`
	Images          struct {
		Edges []struct {
			Node gqlImage `json:"node"`
		} `json:"edges"`
	} `json:"images"`
	Options []struct {
		Name         string   `json:"name"`
		Values       []string `json:"values"` // before 2024-07
		OptionValues []struct {
			Name string `json:"name"`
		} `json:"optionValues"`
	} `json:"options"`
	Variants variantConn `json:"variants"`
}

type productsData struct {
	Products *struct {
		PageInfo pageInfo `json:"pageInfo"`
		Edges    []struct {
			Node json.RawMessage `json:"node"`
		} `json:"edges"`
	} `json:"products"`
}

type handleConn struct {
	PageInfo pageInfo `json:"pageInfo"`
	Edges    []struct {
		Node struct {
			Handle string `json:"handle"`
		} `json:"node"`
	} `json:"edges"`
}

type gqlCollection struct {
	ID              string     `json:"id"`
	Handle          string     `json:"handle"`
	Title           string     `json:"title"`
	DescriptionHTML string     `json:"descriptionHtml"`
	Image           *gqlImage  `json:"image"`
	SEO             *gqlSEO    `json:"seo"`
	Products        handleConn `json:"products"`
}

type collectionsData struct {
	Collections *struct {
		PageInfo pageInfo `json:"pageInfo"`
		Edges    []struct {
			Node json.RawMessage `json:"node"`
		} `json:"edges"`
	} `json:"collections"`
}
