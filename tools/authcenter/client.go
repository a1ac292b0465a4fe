package authcenter

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// Errors of the API as the Client reports them, for errors.Is.
var (
	// ErrUnknownSubscriber: the AC holds no key for the identity (HTTP 404).
	ErrUnknownSubscriber = errors.New("authcenter: unknown subscriber")
	// ErrUnknownProxy: the AC holds no key for the proxy (HTTP 403).
	ErrUnknownProxy = errors.New("authcenter: unknown proxy")
	// ErrUnknownNonce: success reported for a nonce the AC did not issue to that
	// identity, that expired, or that was already reported (HTTP 404).
	ErrUnknownNonce = errors.New("authcenter: unknown nonce")
	// ErrBadRequest: the AC refused the request as malformed (HTTP 400).
	ErrBadRequest = errors.New("authcenter: bad request")
	// ErrUnexpectedStatus: any other HTTP status, or a malformed answer.
	ErrUnexpectedStatus = errors.New("authcenter: unexpected answer")
)

// Paths of the HTTP API.
const (
	PathAuth    = "/v1/auth"
	PathSuccess = "/v1/success"
	PathHealth  = "/healthz"
)

// maxResponse bounds what the Client reads from the AC: a vector is under 1 KiB.
const maxResponse = 64 << 10

// defaultClientTimeout applies when Client.HTTP is nil.
const defaultClientTimeout = 5 * time.Second

// AuthRequest asks for an authentication vector (POST /v1/auth). Proxy "" asks for
// direct mode; Wrap "" means aes128gcm; Realm "" means the AC's configured realm.
type AuthRequest struct {
	Identity string `json:"identity"`
	Realm    string `json:"realm"`
	Proxy    string `json:"proxy"`
	Wrap     string `json:"wrap"`
}

// AuthVector is the AC's answer to an AuthRequest. HA1 maps "MD5" and "SHA-256"
// to lower-case hex; Terminal and Proxy are base64 wrapped-key blobs; KID is the
// proxy key id; SK is the base64 session key, set only in direct mode. HA1 and SK
// are secrets: an AuthVector prints and marshals with them redacted.
type AuthVector struct {
	Nonce    string
	Realm    string
	HA1      map[string]string
	Wrap     string
	Terminal string
	Proxy    string
	KID      string
	SK       string
}

// String shows the public fields and redacts HA1 and SK.
func (v AuthVector) String() string {
	sk := ""
	if v.SK != "" {
		sk = " SK:[REDACTED]"
	}
	return fmt.Sprintf("authcenter.AuthVector{Nonce:%q Realm:%q HA1:[REDACTED] Wrap:%q "+
		"Terminal:%q Proxy:%q KID:%q%s}", v.Nonce, v.Realm, v.Wrap, v.Terminal, v.Proxy,
		v.KID, sk)
}

// GoString is String.
func (v AuthVector) GoString() string { return v.String() }

// Format writes String for every verb.
func (v AuthVector) Format(f fmt.State, _ rune) { io.WriteString(f, v.String()) }

// MarshalJSON writes the public fields only, for loggers that encode values as
// JSON. The wire form is authResponse.
func (v AuthVector) MarshalJSON() ([]byte, error) {
	return json.Marshal(map[string]string{"nonce": v.Nonce, "realm": v.Realm,
		"wrap": v.Wrap, "kid": v.KID, "ha1": "[REDACTED]", "sk": "[REDACTED]"})
}

// authResponse is the wire form of an AuthVector.
type authResponse struct {
	Nonce    string            `json:"nonce"`
	Realm    string            `json:"realm"`
	HA1      map[string]string `json:"ha1"`
	Wrap     string            `json:"wrap"`
	Terminal string            `json:"terminal"`
	Proxy    string            `json:"proxy,omitempty"`
	KID      string            `json:"kid,omitempty"`
	SK       string            `json:"sk,omitempty"`
}

type successRequest struct {
	Identity string `json:"identity"`
	Nonce    string `json:"nonce"`
}

type errorResponse struct {
	Error string `json:"error"`
}

// Client calls an AC's HTTP API. BaseURL is e.g. "http://127.0.0.1:8740"; HTTP nil
// uses a client with a 5-second timeout. Safe for concurrent use.
type Client struct {
	BaseURL string
	HTTP    *http.Client
}

// Auth fetches an authentication vector. Errors: ErrUnknownSubscriber,
// ErrUnknownProxy, ErrBadRequest, ErrUnexpectedStatus, or the transport's error.
func (c *Client) Auth(ctx context.Context, req AuthRequest) (*AuthVector, error) {
	var resp authResponse
	status, err := c.post(ctx, PathAuth, req, &resp)
	if err != nil {
		return nil, err
	}
	if status != http.StatusOK {
		return nil, statusError(status, "auth")
	}
	if resp.Nonce == "" || resp.Terminal == "" {
		return nil, fmt.Errorf("%w: vector without nonce or terminal blob", ErrUnexpectedStatus)
	}
	v := AuthVector(resp)
	return &v, nil
}

// Success reports a terminal authentication success for the vector's nonce.
// Errors: ErrUnknownNonce, ErrBadRequest, ErrUnexpectedStatus, or the transport's.
func (c *Client) Success(ctx context.Context, identity, nonce string) error {
	status, err := c.post(ctx, PathSuccess, successRequest{identity, nonce}, nil)
	if err != nil {
		return err
	}
	if status != http.StatusNoContent {
		return statusError(status, "success")
	}
	return nil
}

// post sends body as JSON, decodes a 200 answer into out when out is non-nil, and
// returns the status.
func (c *Client) post(ctx context.Context, path string, body, out any) (int, error) {
	return c.do(ctx, http.MethodPost, path, body, out, http.StatusOK)
}

// do sends body (when non-nil) as JSON with method, decodes an answer of status
// ok into out when out is non-nil, and returns the status. Error bodies are
// drained, not quoted: the status says which API error it is, and no server text
// reaches the caller's logs.
func (c *Client) do(ctx context.Context, method, path string, body, out any, ok int) (int, error) {
	var rd io.Reader
	if body != nil {
		data, err := json.Marshal(body)
		if err != nil {
			return 0, err
		}
		rd = bytes.NewReader(data)
	}
	url := strings.TrimRight(c.BaseURL, "/") + path
	req, err := http.NewRequestWithContext(ctx, method, url, rd)
	if err != nil {
		return 0, fmt.Errorf("authcenter: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.httpClient().Do(req)
	if err != nil {
		return 0, fmt.Errorf("authcenter: %w", err)
	}
	defer resp.Body.Close()
	limited := io.LimitReader(resp.Body, maxResponse)
	if resp.StatusCode == ok && out != nil {
		if err := json.NewDecoder(limited).Decode(out); err != nil {
			return 0, fmt.Errorf("%w: %s: %v", ErrUnexpectedStatus, path, err)
		}
	}
	_, _ = io.Copy(io.Discard, limited) // let the connection be reused
	return resp.StatusCode, nil
}

func (c *Client) httpClient() *http.Client {
	if c.HTTP != nil {
		return c.HTTP
	}
	return &http.Client{Timeout: defaultClientTimeout}
}

// statusError maps an HTTP status to the API's errors.
func statusError(status int, op string) error {
	switch status {
	case http.StatusNotFound:
		if op == "auth" {
			return ErrUnknownSubscriber
		}
		return ErrUnknownNonce
	case http.StatusForbidden:
		return ErrUnknownProxy
	case http.StatusBadRequest:
		return ErrBadRequest
	}
	return fmt.Errorf("%w: %s: HTTP %d", ErrUnexpectedStatus, op, status)
}
